package consent

import (
	"context"
	"errors"
	"strings"

	"cloud.google.com/go/firestore"
	"google.golang.org/api/iterator"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

func notFound(err error) bool { return status.Code(err) == codes.NotFound }

// docEntry is one exported document.
type docEntry struct {
	Path string         `json:"path"`
	Data map[string]any `json:"data"`
}

// isDocPath reports a document path (an even number of segments).
func isDocPath(p string) bool { return strings.Count(p, "/")%2 == 1 }

// collectDocs gathers the document (or every document of the collection)
// at path and everything below it, skipping subtrees in skip.
func collectDocs(ctx context.Context, fs *firestore.Client, path string, skip func(string) bool) ([]docEntry, error) {
	var out []docEntry
	err := walk(ctx, fs, path, skip, func(ref *firestore.DocumentRef) error {
		snap, err := ref.Get(ctx)
		if notFound(err) {
			return nil // a missing parent of subcollections
		}
		if err != nil {
			return err
		}
		out = append(out, docEntry{Path: relPath(ref), Data: jsonSafe(snap.Data()).(map[string]any)})
		return nil
	})
	return out, err
}

// deleteTree deletes the document (or collection) at path with every
// subcollection; it returns how many documents it deleted.
func deleteTree(ctx context.Context, fs *firestore.Client, path string) (int, error) {
	n := 0
	err := walk(ctx, fs, path, nil, func(ref *firestore.DocumentRef) error {
		if _, err := ref.Delete(ctx); err != nil {
			return err
		}
		n++
		return nil
	})
	return n, err
}

// walk visits documents depth-first, children before their parent, so a
// deletion interrupted half-way leaves the parent to find the rest.
func walk(ctx context.Context, fs *firestore.Client, path string, skip func(string) bool, visit func(*firestore.DocumentRef) error) error {
	if skip != nil && skip(path) {
		return nil
	}
	if isDocPath(path) {
		return walkDoc(ctx, fs, fs.Doc(path), skip, visit)
	}
	// DocumentRefs also lists missing documents that have subcollections.
	it := fs.Collection(path).DocumentRefs(ctx)
	for {
		ref, err := it.Next()
		if errors.Is(err, iterator.Done) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := walkDoc(ctx, fs, ref, skip, visit); err != nil {
			return err
		}
	}
}

func walkDoc(ctx context.Context, fs *firestore.Client, ref *firestore.DocumentRef, skip func(string) bool, visit func(*firestore.DocumentRef) error) error {
	if skip != nil && skip(relPath(ref)) {
		return nil
	}
	cols, err := ref.Collections(ctx).GetAll()
	if err != nil {
		return err
	}
	for _, c := range cols {
		if err := walk(ctx, fs, relPath(ref)+"/"+c.ID, skip, visit); err != nil {
			return err
		}
	}
	return visit(ref)
}

// relPath is a reference's path below "documents/".
func relPath(ref *firestore.DocumentRef) string {
	_, p, ok := strings.Cut(ref.Path, "/documents/")
	if !ok {
		return ref.Path
	}
	return p
}

// jsonSafe turns Firestore values into what encoding/json renders well.
func jsonSafe(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = jsonSafe(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = jsonSafe(e)
		}
		return out
	case *firestore.DocumentRef:
		return relPath(x)
	default:
		return v
	}
}

func alreadyExists(err error) bool { return status.Code(err) == codes.AlreadyExists }

// removeFromShared takes the person v out of a document other people share:
// v leaves every array and every field holding exactly v is emptied; the
// document stays for the others. It runs in a transaction so a concurrent
// change of the document is not lost.
func (j *Jobs) removeFromShared(ctx context.Context, ref *firestore.DocumentRef, v string) error {
	return j.d.Firestore.RunTransaction(ctx, func(ctx context.Context, tx *firestore.Transaction) error {
		snap, err := tx.Get(ref)
		if status.Code(err) == codes.NotFound {
			return nil
		}
		if err != nil {
			return err
		}
		return tx.Set(ref, scrub(snap.Data(), v))
	})
}

// scrub returns x without the string v: dropped from arrays, emptied
// elsewhere.
func scrub(x any, v string) any {
	switch t := x.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			out[k] = scrub(e, v)
		}
		return out
	case []any:
		out := make([]any, 0, len(t))
		for _, e := range t {
			if s, ok := e.(string); ok && s == v {
				continue
			}
			out = append(out, scrub(e, v))
		}
		return out
	case string:
		if t == v {
			return ""
		}
	}
	return x
}

// maskOthers replaces, everywhere in data, the ids that the shared
// document's array field names other than self.
func maskOthers(data map[string]any, field, self string) map[string]any {
	others := map[string]bool{}
	if list, ok := data[field].([]any); ok {
		for _, e := range list {
			if s, ok := e.(string); ok && s != self {
				others[s] = true
			}
		}
	}
	var mask func(any) any
	mask = func(x any) any {
		switch t := x.(type) {
		case map[string]any:
			out := make(map[string]any, len(t))
			for k, e := range t {
				out[k] = mask(e)
			}
			return out
		case []any:
			out := make([]any, len(t))
			for i, e := range t {
				out[i] = mask(e)
			}
			return out
		case string:
			if others[t] {
				return "(another person)"
			}
		}
		return x
	}
	return mask(data).(map[string]any)
}
