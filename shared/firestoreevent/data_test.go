package firestoreevent

import (
	"bytes"
	"testing"
	"time"

	pb "cloud.google.com/go/firestore/apiv1/firestorepb"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/dynamicpb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

func str(s string) *pb.Value { return &pb.Value{ValueType: &pb.Value_StringValue{StringValue: s}} }
func num(n int64) *pb.Value  { return &pb.Value{ValueType: &pb.Value_IntegerValue{IntegerValue: n}} }
func mapv(f map[string]*pb.Value) *pb.Value {
	return &pb.Value{ValueType: &pb.Value_MapValue{MapValue: &pb.MapValue{Fields: f}}}
}

func testDoc(name string, fields map[string]*pb.Value, created, updated time.Time) *pb.Document {
	return &pb.Document{
		Name: name, Fields: fields,
		CreateTime: timestamppb.New(created), UpdateTime: timestamppb.New(updated),
	}
}

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 123456000, time.UTC)
	name := "projects/demo-p/databases/(default)/documents/orgs/o1/sessions/s1"
	oldDoc := testDoc(name, map[string]*pb.Value{"title": str("a"), "n": num(1)}, t0, t0)
	newDoc := testDoc(name, map[string]*pb.Value{"title": str("b"), "n": num(1), "m": mapv(map[string]*pb.Value{"x y": num(2)})}, t0, t0.Add(time.Second))
	tests := []struct {
		name string
		in   DocumentEventData
		kind string
	}{
		{"empty", DocumentEventData{}, ""},
		{"created", DocumentEventData{Value: newDoc}, Created},
		{"updated", DocumentEventData{Value: newDoc, OldValue: oldDoc, UpdateMask: []string{"m", "title"}}, Updated},
		{"deleted", DocumentEventData{OldValue: oldDoc}, Deleted},
		{"empty document", DocumentEventData{Value: &pb.Document{}}, Created},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b, err := tt.in.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			got, err := Unmarshal(b)
			if err != nil {
				t.Fatal(err)
			}
			if !proto.Equal(got.Value, tt.in.Value) || !proto.Equal(got.OldValue, tt.in.OldValue) {
				t.Errorf("documents differ after round trip: got %v / %v", got.Value, got.OldValue)
			}
			if (got.Value == nil) != (tt.in.Value == nil) || (got.OldValue == nil) != (tt.in.OldValue == nil) {
				t.Errorf("presence differs: got value %v old %v", got.Value != nil, got.OldValue != nil)
			}
			if len(got.UpdateMask) != len(tt.in.UpdateMask) {
				t.Fatalf("mask = %q, want %q", got.UpdateMask, tt.in.UpdateMask)
			}
			for i := range got.UpdateMask {
				if got.UpdateMask[i] != tt.in.UpdateMask[i] {
					t.Errorf("mask = %q, want %q", got.UpdateMask, tt.in.UpdateMask)
				}
			}
			if k := got.Kind(); k != tt.kind {
				t.Errorf("Kind = %q, want %q", k, tt.kind)
			}
			again, _ := got.Marshal()
			if !bytes.Equal(again, b) {
				t.Error("encoding is not deterministic")
			}
		})
	}
}

func TestUnmarshalSkipsUnknownAndMerges(t *testing.T) {
	t.Parallel()
	var b []byte
	b = protowire.AppendTag(b, 9, protowire.VarintType) // unknown field
	b = protowire.AppendVarint(b, 7)
	part1, _ := proto.Marshal(&pb.Document{Name: "projects/p/databases/d/documents/c/a"})
	part2, _ := proto.Marshal(&pb.Document{Fields: map[string]*pb.Value{"k": str("v")}})
	for _, p := range [][]byte{part1, part2} {
		b = protowire.AppendTag(b, fieldValue, protowire.BytesType)
		b = protowire.AppendBytes(b, p)
	}
	got, err := Unmarshal(b)
	if err != nil {
		t.Fatal(err)
	}
	if got.Value.GetName() != "projects/p/databases/d/documents/c/a" || got.Value.GetFields()["k"].GetStringValue() != "v" {
		t.Errorf("repeated message field not merged: %v", got.Value)
	}
}

