package firestore

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"

	pb "cloud.google.com/go/firestore/apiv1/firestorepb"
	"google.golang.org/grpc/codes"
)

// IndexConfig is the content of a firestore.indexes.json file, the format
// the Firebase CLI deploys.
type IndexConfig struct {
	Indexes []Index `json:"indexes"`
	// FieldOverrides (single-field index exemptions) are accepted and
	// ignored: automatic single-field indexes always exist here.
	FieldOverrides json.RawMessage `json:"fieldOverrides,omitempty"`
}

// Index is one composite index.
type Index struct {
	CollectionGroup string `json:"collectionGroup"`
	// QueryScope is COLLECTION (the default) or COLLECTION_GROUP.
	QueryScope string       `json:"queryScope,omitempty"`
	Fields     []IndexField `json:"fields"`
}

// IndexField is one field of a composite index: an Order (ASCENDING or
// DESCENDING), an ArrayConfig (CONTAINS) or a VectorConfig.
type IndexField struct {
	FieldPath    string          `json:"fieldPath"`
	Order        string          `json:"order,omitempty"`
	ArrayConfig  string          `json:"arrayConfig,omitempty"`
	VectorConfig json.RawMessage `json:"vectorConfig,omitempty"`
}

// ParseIndexConfig decodes and validates a firestore.indexes.json file.
func ParseIndexConfig(data []byte) (*IndexConfig, error) {
	var c IndexConfig
	if err := json.Unmarshal(data, &c); err != nil {
		return nil, fmt.Errorf("index config: %w", err)
	}
	if _, err := compileIndexes(&c); err != nil {
		return nil, err
	}
	return &c, nil
}

// indexField is a compiled IndexField.
type indexField struct {
	path  []string
	desc  bool
	array bool
}

// indexSet holds the composite indexes by scope and collection group.
// A nil *indexSet enforces nothing.
type indexSet map[string][][]indexField

func indexKey(group bool, collection string) string {
	if group {
		return "COLLECTION_GROUP/" + collection
	}
	return "COLLECTION/" + collection
}

func compileIndexes(c *IndexConfig) (indexSet, error) {
	set := indexSet{}
	for i, ix := range c.Indexes {
		if ix.CollectionGroup == "" {
			return nil, fmt.Errorf("index config: index %d has no collectionGroup", i)
		}
		var group bool
		switch ix.QueryScope {
		case "", "COLLECTION":
		case "COLLECTION_GROUP":
			group = true
		default:
			return nil, fmt.Errorf("index config: index %d: unknown queryScope %q", i, ix.QueryScope)
		}
		var fields []indexField
		vector := false
		for _, f := range ix.Fields {
			p, err := parseFieldPath(f.FieldPath)
			if err != nil {
				return nil, fmt.Errorf("index config: index %d: %w", i, err)
			}
			switch {
			case len(f.VectorConfig) > 0:
				vector = true
			case f.ArrayConfig == "CONTAINS" && f.Order == "":
				fields = append(fields, indexField{path: p, array: true})
			case f.ArrayConfig == "" && (f.Order == "ASCENDING" || f.Order == "DESCENDING"):
				fields = append(fields, indexField{path: p, desc: f.Order == "DESCENDING"})
			default:
				return nil, fmt.Errorf("index config: index %d: field %q needs order ASCENDING or DESCENDING, or arrayConfig CONTAINS", i, f.FieldPath)
			}
		}
		if vector {
			// Vector indexes serve FindNearest, which needs none here.
			continue
		}
		if n := len(fields); n > 0 && isNamePath(fields[n-1].path) {
			fields = fields[:n-1]
		}
		k := indexKey(group, ix.CollectionGroup)
		set[k] = append(set[k], fields)
	}
	return set, nil
}

// check fails a query that production could serve only with a composite
// index that is not declared. Production serves, with automatic
// single-field indexes, queries whose ordering (explicit, plus inequality
// fields, up to __name__) is on at most one field with no equality filters,
// or on no field at all; anything else needs composite indexes that hold
// the equality fields first and then the ordering. Several such indexes
// with the same ordering may share the equality fields between them
// (production merges them). A query with OR filters is checked once per
// disjunct of its disjunctive normal form, as production runs them.
func (ix indexSet) check(q *query, sq *pb.StructuredQuery) error {
	if ix == nil || q.nearest != nil || q.collection == "" {
		return nil
	}
	for _, branch := range equalityBranches(sq.GetWhere()) {
		if err := ix.checkBranch(q, branch); err != nil {
			return err
		}
	}
	return nil
}

func (ix indexSet) checkBranch(q *query, branch []indexField) error {
	eq := map[string]bool{}
	var eqPaths []indexField
	for _, f := range branch {
		if k := strings.Join(f.path, "\x00"); !isNamePath(f.path) && !eq[k] {
			eq[k] = true
			eqPaths = append(eqPaths, f)
		}
	}
	var suffix []order
	for _, o := range q.orders {
		if isNamePath(o.path) {
			break // names are unique: later orderings never matter
		}
		if !eq[strings.Join(o.path, "\x00")] {
			suffix = append(suffix, o)
		}
	}
	if len(suffix) == 0 || (len(suffix) == 1 && len(eq) == 0) {
		return nil
	}
	covered := map[string]bool{}
	usable := false
	for _, fields := range ix[indexKey(q.group, q.collection)] {
		if len(fields) < len(suffix) {
			continue
		}
		split := len(fields) - len(suffix)
		if !orderingMatches(fields[split:], suffix) {
			continue
		}
		prefix := fields[:split]
		if !slices.ContainsFunc(prefix, func(f indexField) bool { return !eq[strings.Join(f.path, "\x00")] }) {
			usable = true
			for _, f := range prefix {
				covered[strings.Join(f.path, "\x00")] = true
			}
		}
	}
	if usable && len(covered) == len(eq) {
		return nil
	}
	return errf(codes.FailedPrecondition, "The query requires an index. Declare it in the emulator's index configuration (firestore.indexes.json), for example: %s",
		suggestIndex(q, eqPaths, suffix))
}

