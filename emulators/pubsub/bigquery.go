package pubsub

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	pb "cloud.google.com/go/pubsub/v2/apiv1/pubsubpb"
	"google.golang.org/protobuf/proto"
)

// BigQueryWriter writes the messages of a BigQuery subscription into its
// table, as Pub/Sub's BigQuery subscriptions do in production (through the
// Storage Write API). The BigQuery emulator implements it; Options.BigQuery
// hands it to the server, which then runs one worker per BigQuery
// subscription that pulls, calls WriteMessages and acks what was written.
//
// The contract, which follows production:
//
//   - cfg is the subscription's configuration as created. cfg.Table names
//     the table as "project.dataset.table" (production's form; the older
//     "project:dataset.table" is accepted by ParseBigQueryTable too).
//   - With cfg.UseTableSchema, each message's data is a JSON object whose
//     top-level fields are written to the columns of the same name: a
//     TIMESTAMP column takes an RFC 3339 string (or integer microseconds
//     since the epoch), a JSON column takes any JSON value as is, INT64 a
//     number or a decimal string. A field without a column makes the row
//     fail unless cfg.DropUnknownFields; a missing REQUIRED column, data that
//     is not a JSON object or a value of the wrong type make it fail too.
//   - With neither UseTableSchema nor UseTopicSchema, the data goes as is
//     into a column named "data" (STRING or BYTES).
//   - With cfg.WriteMetadata, every row also gets subscription_name (the
//     full subscription name), message_id, publish_time (TIMESTAMP) and
//     attributes (a JSON object of the message's attributes, in a JSON or
//     STRING column); the ordering key, when set, is not written.
//   - Return nil when every message was written.
//   - Return *RowErrors when some messages could not be written (bad data):
//     those indexes are retried with backoff and dead-lettered after the
//     subscription's max delivery attempts; every other message counts as
//     written. The writer must not write a failing message partially.
//   - Return any other error when nothing was written (table missing,
//     writer unavailable): the whole batch is retried with backoff, without
//     counting a delivery attempt, so an outage does not dead-letter good
//     messages.
//
// Delivery is at least once: a message may be written again after a
// timeout or a restart. Rows carry message_id (with WriteMetadata) so
// readers can dedupe.
type BigQueryWriter interface {
	WriteMessages(ctx context.Context, subscription string, cfg *pb.BigQueryConfig, msgs []*pb.PubsubMessage) error
}

// RowErrors is the error a BigQueryWriter returns when only some messages
// failed. Failed maps an index into the msgs slice of the WriteMessages call
// to why that message was not written; messages not in Failed were written.
type RowErrors struct {
	Failed map[int]error
}

// Error lists the failing indexes in order with their reasons.
func (e *RowErrors) Error() string {
	idx := make([]int, 0, len(e.Failed))
	for i := range e.Failed {
		idx = append(idx, i)
	}
	sort.Ints(idx)
	parts := make([]string, 0, len(idx))
	for _, i := range idx {
		parts = append(parts, fmt.Sprintf("message %d: %v", i, e.Failed[i]))
	}
	return fmt.Sprintf("%d message(s) not written: %s", len(idx), strings.Join(parts, "; "))
}

// Unwrap exposes the per-message errors to errors.Is and errors.As.
func (e *RowErrors) Unwrap() []error {
	out := make([]error, 0, len(e.Failed))
	for _, err := range e.Failed {
		out = append(out, err)
	}
	return out
}

// ParseBigQueryTable splits a BigQueryConfig table name,
// "project.dataset.table" or "project:dataset.table", into its parts.
func ParseBigQueryTable(name string) (project, dataset, table string, err error) {
	rest := name
	if p, r, ok := strings.Cut(name, ":"); ok {
		project, rest = p, r
		dataset, table, ok = strings.Cut(rest, ".")
		if !ok {
			dataset = ""
		}
	} else {
		parts := strings.Split(name, ".")
		if len(parts) == 3 {
			project, dataset, table = parts[0], parts[1], parts[2]
		}
	}
	if project == "" || dataset == "" || table == "" || strings.ContainsAny(dataset+table, ".:") {
		return "", "", "", fmt.Errorf("BigQuery table %q: want project.dataset.table", name)
	}
	return project, dataset, table, nil
}

// BigQuery worker timings.
const (
	// bqBatch bounds the messages of one WriteMessages call.
	bqBatch = 500
	// Backoff after a whole-batch failure (writer down), as production
	// backs off from an unavailable table.
	bqDownMin = 1 * time.Second
	bqDownMax = 60 * time.Second
)

// bqConfig is the part of a BigQuery subscription its worker needs.
type bqConfig struct {
	*subConfig
	bq *pb.BigQueryConfig
}

