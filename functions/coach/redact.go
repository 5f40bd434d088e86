package coach

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"cloud.google.com/go/firestore"

	"pointsofyou.ai/studio/shared/auth"
	"pointsofyou.ai/studio/shared/authz"
	"pointsofyou.ai/studio/shared/pii"
)

// nameCache keeps the display names of each organisation's people for a
// while: every ask redacts them, and an organisation changes rarely.
type nameCache struct {
	ttl time.Duration
	now func() time.Time
	mu  sync.Mutex
	m   map[string]cachedNames
}

type cachedNames struct {
	names []string
	at    time.Time
}

func newNameCache(ttl time.Duration, now func() time.Time) *nameCache {
	return &nameCache{ttl: ttl, now: now, m: map[string]cachedNames{}}
}

// orgNames are the display names of org's members.
func (c *nameCache) orgNames(ctx context.Context, fs *firestore.Client, org string) ([]string, error) {
	if !authz.ValidOrgID(org) {
		return nil, nil
	}
	c.mu.Lock()
	e, ok := c.m[org]
	c.mu.Unlock()
	if ok && c.now().Sub(e.at) < c.ttl {
		return e.names, nil
	}
	docs, err := fs.Collection("orgs").Doc(org).Collection("members").Select("display_name").Documents(ctx).GetAll()
	if err != nil {
		return nil, fmt.Errorf("read members: %w", err)
	}
	names := make([]string, 0, len(docs))
	for _, d := range docs {
		if n, _ := d.Data()["display_name"].(string); strings.TrimSpace(n) != "" {
			names = append(names, strings.TrimSpace(n))
		}
	}
	c.mu.Lock()
	c.m[org] = cachedNames{names: names, at: c.now()}
	c.mu.Unlock()
	return names, nil
}

// redactor is the caller's redactor: their own name and their
// organisation's people's names are always personal.
func (a *api) redactor(ctx context.Context, p *auth.Principal) (*pii.Redactor, error) {
	names, err := a.names.orgNames(ctx, a.d.Firestore, p.Org)
	if err != nil {
		return nil, err
	}
	if authz.ValidDocID(p.UID) {
		own, err := docString(ctx, a.d.Firestore.Collection(collUsers).Doc(p.UID), "display_name")
		if err != nil {
			return nil, err
		}
		if own = strings.TrimSpace(own); own != "" {
			names = append([]string{own}, names...)
		}
	}
	return pii.New(pii.Options{Names: names}), nil
}

// joint separates texts redacted together: one redaction, one set of
// placeholders for the whole prompt, so [NAME_1] means one person
// everywhere and the answer restores it.
const joint = "\n\n\u2042\u2042\u2042\n\n"

// redactAll redacts texts as one and returns them in order with the
// redaction that restores the answer. Should the separators not survive,
// each text is redacted alone and the last one's redaction restores.
func redactAll(r *pii.Redactor, texts []string) ([]string, *pii.Redaction) {
	d := r.Redact(strings.Join(texts, joint))
	parts := strings.Split(d.Text, joint)
	if len(parts) == len(texts) {
		return parts, d
	}
	out := make([]string, len(texts))
	var last *pii.Redaction
	for i, t := range texts {
		last = r.Redact(t)
		out[i] = last.Text
	}
	return out, last
}
