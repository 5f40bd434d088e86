package eventarc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"
	_ "time/tzdata" // IANA zones even where the system has none (containers)

	"pointsofyou.ai/studio/shared/httpapi"
	"pointsofyou.ai/studio/shared/topology"
)

// SchedulerEventType is the Delivery.Type of Cloud Scheduler job attempts.
const SchedulerEventType = "google.cloud.scheduler.job.v1.executed"

// Cloud Scheduler retry and deadline settings deployed by terraform
// (google_cloud_scheduler_job): retry_count 3 for retrying functions, and
// an attempt deadline of the function timeout clamped to 15 s-30 min.
const (
	schedulerRetryCount  = 3
	minAttemptDeadline   = 15 * time.Second
	maxAttemptDeadline   = 30 * time.Minute
	defaultScheduleZone  = "Etc/UTC"
	schedulerUserAgent   = "Google-Cloud-Scheduler"
	schedulerRunSuffix   = ":run"
	schedulerRoutePrefix = "/_internal/schedules/"
)

// ErrNotScheduled is returned by RunScheduleNow for a function without a
// schedule trigger.
var ErrNotScheduled = errors.New("eventarc: function has no schedule trigger")

// scheduleJob is one function's Cloud Scheduler job.
type scheduleJob struct {
	fn   topology.Function
	cron Cron
	loc  *time.Location
}

// planSchedules parses the schedule triggers of the topology.
func (s *Server) planSchedules() (map[string]*scheduleJob, error) {
	jobs := map[string]*scheduleJob{}
	for _, fn := range s.opts.Topology.Functions {
		st := fn.Trigger.Schedule
		if st == nil {
			continue
		}
		c, err := ParseCron(st.Cron)
		if err != nil {
			return nil, fmt.Errorf("eventarc: function %s: %w", fn.Name, err)
		}
		zone := st.TimeZone
		if zone == "" {
			zone = defaultScheduleZone
		}
		loc, err := time.LoadLocation(zone)
		if err != nil {
			return nil, fmt.Errorf("eventarc: function %s: time zone %q: %w", fn.Name, zone, err)
		}
		jobs[fn.Name] = &scheduleJob{fn: fn, cron: c, loc: loc}
	}
	return jobs, nil
}

func (j *scheduleJob) wired() wiredTrigger {
	return wiredTrigger{Function: j.fn.Name, Kind: "schedule", Schedule: j.cron.String(), TimeZone: j.loc.String()}
}

// runSchedule fires job at each due time until the server closes. A slot
// that falls due while the previous run is still retrying is skipped, so
// runs of one job never overlap.
func (s *Server) runSchedule(job *scheduleJob) {
	for {
		now := s.opts.Now()
		next := job.cron.Next(now, job.loc)
		if next.IsZero() {
			slog.Warn("eventarc schedule never fires", "function", job.fn.Name, "cron", job.cron.String())
			return
		}
		select {
		case <-s.ctx.Done():
			return
		case <-s.opts.After(next.Sub(now)):
		}
		s.execute(s.ctx, job, next)
		if s.ctx.Err() != nil {
			return
		}
	}
}

// RunScheduleNow runs the function's job once, now, as `gcloud scheduler
// jobs run` does, and reports whether an attempt succeeded. It blocks
// until the attempts end, ctx ends or the server closes.
func (s *Server) RunScheduleNow(ctx context.Context, function string) (bool, error) {
	if _, ok := s.opts.Topology.Function(function); !ok {
		return false, fmt.Errorf("%w: %q", ErrUnknownFunction, function)
	}
	job, ok := s.schedules[function]
	if !ok {
		return false, fmt.Errorf("%w: %q", ErrNotScheduled, function)
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return false, ErrClosed
	}
	s.wg.Add(1)
	s.mu.Unlock()
	defer s.wg.Done()

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(s.ctx, cancel)
	defer stop()
	ok = s.execute(ctx, job, s.opts.Now())
	if err := ctx.Err(); err != nil {
		return false, err
	}
	return ok, nil
}

