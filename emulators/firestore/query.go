package firestore

import (
	"slices"
	"strings"
	"time"

	pb "cloud.google.com/go/firestore/apiv1/firestorepb"
	"google.golang.org/grpc/codes"
)

// Production limits on query filters.
const (
	maxInValues       = 30
	maxNotInValues    = 10
	maxDisjunctions   = 30
	maxFindNearestLim = 1000
	nameField         = "__name__"
)

type order struct {
	path []string
	desc bool
}

type cursor struct {
	values []*pb.Value
	before bool
}

// query is a validated, normalized structured query.
type query struct {
	parent     resourcePath
	collection string
	group      bool // all_descendants
	filter     func(*pb.Document) bool
	orders     []order
	start, end *cursor
	offset     int
	limit      int // -1: none
	projection [][]string
	project    bool
	nearest    *nearest
}

func isNamePath(p []string) bool { return len(p) == 1 && p[0] == nameField }

// fieldValue returns a document's value at path, treating __name__ as a
// reference to the document.
func fieldValue(d *pb.Document, path []string) (*pb.Value, bool) {
	if isNamePath(path) {
		return &pb.Value{ValueType: &pb.Value_ReferenceValue{ReferenceValue: d.Name}}, true
	}
	return getField(d.Fields, path)
}

// compileQuery validates sq and resolves production's implicit ordering.
func compileQuery(parent resourcePath, sq *pb.StructuredQuery) (*query, error) {
	q := &query{parent: parent, limit: -1, filter: func(*pb.Document) bool { return true }}
	switch len(sq.GetFrom()) {
	case 0:
		return nil, errf(codes.InvalidArgument, "A query must have exactly one collection selector in from.")
	case 1:
	default:
		return nil, errf(codes.InvalidArgument, "Queries with more than one collection selector are not supported.")
	}
	from := sq.GetFrom()[0]
	q.collection, q.group = from.GetCollectionId(), from.GetAllDescendants()
	if q.collection == "" && !q.group {
		return nil, errf(codes.InvalidArgument, "A collection query must name a collection_id.")
	}
	if q.collection != "" {
		if err := validateID(q.collection); err != nil {
			return nil, err
		}
	}
	var inequalities [][]string
	if f := sq.GetWhere(); f != nil {
		fn, ineq, disj, err := q.compileFilter(f)
		if err != nil {
			return nil, err
		}
		if disj > maxDisjunctions {
			return nil, errf(codes.InvalidArgument, "Query has %d disjunctions in disjunctive normal form; the maximum is %d.", disj, maxDisjunctions)
		}
		q.filter, inequalities = fn, ineq
	}

	lastDesc := false
	seen := map[string]bool{}
	for _, o := range sq.GetOrderBy() {
		p, err := parseFieldPath(o.GetField().GetFieldPath())
		if err != nil {
			return nil, err
		}
		key := strings.Join(p, "\x00")
		if seen[key] {
			return nil, errf(codes.InvalidArgument, "Order by field %q appears more than once.", o.GetField().GetFieldPath())
		}
		seen[key] = true
		lastDesc = o.GetDirection() == pb.StructuredQuery_DESCENDING
		q.orders = append(q.orders, order{path: p, desc: lastDesc})
	}
	slices.SortFunc(inequalities, func(a, b []string) int { return slices.Compare(a, b) })
	for _, p := range inequalities {
		key := strings.Join(p, "\x00")
		if !seen[key] {
			seen[key] = true
			q.orders = append(q.orders, order{path: p, desc: lastDesc})
		}
	}
	if !seen[nameField] {
		q.orders = append(q.orders, order{path: []string{nameField}, desc: lastDesc})
	}

	var err error
	if q.start, err = q.compileCursor(sq.GetStartAt()); err != nil {
		return nil, err
	}
	if q.end, err = q.compileCursor(sq.GetEndAt()); err != nil {
		return nil, err
	}
	if sq.GetOffset() < 0 {
		return nil, errf(codes.InvalidArgument, "offset must not be negative.")
	}
	q.offset = int(sq.GetOffset())
	if l := sq.GetLimit(); l != nil {
		if l.GetValue() < 0 {
			return nil, errf(codes.InvalidArgument, "limit must not be negative.")
		}
		q.limit = int(l.GetValue())
	}
	if sel := sq.GetSelect(); sel != nil {
		q.project = true
		for _, f := range sel.GetFields() {
			p, err := parseFieldPath(f.GetFieldPath())
			if err != nil {
				return nil, err
			}
			if !isNamePath(p) {
				q.projection = append(q.projection, p)
			}
		}
	}
	if fn := sq.GetFindNearest(); fn != nil {
		if q.nearest, err = compileNearest(fn); err != nil {
			return nil, err
		}
	}
	return q, nil
}

