// Package privacy is the registry of personal-data holders: every place a
// function keeps data about a person, so that data-subject requests
// (export, GDPR Art. 15/20; erasure, Art. 17) and retention find all of it
// from one list. A function that starts storing personal data adds its
// holders to Standard; a test fails when a function package writes under
// users/{uid} without owning a holder there.
//
// A holder is one of:
//   - a Firestore document or collection path pattern with {uid}, taken
//     with every subcollection below it;
//   - a Firestore collection group whose documents name the person in a
//     field (the uid or the email), or, for documents several people
//     share, in an array field; one keyed by the email is matched only
//     for an account whose address is verified (see Subject);
//   - Cloud Storage objects under a prefix with {uid}, or objects whose
//     metadata names the person (kept as organisation content, with the
//     name removed on erasure);
//   - BigQuery rows keyed by the pseudonymous actor of each organisation
//     the person belongs to (see shared/events.Pseudonymizer).
package privacy

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Key is what identifies the person in a holder.
type Key string

// Keys.
const (
	ByUID   Key = "uid"
	ByEmail Key = "email"
	ByActor Key = "actor" // the per-organisation pseudonym
)

// Firestore is a Firestore holder: Path (a document or collection pattern
// with {uid}), or Group with Field equal to the person's Key.
type Firestore struct {
	Path  string
	Group string
	Field string
	By    Key // for Group; default ByUID
	// NormalField, for a group keyed ByEmail, is a field holding
	// NormalEmail of Field where Field keeps an address as it was once
	// written (mixed case, from before addresses were normalised on entry).
	// It is matched as well, and the spellings it reveals are looked up in
	// every holder keyed ByEmail (the mail sent to them).
	NormalField string
	// Shared marks a Group whose documents several people share (a
	// breakout round): Field is an array naming them all. Export shows the
	// person's documents with the others' ids masked; erasure removes the
	// person from each document instead of deleting it.
	Shared bool
}

// Storage is a Cloud Storage holder in Bucket (a logical bucket name of
// infra/topology.yaml): objects under Prefix (with {uid}), or, with
// MetadataKey set, objects under Prefix whose metadata value at that key is
// the uid. Objects found by metadata belong to an organisation: erasure
// removes the person's name from them rather than the objects.
type Storage struct {
	Bucket      string
	Prefix      string
	MetadataKey string
}

// BigQuery is a table ("dataset.table") whose Column holds the person's
// pseudonymous actor.
type BigQuery struct {
	Table  string
	Column string
}

// Holder is one place that keeps personal data.
type Holder struct {
	// Name is stable and unique ("accounts.user"); exports name a file
	// after it.
	Name string
	// Owner is the package that writes it ("functions/accounts").
	Owner       string
	Description string
	Firestore   *Firestore
	Storage     *Storage
	BigQuery    *BigQuery
}

// Registry is a checked set of holders.
type Registry struct {
	holders []Holder
}

var (
	nameRE  = regexp.MustCompile(`^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$`)
	tableRE = regexp.MustCompile(`^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$`)
)

// Register adds h after checking it.
func (r *Registry) Register(h Holder) error {
	if !nameRE.MatchString(h.Name) {
		return fmt.Errorf("privacy: holder name %q must be dotted lower-case words", h.Name)
	}
	if slices.ContainsFunc(r.holders, func(o Holder) bool { return o.Name == h.Name }) {
		return fmt.Errorf("privacy: duplicate holder %q", h.Name)
	}
	if h.Owner == "" {
		return fmt.Errorf("privacy: holder %q has no owner", h.Name)
	}
	n := 0
	for _, set := range []bool{h.Firestore != nil, h.Storage != nil, h.BigQuery != nil} {
		if set {
			n++
		}
	}
	if n != 1 {
		return fmt.Errorf("privacy: holder %q must be exactly one of Firestore, Storage, BigQuery", h.Name)
	}
	var err error
	switch {
	case h.Firestore != nil:
		f := h.Firestore
		switch {
		case (f.Path == "") == (f.Group == ""):
			err = errors.New("needs exactly one of Path or Group")
		case f.Path != "" && (!strings.Contains(f.Path, "{uid}") || strings.HasPrefix(f.Path, "/") || strings.Contains(f.Path, "//")):
			err = errors.New("Path must be a relative pattern with {uid}")
		case f.Group != "" && (f.Field == "" || strings.Contains(f.Group, "/")):
			err = errors.New("Group needs a Field and no slashes")
		case f.Group != "" && f.By != "" && f.By != ByUID && f.By != ByEmail:
			err = fmt.Errorf("By %q must be uid or email", f.By)
		case f.Shared && f.Group == "":
			err = errors.New("Shared needs a Group")
		case f.NormalField != "" && (f.Group == "" || f.By != ByEmail || f.Shared):
			err = errors.New("NormalField needs a Group keyed by email")
		}
	case h.Storage != nil:
		s := h.Storage
		switch {
		case s.Bucket == "":
			err = errors.New("Storage needs a Bucket")
		case s.MetadataKey == "" && !strings.Contains(s.Prefix, "{uid}"):
			err = errors.New("a Storage prefix without MetadataKey must contain {uid}")
		}
	case h.BigQuery != nil:
		if !tableRE.MatchString(h.BigQuery.Table) || h.BigQuery.Column == "" {
			err = errors.New(`BigQuery needs Table "dataset.table" and Column`)
		}
	}
	if err != nil {
		return fmt.Errorf("privacy: holder %q: %w", h.Name, err)
	}
	r.holders = append(r.holders, h)
	return nil
}

