package pubsub

import (
	"context"
	"errors"
	"fmt"
	"time"

	pb "cloud.google.com/go/pubsub/v2/apiv1/pubsubpb"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"

	"pointsofyou.ai/studio/shared/topology"
)

// TopicName is the full name of a topic: projects/<project>/topics/<id>.
func TopicName(project, id string) string { return "projects/" + project + "/topics/" + id }

// SubscriptionName is the full name of a subscription.
func SubscriptionName(project, id string) string {
	return "projects/" + project + "/subscriptions/" + id
}

// Apply creates every topic and subscription declared in t under project.
// A push subscription to a function pushes to pushURL(function); one to an
// endpoint pushes there as declared. A BigQuery subscription gets a
// BigQueryConfig naming "<project>.<dataset>.<table>"; it is written into
// the BigQuery emulator when Options.BigQuery is set. Resources that already
// exist are left as they are, so Apply may run again. It reports every
// failure, not only the first.
func (s *Server) Apply(ctx context.Context, t *topology.Topology, project string, pushURL func(function string) string) error {
	if t == nil {
		return nil
	}
	if project == "" {
		return errors.New("pubsub apply: empty project")
	}
	gs := &s.fake.GServer
	var errs []error
	for _, tp := range t.Topics {
		pt := &pb.Topic{Name: TopicName(project, tp.Name)}
		if tp.RetentionDays > 0 {
			pt.MessageRetentionDuration = durationpb.New(time.Duration(tp.RetentionDays) * 24 * time.Hour)
		}
		if _, err := gs.CreateTopic(ctx, pt); err != nil && status.Code(err) != codes.AlreadyExists {
			errs = append(errs, fmt.Errorf("topic %s: %w", tp.Name, err))
		}
	}
	for _, sub := range t.Subscriptions {
		ps, err := subscriptionProto(sub, project, pushURL)
		if err == nil {
			_, err = gs.CreateSubscription(ctx, ps)
		}
		if err != nil && status.Code(err) != codes.AlreadyExists {
			errs = append(errs, fmt.Errorf("subscription %s: %w", sub.Name, err))
		}
	}
	s.Refresh()
	if len(errs) > 0 {
		return fmt.Errorf("pubsub apply: %w", errors.Join(errs...))
	}
	return nil
}

// subscriptionProto translates one declared subscription.
func subscriptionProto(sub topology.Subscription, project string, pushURL func(string) string) (*pb.Subscription, error) {
	ps := &pb.Subscription{
		Name:               SubscriptionName(project, sub.Name),
		Topic:              TopicName(project, sub.Topic),
		Filter:             sub.Filter,
		AckDeadlineSeconds: int32(sub.AckDeadline),
	}
	if ps.AckDeadlineSeconds == 0 {
		ps.AckDeadlineSeconds = defaultAckSecs // production's default, made visible
	}
	if p := sub.Push; p != nil {
		endpoint := p.Endpoint
		if p.Function != "" {
			if pushURL == nil {
				return nil, fmt.Errorf("pushes to function %q but no push URL resolver was given", p.Function)
			}
			endpoint = pushURL(p.Function)
			if endpoint == "" {
				return nil, fmt.Errorf("no push URL for function %q", p.Function)
			}
		}
		ps.PushConfig = &pb.PushConfig{PushEndpoint: endpoint}
	}
	if b := sub.BigQuery; b != nil {
		ps.BigqueryConfig = &pb.BigQueryConfig{
			Table:             project + "." + b.Table,
			UseTableSchema:    b.UseTableSchema,
			WriteMetadata:     b.WriteMetadata,
			DropUnknownFields: b.DropUnknownFields,
		}
	}
	if d := sub.DeadLetter; d != nil {
		ps.DeadLetterPolicy = &pb.DeadLetterPolicy{
			DeadLetterTopic:     TopicName(project, d.Topic),
			MaxDeliveryAttempts: int32(d.MaxDeliveryAttempts),
		}
	}
	if r := sub.Retry; r != nil {
		ps.RetryPolicy = &pb.RetryPolicy{}
		if r.MinBackoffSeconds > 0 {
			ps.RetryPolicy.MinimumBackoff = durationpb.New(time.Duration(r.MinBackoffSeconds) * time.Second)
		}
		if r.MaxBackoffSeconds > 0 {
			ps.RetryPolicy.MaximumBackoff = durationpb.New(time.Duration(r.MaxBackoffSeconds) * time.Second)
		}
	}
	return ps, nil
}