func newBQConfig(sub *pb.Subscription) *bqConfig {
	c := newSubConfig(sub)
	if sub.RetryPolicy == nil {
		// Pull-type delivery: production redelivers a nacked message at
		// once without a retry policy; keep a small floor so a failing
		// message does not spin.
		c.minBackoff, c.maxBackoff = pushMinBackoff, pushMaxBackoff
	}
	return &bqConfig{subConfig: c, bq: proto.Clone(sub.GetBigqueryConfig()).(*pb.BigQueryConfig)}
}

// bqHeld is a message the worker holds.
type bqHeld struct {
	msg      *pb.PubsubMessage
	ackID    string
	attempts int       // deliveries (pulls); a batch written again after an outage is not pulled again
	failures int       // consecutive row failures
	retryAt  time.Time // zero unless waiting out a row-failure backoff
}

// bqWorker delivers one BigQuery subscription. Only its run goroutine
// touches its fields other than cfg.
type bqWorker struct {
	srv    *Server
	name   string
	cfg    atomic.Pointer[bqConfig]
	ctx    context.Context
	cancel context.CancelFunc
	held   map[string]*bqHeld
	// Messages the writer could not take at all: written again, without a
	// new delivery, once downAt has passed.
	down      []*bqHeld
	downAt    time.Time
	downFails int
}

func newBQWorker(s *Server, cfg *bqConfig) *bqWorker {
	w := &bqWorker{srv: s, name: cfg.name, held: map[string]*bqHeld{}}
	w.ctx, w.cancel = context.WithCancel(s.ctx)
	w.cfg.Store(cfg)
	return w
}

func (w *bqWorker) run() {
	defer w.srv.wg.Done()
	defer w.release()
	t := time.NewTicker(pullInterval)
	defer t.Stop()
	for {
		w.step()
		select {
		case <-w.ctx.Done():
			return
		case <-t.C:
		}
	}
}

// release hands held messages back when the worker stops.
func (w *bqWorker) release() {
	var ids []string
	for _, h := range w.held {
		ids = append(ids, h.ackID)
	}
	if len(ids) > 0 {
		w.srv.modack(w.name, ids, 0)
	}
}

// step retries a batch the writer could not take, nacks row failures whose
// backoff has passed (the pull redelivers them), then pulls and writes.
func (w *bqWorker) step() {
	cfg := w.cfg.Load()
	now := w.srv.now()
	if len(w.down) > 0 {
		if now.Before(w.downAt) {
			return // the writer is down: keep order, take nothing new
		}
		batch := w.down
		w.down = nil
		w.write(cfg, batch)
		return
	}
	var due []string
	for _, h := range w.held {
		if !h.retryAt.IsZero() && !now.Before(h.retryAt) {
			due = append(due, h.ackID)
			h.retryAt = time.Time{}
		}
	}
	if len(due) > 0 {
		w.srv.modack(w.name, due, 0)
	}
	res, err := w.srv.fake.GServer.Pull(w.ctx, &pb.PullRequest{Subscription: w.name, MaxMessages: bqBatch, ReturnImmediately: true})
	if err != nil {
		w.srv.log.Debug("pubsub bigquery: pull", "subscription", w.name, "err", err)
		return
	}
	var batch []*bqHeld
	for _, rm := range res.ReceivedMessages {
		msg, ackID := rm.Message, rm.AckId
		h := w.held[msg.MessageId]
		if h == nil {
			h = &bqHeld{msg: msg}
			w.held[msg.MessageId] = h
		}
		h.ackID = ackID
		if !h.retryAt.IsZero() {
			continue // its lease ran out (the clock jumped); keep our schedule
		}
		h.attempts++ // pstest counted this delivery too
		batch = append(batch, h)
	}
	if len(batch) > 0 {
		w.write(cfg, batch)
	}
}

// write hands a batch to the writer and acts on its verdict.
func (w *bqWorker) write(cfg *bqConfig, batch []*bqHeld) {
	msgs := make([]*pb.PubsubMessage, len(batch))
	for i, h := range batch {
		msgs[i] = h.msg
	}
	ctx, cancel := context.WithTimeout(w.ctx, cfg.ackDeadline)
	err := w.srv.opts.BigQuery.WriteMessages(ctx, w.name, proto.Clone(cfg.bq).(*pb.BigQueryConfig), msgs)
	cancel()
	if w.ctx.Err() != nil {
		return // closing: release nacks what is held
	}
	var rowErrs *RowErrors
	if err != nil && !errors.As(err, &rowErrs) {
		// Nothing was written: keep the batch leased and write it again.
		w.downFails++
		b := backoffRange(w.downFails, bqDownMin, bqDownMax, w.srv.opts.BackoffScale)
		w.down, w.downAt = batch, w.srv.now().Add(b)
		var ids []string
		for _, h := range batch {
			ids = append(ids, h.ackID)
		}
		w.srv.modack(w.name, ids, leaseFor(b, cfg.ackDeadline))
		for _, h := range batch {
			w.record(cfg, h, OutcomeRetry, b, err)
		}
		w.srv.log.Warn("pubsub bigquery: write failed; retrying", "subscription", w.name, "table", cfg.bq.GetTable(),
			"messages", len(batch), "backoff", b, "err", err)
		return
	}
	w.downFails = 0
	for i, h := range batch {
		var rowErr error
		if rowErrs != nil {
			rowErr = rowErrs.Failed[i]
		}
		switch {
		case rowErr == nil:
			w.srv.ack(w.name, h.ackID)
			delete(w.held, h.msg.MessageId)
			w.record(cfg, h, OutcomeAcked, 0, nil)
		case cfg.maxAttempts > 0 && h.attempts >= cfg.maxAttempts:
			if dlErr := w.srv.deadLetter(cfg.subConfig, h.msg, h.attempts); dlErr != nil {
				w.retry(cfg, h, fmt.Errorf("%w; dead-letter: %v", rowErr, dlErr))
				continue
			}
			w.srv.ack(w.name, h.ackID)
			delete(w.held, h.msg.MessageId)
			w.record(cfg, h, OutcomeDeadLettered, 0, rowErr)
			w.srv.log.Warn("pubsub bigquery: message dead-lettered", "subscription", w.name, "message_id", h.msg.MessageId,
				"attempts", h.attempts, "dead_letter_topic", cfg.deadLetterTopic, "err", rowErr)
		default:
			w.retry(cfg, h, rowErr)
		}
	}
}