// MustRegister is Register that panics: for the fixed list in Standard.
func (r *Registry) MustRegister(h Holder) {
	if err := r.Register(h); err != nil {
		panic(err)
	}
}

// Holders lists the holders in registration order.
func (r *Registry) Holders() []Holder { return slices.Clone(r.holders) }

// Owners lists the distinct owners.
func (r *Registry) Owners() []string {
	var out []string
	for _, h := range r.holders {
		if !slices.Contains(out, h.Owner) {
			out = append(out, h.Owner)
		}
	}
	return out
}

// Expand puts uid into a pattern.
func Expand(pattern, uid string) string { return strings.ReplaceAll(pattern, "{uid}", uid) }

// NormalEmail is the one form in which an email address is stored,
// compared and looked up: trimmed and lower-cased. Firebase Auth keeps
// addresses this way, and mail providers do not tell the cases of a local
// part apart, so two spellings of one address are one person. Every place
// where an address enters (invitations, the mail outbox, data-subject
// lookups) passes it through here.
func NormalEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// ErrUnverifiedEmail refuses a holder keyed by an email address to an
// account that has not proven it owns the address.
var ErrUnverifiedEmail = errors.New("privacy: the account's email address is not verified")

// Subject is the person a data-subject request is about, as the holders
// key them.
type Subject struct {
	UID string
	// Email is the account's address (NormalEmail); EmailVerified says
	// whether its holder proved they receive mail there. Anyone may sign
	// up with any address, so what is keyed by an address (mail,
	// invitations with their join links) is released or erased only for a
	// verified owner; uid-keyed data is the account's own either way.
	Email         string
	EmailVerified bool
	// Spellings are the other forms in which Email was stored before
	// addresses were normalised (found through Firestore.NormalField).
	Spellings []string
	// Actors are the person's pseudonyms, one per organisation.
	Actors []string
}

