package pubsub

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"math"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	pb "cloud.google.com/go/pubsub/v2/apiv1/pubsubpb"
	"cloud.google.com/go/pubsub/v2/pstest"
)

// Production's push backoff range, used when a push subscription has no
// retry policy, and the retry policy defaults.
const (
	pushMinBackoff  = 100 * time.Millisecond
	pushMaxBackoff  = 60 * time.Second
	retryMinDefault = 10 * time.Second
	retryMaxDefault = 600 * time.Second
	defaultAckSecs  = 10
	maxAckSecs      = 600
	defaultDLQMax   = 5
	userAgent       = "APIs-Google; (+https://developers.google.com/webmasters/APIs-Google.html)"
)

// subConfig is the part of a push subscription the worker needs.
type subConfig struct {
	name, project, id string
	endpoint          string
	noWrapper         bool
	writeMetadata     bool
	ackDeadline       time.Duration
	minBackoff        time.Duration
	maxBackoff        time.Duration
	deadLetterTopic   string
	maxAttempts       int // 0 without a dead-letter policy
}

func newSubConfig(sub *pb.Subscription) *subConfig {
	c := &subConfig{name: sub.Name, endpoint: sub.GetPushConfig().GetPushEndpoint()}
	c.project, c.id = splitName(sub.Name, "subscriptions")
	if nw := sub.GetPushConfig().GetNoWrapper(); nw != nil {
		c.noWrapper = true
		c.writeMetadata = nw.WriteMetadata
	}
	secs := sub.AckDeadlineSeconds
	if secs <= 0 {
		secs = defaultAckSecs
	}
	c.ackDeadline = time.Duration(secs) * time.Second
	c.minBackoff, c.maxBackoff = pushMinBackoff, pushMaxBackoff
	if rp := sub.RetryPolicy; rp != nil {
		c.minBackoff, c.maxBackoff = retryMinDefault, retryMaxDefault
		if rp.MinimumBackoff != nil {
			c.minBackoff = rp.MinimumBackoff.AsDuration()
		}
		if rp.MaximumBackoff != nil {
			c.maxBackoff = rp.MaximumBackoff.AsDuration()
		}
	}
	if dl := sub.DeadLetterPolicy; dl != nil && dl.DeadLetterTopic != "" {
		c.deadLetterTopic = dl.DeadLetterTopic
		c.maxAttempts = int(dl.MaxDeliveryAttempts)
		if c.maxAttempts <= 0 {
			c.maxAttempts = defaultDLQMax
		}
	}
	return c
}

// splitName splits "projects/p/<kind>/x" into p and x.
func splitName(name, kind string) (project, id string) {
	parts := strings.Split(name, "/")
	if len(parts) == 4 && parts[0] == "projects" && parts[2] == kind {
		return parts[1], parts[3]
	}
	return "", name
}

// backoff is the wait after the n-th consecutive failure (n >= 1).
func (c *subConfig) backoff(n int, scale float64) time.Duration {
	b := c.maxBackoff
	if n <= 1 {
		b = c.minBackoff
	} else if n < 40 {
		if d := float64(c.minBackoff) * math.Pow(2, float64(n-1)); d < float64(c.maxBackoff) {
			b = time.Duration(d)
		}
	}
	if b < c.minBackoff {
		b = c.minBackoff
	}
	return time.Duration(float64(b) * scale)
}

// pending is a message a worker holds: outstanding in pstest, in flight
// to the endpoint or waiting out its backoff.
type pending struct {
	msg      *pb.PubsubMessage // pstest never mutates a published message
	ackID    string
	attempts int
	failures int
	inFlight bool
	retryAt  time.Time // zero unless waiting out a backoff
}

type pushResult struct {
	id       string
	endpoint string
	status   int
	err      error
}

func (r pushResult) ok() bool {
	if r.err != nil {
		return false
	}
	switch r.status {
	case 102, http.StatusOK, http.StatusCreated, http.StatusAccepted, http.StatusNoContent:
		return true
	}
	return false
}

// pusher delivers one push subscription. Only its run goroutine touches
// held and inFlight.
type pusher struct {
	srv      *Server
	name     string
	cfg      atomic.Pointer[subConfig]
	ctx      context.Context
	cancel   context.CancelFunc
	results  chan pushResult
	held     map[string]*pending
	inFlight int
}