func (q *query) compileCursor(c *pb.Cursor) (*cursor, error) {
	if c == nil {
		return nil, nil
	}
	if len(c.GetValues()) > len(q.orders) {
		return nil, errf(codes.InvalidArgument, "Too many cursor values specified. The specified order by clause must contain at least as many fields as the cursor values.")
	}
	vals := make([]*pb.Value, len(c.GetValues()))
	for i, v := range c.GetValues() {
		if isNamePath(q.orders[i].path) {
			switch x := v.GetValueType().(type) {
			case *pb.Value_ReferenceValue:
			case *pb.Value_StringValue:
				// A bare document id is relative to the queried collection.
				if q.group || strings.Contains(x.StringValue, "/") {
					return nil, errf(codes.InvalidArgument, "Cursor value for __name__ must be a document reference.")
				}
				v = &pb.Value{ValueType: &pb.Value_ReferenceValue{ReferenceValue: q.parent.String() + "/" + q.collection + "/" + x.StringValue}}
			default:
				return nil, errf(codes.InvalidArgument, "Cursor value for __name__ must be a document reference.")
			}
		}
		vals[i] = v
	}
	return &cursor{values: vals, before: c.GetBefore()}, nil
}

// compileFilter turns a filter into a predicate. It also returns the fields
// of inequality filters and the filter's number of disjunctions in
// disjunctive normal form.
func (q *query) compileFilter(f *pb.StructuredQuery_Filter) (func(*pb.Document) bool, [][]string, int, error) {
	switch x := f.GetFilterType().(type) {
	case *pb.StructuredQuery_Filter_CompositeFilter:
		var fns []func(*pb.Document) bool
		var ineq [][]string
		disj := 1
		if x.CompositeFilter.GetOp() == pb.StructuredQuery_CompositeFilter_OR {
			disj = 0
		}
		for _, sub := range x.CompositeFilter.GetFilters() {
			fn, in, d, err := q.compileFilter(sub)
			if err != nil {
				return nil, nil, 0, err
			}
			fns = append(fns, fn)
			ineq = appendUniquePaths(ineq, in...)
			if x.CompositeFilter.GetOp() == pb.StructuredQuery_CompositeFilter_OR {
				disj += d
			} else {
				disj *= d
			}
		}
		switch x.CompositeFilter.GetOp() {
		case pb.StructuredQuery_CompositeFilter_AND:
			return func(d *pb.Document) bool {
				for _, fn := range fns {
					if !fn(d) {
						return false
					}
				}
				return true
			}, ineq, disj, nil
		case pb.StructuredQuery_CompositeFilter_OR:
			if len(fns) == 0 {
				return nil, nil, 0, errf(codes.InvalidArgument, "An OR filter must have at least one filter.")
			}
			return func(d *pb.Document) bool {
				for _, fn := range fns {
					if fn(d) {
						return true
					}
				}
				return false
			}, ineq, disj, nil
		}
		return nil, nil, 0, errf(codes.InvalidArgument, "Unsupported composite filter operator %v.", x.CompositeFilter.GetOp())
	case *pb.StructuredQuery_Filter_FieldFilter:
		return q.compileFieldFilter(x.FieldFilter)
	case *pb.StructuredQuery_Filter_UnaryFilter:
		return compileUnaryFilter(x.UnaryFilter)
	}
	return nil, nil, 0, errf(codes.InvalidArgument, "Filter has no filter type.")
}