// Values are what holder h's key field is compared with for s (none: h
// holds nothing of s). ErrUnverifiedEmail says that h must not be searched
// for s at all: an export names it as left out, an erasure leaves it.
func (s Subject) Values(h Holder) ([]string, error) {
	if h.Firestore == nil || h.Firestore.Group == "" {
		return nil, nil
	}
	if h.Firestore.By != ByEmail {
		if s.UID == "" {
			return nil, nil
		}
		return []string{s.UID}, nil
	}
	if s.Email == "" {
		return nil, nil
	}
	if !s.EmailVerified {
		return nil, ErrUnverifiedEmail
	}
	out := []string{s.Email}
	for _, v := range s.Spellings {
		if v != "" && !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out, nil
}

// Withheld explains, for an export's manifest, why a holder was left out.
func Withheld(err error) string {
	if errors.Is(err, ErrUnverifiedEmail) {
		return "Not searched: this holder is keyed by an email address, and the account's address is not verified. " +
			"Mail and invitations sent to an address are released or erased only for its verified owner; verify the address and ask again."
	}
	return "Not searched: " + err.Error()
}

// Standard is every holder of the platform. Add a holder here when a
// function starts keeping personal data somewhere new.
func Standard() *Registry {
	r := &Registry{}
	r.MustRegister(Holder{Name: "accounts.user", Owner: "functions/accounts",
		Description: "Profile, role, onboarding answers and everything below users/{uid}: consent, journal, coach history, sync state.",
		Firestore:   &Firestore{Path: "users/{uid}"}})
	r.MustRegister(Holder{Name: "accounts.memberships", Owner: "functions/accounts",
		Description: "Organisation memberships (role, name and email as the organisation sees them).",
		Firestore:   &Firestore{Group: "members", Field: "uid"}})
	r.MustRegister(Holder{Name: "accounts.invitations", Owner: "functions/accounts",
		Description: "Invitations sent to the person's email address (to organisations and to sessions).",
		Firestore:   &Firestore{Group: "invitations", Field: "email", By: ByEmail, NormalField: "email_lc"}})
	r.MustRegister(Holder{Name: "mail.outbox", Owner: "shared/mail",
		Description: "Mail queued or sent to the person.",
		Firestore:   &Firestore{Group: "outbox", Field: "to", By: ByEmail}})
	r.MustRegister(Holder{Name: "consent.state", Owner: "functions/consent",
		Description: "Current consent decisions per purpose.",
		Firestore:   &Firestore{Path: "users/{uid}/consent"}})
	r.MustRegister(Holder{Name: "consent.receipts", Owner: "functions/consent",
		Description: "Hash-chained receipts of every consent decision.",
		Firestore:   &Firestore{Path: "users/{uid}/consent_receipts"}})
	r.MustRegister(Holder{Name: "coach.memory", Owner: "functions/coach",
		Description: "Journal-derived context the coach keeps (only with coach_memory consent).",
		Firestore:   &Firestore{Path: "users/{uid}/coach_memory"}})
	r.MustRegister(Holder{Name: "coach.conversations", Owner: "functions/coach",
		Description: "Conversations with the coach (title, language, linked session), with their messages.",
		Firestore:   &Firestore{Path: "users/{uid}/coach_conversations"}})
	r.MustRegister(Holder{Name: "coach.messages", Owner: "functions/coach",
		Description: "The person's questions to the coach and its answers, with sources, ratings and escalations.",
		Firestore:   &Firestore{Group: "messages", Field: "uid"}})
	r.MustRegister(Holder{Name: "coach.credits", Owner: "functions/coach",
		Description: "Coach answers used per month.",
		Firestore:   &Firestore{Path: "users/{uid}/ai_credits"}})
	r.MustRegister(Holder{Name: "coach.alerts", Owner: "functions/coach",
		Description: "Safety alerts the person's coach messages raised for a session's facilitators (the kind, never the text).",
		Firestore:   &Firestore{Group: "coach_alerts", Field: "uid"}})
	r.MustRegister(Holder{Name: "coach.copilot", Owner: "functions/coach",
		Description: "Copilot suggestions the person asked for as a facilitator, and what they did with them.",
		Firestore:   &Firestore{Group: "copilot", Field: "uid"}})
	r.MustRegister(Holder{Name: "journal.entries", Owner: "functions/journal",
		Description: "Journal entries (title, body, tags, cards, mood, session, visibility), their kept conflict versions and deleted entries for 30 days.",
		Firestore:   &Firestore{Path: "users/{uid}/journal_entries"}})
	r.MustRegister(Holder{Name: "journal.clients", Owner: "functions/journal",
		Description: "The person's devices' sync positions (a random id per device, the last change applied).",
		Firestore:   &Firestore{Path: "users/{uid}/journal_clients"}})
	r.MustRegister(Holder{Name: "journal.meta", Owner: "functions/journal",
		Description: "The journal's sync version and its size (entries, bytes).",
		Firestore:   &Firestore{Path: "users/{uid}/journal_meta"}})
	r.MustRegister(Holder{Name: "journal.vectors", Owner: "functions/journal",
		Description: "Embeddings of the journal entries' redacted text, for search by meaning.",
		Firestore:   &Firestore{Path: "users/{uid}/journal_vectors"}})
	r.MustRegister(Holder{Name: "content.usage", Owner: "functions/content",
		Description: "Monthly counts of licensed content the person used.",
		Firestore:   &Firestore{Path: "users/{uid}/content_usage_months"}})
	r.MustRegister(Holder{Name: "content.usage_log", Owner: "shared/library",
		Description: "The log of each use of licensed content (item, purpose, session, tiers), by the content API and the coach.",
		Firestore:   &Firestore{Group: "content_usage", Field: "uid"}})
	r.MustRegister(Holder{Name: "media.uploads", Owner: "functions/media",
		Description: "Images the person uploaded to an organisation (the uploader is named in object metadata).",
		Storage:     &Storage{Bucket: "media", Prefix: "orgs/", MetadataKey: "uploader"}})
	r.MustRegister(Holder{Name: "media.personal", Owner: "functions/media",
		Description: "Personal files (avatar, journal images).",
		Storage:     &Storage{Bucket: "media", Prefix: "users/{uid}/"}})
	r.MustRegister(Holder{Name: "privacy.exports", Owner: "functions/consent",
		Description: "Archives of the person's earlier data exports.",
		Storage:     &Storage{Bucket: "exports", Prefix: "dsr/{uid}/"}})
	r.MustRegister(Holder{Name: "privacy.requests", Owner: "functions/consent",
		Description: "The person's data-subject requests (a completed erasure keeps no trace of the person).",
		Firestore:   &Firestore{Group: "privacy_requests", Field: "uid"}})
	r.MustRegister(Holder{Name: "sessions.participants", Owner: "functions/sessions",
		Description: "Live sessions the person was invited to or took part in (state, join and leave times).",
		Firestore:   &Firestore{Group: "participants", Field: "uid"}})
	r.MustRegister(Holder{Name: "sessions.picks", Owner: "functions/sessions",
		Description: "Cards the person picked in live-session draws.",
		Firestore:   &Firestore{Group: "picks", Field: "uid"}})
	r.MustRegister(Holder{Name: "sessions.homework", Owner: "functions/sessions",
		Description: "Homework items assigned to the person in sessions.",
		Firestore:   &Firestore{Group: "homework", Field: "uid"}})
	r.MustRegister(Holder{Name: "sessions.breakouts", Owner: "functions/sessions",
		Description: "Breakout rooms the person was placed in (shared with the other people of the round).",
		Firestore:   &Firestore{Group: "breakouts", Field: "member_uids", Shared: true}})
	r.MustRegister(Holder{Name: "canvas.canvases", Owner: "functions/canvas",
		Description: "Canvases the person made, with everything on them, their versions' records and their op log.",
		Firestore:   &Firestore{Group: "canvases", Field: "owner"}})
	r.MustRegister(Holder{Name: "canvas.versions", Owner: "functions/canvas",
		Description: "Saved versions (snapshots) of the person's canvases.",
		Storage:     &Storage{Bucket: "canvases", Prefix: "owners/{uid}/"}})
	r.MustRegister(Holder{Name: "canvas.elements", Owner: "functions/realtime",
		Description: "Notes, drawings, cards and other elements the person put on any canvas.",
		Firestore:   &Firestore{Group: "elements", Field: "owner"}})
	r.MustRegister(Holder{Name: "canvas.op_log", Owner: "functions/realtime",
		Description: "The last week's record of canvas operations (shared with the others whose operations share a batch).",
		Firestore:   &Firestore{Group: "ops", Field: "uids", Shared: true}})
	r.MustRegister(Holder{Name: "insights.sessions", Owner: "functions/insights",
		Description: "Figures about the person's canvas activity in live sessions (with canvas_insights consent), shown to the sessions' facilitators (shared with the others of the session; withdrawing the consent or deleting its state removes the figures).",
		Firestore:   &Firestore{Group: "insights", Field: "people", Shared: true}})
	r.MustRegister(Holder{Name: "analytics.report_cache", Owner: "functions/analytics",
		Description: "A day's copy of the person's own reports (their activity, their sessions, their content), deleted two days later.",
		Firestore:   &Firestore{Group: "report_cache", Field: "uid"}})
	r.MustRegister(Holder{Name: "billing.customer", Owner: "functions/billing",
		Description: "The person's Stripe customer id and whether they may buy the official plan.",
		Firestore:   &Firestore{Path: "users/{uid}/billing"}})
	r.MustRegister(Holder{Name: "billing.seats", Owner: "shared/entitlements",
		Description: "Which staff members hold a seat of their organisation's plan (shared with the other holders).",
		Firestore:   &Firestore{Group: "billing", Field: "holders", Shared: true}})
	r.MustRegister(Holder{Name: "realtime.presence", Owner: "functions/realtime",
		Description: "Who is on a canvas or in a session right now (name, colour, cursor); expires within minutes.",
		Firestore:   &Firestore{Group: "presence", Field: "uid"}})
	r.MustRegister(Holder{Name: "events.outbox", Owner: "shared/outbox",
		Description: "Events recorded but not yet published to analytics (kept with the uid until then, for the consent check).",
		Firestore:   &Firestore{Group: "event_outbox", Field: "uid"}})
	r.MustRegister(Holder{Name: "analytics.events", Owner: "shared/events",
		Description: "Pseudonymous domain events (actor = HMAC of the uid per organisation).",
		BigQuery:    &BigQuery{Table: "analytics.events", Column: "actor"}})
	return r
}