func TestUnmarshalRejectsMalformed(t *testing.T) {
	t.Parallel()
	tests := map[string][]byte{
		"truncated tag":       {0x80},
		"truncated length":    {0x0a, 0x05, 0x01},
		"value as varint":     {0x08, 0x01},
		"mask as varint":      {0x18, 0x01},
		"bad document":        {0x0a, 0x02, 0x0a, 0x05},
		"field number zero":   {0x02, 0x00},
		"mask path as varint": {0x1a, 0x02, 0x08, 0x01},
	}
	for name, b := range tests {
		if _, err := Unmarshal(b); err == nil {
			t.Errorf("%s: Unmarshal(%x) succeeded", name, b)
		}
	}
}

// eventSchema builds google.events.cloud.firestore.v1 DocumentEventData
// from the field numbers of the published data.proto (a subset of Value),
// independently of firestorepb, to check the encoding against it.
func eventSchema(t *testing.T) protoreflect.MessageDescriptor {
	t.Helper()
	opt := func(l descriptorpb.FieldDescriptorProto_Label) *descriptorpb.FieldDescriptorProto_Label { return &l }
	typ := func(ty descriptorpb.FieldDescriptorProto_Type) *descriptorpb.FieldDescriptorProto_Type { return &ty }
	field := func(name string, n int32, ty descriptorpb.FieldDescriptorProto_Type, msg string, label descriptorpb.FieldDescriptorProto_Label) *descriptorpb.FieldDescriptorProto {
		f := &descriptorpb.FieldDescriptorProto{Name: proto.String(name), Number: proto.Int32(n), Type: typ(ty), Label: opt(label), JsonName: proto.String(name)}
		if msg != "" {
			f.TypeName = proto.String(msg)
		}
		return f
	}
	const (
		optional = descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL
		repeated = descriptorpb.FieldDescriptorProto_LABEL_REPEATED
		tMsg     = descriptorpb.FieldDescriptorProto_TYPE_MESSAGE
		tStr     = descriptorpb.FieldDescriptorProto_TYPE_STRING
		tInt     = descriptorpb.FieldDescriptorProto_TYPE_INT64
		pkg      = ".google.events.cloud.firestore.v1."
	)
	mapEntry := func(name string) *descriptorpb.DescriptorProto {
		return &descriptorpb.DescriptorProto{
			Name:    proto.String(name),
			Options: &descriptorpb.MessageOptions{MapEntry: proto.Bool(true)},
			Field: []*descriptorpb.FieldDescriptorProto{
				field("key", 1, tStr, "", optional),
				field("value", 2, tMsg, pkg+"Value", optional),
			},
		}
	}
	fd := &descriptorpb.FileDescriptorProto{
		Name:       proto.String("test/firestore_event_data.proto"),
		Package:    proto.String("google.events.cloud.firestore.v1"),
		Syntax:     proto.String("proto3"),
		Dependency: []string{"google/protobuf/timestamp.proto"},
		MessageType: []*descriptorpb.DescriptorProto{
			{Name: proto.String("DocumentEventData"), Field: []*descriptorpb.FieldDescriptorProto{
				field("value", 1, tMsg, pkg+"Document", optional),
				field("old_value", 2, tMsg, pkg+"Document", optional),
				field("update_mask", 3, tMsg, pkg+"DocumentMask", optional),
			}},
			{Name: proto.String("DocumentMask"), Field: []*descriptorpb.FieldDescriptorProto{
				field("field_paths", 1, tStr, "", repeated),
			}},
			{Name: proto.String("Document"), NestedType: []*descriptorpb.DescriptorProto{mapEntry("FieldsEntry")}, Field: []*descriptorpb.FieldDescriptorProto{
				field("name", 1, tStr, "", optional),
				field("fields", 2, tMsg, pkg+"Document.FieldsEntry", repeated),
				field("create_time", 3, tMsg, ".google.protobuf.Timestamp", optional),
				field("update_time", 4, tMsg, ".google.protobuf.Timestamp", optional),
			}},
			{Name: proto.String("Value"), Field: []*descriptorpb.FieldDescriptorProto{
				field("integer_value", 2, tInt, "", optional),
				field("map_value", 6, tMsg, pkg+"MapValue", optional),
				field("string_value", 17, tStr, "", optional),
			}},
			{Name: proto.String("MapValue"), NestedType: []*descriptorpb.DescriptorProto{mapEntry("FieldsEntry")}, Field: []*descriptorpb.FieldDescriptorProto{
				field("fields", 1, tMsg, pkg+"MapValue.FieldsEntry", repeated),
			}},
		},
	}
	f, err := protodesc.NewFile(fd, protoregistry.GlobalFiles)
	if err != nil {
		t.Fatal(err)
	}
	return f.Messages().ByName("DocumentEventData")
}