func appendUniquePaths(dst [][]string, ps ...[]string) [][]string {
	for _, p := range ps {
		if !slices.ContainsFunc(dst, func(e []string) bool { return slices.Equal(e, p) }) {
			dst = append(dst, p)
		}
	}
	return dst
}

func compileUnaryFilter(u *pb.StructuredQuery_UnaryFilter) (func(*pb.Document) bool, [][]string, int, error) {
	path, err := parseFieldPath(u.GetField().GetFieldPath())
	if err != nil {
		return nil, nil, 0, err
	}
	get := func(d *pb.Document) (*pb.Value, bool) { return fieldValue(d, path) }
	switch u.GetOp() {
	case pb.StructuredQuery_UnaryFilter_IS_NAN:
		return func(d *pb.Document) bool { v, ok := get(d); return ok && isNaN(v) }, nil, 1, nil
	case pb.StructuredQuery_UnaryFilter_IS_NULL:
		return func(d *pb.Document) bool { v, ok := get(d); return ok && typeOrder(v) == tNull }, nil, 1, nil
	case pb.StructuredQuery_UnaryFilter_IS_NOT_NAN:
		return func(d *pb.Document) bool {
			v, ok := get(d)
			return ok && typeOrder(v) != tNull && !isNaN(v)
		}, [][]string{path}, 1, nil
	case pb.StructuredQuery_UnaryFilter_IS_NOT_NULL:
		return func(d *pb.Document) bool { v, ok := get(d); return ok && typeOrder(v) != tNull }, [][]string{path}, 1, nil
	}
	return nil, nil, 0, errf(codes.InvalidArgument, "Unsupported unary filter operator %v.", u.GetOp())
}

