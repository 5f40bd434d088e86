package suite

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	firebase "firebase.google.com/go/v4"
	fbauth "firebase.google.com/go/v4/auth"
	"google.golang.org/api/option"
)

// DemoData is testdata/demo/users.json: fictional organisations and people
// for local development. Passwords are public on purpose.
type DemoData struct {
	Orgs []struct {
		ID   string `json:"id"`
		Name string `json:"name"`
		Type string `json:"type"`
	} `json:"orgs"`
	Users []DemoUser `json:"users"`
}

// DemoUser is one demo account with its custom claims.
type DemoUser struct {
	UID         string `json:"uid"`
	Email       string `json:"email"`
	Password    string `json:"password"`
	DisplayName string `json:"display_name"`
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
