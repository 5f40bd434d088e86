package firestore

import (
	"bytes"
	"math"
	"slices"
	"strings"

	pb "cloud.google.com/go/firestore/apiv1/firestorepb"
	"google.golang.org/protobuf/types/known/structpb"
)

// Type classes in Firestore's cross-type order ("Ordering of value types").
const (
	tNull = iota
	tBool
	tNumber // NaN, then integers and doubles compared numerically
	tTimestamp
	tString
	tBytes
	tRef
	tGeo
	tArray
	tVector
	tMap
)

const (
	vectorTypeKey   = "__type__"
	vectorTypeValue = "__vector__"
	vectorValueKey  = "value"
)

var nullValue = &pb.Value{ValueType: &pb.Value_NullValue{NullValue: structpb.NullValue_NULL_VALUE}}

func typeOrder(v *pb.Value) int {
	switch x := v.GetValueType().(type) {
	case *pb.Value_BooleanValue:
		return tBool
	case *pb.Value_IntegerValue, *pb.Value_DoubleValue:
		return tNumber
	case *pb.Value_TimestampValue:
		return tTimestamp
	case *pb.Value_StringValue:
		return tString
	case *pb.Value_BytesValue:
		return tBytes
	case *pb.Value_ReferenceValue:
		return tRef
	case *pb.Value_GeoPointValue:
		return tGeo
	case *pb.Value_ArrayValue:
		return tArray
	case *pb.Value_MapValue:
		if isVector(x.MapValue) {
			return tVector
		}
		return tMap
	}
	return tNull
}

// isVector reports whether m is the map encoding of a vector value.
func isVector(m *pb.MapValue) bool {
	if m == nil || len(m.Fields) != 2 {
		return false
	}
	return m.Fields[vectorTypeKey].GetStringValue() == vectorTypeValue && m.Fields[vectorValueKey].GetArrayValue() != nil
}

// vectorOf returns the components of a vector value, or ok=false.
func vectorOf(v *pb.Value) (vec []float64, ok bool) {
	m := v.GetMapValue()
	if !isVector(m) {
		return nil, false
	}
	for _, e := range m.Fields[vectorValueKey].GetArrayValue().GetValues() {
		f, isNum := numberOf(e)
		if !isNum {
			return nil, false
		}
		vec = append(vec, f)
	}
	return vec, true
}

func numberOf(v *pb.Value) (float64, bool) {
	switch x := v.GetValueType().(type) {
	case *pb.Value_IntegerValue:
		return float64(x.IntegerValue), true
	case *pb.Value_DoubleValue:
		return x.DoubleValue, true
	}
	return 0, false
}

func isNaN(v *pb.Value) bool {
	d, ok := v.GetValueType().(*pb.Value_DoubleValue)
	return ok && math.IsNaN(d.DoubleValue)
}

func cmp3[T int | int64 | float64 | string](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// compareValues is Firestore's total order over values.
func compareValues(a, b *pb.Value) int {
	ta, tb := typeOrder(a), typeOrder(b)
	if ta != tb {
		return cmp3(ta, tb)
	}
	switch ta {
	case tNull:
		return 0
	case tBool:
		ab, bb := a.GetBooleanValue(), b.GetBooleanValue()
		if ab == bb {
			return 0
		}
		if !ab {
			return -1
		}
		return 1
	case tNumber:
		return compareNumbers(a, b)
	case tTimestamp:
		at, bt := a.GetTimestampValue(), b.GetTimestampValue()
		if c := cmp3(at.GetSeconds(), bt.GetSeconds()); c != 0 {
			return c
		}
		return cmp3(int64(at.GetNanos()), int64(bt.GetNanos()))
	case tString:
		return strings.Compare(a.GetStringValue(), b.GetStringValue())
	case tBytes:
		return bytes.Compare(a.GetBytesValue(), b.GetBytesValue())
	case tRef:
		return compareNames(a.GetReferenceValue(), b.GetReferenceValue())
	case tGeo:
		ag, bg := a.GetGeoPointValue(), b.GetGeoPointValue()
		if c := compareFloats(ag.GetLatitude(), bg.GetLatitude()); c != 0 {
			return c
		}
		return compareFloats(ag.GetLongitude(), bg.GetLongitude())
	case tArray:
		return compareArrays(a.GetArrayValue().GetValues(), b.GetArrayValue().GetValues())
	case tVector:
		av := a.GetMapValue().Fields[vectorValueKey].GetArrayValue().GetValues()
		bv := b.GetMapValue().Fields[vectorValueKey].GetArrayValue().GetValues()
		// Vectors order by dimension first, then component-wise.
		if c := cmp3(len(av), len(bv)); c != 0 {
			return c
		}
		return compareArrays(av, bv)
	case tMap:
		return compareMaps(a.GetMapValue().GetFields(), b.GetMapValue().GetFields())
	}
	return 0
}

func compareArrays(a, b []*pb.Value) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		if c := compareValues(a[i], b[i]); c != 0 {
			return c
		}
	}
	return cmp3(len(a), len(b))
}

