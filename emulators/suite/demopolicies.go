package suite

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"cloud.google.com/go/firestore"

	"pointsofyou.ai/studio/shared/consentvault"
)

// DemoPoliciesPath is the demo consent policy texts beside the users file.
func DemoPoliciesPath(usersPath string) string {
	return filepath.Join(filepath.Dir(usersPath), "consent-policies.json")
}

// seedDemoPolicies publishes version 1 of each purpose's policy that has
// none yet, so the demo people can grant consent (a purpose without a
// policy cannot be granted). A missing file seeds nothing.
func (s *Suite) seedDemoPolicies(ctx context.Context, usersPath string) error {
	b, err := os.ReadFile(DemoPoliciesPath(usersPath))
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return err
	}
	var f struct {
		Policies map[consentvault.Purpose]map[string]string `json:"policies"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		return fmt.Errorf("demo policies: %w", err)
	}
	client, err := firestore.NewClient(ctx, s.opts.Project)
	if err != nil {
		return err
	}
	defer client.Close()
	store := consentvault.NewStore(client, nil)
	for _, p := range consentvault.Purposes() {
		texts, ok := f.Policies[p]
		if !ok {
			continue
		}
		if _, exists, err := store.CurrentPolicy(ctx, p); err != nil {
			return err
		} else if exists {
			continue
		}
		if _, err := store.PublishPolicy(ctx, p, texts); err != nil {
			return fmt.Errorf("demo policy %s: %w", p, err)
		}
	}
	return nil
}