func newPusher(s *Server, cfg *subConfig) *pusher {
	p := &pusher{srv: s, name: cfg.name, results: make(chan pushResult), held: map[string]*pending{}}
	p.ctx, p.cancel = context.WithCancel(s.ctx)
	p.cfg.Store(cfg)
	return p
}

func (p *pusher) run() {
	defer p.srv.wg.Done()
	defer p.release()
	t := time.NewTicker(pullInterval)
	defer t.Stop()
	for {
		p.step()
		select {
		case <-p.ctx.Done():
			return
		case r := <-p.results:
			p.finish(r)
		case <-t.C:
		}
	}
}

// release hands held messages back to the subscription when the worker
// stops (say the push endpoint was removed), rather than leaving them
// leased.
func (p *pusher) release() {
	var ids []string
	for _, h := range p.held {
		ids = append(ids, h.ackID)
	}
	if len(ids) > 0 {
		p.modack(ids, 0)
	}
}

func (p *pusher) gs() *pstest.GServer { return &p.srv.fake.GServer }

func (p *pusher) modack(ackIDs []string, secs int32) { p.srv.modack(p.name, ackIDs, secs) }

func (p *pusher) ack(ackID string) { p.srv.ack(p.name, ackID) }

// step nacks messages whose backoff has passed, then pulls what is
// available and starts pushing it.
func (p *pusher) step() {
	now := p.srv.now()
	var due []string
	for _, h := range p.held {
		if !h.inFlight && !h.retryAt.IsZero() && !now.Before(h.retryAt) {
			due = append(due, h.ackID)
			h.retryAt = time.Time{}
		}
	}
	if len(due) > 0 {
		p.modack(due, 0) // available again: the pull below redelivers it
	}
	free := maxInFlight - p.inFlight
	if free <= 0 {
		return
	}
	res, err := p.gs().Pull(p.ctx, &pb.PullRequest{Subscription: p.name, MaxMessages: int32(free), ReturnImmediately: true})
	if err != nil {
		p.srv.log.Debug("pubsub push: pull", "subscription", p.name, "err", err)
		return
	}
	cfg := p.cfg.Load()
	for _, rm := range res.ReceivedMessages {
		// rm is pstest's live record: copy what is needed now.
		msg, ackID := rm.Message, rm.AckId
		h := p.held[msg.MessageId]
		if h == nil {
			h = &pending{msg: msg}
			p.held[msg.MessageId] = h
		}
		h.ackID = ackID
		if h.inFlight || !h.retryAt.IsZero() {
			// Its lease ran out (the clock jumped); keep our own schedule.
			continue
		}
		h.attempts++
		h.inFlight = true
		p.inFlight++
		p.dispatch(cfg, h.msg, h.attempts)
	}
}

func (p *pusher) dispatch(cfg *subConfig, msg *pb.PubsubMessage, attempt int) {
	p.srv.wg.Add(1)
	go func() {
		defer p.srv.wg.Done()
		r := p.push(cfg, msg, attempt)
		select {
		case p.results <- r:
		case <-p.ctx.Done():
		}
	}()
}

// finish acts on a push answer: ack, dead-letter or schedule a retry.
func (p *pusher) finish(r pushResult) {
	h := p.held[r.id]
	if h == nil || !h.inFlight {
		return
	}
	h.inFlight = false
	p.inFlight--
	cfg := p.cfg.Load()
	d := Delivery{Subscription: p.name, MessageID: r.id, Endpoint: r.endpoint, Attempt: h.attempts, Status: r.status}
	if r.err != nil {
		d.Err = r.err.Error()
	}
	switch {
	case r.ok():
		p.ack(h.ackID)
		delete(p.held, r.id)
		d.Outcome = OutcomeAcked
	case cfg.maxAttempts > 0 && h.attempts >= cfg.maxAttempts:
		if err := p.deadLetter(cfg, h); err != nil {
			d.Err = strings.TrimPrefix(d.Err+"; ", "; ") + "dead-letter: " + err.Error()
			p.retry(cfg, h, &d)
			break
		}
		p.ack(h.ackID)
		delete(p.held, r.id)
		d.Outcome = OutcomeDeadLettered
		p.srv.log.Warn("pubsub push: message dead-lettered", "subscription", p.name, "message_id", r.id,
			"attempts", h.attempts, "dead_letter_topic", cfg.deadLetterTopic)
	default:
		p.retry(cfg, h, &d)
	}
	d.At = p.srv.now()
	p.srv.record(d)
	p.srv.log.Debug("pubsub push", "subscription", p.name, "message_id", r.id, "attempt", d.Attempt,
		"status", d.Status, "outcome", string(d.Outcome), "backoff", d.Backoff)
}

