package firestore

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	pb "cloud.google.com/go/firestore/apiv1/firestorepb"
	"google.golang.org/protobuf/encoding/protojson"
)

// Export layout: dir/firestore_export/firestore.json holds every database's
// current documents in the REST JSON form of Document.
const (
	exportDir     = "firestore_export"
	exportFile    = "firestore.json"
	exportVersion = 1
)

type exportedDB struct {
	Name      string            `json:"name"`
	Documents []json.RawMessage `json:"documents"`
}

type exportData struct {
	Version   int          `json:"version"`
	Databases []exportedDB `json:"databases"`
}

// Export writes the current documents of every database under dir,
// replacing any earlier export atomically.
func (s *Server) Export(dir string) error {
	s.mu.Lock()
	dbs := make([]*database, 0, len(s.dbs))
	for _, db := range s.dbs {
		dbs = append(dbs, db)
	}
	s.mu.Unlock()
	slices.SortFunc(dbs, func(a, b *database) int { return cmp3(string(a.path), string(b.path)) })
	data := exportData{Version: exportVersion}
	for _, db := range dbs {
		db.mu.RLock()
		var docs []*pb.Document
		for _, e := range db.docs {
			if d := e.current().doc; d != nil {
				docs = append(docs, d)
			}
		}
		db.mu.RUnlock()
		slices.SortFunc(docs, func(a, b *pb.Document) int { return compareNames(a.Name, b.Name) })
		ed := exportedDB{Name: string(db.path), Documents: []json.RawMessage{}}
		for _, d := range docs {
			b, err := protojson.Marshal(d)
			if err != nil {
				return fmt.Errorf("firestore export: %w", err)
			}
			ed.Documents = append(ed.Documents, b)
		}
		data.Databases = append(data.Databases, ed)
	}
	out := filepath.Join(dir, exportDir)
	if err := os.MkdirAll(out, 0o755); err != nil {
		return fmt.Errorf("firestore export: %w", err)
	}
	tmp, err := os.CreateTemp(out, exportFile+".*.tmp")
	if err != nil {
		return fmt.Errorf("firestore export: %w", err)
	}
	defer os.Remove(tmp.Name())
	enc := json.NewEncoder(tmp)
	if err := enc.Encode(data); err != nil {
		_ = tmp.Close()
		return fmt.Errorf("firestore export: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("firestore export: %w", err)
	}
	if err := os.Rename(tmp.Name(), filepath.Join(out, exportFile)); err != nil {
		return fmt.Errorf("firestore export: %w", err)
	}
	return nil
}

// Import replaces the documents of every database named in an export under
// dir. Documents keep their exported create and update times.
func (s *Server) Import(dir string) error {
	b, err := os.ReadFile(filepath.Join(dir, exportDir, exportFile))
	if err != nil {
		return fmt.Errorf("firestore import: %w", err)
	}
	var data exportData
	if err := json.Unmarshal(b, &data); err != nil {
		return fmt.Errorf("firestore import: %w", err)
	}
	if data.Version != exportVersion {
		return fmt.Errorf("firestore import: unsupported export version %d", data.Version)
	}
	type parsed struct {
		db   dbPath
		docs []*pb.Document
	}
	var all []parsed
	for _, ed := range data.Databases {
		p, err := parseDatabase(ed.Name)
		if err != nil {
			return fmt.Errorf("firestore import: %w", err)
		}
		pd := parsed{db: p}
		for _, raw := range ed.Documents {
			d := &pb.Document{}
			if err := protojson.Unmarshal(raw, d); err != nil {
				return fmt.Errorf("firestore import: %w", err)
			}
			r, err := parseDocName(d.Name)
			if err != nil || r.db != p {
				return fmt.Errorf("firestore import: bad document name %q", d.Name)
			}
			if err := validateDocument(d); err != nil {
				return fmt.Errorf("firestore import: %w", err)
			}
			pd.docs = append(pd.docs, d)
		}
		all = append(all, pd)
	}
	for _, pd := range all {
		db := s.database(pd.db)
		db.mu.Lock()
		db.clear()
		// Oldest first, so versions stay ordered by time.
		slices.SortFunc(pd.docs, func(a, b *pb.Document) int { return a.UpdateTime.AsTime().Compare(b.UpdateTime.AsTime()) })
		for _, d := range pd.docs {
			t := d.UpdateTime.AsTime()
			if !t.After(db.last) {
				t = db.nextCommitTime(t)
			}
			db.install(t, map[string]*pb.Document{d.Name: d}, []string{d.Name})
		}
		db.mu.Unlock()
	}
	return nil
}