// orderingMatches reports whether index fields serve an ordering, scanned
// forwards or backwards.
func orderingMatches(fields []indexField, os []order) bool {
	same, reversed := true, true
	for i, f := range fields {
		if f.array || !slices.Equal(f.path, os[i].path) {
			return false
		}
		same = same && f.desc == os[i].desc
		reversed = reversed && f.desc != os[i].desc
	}
	return same || reversed
}

// equalityBranches expands a filter into disjunctive normal form and
// returns, for every disjunct, the fields its equality-like filters (==,
// in, array-contains, array-contains-any, is null, is NaN) constrain.
// compileQuery has already bounded the number of disjuncts.
func equalityBranches(f *pb.StructuredQuery_Filter) [][]indexField {
	switch x := f.GetFilterType().(type) {
	case *pb.StructuredQuery_Filter_CompositeFilter:
		if x.CompositeFilter.GetOp() == pb.StructuredQuery_CompositeFilter_OR {
			var out [][]indexField
			for _, sub := range x.CompositeFilter.GetFilters() {
				out = append(out, equalityBranches(sub)...)
			}
			return out
		}
		out := [][]indexField{nil}
		for _, sub := range x.CompositeFilter.GetFilters() {
			var next [][]indexField
			for _, left := range out {
				for _, right := range equalityBranches(sub) {
					next = append(next, append(slices.Clip(left), right...))
				}
			}
			out = next
		}
		return out
	case *pb.StructuredQuery_Filter_FieldFilter:
		p, err := parseFieldPath(x.FieldFilter.GetField().GetFieldPath())
		if err != nil {
			return [][]indexField{nil}
		}
		switch x.FieldFilter.GetOp() {
		case pb.StructuredQuery_FieldFilter_EQUAL, pb.StructuredQuery_FieldFilter_IN:
			return [][]indexField{{{path: p}}}
		case pb.StructuredQuery_FieldFilter_ARRAY_CONTAINS, pb.StructuredQuery_FieldFilter_ARRAY_CONTAINS_ANY:
			return [][]indexField{{{path: p, array: true}}}
		}
	case *pb.StructuredQuery_Filter_UnaryFilter:
		p, err := parseFieldPath(x.UnaryFilter.GetField().GetFieldPath())
		if err != nil {
			return [][]indexField{nil}
		}
		switch x.UnaryFilter.GetOp() {
		case pb.StructuredQuery_UnaryFilter_IS_NULL, pb.StructuredQuery_UnaryFilter_IS_NAN:
			return [][]indexField{{{path: p}}}
		}
	}
	return [][]indexField{nil}
}

// suggestIndex renders the index that would serve q, as JSON for
// firestore.indexes.json.
func suggestIndex(q *query, eq []indexField, suffix []order) string {
	ix := Index{CollectionGroup: q.collection, QueryScope: "COLLECTION"}
	if q.group {
		ix.QueryScope = "COLLECTION_GROUP"
	}
	slices.SortFunc(eq, func(a, b indexField) int { return slices.Compare(a.path, b.path) })
	for _, f := range eq {
		if f.array {
			ix.Fields = append(ix.Fields, IndexField{FieldPath: formatFieldPath(f.path), ArrayConfig: "CONTAINS"})
		} else {
			ix.Fields = append(ix.Fields, IndexField{FieldPath: formatFieldPath(f.path), Order: "ASCENDING"})
		}
	}
	for _, o := range suffix {
		dir := "ASCENDING"
		if o.desc {
			dir = "DESCENDING"
		}
		ix.Fields = append(ix.Fields, IndexField{FieldPath: formatFieldPath(o.path), Order: dir})
	}
	b, _ := json.Marshal(ix)
	return string(b)
}

var simpleSegment = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// formatFieldPath joins segments into a field path, quoting those that
// need it.
func formatFieldPath(segs []string) string {
	out := make([]string, len(segs))
	for i, s := range segs {
		if simpleSegment.MatchString(s) {
			out[i] = s
			continue
		}
		out[i] = "`" + strings.NewReplacer(`\`, `\\`, "`", "\\`").Replace(s) + "`"
	}
	return strings.Join(out, ".")
}

// indexesFor is the index set that governs queries of db: nil (every query
// runs) for a project outside Options.IndexProjects.
func (s *Server) indexesFor(db dbPath) indexSet {
	if s.indexes == nil || len(s.indexProjects) == 0 {
		return s.indexes
	}
	project, _, _ := strings.Cut(strings.TrimPrefix(string(db), "projects/"), "/")
	if slices.Contains(s.indexProjects, project) {
		return s.indexes
	}
	return nil
}