func TestWireCompatibleWithPublishedSchema(t *testing.T) {
	t.Parallel()
	md := eventSchema(t)
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	in := DocumentEventData{
		Value:      testDoc("projects/p/databases/(default)/documents/c/d", map[string]*pb.Value{"s": str("x"), "m": mapv(map[string]*pb.Value{"n": num(5)})}, t0, t0.Add(time.Minute)),
		OldValue:   testDoc("projects/p/databases/(default)/documents/c/d", map[string]*pb.Value{"s": str("w")}, t0, t0),
		UpdateMask: []string{"m.n", "s"},
	}
	b, err := in.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	msg := dynamicpb.NewMessage(md)
	if err := proto.Unmarshal(b, msg); err != nil {
		t.Fatal(err)
	}
	if len(msg.GetUnknown()) > 0 {
		t.Fatalf("unknown fields under the published schema: %x", msg.GetUnknown())
	}
	value := msg.Get(md.Fields().ByName("value")).Message()
	doc := value.Descriptor()
	if got := value.Get(doc.Fields().ByName("name")).String(); got != in.Value.Name {
		t.Errorf("value.name = %q", got)
	}
	fields := value.Get(doc.Fields().ByName("fields")).Map()
	sv := fields.Get(protoreflect.ValueOfString("s").MapKey()).Message()
	if got := sv.Get(sv.Descriptor().Fields().ByName("string_value")).String(); got != "x" {
		t.Errorf("value.fields[s].string_value = %q", got)
	}
	ut := value.Get(doc.Fields().ByName("update_time")).Message()
	if secs := ut.Get(ut.Descriptor().Fields().ByName("seconds")).Int(); secs != t0.Add(time.Minute).Unix() {
		t.Errorf("value.update_time.seconds = %d", secs)
	}
	mask := msg.Get(md.Fields().ByName("update_mask")).Message()
	paths := mask.Get(mask.Descriptor().Fields().ByName("field_paths")).List()
	if paths.Len() != 2 || paths.Get(0).String() != "m.n" || paths.Get(1).String() != "s" {
		t.Errorf("update_mask.field_paths = %v", paths)
	}
	old := msg.Get(md.Fields().ByName("old_value")).Message()
	if got := old.Get(doc.Fields().ByName("name")).String(); got != in.OldValue.Name {
		t.Errorf("old_value.name = %q", got)
	}

	// And back: bytes written under the published schema decode here.
	back, err := proto.Marshal(msg)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Unmarshal(back)
	if err != nil {
		t.Fatal(err)
	}
	if !proto.Equal(got.Value, in.Value) || !proto.Equal(got.OldValue, in.OldValue) || len(got.UpdateMask) != 2 {
		t.Errorf("decoded %v, want %v", got, in)
	}
}

func FuzzUnmarshal(f *testing.F) {
	seed, _ := (&DocumentEventData{
		Value:      &pb.Document{Name: "projects/p/databases/d/documents/c/x", Fields: map[string]*pb.Value{"a": num(1)}},
		OldValue:   &pb.Document{Name: "projects/p/databases/d/documents/c/x"},
		UpdateMask: []string{"a"},
	}).Marshal()
	f.Add(seed)
	f.Add([]byte{})
	f.Add([]byte{0x1a, 0x03, 0x0a, 0x01, 'a'})
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := Unmarshal(b)
		if err != nil {
			return
		}
		// Whatever decodes must encode and decode to the same data.
		again, err := d.Marshal()
		if err != nil {
			t.Fatalf("Marshal after Unmarshal: %v", err)
		}
		d2, err := Unmarshal(again)
		if err != nil {
			t.Fatalf("Unmarshal of re-encoded data: %v", err)
		}
		if !proto.Equal(d.Value, d2.Value) || !proto.Equal(d.OldValue, d2.OldValue) || len(d.UpdateMask) != len(d2.UpdateMask) {
			t.Fatalf("re-encoding changed the data")
		}
	})
}
