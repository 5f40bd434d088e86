package eventarc

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2"

	"pointsofyou.ai/studio/shared/topology"
)

// CloudEvent types Eventarc uses for the triggers this package wires.
const (
	TypeMessagePublished       = "google.cloud.pubsub.topic.v1.messagePublished"
	TypeStorageFinalized       = "google.cloud.storage.object.v1.finalized"
	TypeStorageDeleted         = "google.cloud.storage.object.v1.deleted"
	TypeStorageArchived        = "google.cloud.storage.object.v1.archived"
	TypeStorageMetadataUpdated = "google.cloud.storage.object.v1.metadataUpdated"
)

// GCS notification event types (the eventType attribute).
const (
	gcsFinalize       = "OBJECT_FINALIZE"
	gcsDelete         = "OBJECT_DELETE"
	gcsArchive        = "OBJECT_ARCHIVE"
	gcsMetadataUpdate = "OBJECT_METADATA_UPDATE"
)

// storageEvents maps a topology storage event to the GCS notification type
// and the CloudEvent type it becomes.
var storageEvents = map[string]struct{ notification, ceType string }{
	topology.StorageFinalized:       {gcsFinalize, TypeStorageFinalized},
	topology.StorageDeleted:         {gcsDelete, TypeStorageDeleted},
	topology.StorageArchived:        {gcsArchive, TypeStorageArchived},
	topology.StorageMetadataUpdated: {gcsMetadataUpdate, TypeStorageMetadataUpdated},
}

// ceTypeOfNotification is the inverse of storageEvents.
func ceTypeOfNotification(eventType string) (string, bool) {
	for _, e := range storageEvents {
		if e.notification == eventType {
			return e.ceType, true
		}
	}
	return "", false
}

// message is what a source needs from a Pub/Sub message; it keeps the
// conversions independent of the client library (and fuzzable).
type message struct {
	ID          string
	Data        []byte
	Attributes  map[string]string
	PublishTime time.Time
	OrderingKey string
}

// messagePublishedData is Google's MessagePublishedData
// (google.events.cloud.pubsub.v1) in its JSON form. Production payloads also
// carry the snake_case duplicates of the id and time that the Pub/Sub push
// wrapper writes, so they are kept for handlers that read either spelling.
type messagePublishedData struct {
	Message      pubsubMessageData `json:"message"`
	Subscription string            `json:"subscription"`
}

type pubsubMessageData struct {
	Data        []byte            `json:"data,omitempty"` // base64 in JSON
	Attributes  map[string]string `json:"attributes,omitempty"`
	MessageID   string            `json:"messageId"`
	MessageID2  string            `json:"message_id"`
	PublishTime string            `json:"publishTime"`
	PublishTm2  string            `json:"publish_time"`
	OrderingKey string            `json:"orderingKey,omitempty"`
}

// pubsubEvent turns a message received on subscription (full name) of topic
// (full name) into Eventarc's messagePublished CloudEvent.
func pubsubEvent(m message, topic, subscription string) (cloudevents.Event, error) {
	if m.ID == "" {
		return cloudevents.Event{}, errors.New("message has no id")
	}
	pt := m.PublishTime.UTC().Format(time.RFC3339Nano)
	d := messagePublishedData{
		Message: pubsubMessageData{
			Data: m.Data, Attributes: m.Attributes,
			MessageID: m.ID, MessageID2: m.ID,
			PublishTime: pt, PublishTm2: pt,
			OrderingKey: m.OrderingKey,
		},
		Subscription: subscription,
	}
	if len(d.Message.Attributes) == 0 {
		d.Message.Attributes = nil
	}
	body, err := json.Marshal(d)
	if err != nil {
		return cloudevents.Event{}, err
	}
	ev := cloudevents.NewEvent()
	ev.SetID(m.ID)
	ev.SetSource("//pubsub.googleapis.com/" + topic)
	ev.SetType(TypeMessagePublished)
	if !m.PublishTime.IsZero() {
		ev.SetTime(m.PublishTime)
	}
	if err := ev.SetData(cloudevents.ApplicationJSON, body); err != nil {
		return cloudevents.Event{}, err
	}
	return ev, ev.Validate()
}

// objectRef is the part of a StorageObjectData (the JSON API object
// resource) that identifies the object and the event's time. Numbers arrive
// as strings in the JSON API, and as numbers from some emitters.
type objectRef struct {
	Bucket         string      `json:"bucket"`
	Name           string      `json:"name"`
	Generation     json.Number `json:"generation"`
	Metageneration json.Number `json:"metageneration"`
	Updated        string      `json:"updated"`
	TimeDeleted    string      `json:"timeDeleted"`
}