// retry keeps a failed message leased until its backoff has passed; the
// next pull after that redelivers it.
func (w *bqWorker) retry(cfg *bqConfig, h *bqHeld, err error) {
	h.failures++
	b := cfg.backoff(h.failures, w.srv.opts.BackoffScale)
	h.retryAt = w.srv.now().Add(b)
	w.srv.modack(w.name, []string{h.ackID}, leaseFor(b, cfg.ackDeadline))
	w.record(cfg, h, OutcomeRetry, b, err)
}

func (w *bqWorker) record(cfg *bqConfig, h *bqHeld, o Outcome, backoff time.Duration, err error) {
	d := Delivery{
		Subscription: w.name, MessageID: h.msg.MessageId, Endpoint: "bigquery:" + cfg.bq.GetTable(),
		Attempt: h.attempts, Outcome: o, Backoff: backoff, At: w.srv.now(),
	}
	if err != nil {
		d.Err = err.Error()
	}
	w.srv.record(d)
}

// backoffRange is min·2^(n-1) capped at max, times scale.
func backoffRange(n int, lo, hi time.Duration, scale float64) time.Duration {
	b := hi
	if n <= 1 {
		b = lo
	} else if n < 40 {
		if d := float64(lo) * math.Pow(2, float64(n-1)); d < float64(hi) {
			b = time.Duration(d)
		}
	}
	return time.Duration(float64(b) * scale)
}

// leaseFor is the ack deadline, in seconds, that keeps a message leased
// through a backoff.
func leaseFor(backoff, ackDeadline time.Duration) int32 {
	lease := int32(math.Ceil((backoff + ackDeadline).Seconds()))
	return min(max(lease, defaultAckSecs), maxAckSecs)
}

// modack changes the lease of messages of one subscription.
func (s *Server) modack(sub string, ackIDs []string, secs int32) {
	_, err := s.fake.GServer.ModifyAckDeadline(context.Background(), &pb.ModifyAckDeadlineRequest{
		Subscription: sub, AckIds: ackIDs, AckDeadlineSeconds: secs,
	})
	if err != nil {
		s.log.Debug("pubsub: modify ack deadline", "subscription", sub, "err", err)
	}
}

// ack acknowledges one message of a subscription.
func (s *Server) ack(sub, ackID string) {
	_, err := s.fake.GServer.Acknowledge(context.Background(), &pb.AcknowledgeRequest{Subscription: sub, AckIds: []string{ackID}})
	if err != nil {
		s.log.Debug("pubsub: acknowledge", "subscription", sub, "err", err)
	}
}

// deadLetter forwards msg to the subscription's dead-letter topic with the
// attributes production adds.
func (s *Server) deadLetter(cfg *subConfig, msg *pb.PubsubMessage, attempts int) error {
	attrs := make(map[string]string, len(msg.Attributes)+4)
	for k, v := range msg.Attributes {
		attrs[k] = v
	}
	attrs["CloudPubSubDeadLetterSourceDeliveryCount"] = fmt.Sprint(attempts)
	attrs["CloudPubSubDeadLetterSourceSubscription"] = cfg.id
	attrs["CloudPubSubDeadLetterSourceSubscriptionProject"] = cfg.project
	attrs["CloudPubSubDeadLetterSourceTopicPublishTime"] = msg.GetPublishTime().AsTime().UTC().Format("2006-01-02T15:04:05.000-07:00")
	_, err := s.fake.GServer.Publish(context.Background(), &pb.PublishRequest{
		Topic:    cfg.deadLetterTopic,
		Messages: []*pb.PubsubMessage{{Data: msg.Data, Attributes: attrs, OrderingKey: msg.OrderingKey}},
	})
	return err
}
