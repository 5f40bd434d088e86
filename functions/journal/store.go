package journal

import (
	"time"

	"cloud.google.com/go/firestore"
)

// Collections below users/{uid}.
const (
	collUsers   = "users"
	collEntries = "journal_entries"
	collClients = "journal_clients"
	collMeta    = "journal_meta"
	collVectors = "journal_vectors"
	metaState   = "state"
)

// metaDoc is users/{uid}/journal_meta/state: the version cookie and the
// usage counters, changed in the transaction of every applied push.
type metaDoc struct {
	Version   int64     `firestore:"version"`
	Entries   int       `firestore:"entries"`
	Bytes     int64     `firestore:"bytes"`
	UpdatedAt time.Time `firestore:"updated_at"`
}

// clientDoc is users/{uid}/journal_clients/{clientId}: how far the client's
// queue is applied, stamped with the version of the change.
type clientDoc struct {
	LastMutationID int64     `firestore:"last_mutation_id"`
	Version        int64     `firestore:"version"`
	UpdatedAt      time.Time `firestore:"updated_at"`
}

func (a *api) user(uid string) *firestore.DocumentRef {
	return a.d.Firestore.Collection(collUsers).Doc(uid)
}

func (a *api) entries(uid string) *firestore.CollectionRef {
	return a.user(uid).Collection(collEntries)
}

func (a *api) metaRef(uid string) *firestore.DocumentRef {
	return a.user(uid).Collection(collMeta).Doc(metaState)
}

func (a *api) clientRef(uid, client string) *firestore.DocumentRef {
	return a.user(uid).Collection(collClients).Doc(client)
}
