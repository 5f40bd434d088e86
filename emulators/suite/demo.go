package suite

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"cloud.google.com/go/firestore"

	firebase "firebase.google.com/go/v4"
	fbauth "firebase.google.com/go/v4/auth"
	"google.golang.org/api/option"
)

// DemoData is testdata/demo/users.json: fictional organisations and people
// for local development. Passwords are public on purpose.
type DemoData struct {
	Orgs []struct {
		ID            string `json:"id"`
		Name          string `json:"name"`
		Type          string `json:"type"`
		RetentionDays int    `json:"retention_days"`
		CreatedBy     string `json:"created_by"`
		// Entitlement is the tier the organisation is entitled to, as a
		// platform operator would grant it (functions/accounts).
		Entitlement string `json:"entitlement"`
	} `json:"orgs"`
	Users []DemoUser `json:"users"`
}

// DemoUser is one demo account with its custom claims.
type DemoUser struct {
	UID         string `json:"uid"`
	Email       string `json:"email"`
	Password    string `json:"password"`
	DisplayName string `json:"display_name"`
	Language    string `json:"language"`
	Timezone    string `json:"timezone"`
	Org         string `json:"org"`
	Role        string `json:"role"`
	Tier        string `json:"tier"`
}

// LoadDemo reads the demo data file.
func LoadDemo(path string) (*DemoData, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var d DemoData
	if err := json.Unmarshal(b, &d); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &d, nil
}

// SeedAuth creates the demo users in the auth emulator through the official
// Admin SDK — the same calls the accounts function makes — with their custom
// claims. Existing users are updated, so seeding twice is harmless.
func SeedAuth(ctx context.Context, project, authHost string, d *DemoData) error {
	// The Admin SDK reads the emulator host from the environment only.
	if err := os.Setenv("FIREBASE_AUTH_EMULATOR_HOST", authHost); err != nil {
		return err
	}
	app, err := firebase.NewApp(ctx, &firebase.Config{ProjectID: project}, option.WithoutAuthentication())
	if err != nil {
		return err
	}
	client, err := app.Auth(ctx)
	if err != nil {
		return err
	}
	for _, u := range d.Users {
		params := (&fbauth.UserToCreate{}).UID(u.UID).Email(u.Email).Password(u.Password).
			DisplayName(u.DisplayName).EmailVerified(true)
		if _, err := client.CreateUser(ctx, params); err != nil {
			if !fbauth.IsUIDAlreadyExists(err) && !fbauth.IsEmailAlreadyExists(err) {
				return fmt.Errorf("demo user %s: %w", u.UID, err)
			}
			upd := (&fbauth.UserToUpdate{}).Email(u.Email).Password(u.Password).DisplayName(u.DisplayName).EmailVerified(true)
			if _, err := client.UpdateUser(ctx, u.UID, upd); err != nil {
				return fmt.Errorf("demo user %s: %w", u.UID, err)
			}
		}
		claims := map[string]any{"org": u.Org, "role": u.Role, "tier": u.Tier}
		if err := client.SetCustomUserClaims(ctx, u.UID, claims); err != nil {
			return fmt.Errorf("demo user %s claims: %w", u.UID, err)
		}
	}
	return nil
}

// SeedFirestore writes the demo organisations, their member documents and
// the users' finished profiles in the shape functions/accounts keeps them,
// so every endpoint works for the demo people from the first request.
// Writing again overwrites, so seeding twice is harmless.
func SeedFirestore(ctx context.Context, project, firestoreHost string, d *DemoData) error {
	// Like the Admin SDK, the Firestore client takes the emulator from the environment.
	if err := os.Setenv("FIRESTORE_EMULATOR_HOST", firestoreHost); err != nil {
		return err
	}
	client, err := firestore.NewClient(ctx, project)
	if err != nil {
		return err
	}
	defer client.Close()
	now := time.Now().UTC()
	batch := client.BulkWriter(ctx)
	for _, o := range d.Orgs {
		if _, err := batch.Set(client.Doc("orgs/"+o.ID), map[string]any{
			"name": o.Name, "type": o.Type, "domains": []string{}, "sso_required": false,
			"retention_days": o.RetentionDays, "created_by": o.CreatedBy, "created_at": now, "updated_at": now,
		}); err != nil {
			return err
		}
		if o.Entitlement != "" {
			if _, err := batch.Set(client.Doc("entitlements/org:"+o.ID), map[string]any{
				"tier": o.Entitlement, "source": "operator", "updated_by": "demo-seed", "updated_at": now,
			}); err != nil {
				return err
			}
		}
	}
	for _, u := range d.Users {
		if _, err := batch.Set(client.Doc("orgs/"+u.Org+"/members/"+u.UID), map[string]any{
			"uid": u.UID, "role": u.Role, "email": u.Email, "display_name": u.DisplayName, "joined_at": now,
		}); err != nil {
			return err
		}
		if _, err := batch.Set(client.Doc("users/"+u.UID), map[string]any{
			"display_name": u.DisplayName, "language": u.Language, "timezone": u.Timezone,
			"role": u.Role, "tier": u.Tier, "org": u.Org, "status": "active",
			"onboarding": map[string]any{"step": 5, "completed": true, "data": map[string]any{}},
			"created_at": now, "updated_at": now,
		}); err != nil {
			return err
		}
	}
	batch.End()
	return nil
}

// Seed loads the demo data file into the auth and Firestore emulators, the
// demo content library beside it (DemoContentPath) into the official
// library, with its images and embeddings, the demo journey
// (DemoJourneyPath), published once, the consent policy texts
// (DemoPoliciesPath), a demo canvas made from a canvas template of
// that library (DemoCanvasID), and a year of the demo organisation's
// events, published to the events topic (DemoEvents).
func (s *Suite) Seed(ctx context.Context, path string) (*DemoData, error) {
	d, err := LoadDemo(path)
	if err != nil {
		return nil, err
	}
	if err := SeedAuth(ctx, s.opts.Project, s.Auth.Addr, d); err != nil {
		return nil, err
	}
	if err := SeedFirestore(ctx, s.opts.Project, s.Firestore.Addr, d); err != nil {
		return nil, err
	}
	if err := s.seedDemoContent(ctx, path); err != nil {
		return nil, fmt.Errorf("demo content: %w", err)
	}
	if err := s.seedDemoJourney(ctx, path, d); err != nil {
		return nil, err
	}
	if err := s.seedDemoPolicies(ctx, path); err != nil {
		return nil, err
	}
	if err := s.seedDemoCanvas(ctx, d); err != nil {
		return nil, fmt.Errorf("demo canvas: %w", err)
	}
	if err := s.seedDemoEvents(ctx, d, time.Now()); err != nil {
		return nil, err
	}
	return d, nil
}
