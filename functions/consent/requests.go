package consent

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"cloud.google.com/go/firestore"
)

// Firestore layout of data-subject requests and their audit trail.
const (
	colRequests = "privacy_requests"
	colAudit    = "audit"
)

// Request kinds and states.
const (
	KindExport  = "export"
	KindErasure = "erasure"

	StatusAwaiting  = "awaiting_confirmation"
	StatusRunning   = "running"
	StatusCompleted = "completed"
)

// Deadline is how long the law gives to answer a request (GDPR Art. 12(3)).
const Deadline = 30 * 24 * time.Hour

// RequestDoc is privacy_requests/{id}. While a request runs it names the
// person (uid, email, actors) and the organisations their erasure
// dissolves, so a retry can finish it; a completed erasure keeps none of
// that.
type RequestDoc struct {
	Kind   string `firestore:"kind"`
	Status string `firestore:"status"`
	UID    string `firestore:"uid,omitempty"`
	Email  string `firestore:"email,omitempty"`
	// EmailVerified: holders keyed by Email are erased only when set.
	EmailVerified bool     `firestore:"email_verified,omitempty"`
	Spellings     []string `firestore:"spellings,omitempty"`
	Org           string   `firestore:"org,omitempty"`
	Actors        []string `firestore:"actors,omitempty"`
	Dissolve      []string `firestore:"dissolve,omitempty"`
	// OrgsDissolved counts, once completed, the organisations dissolved.
	OrgsDissolved int `firestore:"orgs_dissolved,omitempty"`
	// Withheld names the holders an export left out, with the reason.
	Withheld    map[string]string `firestore:"withheld,omitempty"`
	ConfirmHash string            `firestore:"confirm_hash,omitempty"`
	Prepared    bool              `firestore:"prepared"`
	Progress    map[string]int    `firestore:"progress"` // holder → items handled, once done
	Object      string            `firestore:"object,omitempty"`
	CreatedAt   time.Time         `firestore:"created_at"`
	DueAt       time.Time         `firestore:"due_at"`
	CompletedAt time.Time         `firestore:"completed_at,omitempty"`
	Extra       map[string]string `firestore:"extra,omitempty"`
}

// AuditDoc is audit/{id}: what happened, never to whom.
type AuditDoc struct {
	Type      string         `firestore:"type"`
	RequestID string         `firestore:"request_id"`
	At        time.Time      `firestore:"at"`
	Holders   map[string]int `firestore:"holders"`
	// OrgsDissolved counts the organisations an erasure dissolved.
	OrgsDissolved int `firestore:"orgs_dissolved,omitempty"`
}

// RequestView is a request as the API shows it.
type RequestView struct {
	ID          string     `json:"id"`
	Kind        string     `json:"kind"`
	Status      string     `json:"status"`
	UID         string     `json:"uid,omitempty"`
	CreatedAt   time.Time  `json:"created_at"`
	DueAt       time.Time  `json:"due_at"`
	DaysLeft    int        `json:"days_left"`
	CompletedAt *time.Time `json:"completed_at,omitempty"`
	// DownloadURL is a short-lived signed URL of a completed export.
	DownloadURL string     `json:"download_url,omitempty"`
	ExpiresAt   *time.Time `json:"expires_at,omitempty"`
	// ConfirmationCode is returned once, when an erasure is requested.
	ConfirmationCode string         `json:"confirmation_code,omitempty"`
	Holders          map[string]int `json:"holders,omitempty"`
	// Withheld names the holders a completed export left out, and why.
	Withheld map[string]string `json:"withheld,omitempty"`
}

func view(id string, r RequestDoc, now time.Time) RequestView {
	v := RequestView{ID: id, Kind: r.Kind, Status: r.Status, UID: r.UID, CreatedAt: r.CreatedAt, DueAt: r.DueAt}
	if r.Status != StatusCompleted {
		v.DaysLeft = int(r.DueAt.Sub(now).Hours() / 24)
	} else {
		t := r.CompletedAt
		v.CompletedAt = &t
		v.Holders = r.Progress
		v.Withheld = r.Withheld
	}
	return v
}

func newCode() (string, string) {
	b := make([]byte, 12)
	rand.Read(b)
	code := hex.EncodeToString(b)
	return code, hashCode(code)
}

func hashCode(code string) string {
	s := sha256.Sum256([]byte("poy.erasure.confirm/" + code))
	return hex.EncodeToString(s[:])
}

// errNotFound: the request does not exist or is not the caller's.
var errNotFound = errors.New("no such request")

func (j *Jobs) request(ctx context.Context, id string) (RequestDoc, error) {
	snap, err := j.d.Firestore.Collection(colRequests).Doc(id).Get(ctx)
	if notFound(err) {
		return RequestDoc{}, errNotFound
	}
	if err != nil {
		return RequestDoc{}, err
	}
	var r RequestDoc
	if err := snap.DataTo(&r); err != nil {
		return RequestDoc{}, err
	}
	if r.Progress == nil {
		r.Progress = map[string]int{}
	}
	return r, nil
}

// newRequest creates a request of kind for uid.
func (j *Jobs) newRequest(ctx context.Context, kind, uid, org, confirmHash string) (string, RequestDoc, error) {
	now := j.d.Now().UTC()
	r := RequestDoc{Kind: kind, UID: uid, Org: org, Status: StatusRunning, ConfirmHash: confirmHash,
		Progress: map[string]int{}, CreatedAt: now, DueAt: now.Add(Deadline)}
	if confirmHash != "" {
		r.Status = StatusAwaiting
	}
	ref := j.d.Firestore.Collection(colRequests).NewDoc()
	if _, err := ref.Create(ctx, r); err != nil {
		return "", r, fmt.Errorf("create request: %w", err)
	}
	return ref.ID, r, nil
}

func (j *Jobs) saveProgress(ctx context.Context, id, holder string, n int) error {
	_, err := j.d.Firestore.Collection(colRequests).Doc(id).Update(ctx, []firestore.Update{{FieldPath: firestore.FieldPath{"progress", holder}, Value: n}})
	return err
}