// execute makes the attempts of one run: a retrying function gets up to
// schedulerRetryCount retries (fewer when MaxAttempts is set) with
// exponential backoff; it reports whether an attempt answered 2xx.
func (s *Server) execute(ctx context.Context, job *scheduleJob, scheduled time.Time) bool {
	maxAttempts := 1
	if job.fn.Retry {
		maxAttempts += schedulerRetryCount
		if s.opts.MaxAttempts > 0 {
			maxAttempts = min(maxAttempts, s.opts.MaxAttempts)
		}
	}
	source := fmt.Sprintf("//cloudscheduler.googleapis.com/projects/%s/locations/%s/jobs/%s",
		s.opts.Project, s.opts.Region, job.fn.Name)
	id := scheduled.UTC().Format(time.RFC3339)
	for attempt := 1; ; attempt++ {
		status, err := s.post(ctx, job.fn, scheduled)
		if ctx.Err() != nil {
			return false // shutdown, not the function's failure
		}
		d := Delivery{
			Function: job.fn.Name, EventID: id, Type: SchedulerEventType, Source: source,
			Attempt: attempt, Status: status, Time: s.opts.Now(),
		}
		if err != nil {
			d.Error = err.Error()
		}
		s.record(d)
		if err == nil {
			return true
		}
		if attempt >= maxAttempts {
			slog.Warn("eventarc scheduled run failed", "function", job.fn.Name, "scheduleTime", id,
				"attempts", attempt, "error", err.Error())
			return false
		}
		wait := s.backoff(attempt)
		slog.Info("eventarc scheduled run failed; retrying", "function", job.fn.Name, "scheduleTime", id,
			"attempt", attempt, "backoff", wait.String(), "error", err.Error())
		select {
		case <-ctx.Done():
			return false
		case <-s.opts.After(wait):
		}
	}
}

// post sends one Cloud Scheduler HTTP target request.
func (s *Server) post(ctx context.Context, fn topology.Function, scheduled time.Time) (int, error) {
	deadline := defaultTimeout
	if fn.Timeout > 0 {
		deadline = time.Duration(fn.Timeout) * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, min(max(deadline, minAttemptDeadline), maxAttemptDeadline))
	defer cancel()

	url := s.opts.FunctionURL(fn.Name)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader("{}"))
	if err != nil {
		return 0, fmt.Errorf("function URL %q: %w", url, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", schedulerUserAgent)
	req.Header.Set("X-CloudScheduler", "true")
	req.Header.Set("X-CloudScheduler-JobName", fn.Name)
	req.Header.Set("X-CloudScheduler-ScheduleTime", scheduled.UTC().Format(time.RFC3339))
	resp, err := s.opts.HTTPClient.Do(req)
	if err != nil {
		return 0, fmt.Errorf("post to function: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, fmt.Errorf("function answered %s", resp.Status)
	}
	return resp.StatusCode, nil
}

// handleRunSchedule serves POST /_internal/schedules/{function}:run.
func (s *Server) handleRunSchedule(w http.ResponseWriter, r *http.Request) error {
	name, ok := strings.CutSuffix(r.PathValue("job"), schedulerRunSuffix)
	if !ok || name == "" {
		return httpapi.NotFound("no such admin action; use POST /_internal/schedules/{function}:run")
	}
	succeeded, err := s.RunScheduleNow(r.Context(), name)
	switch {
	case errors.Is(err, ErrUnknownFunction), errors.Is(err, ErrNotScheduled):
		return httpapi.NotFound("function %q has no schedule trigger", name)
	case err != nil:
		// Only shutdown or the caller going away end a run early.
		return httpapi.Unavailable(err)
	}
	httpapi.WriteJSON(w, http.StatusOK, map[string]any{"function": name, "succeeded": succeeded})
	return nil
}