func (q *query) compileFieldFilter(ff *pb.StructuredQuery_FieldFilter) (func(*pb.Document) bool, [][]string, int, error) {
	path, err := parseFieldPath(ff.GetField().GetFieldPath())
	if err != nil {
		return nil, nil, 0, err
	}
	fv := ff.GetValue()
	if fv == nil || fv.GetValueType() == nil {
		return nil, nil, 0, errf(codes.InvalidArgument, "Filter on %s has no value.", ff.GetField().GetFieldPath())
	}
	op := ff.GetOp()
	isList := op == pb.StructuredQuery_FieldFilter_IN || op == pb.StructuredQuery_FieldFilter_NOT_IN || op == pb.StructuredQuery_FieldFilter_ARRAY_CONTAINS_ANY
	var list []*pb.Value
	if isList {
		arr := fv.GetArrayValue()
		if arr == nil || len(arr.GetValues()) == 0 {
			return nil, nil, 0, errf(codes.InvalidArgument, "A non-empty array is required for '%s' filters.", op)
		}
		list = arr.GetValues()
		limit := maxInValues
		if op == pb.StructuredQuery_FieldFilter_NOT_IN {
			limit = maxNotInValues
		}
		if len(list) > limit {
			return nil, nil, 0, errf(codes.InvalidArgument, "'%s' supports up to %d comparison values.", op, limit)
		}
	}
	if isNamePath(path) {
		check := func(v *pb.Value) error {
			if _, ok := v.GetValueType().(*pb.Value_ReferenceValue); !ok {
				return errf(codes.InvalidArgument, "__name__ filters must be on document references, not %v.", v)
			}
			return nil
		}
		switch {
		case op == pb.StructuredQuery_FieldFilter_ARRAY_CONTAINS || op == pb.StructuredQuery_FieldFilter_ARRAY_CONTAINS_ANY:
			return nil, nil, 0, errf(codes.InvalidArgument, "'%s' is not supported on __name__.", op)
		case isList:
			for _, v := range list {
				if err := check(v); err != nil {
					return nil, nil, 0, err
				}
			}
		default:
			if err := check(fv); err != nil {
				return nil, nil, 0, err
			}
		}
	}
	get := func(d *pb.Document) (*pb.Value, bool) { return fieldValue(d, path) }
	sameTypeCmp := func(test func(int) bool) func(*pb.Document) bool {
		return func(d *pb.Document) bool {
			v, ok := get(d)
			return ok && typeOrder(v) == typeOrder(fv) && test(compareValues(v, fv))
		}
	}
	ineq := [][]string{path}
	switch op {
	case pb.StructuredQuery_FieldFilter_LESS_THAN:
		return sameTypeCmp(func(c int) bool { return c < 0 }), ineq, 1, nil
	case pb.StructuredQuery_FieldFilter_LESS_THAN_OR_EQUAL:
		return sameTypeCmp(func(c int) bool { return c <= 0 }), ineq, 1, nil
	case pb.StructuredQuery_FieldFilter_GREATER_THAN:
		return sameTypeCmp(func(c int) bool { return c > 0 }), ineq, 1, nil
	case pb.StructuredQuery_FieldFilter_GREATER_THAN_OR_EQUAL:
		return sameTypeCmp(func(c int) bool { return c >= 0 }), ineq, 1, nil
	case pb.StructuredQuery_FieldFilter_EQUAL:
		return func(d *pb.Document) bool { v, ok := get(d); return ok && valuesEqual(v, fv) }, nil, 1, nil
	case pb.StructuredQuery_FieldFilter_NOT_EQUAL:
		return func(d *pb.Document) bool {
			v, ok := get(d)
			return ok && typeOrder(v) != tNull && !valuesEqual(v, fv) && !(isNaN(v) && isNaN(fv))
		}, ineq, 1, nil
	case pb.StructuredQuery_FieldFilter_ARRAY_CONTAINS:
		return func(d *pb.Document) bool {
			v, _ := get(d)
			return slices.ContainsFunc(v.GetArrayValue().GetValues(), func(e *pb.Value) bool { return valuesEqual(e, fv) })
		}, nil, 1, nil
	case pb.StructuredQuery_FieldFilter_IN:
		return func(d *pb.Document) bool {
			v, ok := get(d)
			return ok && slices.ContainsFunc(list, func(e *pb.Value) bool { return valuesEqual(v, e) })
		}, nil, len(list), nil
	case pb.StructuredQuery_FieldFilter_ARRAY_CONTAINS_ANY:
		return func(d *pb.Document) bool {
			v, _ := get(d)
			for _, e := range v.GetArrayValue().GetValues() {
				if slices.ContainsFunc(list, func(l *pb.Value) bool { return valuesEqual(e, l) }) {
					return true
				}
			}
			return false
		}, nil, len(list), nil
	case pb.StructuredQuery_FieldFilter_NOT_IN:
		return func(d *pb.Document) bool {
			v, ok := get(d)
			return ok && typeOrder(v) != tNull && !slices.ContainsFunc(list, func(e *pb.Value) bool { return valuesEqual(v, e) })
		}, ineq, 1, nil
	}
	return nil, nil, 0, errf(codes.InvalidArgument, "Unsupported field filter operator %v.", op)
}

// orderValues extracts the values a document sorts by; ok is false when the
// document lacks one, which excludes it like a missing index entry would.
func (q *query) orderValues(d *pb.Document) ([]*pb.Value, bool) {
	vals := make([]*pb.Value, len(q.orders))
	for i, o := range q.orders {
		v, ok := fieldValue(d, o.path)
		if !ok {
			return nil, false
		}
		vals[i] = v
	}
	return vals, true
}

// compareTuples compares order values over the first n orders.
func (q *query) compareTuples(a, b []*pb.Value, n int) int {
	for i := 0; i < n; i++ {
		c := compareValues(a[i], b[i])
		if q.orders[i].desc {
			c = -c
		}
		if c != 0 {
			return c
		}
	}
	return 0
}

