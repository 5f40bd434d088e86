package firestoreevent

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	pb "cloud.google.com/go/firestore/apiv1/firestorepb"
	cloudevents "github.com/cloudevents/sdk-go/v2"
	"github.com/cloudevents/sdk-go/v2/types"
	"google.golang.org/protobuf/proto"
)

// CloudEvent types of Firestore document triggers.
const (
	TypeCreated = "google.cloud.firestore.document.v1.created"
	TypeUpdated = "google.cloud.firestore.document.v1.updated"
	TypeDeleted = "google.cloud.firestore.document.v1.deleted"
	TypeWritten = "google.cloud.firestore.document.v1.written"
)

// Trigger event names, as infra/topology.yaml spells them.
const (
	Created = "created"
	Updated = "updated"
	Deleted = "deleted"
	Written = "written"
)

// Attributes production sets on every Firestore document event.
const (
	// ContentType is the datacontenttype: the data is protobuf.
	ContentType = "application/protobuf"
	// DataSchema is the dataschema attribute: the published proto.
	DataSchema = "https://github.com/googleapis/google-cloudevents/blob/main/proto/google/events/cloud/firestore/v1/data.proto"
	// DefaultDatabase is the id of a project's default database, also used
	// as the namespace of Firestore Native mode events.
	DefaultDatabase = "(default)"
	typePrefix      = "google.cloud.firestore.document.v1."
	sourcePrefix    = "//firestore.googleapis.com/"
)

// Extension attribute names.
const (
	extDatabase  = "database"
	extNamespace = "namespace"
	extDocument  = "document"
	extLocation  = "location"
	extProject   = "project"
)

// TypeOf returns the CloudEvent type for a trigger event name (created,
// updated, deleted, written); ok is false for other names.
func TypeOf(event string) (string, bool) {
	switch event {
	case Created, Updated, Deleted, Written:
		return typePrefix + event, true
	}
	return "", false
}

// Event is a Firestore document event: the CloudEvent's attributes and its
// decoded data.
type Event struct {
	ID        string
	Type      string // one of the Type* constants
	Project   string
	Database  string // database id, "(default)" for the default database
	Location  string // the database's location, e.g. "eur3" or "europe-west1"
	Namespace string // "(default)" in Native mode
	// Document is the document's path below the database's documents root,
	// such as "orgs/o1/sessions/s1".
	Document string
	Time     time.Time
	Data     *DocumentEventData
}

// Kind says what happened to the document: Created, Updated or Deleted,
// judged from which snapshots the data holds (a written event carries any
// of the three). It is "" when the data holds neither snapshot.
func (d *DocumentEventData) Kind() string {
	switch {
	case d.OldValue == nil && d.Value != nil:
		return Created
	case d.OldValue != nil && d.Value != nil:
		return Updated
	case d.OldValue != nil:
		return Deleted
	}
	return ""
}

// Params matches the event's document against a trigger's path pattern and
// returns the wildcard values (see Match).
func (e *Event) Params(pattern string) (map[string]string, bool) {
	return Match(pattern, e.Document)
}

// NewCloudEvent builds the CloudEvent Eventarc delivers for e: source
// //firestore.googleapis.com/projects/{project}/databases/{database},
// subject documents/{document}, the database, namespace, document, location
// and project extensions, dataschema, and the protobuf data. Empty
// Database and Namespace default to "(default)"; an empty ID is derived
// from the document and time.
func NewCloudEvent(e Event) (cloudevents.Event, error) {
	if e.Data == nil {
		return cloudevents.Event{}, errors.New("firestoreevent: event has no data")
	}
	if e.Project == "" || e.Document == "" {
		return cloudevents.Event{}, errors.New("firestoreevent: event needs a project and a document")
	}
	if !strings.HasPrefix(e.Type, typePrefix) {
		return cloudevents.Event{}, fmt.Errorf("firestoreevent: %q is not a Firestore document event type", e.Type)
	}
	if e.Database == "" {
		e.Database = DefaultDatabase
	}
	if e.Namespace == "" {
		e.Namespace = DefaultDatabase
	}
	if e.ID == "" {
		e.ID = EventID(DocumentName(e.Project, e.Database, e.Document), e.Time)
	}
	data, err := e.Data.Marshal()
	if err != nil {
		return cloudevents.Event{}, err
	}
	ev := cloudevents.NewEvent()
	ev.SetID(e.ID)
	ev.SetType(e.Type)
	ev.SetSource(sourcePrefix + "projects/" + e.Project + "/databases/" + e.Database)
	ev.SetSubject("documents/" + e.Document)
	ev.SetDataSchema(DataSchema)
	if !e.Time.IsZero() {
		ev.SetTime(e.Time)
	}
	ev.SetExtension(extDatabase, e.Database)
	ev.SetExtension(extNamespace, e.Namespace)
	ev.SetExtension(extDocument, e.Document)
	ev.SetExtension(extProject, e.Project)
	if e.Location != "" {
		ev.SetExtension(extLocation, e.Location)
	}
	if err := ev.SetData(ContentType, data); err != nil {
		return cloudevents.Event{}, err
	}
	return ev, ev.Validate()
}

