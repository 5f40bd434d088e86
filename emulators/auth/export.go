package auth

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// accountsFile is firebase-tools' auth_export/accounts.json.
type accountsFile struct {
	Kind  string `json:"kind"`
	Users []User `json:"users"`
}

const downloadKind = "identitytoolkit#DownloadAccountResponse"

// Export writes the default project's accounts to dir in the firebase-tools
// layout (accounts.json and config.json), each file written whole then
// renamed into place. The suite passes "<exportdir>/auth_export".
func (s *Server) Export(dir string) error {
	s.mu.Lock()
	users := []User{}
	if p := s.projects[s.opts.ProjectID]; p != nil {
		for _, u := range p.sortedUsers() {
			users = append(users, u.clone())
		}
	}
	s.mu.Unlock()

	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("auth export: %w", err)
	}
	if err := writeFileAtomic(filepath.Join(dir, "accounts.json"), accountsFile{Kind: downloadKind, Users: users}); err != nil {
		return fmt.Errorf("auth export: %w", err)
	}
	if err := writeFileAtomic(filepath.Join(dir, "config.json"), emulatorConfig()); err != nil {
		return fmt.Errorf("auth export: %w", err)
	}
	return nil
}

func writeFileAtomic(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// Import replaces the default project's accounts with dir/accounts.json.
// A missing directory or file imports nothing and is not an error, as with
// firebase-tools (an export may predate the auth emulator). Accounts from
// Google's emulator, whose "hashes" hold the password, are re-hashed.
func (s *Server) Import(dir string) error {
	b, err := os.ReadFile(filepath.Join(dir, "accounts.json"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("auth import: %w", err)
	}
	var f accountsFile
	if err := json.Unmarshal(b, &f); err != nil {
		return fmt.Errorf("auth import: accounts.json: %w", err)
	}
	now := s.now()
	p := newProject(s.opts.ProjectID)
	for i := range f.Users {
		u := f.Users[i]
		if u.LocalID == "" || len(u.LocalID) > 128 {
			return fmt.Errorf("auth import: accounts.json: user %d has no valid localId", i)
		}
		if _, dup := p.users[u.LocalID]; dup {
			return fmt.Errorf("auth import: accounts.json: duplicate localId at user %d", i)
		}
		u.Email = canonicalEmail(u.Email)
		if u.Email != "" && p.byEmail[u.Email] != "" {
			return fmt.Errorf("auth import: accounts.json: duplicate email at user %d", i)
		}
		if u.CustomAttributes != "" {
			if err := validateCustomClaims(u.CustomAttributes); err != nil {
				return fmt.Errorf("auth import: accounts.json: user %d: %v", i, err)
			}
		}
		if pw, ok := fakeHashPassword(u.PasswordHash); ok {
			setPassword(&u, pw, now)
		}
		if u.CreatedAt == "" {
			u.CreatedAt = msString(now)
		}
		p.put(&u)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if old := s.projects[s.opts.ProjectID]; old != nil {
		p.oobs, p.oobOrder = old.oobs, old.oobOrder
	}
	s.projects[s.opts.ProjectID] = p
	return nil
}

// fakeHashPassword reads Google's emulator format "fakeHash:salt=…:password=…".
func fakeHashPassword(h string) (string, bool) {
	if !strings.HasPrefix(h, "fakeHash:") {
		return "", false
	}
	_, pw, ok := strings.Cut(h, ":password=")
	return pw, ok
}

// Users returns a snapshot of project's accounts ordered by uid (tests).
func (s *Server) Users(project string) []User {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []User{}
	if p := s.projects[project]; p != nil {
		for _, u := range p.sortedUsers() {
			out = append(out, u.clone())
		}
	}
	return out
}

// OOBCodes returns project's unused out-of-band codes in issue order (tests).
func (s *Server) OOBCodes(project string) []OOBCode {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p := s.projects[project]; p != nil {
		return p.listOOB()
	}
	return []OOBCode{}
}

// Reset forgets every account and code of project (tests).
func (s *Server) Reset(project string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.projects, project)
}

// MintIDToken issues an ID token for an existing user as if it had signed
// in with provider at time at (tests: expired or revoked tokens).
func (s *Server) MintIDToken(project, uid, provider string, at time.Time) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.projects[project]
	if p == nil || p.users[uid] == nil {
		return "", fmt.Errorf("auth emulator: no user %q in project %q", uid, project)
	}
	return mintIDToken(project, p.users[uid], provider, nil, at)
}
