package suite

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"cloud.google.com/go/firestore"

	"pointsofyou.ai/studio/shared/journey"
)

// DemoJourneyID is the demo organisation's published journey.
const DemoJourneyID = "demo-tides-of-change"

// DemoJourneyPath is the demo journey beside the users file: an export
// document of functions/journeys, so it is also a valid import.
func DemoJourneyPath(usersPath string) string {
	return filepath.Join(filepath.Dir(usersPath), "journey.json")
}

// seedDemoJourney writes the demo journey of the first demo organisation as
// a draft published once (version 1), as functions/journeys stores it, so
// a session can be scheduled from it at once. A missing file seeds nothing.
func (s *Suite) seedDemoJourney(ctx context.Context, usersPath string, d *DemoData) error {
	b, err := os.ReadFile(DemoJourneyPath(usersPath))
	if os.IsNotExist(err) || len(d.Orgs) == 0 {
		return nil
	}
	if err != nil {
		return err
	}
	j, err := journey.DecodeDocument(b)
	if err != nil {
		return fmt.Errorf("demo journey: %w", err)
	}
	if fields := journey.Validate(j, journey.ModePublish); len(fields) > 0 {
		return fmt.Errorf("demo journey: %s: %s", fields[0].Field, fields[0].Detail)
	}
	org, by := d.Orgs[0].ID, ""
	for _, u := range d.Users {
		if u.Org == org && u.Role == "facilitator" {
			by = u.UID
			break
		}
	}
	client, err := firestore.NewClient(ctx, s.opts.Project)
	if err != nil {
		return err
	}
	defer client.Close()
	now := time.Now().UTC()
	draft := journey.Draft{Journey: *j, Revision: 1, LatestVersion: 1, Status: journey.StatusPublished,
		Source: journey.SourceImport, CreatedAt: now, CreatedBy: by, UpdatedAt: now, UpdatedBy: by}
	ver := journey.Version{JourneyID: DemoJourneyID, Version: 1, Journey: *j, PublishedAt: now, PublishedBy: by, SourceRevision: 1}
	batch := client.BulkWriter(ctx)
	if _, err := batch.Set(client.Collection(journey.JourneysPath(org)).Doc(DemoJourneyID), draft); err != nil {
		return err
	}
	if _, err := batch.Set(client.Doc(journey.VersionDocPath(org, DemoJourneyID, 1)), ver); err != nil {
		return err
	}
	batch.End()
	return nil
}