// UnmarshalJSON accepts generation/metageneration as strings or numbers.
func (o *objectRef) UnmarshalJSON(b []byte) error {
	var raw struct {
		Bucket, Name, Updated, TimeDeleted string
		Generation, Metageneration         any
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&raw); err != nil {
		return err
	}
	num := func(field string, v any) (json.Number, error) {
		switch x := v.(type) {
		case nil:
			return "", nil
		case json.Number:
			if _, err := strconv.ParseInt(string(x), 10, 64); err != nil {
				return "", fmt.Errorf("%s %s is not an integer", field, x)
			}
			return x, nil
		case string:
			if _, err := strconv.ParseInt(x, 10, 64); err != nil && x != "" {
				return "", fmt.Errorf("%s %q is not an integer", field, x)
			}
			return json.Number(x), nil
		}
		return "", fmt.Errorf("%s has type %T, want an integer", field, v)
	}
	var err error
	*o = objectRef{Bucket: raw.Bucket, Name: raw.Name, Updated: raw.Updated, TimeDeleted: raw.TimeDeleted}
	if o.Generation, err = num("generation", raw.Generation); err != nil {
		return err
	}
	o.Metageneration, err = num("metageneration", raw.Metageneration)
	return err
}

// storageEvent turns a GCS Pub/Sub notification (attributes eventType,
// bucketId, objectId, objectGeneration, eventTime; payload the object
// resource in JSON_API_V1 format, or empty for payload format NONE) into
// Eventarc's storage object CloudEvent.
func storageEvent(m message) (cloudevents.Event, error) {
	a := m.Attributes
	ceType, ok := ceTypeOfNotification(a["eventType"])
	if !ok {
		return cloudevents.Event{}, fmt.Errorf("unknown notification eventType %q", a["eventType"])
	}
	var obj objectRef
	var data []byte
	if len(bytes.TrimSpace(m.Data)) > 0 {
		if err := json.Unmarshal(m.Data, &obj); err != nil {
			return cloudevents.Event{}, fmt.Errorf("notification payload is not an object resource: %w", err)
		}
		var buf bytes.Buffer
		if err := json.Compact(&buf, m.Data); err != nil {
			return cloudevents.Event{}, fmt.Errorf("notification payload: %w", err)
		}
		data = buf.Bytes()
	}
	bucket := first(a["bucketId"], obj.Bucket)
	name := first(a["objectId"], obj.Name)
	gen := first(a["objectGeneration"], obj.Generation.String())
	if bucket == "" || name == "" {
		return cloudevents.Event{}, errors.New("notification names no bucket or object")
	}
	if data == nil {
		// Payload format NONE: build the identifying part of the resource.
		ref := map[string]string{"kind": "storage#object", "bucket": bucket, "name": name}
		if gen != "" {
			ref["generation"] = gen
			ref["id"] = bucket + "/" + name + "/" + gen
		}
		data, _ = json.Marshal(ref)
	}

	// The notification's eventTime is the change's time; without it the
	// resource's own timestamps are the best estimate.
	times := []string{a["eventTime"]}
	if ceType == TypeStorageDeleted {
		times = append(times, obj.TimeDeleted)
	}
	t := m.PublishTime
	for _, s := range append(times, obj.Updated) {
		if p, err := time.Parse(time.RFC3339Nano, s); err == nil {
			t = p
			break
		}
	}

	ev := cloudevents.NewEvent()
	ev.SetID(storageEventID(bucket, name, gen, a["eventType"], obj.Metageneration.String()))
	ev.SetSource("//storage.googleapis.com/projects/_/buckets/" + bucket)
	ev.SetSubject("objects/" + name)
	ev.SetType(ceType)
	if !t.IsZero() {
		ev.SetTime(t)
	}
	if err := ev.SetData(cloudevents.ApplicationJSON, data); err != nil {
		return cloudevents.Event{}, err
	}
	return ev, ev.Validate()
}

// storageEventID derives the event id from what identifies the change, so a
// redelivered notification keeps its id as production keeps it across
// retries. Metadata updates of one generation differ by metageneration.
// The id is decimal, like production's.
func storageEventID(bucket, name, generation, eventType, metageneration string) string {
	if eventType != gcsMetadataUpdate {
		metageneration = ""
	}
	h := sha256.New()
	for _, s := range []string{bucket, name, generation, eventType, metageneration} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	sum := h.Sum(nil)
	return strconv.FormatUint(binary.BigEndian.Uint64(sum[:8])>>1, 10)
}

func first(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

// fullTopic qualifies a topic id with the project; full names pass through.
func fullTopic(project, topic string) string {
	if strings.HasPrefix(topic, "projects/") {
		return topic
	}
	return "projects/" + project + "/topics/" + topic
}
