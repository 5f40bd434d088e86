package firestore

import (
	"math"
	"strconv"
	"strings"
	"time"

	pb "cloud.google.com/go/firestore/apiv1/firestorepb"
	"google.golang.org/grpc/codes"
)

// Production limits on values.
const (
	maxDocumentBytes = 1 << 20  // 1 MiB
	maxRequestBytes  = 10 << 20 // 10 MiB
	maxFieldDepth    = 20
	maxFieldPathLen  = 1500
)

var (
	minTimestamp = time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	maxTimestamp = time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC).Unix()
)

// parseFieldPath splits a field path such as a.b.`c.d` into its segments.
func parseFieldPath(p string) ([]string, error) {
	if p == "" {
		return nil, errf(codes.InvalidArgument, "Field path must not be empty.")
	}
	if len(p) > maxFieldPathLen {
		return nil, errf(codes.InvalidArgument, "Field path %q is longer than %d bytes.", p[:64]+"...", maxFieldPathLen)
	}
	var segs []string
	for i := 0; i <= len(p); {
		if i < len(p) && p[i] == '`' {
			var b strings.Builder
			j := i + 1
			for ; j < len(p) && p[j] != '`'; j++ {
				if p[j] == '\\' && j+1 < len(p) {
					j++
				}
				b.WriteByte(p[j])
			}
			if j >= len(p) {
				return nil, errf(codes.InvalidArgument, "Invalid field path %q: unterminated backtick.", p)
			}
			segs = append(segs, b.String())
			i = j + 1
		} else {
			j := strings.IndexAny(p[i:], ".`")
			if j < 0 {
				j = len(p) - i
			}
			seg := p[i : i+j]
			if seg == "" {
				return nil, errf(codes.InvalidArgument, "Invalid field path %q: empty segment.", p)
			}
			segs = append(segs, seg)
			i += j
		}
		if i == len(p) {
			break
		}
		if p[i] != '.' {
			return nil, errf(codes.InvalidArgument, "Invalid field path %q.", p)
		}
		i++
		if i == len(p) {
			return nil, errf(codes.InvalidArgument, "Invalid field path %q: empty segment.", p)
		}
	}
	return segs, nil
}

// getField looks up a field path in a document's fields.
func getField(fields map[string]*pb.Value, path []string) (*pb.Value, bool) {
	for i, s := range path {
		v, ok := fields[s]
		if !ok {
			return nil, false
		}
		if i == len(path)-1 {
			return v, true
		}
		m := v.GetMapValue()
		if m == nil {
			return nil, false
		}
		fields = m.Fields
	}
	return nil, false
}

// setField stores v at path, creating or replacing intermediate maps.
func setField(fields map[string]*pb.Value, path []string, v *pb.Value) {
	for _, s := range path[:len(path)-1] {
		next := fields[s].GetMapValue()
		if next == nil {
			next = &pb.MapValue{Fields: map[string]*pb.Value{}}
			fields[s] = &pb.Value{ValueType: &pb.Value_MapValue{MapValue: next}}
		}
		if next.Fields == nil {
			next.Fields = map[string]*pb.Value{}
		}
		fields = next.Fields
	}
	fields[path[len(path)-1]] = v
}

// deleteField removes the value at path, if present.
func deleteField(fields map[string]*pb.Value, path []string) {
	for _, s := range path[:len(path)-1] {
		next := fields[s].GetMapValue()
		if next == nil {
			return
		}
		fields = next.Fields
	}
	delete(fields, path[len(path)-1])
}

// validateDocument checks a document about to be stored against production's
// rules and limits.
func validateDocument(d *pb.Document) error {
	for k, v := range d.Fields {
		if isReservedName(k) {
			return errf(codes.InvalidArgument, "Field name %q is reserved and may not be written.", k)
		}
		if err := validateValue(k, v, 1, false); err != nil {
			return err
		}
	}
	if n := documentSize(d); n > maxDocumentBytes {
		return errf(codes.InvalidArgument, "Document %q cannot be written because its size (%s bytes) exceeds the maximum allowed size of %s bytes.",
			d.Name, groupDigits(n), groupDigits(maxDocumentBytes))
	}
	return nil
}

func validateValue(path string, v *pb.Value, depth int, inArray bool) error {
	if depth > maxFieldDepth {
		return errf(codes.InvalidArgument, "Property %s is nested more than %d levels deep; the maximum depth of maps and arrays is %d.", path, maxFieldDepth, maxFieldDepth)
	}
	switch x := v.GetValueType().(type) {
	case nil:
		return errf(codes.InvalidArgument, "Property %s has no value type set.", path)
	case *pb.Value_TimestampValue:
		ts := x.TimestampValue
		if ts.GetSeconds() < minTimestamp || ts.GetSeconds() > maxTimestamp || ts.GetNanos() < 0 || ts.GetNanos() > 999_999_999 {
			return errf(codes.InvalidArgument, "Property %s has a timestamp out of range (years 1 to 9999).", path)
		}
	case *pb.Value_GeoPointValue:
		g := x.GeoPointValue
		if g.GetLatitude() < -90 || g.GetLatitude() > 90 || g.GetLongitude() < -180 || g.GetLongitude() > 180 || math.IsNaN(g.GetLatitude()) || math.IsNaN(g.GetLongitude()) {
			return errf(codes.InvalidArgument, "Property %s has an invalid geo point: latitude must be in [-90, 90] and longitude in [-180, 180].", path)
		}
	case *pb.Value_ReferenceValue:
		if _, err := parseDocName(x.ReferenceValue); err != nil {
			return errf(codes.InvalidArgument, "Property %s has an invalid reference value %q.", path, x.ReferenceValue)
		}
	case *pb.Value_ArrayValue:
		if inArray {
			return errf(codes.InvalidArgument, "Cannot convert an array value in an array value (property %s).", path)
		}
		for _, e := range x.ArrayValue.GetValues() {
			if err := validateValue(path, e, depth+1, true); err != nil {
				return err
			}
		}
	case *pb.Value_MapValue:
		for k, e := range x.MapValue.GetFields() {
			if err := validateValue(path+"."+k, e, depth+1, false); err != nil {
				return err
			}
		}
	}
	return nil
}

// groupDigits writes n with thousands separators, as production's messages do.
func groupDigits(n int) string {
	s := strconv.Itoa(n)
	var out []byte
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	return string(out)
}