func compareMaps(a, b map[string]*pb.Value) int {
	ak, bk := sortedKeys(a), sortedKeys(b)
	for i := 0; i < len(ak) && i < len(bk); i++ {
		if c := strings.Compare(ak[i], bk[i]); c != 0 {
			return c
		}
		if c := compareValues(a[ak[i]], b[bk[i]]); c != 0 {
			return c
		}
	}
	return cmp3(len(ak), len(bk))
}

func sortedKeys(m map[string]*pb.Value) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// compareFloats orders NaN before every other number and treats -0 == 0.
func compareFloats(a, b float64) int {
	an, bn := math.IsNaN(a), math.IsNaN(b)
	switch {
	case an && bn:
		return 0
	case an:
		return -1
	case bn:
		return 1
	}
	return cmp3(a, b)
}

func compareNumbers(a, b *pb.Value) int {
	ai, aInt := a.GetValueType().(*pb.Value_IntegerValue)
	bi, bInt := b.GetValueType().(*pb.Value_IntegerValue)
	switch {
	case aInt && bInt:
		return cmp3(ai.IntegerValue, bi.IntegerValue)
	case aInt:
		return -compareDoubleInt(b.GetDoubleValue(), ai.IntegerValue)
	case bInt:
		return compareDoubleInt(a.GetDoubleValue(), bi.IntegerValue)
	}
	return compareFloats(a.GetDoubleValue(), b.GetDoubleValue())
}

// compareDoubleInt compares exactly, without rounding large integers.
func compareDoubleInt(d float64, i int64) int {
	switch {
	case math.IsNaN(d):
		return -1
	case d < -9.223372036854775808e18:
		return -1
	case d >= 9.223372036854775808e18:
		return 1
	}
	t := math.Trunc(d)
	if c := cmp3(int64(t), i); c != 0 {
		return c
	}
	return cmp3(d-t, 0)
}

// valuesEqual is query equality: numbers compare numerically, NaN equals
// nothing.
func valuesEqual(a, b *pb.Value) bool {
	if isNaN(a) || isNaN(b) {
		return false
	}
	return typeOrder(a) == typeOrder(b) && compareValues(a, b) == 0
}

// stringSize is production's storage size of a string: UTF-8 bytes + 1.
func stringSize(s string) int { return len(s) + 1 }

// nameSize is the storage size of a document name: each id plus 16 bytes.
func nameSize(docName string) int {
	r, err := parseResource(docName)
	if err != nil {
		return stringSize(docName) + 16
	}
	n := 16
	for _, s := range r.segs {
		n += stringSize(s)
	}
	return n
}

// valueSize is production's storage size of a field value.
func valueSize(v *pb.Value) int {
	switch x := v.GetValueType().(type) {
	case *pb.Value_NullValue, *pb.Value_BooleanValue:
		return 1
	case *pb.Value_IntegerValue, *pb.Value_DoubleValue, *pb.Value_TimestampValue:
		return 8
	case *pb.Value_StringValue:
		return stringSize(x.StringValue)
	case *pb.Value_BytesValue:
		return len(x.BytesValue)
	case *pb.Value_ReferenceValue:
		return nameSize(x.ReferenceValue)
	case *pb.Value_GeoPointValue:
		return 16
	case *pb.Value_ArrayValue:
		n := 0
		for _, e := range x.ArrayValue.GetValues() {
			n += valueSize(e)
		}
		return n
	case *pb.Value_MapValue:
		if isVector(x.MapValue) {
			return 8 * len(x.MapValue.Fields[vectorValueKey].GetArrayValue().GetValues())
		}
		return fieldsSize(x.MapValue.GetFields())
	}
	return 1
}

func fieldsSize(fields map[string]*pb.Value) int {
	n := 0
	for k, v := range fields {
		n += stringSize(k) + valueSize(v)
	}
	return n
}

// documentSize is production's storage size of a document.
func documentSize(d *pb.Document) int {
	return nameSize(d.GetName()) + fieldsSize(d.GetFields()) + 32
}

// truncateTimestamps rounds every timestamp inside v down to microseconds
// in place: production stores timestamps at microsecond precision.
func truncateTimestamps(v *pb.Value) {
	switch x := v.GetValueType().(type) {
	case *pb.Value_TimestampValue:
		if ts := x.TimestampValue; ts != nil {
			ts.Nanos -= ts.Nanos % 1000
		}
	case *pb.Value_ArrayValue:
		for _, e := range x.ArrayValue.GetValues() {
			truncateTimestamps(e)
		}
	case *pb.Value_MapValue:
		for _, e := range x.MapValue.GetFields() {
			truncateTimestamps(e)
		}
	}
}

// truncateTransformOperand applies truncateTimestamps to the array operands
// of a field transform, so they compare equal to stored elements.
func truncateTransformOperand(ft *pb.DocumentTransform_FieldTransform) {
	var arr *pb.ArrayValue
	switch x := ft.GetTransformType().(type) {
	case *pb.DocumentTransform_FieldTransform_AppendMissingElements:
		arr = x.AppendMissingElements
	case *pb.DocumentTransform_FieldTransform_RemoveAllFromArray:
		arr = x.RemoveAllFromArray
	}
	for _, e := range arr.GetValues() {
		truncateTimestamps(e)
	}
}