// retry keeps the message leased until its backoff has passed.
func (p *pusher) retry(cfg *subConfig, h *pending, d *Delivery) {
	h.failures++
	b := cfg.backoff(h.failures, p.srv.opts.BackoffScale)
	h.retryAt = p.srv.now().Add(b)
	lease := int32(math.Ceil((b + cfg.ackDeadline).Seconds()))
	p.modack([]string{h.ackID}, min(max(lease, defaultAckSecs), maxAckSecs))
	d.Outcome, d.Backoff = OutcomeRetry, b
}

// deadLetter forwards the message with production's source attributes.
func (p *pusher) deadLetter(cfg *subConfig, h *pending) error {
	return p.srv.deadLetter(cfg, h.msg, h.attempts)
}

// pushBody is Pub/Sub's wrapped push request.
type pushBody struct {
	Message         pushMessage `json:"message"`
	Subscription    string      `json:"subscription"`
	DeliveryAttempt int         `json:"deliveryAttempt,omitempty"`
}

type pushMessage struct {
	Attributes  map[string]string `json:"attributes,omitempty"`
	Data        []byte            `json:"data,omitempty"`
	MessageID   string            `json:"messageId"`
	MessageID2  string            `json:"message_id"`
	PublishTime string            `json:"publishTime"`
	PublishTim2 string            `json:"publish_time"`
	OrderingKey string            `json:"orderingKey,omitempty"`
}

// encodePush builds the request body and headers for one attempt.
func encodePush(cfg *subConfig, msg *pb.PubsubMessage, attempt int) ([]byte, http.Header, error) {
	h := http.Header{}
	h.Set("User-Agent", userAgent)
	pt := msg.GetPublishTime().AsTime().UTC().Format(time.RFC3339Nano)
	if cfg.noWrapper {
		if cfg.writeMetadata {
			h.Set("x-goog-pubsub-subscription-name", cfg.name)
			h.Set("x-goog-pubsub-message-id", msg.MessageId)
			h.Set("x-goog-pubsub-publish-time", pt)
			if msg.OrderingKey != "" {
				h.Set("x-goog-pubsub-ordering-key", msg.OrderingKey)
			}
			for k, v := range msg.Attributes {
				h.Set(k, v)
			}
		}
		return msg.Data, h, nil
	}
	b := pushBody{
		Message: pushMessage{
			Attributes: msg.Attributes, Data: msg.Data,
			MessageID: msg.MessageId, MessageID2: msg.MessageId,
			PublishTime: pt, PublishTim2: pt,
			OrderingKey: msg.OrderingKey,
		},
		Subscription: cfg.name,
	}
	if cfg.maxAttempts > 0 {
		b.DeliveryAttempt = attempt
	}
	body, err := json.Marshal(b)
	h.Set("Content-Type", "application/json")
	return body, h, err
}

// push POSTs one attempt, bounded by the ack deadline.
func (p *pusher) push(cfg *subConfig, msg *pb.PubsubMessage, attempt int) pushResult {
	r := pushResult{id: msg.MessageId, endpoint: cfg.endpoint}
	body, hdr, err := encodePush(cfg, msg, attempt)
	if err != nil {
		r.err = err
		return r
	}
	timeout := cfg.ackDeadline
	if t := p.srv.opts.PushTimeout; t > 0 && t < timeout {
		timeout = t
	}
	ctx, cancel := context.WithTimeout(p.ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, cfg.endpoint, bytes.NewReader(body))
	if err != nil {
		r.err = err
		return r
	}
	req.Header = hdr
	resp, err := p.srv.http.Do(req)
	if err != nil {
		r.err = err
		return r
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	r.status = resp.StatusCode
	return r
}