// withinCursors applies start and end cursors to a document's order values.
func (q *query) withinCursors(vals []*pb.Value) bool {
	if q.start != nil {
		c := q.compareTuples(vals, q.start.values, len(q.start.values))
		if c < 0 || (c == 0 && !q.start.before) {
			return false
		}
	}
	if q.end != nil {
		c := q.compareTuples(vals, q.end.values, len(q.end.values))
		if c > 0 || (c == 0 && q.end.before) {
			return false
		}
	}
	return true
}

// matches reports whether a document belongs to the query's result set,
// ignoring offset and limit.
func (q *query) matches(d *pb.Document) bool {
	if !q.inScope(d.Name) || !q.filter(d) {
		return false
	}
	vals, ok := q.orderValues(d)
	return ok && q.withinCursors(vals)
}

// inScope reports whether a document name is in the queried collection(s).
func (q *query) inScope(name string) bool {
	coll, _ := splitDocName(name)
	if !q.group {
		return coll == q.parent.String()+"/"+q.collection
	}
	if !strings.HasPrefix(coll, q.parent.String()+"/") {
		return false
	}
	_, id := splitDocName(coll)
	return q.collection == "" || id == q.collection
}

// hasWindow reports whether membership depends on other documents.
func (q *query) hasWindow() bool { return q.limit >= 0 || q.offset > 0 || q.nearest != nil }

type ranked struct {
	doc  *pb.Document
	vals []*pb.Value
}

// run evaluates the query at t (or the latest state). Call with db.mu held.
func (q *query) run(db *database, t time.Time, latest bool) []*pb.Document {
	var rows []ranked
	visit := func(e *entry) {
		var d *pb.Document
		if latest {
			d = e.current().doc
		} else {
			d = e.at(t)
		}
		if d == nil || !q.filter(d) {
			return
		}
		if q.nearest != nil {
			rows = append(rows, ranked{doc: d})
			return
		}
		vals, ok := q.orderValues(d)
		if ok && q.withinCursors(vals) {
			rows = append(rows, ranked{doc: d, vals: vals})
		}
	}
	if !q.group {
		for _, e := range db.colls[q.parent.String()+"/"+q.collection] {
			visit(e)
		}
	} else {
		prefix := q.parent.String() + "/"
		for c, m := range db.colls {
			if !strings.HasPrefix(c, prefix) {
				continue
			}
			if _, id := splitDocName(c); q.collection != "" && id != q.collection {
				continue
			}
			for _, e := range m {
				visit(e)
			}
		}
	}
	if q.nearest != nil {
		return q.nearest.rank(rows)
	}
	slices.SortFunc(rows, func(a, b ranked) int { return q.compareTuples(a.vals, b.vals, len(q.orders)) })
	if q.offset >= len(rows) {
		return nil
	}
	rows = rows[q.offset:]
	if q.limit >= 0 && q.limit < len(rows) {
		rows = rows[:q.limit]
	}
	out := make([]*pb.Document, len(rows))
	for i, r := range rows {
		out[i] = r.doc
	}
	return out
}

// present applies the projection to a result document.
func (q *query) present(d *pb.Document) *pb.Document {
	if !q.project {
		return d
	}
	return &pb.Document{Name: d.Name, CreateTime: d.CreateTime, UpdateTime: d.UpdateTime, Fields: projectFields(d.Fields, q.projection)}
}

// projectFields copies the values at paths into a new map without mutating
// fields: paths under an already copied prefix are skipped, so intermediate
// maps written into are always fresh.
func projectFields(fields map[string]*pb.Value, paths [][]string) map[string]*pb.Value {
	sorted := slices.Clone(paths)
	slices.SortFunc(sorted, func(a, b []string) int { return len(a) - len(b) })
	var out map[string]*pb.Value
	var taken [][]string
	for _, p := range sorted {
		if slices.ContainsFunc(taken, func(t []string) bool { return len(t) <= len(p) && slices.Equal(t, p[:len(t)]) }) {
			continue
		}
		if v, ok := getField(fields, p); ok {
			if out == nil {
				out = map[string]*pb.Value{}
			}
			setField(out, p, v)
			taken = append(taken, p)
		}
	}
	return out
}
