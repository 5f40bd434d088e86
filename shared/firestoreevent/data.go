// Package firestoreevent reads and writes the CloudEvents that Eventarc
// delivers for Cloud Firestore document triggers
// (google.cloud.firestore.document.v1.{created,updated,deleted,written}).
//
// The event data is the protobuf message
// google.events.cloud.firestore.v1.DocumentEventData (published in
// googleapis/google-cloudevents, proto/google/events/cloud/firestore/v1/data.proto):
//
//	message DocumentEventData {
//	  Document value = 1;           // the document after the change; unset for deletes
//	  Document old_value = 2;       // the document before; set for updates and deletes
//	  DocumentMask update_mask = 3; // changed field paths; set for updates
//	}
//	message DocumentMask { repeated string field_paths = 1; }
//
// Its Document (name = 1, fields = 2, create_time = 3, update_time = 4) and
// Value messages carry the same field numbers and types as
// google.firestore.v1.Document and Value, so the documents are decoded
// straight into cloud.google.com/go/firestore/apiv1/firestorepb types. The
// only difference: firestorepb.Value also defines field_reference_value
// (19), function_value (20) and pipeline_value (21), which the event schema
// lacks and which stored documents never hold.
package firestoreevent

import (
	"errors"
	"fmt"

	pb "cloud.google.com/go/firestore/apiv1/firestorepb"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
)

// Field numbers of DocumentEventData and DocumentMask.
const (
	fieldValue      protowire.Number = 1
	fieldOldValue   protowire.Number = 2
	fieldUpdateMask protowire.Number = 3
	fieldMaskPaths  protowire.Number = 1
)

// DocumentEventData is google.events.cloud.firestore.v1.DocumentEventData.
type DocumentEventData struct {
	// Value is the document after the change; nil for deletes.
	Value *pb.Document
	// OldValue is the document before the change; nil for creates.
	OldValue *pb.Document
	// UpdateMask lists the field paths an update changed (added, modified
	// or removed); empty for creates and deletes.
	UpdateMask []string
}

// Marshal encodes d in the protobuf wire format. Map entries are written in
// a deterministic order, so equal data encodes to equal bytes.
func (d *DocumentEventData) Marshal() ([]byte, error) {
	var b []byte
	opts := proto.MarshalOptions{Deterministic: true}
	for _, f := range []struct {
		num protowire.Number
		doc *pb.Document
	}{{fieldValue, d.Value}, {fieldOldValue, d.OldValue}} {
		if f.doc == nil {
			continue
		}
		m, err := opts.Marshal(f.doc)
		if err != nil {
			return nil, fmt.Errorf("firestoreevent: encode document: %w", err)
		}
		b = protowire.AppendTag(b, f.num, protowire.BytesType)
		b = protowire.AppendBytes(b, m)
	}
	if len(d.UpdateMask) > 0 {
		var m []byte
		for _, p := range d.UpdateMask {
			m = protowire.AppendTag(m, fieldMaskPaths, protowire.BytesType)
			m = protowire.AppendString(m, p)
		}
		b = protowire.AppendTag(b, fieldUpdateMask, protowire.BytesType)
		b = protowire.AppendBytes(b, m)
	}
	return b, nil
}

// Unmarshal decodes the protobuf wire format. Unknown fields are skipped and
// repeated occurrences of a message field are merged, as protobuf decoders do.
func Unmarshal(b []byte) (*DocumentEventData, error) {
	d := &DocumentEventData{}
	err := walk(b, func(num protowire.Number, typ protowire.Type, v []byte) error {
		switch num {
		case fieldValue, fieldOldValue:
			if typ != protowire.BytesType {
				return fmt.Errorf("field %d has wire type %d, want bytes", num, typ)
			}
			target := &d.Value
			if num == fieldOldValue {
				target = &d.OldValue
			}
			if *target == nil {
				*target = &pb.Document{}
			}
			if err := (proto.UnmarshalOptions{Merge: true}).Unmarshal(v, *target); err != nil {
				return fmt.Errorf("field %d: %w", num, err)
			}
		case fieldUpdateMask:
			if typ != protowire.BytesType {
				return fmt.Errorf("update_mask has wire type %d, want bytes", typ)
			}
			return walk(v, func(num protowire.Number, typ protowire.Type, p []byte) error {
				if num != fieldMaskPaths {
					return nil
				}
				if typ != protowire.BytesType {
					return fmt.Errorf("update_mask.field_paths has wire type %d, want bytes", typ)
				}
				d.UpdateMask = append(d.UpdateMask, string(p))
				return nil
			})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("firestoreevent: decode DocumentEventData: %w", err)
	}
	return d, nil
}

// walk calls fn for every field of a message; v is the payload of a
// length-delimited field and nil for other wire types.
func walk(b []byte, fn func(num protowire.Number, typ protowire.Type, v []byte) error) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return protowire.ParseError(n)
		}
		b = b[n:]
		if !num.IsValid() {
			return errors.New("invalid field number")
		}
		var v []byte
		if typ == protowire.BytesType {
			v, n = protowire.ConsumeBytes(b)
		} else {
			n = protowire.ConsumeFieldValue(num, typ, b)
		}
		if n < 0 {
			return protowire.ParseError(n)
		}
		b = b[n:]
		if err := fn(num, typ, v); err != nil {
			return err
		}
	}
	return nil
}
