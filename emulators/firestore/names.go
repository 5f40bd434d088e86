package firestore

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Production limits on names (https://firebase.google.com/docs/firestore/quotas).
const (
	maxIDBytes       = 1500
	maxNameDepth     = 100 // subcollection depth
	documentsSegment = "documents"
)

// dbPath is the resource name of a database: "projects/{p}/databases/{d}".
type dbPath string

// docRoot is the parent of top-level collections of the database.
func (d dbPath) docRoot() string { return string(d) + "/" + documentsSegment }

// parseDatabase validates "projects/{p}/databases/{d}".
func parseDatabase(name string) (dbPath, error) {
	parts := strings.Split(name, "/")
	if len(parts) != 4 || parts[0] != "projects" || parts[2] != "databases" || parts[1] == "" || parts[3] == "" {
		return "", status.Errorf(codes.InvalidArgument, "Invalid database name %q: must be projects/{project_id}/databases/{database_id}.", name)
	}
	return dbPath(name), nil
}

// resourcePath is a parsed name under a database's documents root. Segments
// alternate collection id, document id; an even count names a document, an odd
// count a collection, zero the root.
type resourcePath struct {
	db   dbPath
	segs []string
}

func (r resourcePath) isDocument() bool { return len(r.segs) > 0 && len(r.segs)%2 == 0 }

func (r resourcePath) String() string {
	if len(r.segs) == 0 {
		return r.db.docRoot()
	}
	return r.db.docRoot() + "/" + strings.Join(r.segs, "/")
}

// parseResource parses "projects/{p}/databases/{d}/documents[/...]" without
// checking the kind of the path.
func parseResource(name string) (resourcePath, error) {
	parts := strings.Split(name, "/")
	if len(parts) < 5 || parts[0] != "projects" || parts[2] != "databases" || parts[4] != documentsSegment ||
		parts[1] == "" || parts[3] == "" {
		return resourcePath{}, status.Errorf(codes.InvalidArgument, "Invalid resource name %q: must start with projects/{project_id}/databases/{database_id}/documents.", name)
	}
	segs := parts[5:]
	if len(segs)/2 > maxNameDepth {
		return resourcePath{}, status.Errorf(codes.InvalidArgument, "Document name %q has too many path segments: subcollections may nest at most %d deep.", name, maxNameDepth)
	}
	for _, s := range segs {
		if err := validateID(s); err != nil {
			return resourcePath{}, err
		}
	}
	return resourcePath{db: dbPath(strings.Join(parts[:4], "/")), segs: segs}, nil
}

// validateID applies production's rules for collection and document ids.
func validateID(id string) error {
	switch {
	case id == "":
		return status.Error(codes.InvalidArgument, "Resource name has an empty path segment.")
	case !utf8.ValidString(id):
		return status.Errorf(codes.InvalidArgument, "Resource id %q is invalid because it is not valid UTF-8.", id)
	case len(id) > maxIDBytes:
		return status.Errorf(codes.InvalidArgument, "Resource id is invalid because it is longer than %d bytes.", maxIDBytes)
	case id == "." || id == "..":
		return status.Errorf(codes.InvalidArgument, "Resource id %q is invalid because it is reserved.", id)
	case isReservedName(id):
		return status.Errorf(codes.InvalidArgument, "Resource id %q is invalid because it is reserved.", id)
	}
	return nil
}

func isReservedName(s string) bool {
	return len(s) >= 4 && strings.HasPrefix(s, "__") && strings.HasSuffix(s, "__")
}

// parseDocName parses and validates a document name.
func parseDocName(name string) (resourcePath, error) {
	r, err := parseResource(name)
	if err != nil {
		return r, err
	}
	if !r.isDocument() {
		return r, status.Errorf(codes.InvalidArgument, "Document name %q must have an even number of path segments after documents/.", name)
	}
	return r, nil
}

// parseParent parses the parent of a query or listing: the documents root or
// a document.
func parseParent(name string) (resourcePath, error) {
	r, err := parseResource(name)
	if err != nil {
		return r, err
	}
	if len(r.segs)%2 != 0 {
		return r, status.Errorf(codes.InvalidArgument, "Parent %q must be the documents root or a document.", name)
	}
	return r, nil
}

// compareNames orders document names as production does: segment by segment.
func compareNames(a, b string) int {
	if a == b {
		return 0
	}
	for {
		ia := strings.IndexByte(a, '/')
		ib := strings.IndexByte(b, '/')
		sa, sb := a, b
		if ia >= 0 {
			sa = a[:ia]
		}
		if ib >= 0 {
			sb = b[:ib]
		}
		if c := strings.Compare(sa, sb); c != 0 {
			return c
		}
		switch {
		case ia < 0 && ib < 0:
			return 0
		case ia < 0:
			return -1
		case ib < 0:
			return 1
		}
		a, b = a[ia+1:], b[ib+1:]
	}
}

// splitDocName returns the collection path (parent/collection) and id of a
// valid document name.
func splitDocName(name string) (coll, id string) {
	i := strings.LastIndexByte(name, '/')
	return name[:i], name[i+1:]
}

func errf(c codes.Code, format string, a ...any) error {
	return status.Error(c, fmt.Sprintf(format, a...))
}
