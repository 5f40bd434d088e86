package eventarc

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"cloud.google.com/go/pubsub/v2"
	"cloud.google.com/go/pubsub/v2/apiv1/pubsubpb"
	cloudevents "github.com/cloudevents/sdk-go/v2"
	"google.golang.org/api/option"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	"pointsofyou.ai/studio/shared/topology"
)

// triggerSub is one trigger fed by one Pub/Sub subscription, as Eventarc
// creates one subscription per trigger.
type triggerSub struct {
	fn           topology.Function
	kind         string // "pubsub" or "storage"
	topic        string // full name
	subscription string // full name
	filter       string
	// convert turns a received message into the function's event; ok false
	// means the message is not for this trigger.
	convert func(m message) (ev cloudevents.Event, ok bool, err error)
}

func (t triggerSub) wired() wiredTrigger {
	return wiredTrigger{Function: t.fn.Name, Kind: t.kind, Topic: t.topic, Subscription: t.subscription, Filter: t.filter}
}

// plan lists the subscriptions the topology's triggers need.
func (s *Server) plan() ([]triggerSub, error) {
	var out []triggerSub
	for _, fn := range s.opts.Topology.Functions {
		subName := fmt.Sprintf("projects/%s/subscriptions/eventarc-%s-%s-sub", s.opts.Project, s.opts.Region, fn.Name)
		switch tr := fn.Trigger; {
		case tr.PubSub != nil:
			topic := fullTopic(s.opts.Project, tr.PubSub.Topic)
			out = append(out, triggerSub{
				fn: fn, kind: "pubsub", topic: topic, subscription: subName, filter: tr.PubSub.Filter,
				convert: func(m message) (cloudevents.Event, bool, error) {
					ev, err := pubsubEvent(m, topic, subName)
					return ev, true, err
				},
			})
		case tr.Storage != nil:
			se, ok := storageEvents[tr.Storage.Event]
			if !ok {
				return nil, fmt.Errorf("eventarc: function %s: unknown storage event %q", fn.Name, tr.Storage.Event)
			}
			bucket := topology.BucketName(s.opts.Project, tr.Storage.Bucket)
			out = append(out, triggerSub{
				fn: fn, kind: "storage", topic: s.opts.StorageTopic, subscription: subName,
				// Production filters on the server side too; the check in
				// convert guards against a Pub/Sub without filter support.
				filter: fmt.Sprintf("attributes.bucketId = %s AND attributes.eventType = %s",
					strconv.Quote(bucket), strconv.Quote(se.notification)),
				convert: func(m message) (cloudevents.Event, bool, error) {
					if m.Attributes["bucketId"] != bucket || m.Attributes["eventType"] != se.notification {
						return cloudevents.Event{}, false, nil
					}
					ev, err := storageEvent(m)
					return ev, true, err
				},
			})
		}
	}
	return out, nil
}

// pubsubConn is the official client connected to the Pub/Sub emulator.
type pubsubConn struct {
	client *pubsub.Client
}

func dialPubSub(ctx context.Context, project, host string) (*pubsubConn, error) {
	c, err := pubsub.NewClient(ctx, project,
		option.WithEndpoint(host),
		option.WithoutAuthentication(),
		option.WithGRPCDialOption(grpc.WithTransportCredentials(insecure.NewCredentials())),
	)
	if err != nil {
		return nil, fmt.Errorf("eventarc: pubsub client: %w", err)
	}
	return &pubsubConn{client: c}, nil
}

func (p *pubsubConn) close() error { return p.client.Close() }

// ensure creates the topics and subscriptions the triggers need. It is
// idempotent; a subscription whose topic or filter no longer matches the
// topology is recreated, since Pub/Sub cannot change a filter in place.
func (p *pubsubConn) ensure(ctx context.Context, subs []triggerSub) error {
	topics := map[string]bool{}
	for _, t := range subs {
		if topics[t.topic] {
			continue
		}
		topics[t.topic] = true
		// Production requires the topic to exist; locally the emulators may
		// start in any order, so the trigger creates it.
		_, err := p.client.TopicAdminClient.CreateTopic(ctx, &pubsubpb.Topic{Name: t.topic})
		if err != nil && status.Code(err) != codes.AlreadyExists {
			return fmt.Errorf("eventarc: create topic %s: %w", t.topic, err)
		}
	}
	admin := p.client.SubscriptionAdminClient
	for _, t := range subs {
		cur, err := admin.GetSubscription(ctx, &pubsubpb.GetSubscriptionRequest{Subscription: t.subscription})
		switch {
		case err == nil && cur.GetTopic() == t.topic && cur.GetFilter() == t.filter:
			continue
		case err == nil:
			if err := admin.DeleteSubscription(ctx, &pubsubpb.DeleteSubscriptionRequest{Subscription: t.subscription}); err != nil {
				return fmt.Errorf("eventarc: replace subscription %s: %w", t.subscription, err)
			}
		case status.Code(err) != codes.NotFound:
			return fmt.Errorf("eventarc: get subscription %s: %w", t.subscription, err)
		}
		_, err = admin.CreateSubscription(ctx, &pubsubpb.Subscription{
			Name: t.subscription, Topic: t.topic, Filter: t.filter,
			AckDeadlineSeconds: 600,
		})
		if err != nil && status.Code(err) != codes.AlreadyExists {
			return fmt.Errorf("eventarc: create subscription %s for %s: %w", t.subscription, t.fn.Name, err)
		}
	}
	return nil
}

// receive pulls the trigger's subscription until the server closes,
// reconnecting with backoff if the stream fails.
func (s *Server) receive(t triggerSub) {
	sub := s.ps.client.Subscriber(t.subscription)
	// Messages stay leased while their retries back off; the lease is
	// extended for as long as an event may live.
	sub.ReceiveSettings.MaxExtension = s.opts.MaxEventAge + s.opts.MaxBackoff
	wait := 100 * time.Millisecond
	for {
		err := sub.Receive(s.ctx, func(_ context.Context, m *pubsub.Message) {
			s.handle(t, m)
		})
		if s.ctx.Err() != nil {
			return
		}
		slog.Warn("eventarc receive failed; reconnecting", "subscription", t.subscription, "error", fmt.Sprint(err))
		select {
		case <-s.ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = min(2*wait, 10*time.Second)
	}
}

// handle delivers one message and settles it: ack when delivered or
// dropped (poison messages and exhausted retries), nack when shutdown
// interrupted the delivery so Pub/Sub keeps it.
func (s *Server) handle(t triggerSub, m *pubsub.Message) {
	msg := message{ID: m.ID, Data: m.Data, Attributes: m.Attributes, PublishTime: m.PublishTime, OrderingKey: m.OrderingKey}
	ev, ok, err := t.convert(msg)
	if err != nil {
		slog.Warn("eventarc dropped unconvertible message", "subscription", t.subscription, "messageId", m.ID, "error", err.Error())
		m.Ack()
		return
	}
	if !ok {
		m.Ack()
		return
	}
	err = s.deliver(s.ctx, t.fn, ev)
	if err != nil && !errors.Is(err, ErrDropped) {
		m.Nack()
		return
	}
	m.Ack()
}