// Decode reads a Firestore document CloudEvent as received by a function.
// The document path comes from the document extension, or from the subject
// when the extension is missing; project and database likewise fall back to
// the source.
func Decode(ev cloudevents.Event) (*Event, error) {
	if !strings.HasPrefix(ev.Type(), typePrefix) {
		return nil, fmt.Errorf("firestoreevent: event type %q is not a Firestore document event", ev.Type())
	}
	if ct := ev.DataContentType(); ct != "" && ct != ContentType {
		return nil, fmt.Errorf("firestoreevent: data content type %q, want %s", ct, ContentType)
	}
	data, err := Unmarshal(ev.Data())
	if err != nil {
		return nil, err
	}
	e := &Event{
		ID: ev.ID(), Type: ev.Type(), Time: ev.Time(), Data: data,
		Project:   ext(ev, extProject),
		Database:  ext(ev, extDatabase),
		Location:  ext(ev, extLocation),
		Namespace: ext(ev, extNamespace),
		Document:  ext(ev, extDocument),
	}
	if e.Document == "" {
		var ok bool
		if e.Document, ok = strings.CutPrefix(ev.Subject(), "documents/"); !ok || e.Document == "" {
			return nil, fmt.Errorf("firestoreevent: event names no document (subject %q)", ev.Subject())
		}
	}
	if e.Project == "" || e.Database == "" {
		// source: //firestore.googleapis.com/projects/{p}/databases/{d}
		parts := strings.Split(strings.TrimPrefix(ev.Source(), sourcePrefix), "/")
		if len(parts) == 4 && parts[0] == "projects" && parts[2] == "databases" {
			e.Project = first(e.Project, parts[1])
			e.Database = first(e.Database, parts[3])
		}
	}
	return e, nil
}

func ext(ev cloudevents.Event, name string) string {
	v, ok := ev.Extensions()[name]
	if !ok {
		return ""
	}
	s, err := types.ToString(v)
	if err != nil {
		return ""
	}
	return s
}

func first(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// DocumentName is the full resource name of a document path.
func DocumentName(project, database, path string) string {
	return "projects/" + project + "/databases/" + database + "/documents/" + path
}

// EventID derives a stable, UUID-shaped event id from a document's full
// name and the commit time of its change: redeliveries of one change keep
// their id, so handlers can deduplicate on it.
func EventID(name string, commit time.Time) string {
	h := sha256.New()
	h.Write([]byte(name))
	h.Write([]byte{0})
	h.Write([]byte(commit.UTC().Format(time.RFC3339Nano)))
	sum := h.Sum(nil)[:16]
	sum[6] = sum[6]&0x0f | 0x80 // version 8: custom
	sum[8] = sum[8]&0x3f | 0x80 // RFC 4122 variant
	x := hex.EncodeToString(sum)
	return x[:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:]
}

// ChangedFields lists, sorted, the field paths that differ between two
// versions of a document: fields added, removed or given another value.
// Maps present in both versions are compared field by field, so a change
// deep inside a map is reported at its own path ("address.city").
func ChangedFields(old, new *pb.Document) []string {
	var out []string
	diffFields(nil, old.GetFields(), new.GetFields(), &out)
	sort.Strings(out)
	return out
}

func diffFields(prefix []string, a, b map[string]*pb.Value, out *[]string) {
	for k, av := range a {
		path := append(prefix[:len(prefix):len(prefix)], k)
		bv, ok := b[k]
		switch {
		case !ok:
			*out = append(*out, FieldPath(path...))
		case av.GetMapValue() != nil && bv.GetMapValue() != nil:
			diffFields(path, av.GetMapValue().GetFields(), bv.GetMapValue().GetFields(), out)
		case !proto.Equal(av, bv):
			*out = append(*out, FieldPath(path...))
		}
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			*out = append(*out, FieldPath(append(prefix[:len(prefix):len(prefix)], k)...))
		}
	}
}

// FieldPath joins field names into a Firestore field path, quoting names
// that are not simple (letters, digits and underscores, not starting with
// a digit) with backticks.
func FieldPath(names ...string) string {
	parts := make([]string, len(names))
	for i, n := range names {
		if validName(n) {
			parts[i] = n
			continue
		}
		r := strings.NewReplacer(`\`, `\\`, "`", "\\`")
		parts[i] = "`" + r.Replace(n) + "`"
	}
	return strings.Join(parts, ".")
}
