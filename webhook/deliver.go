package webhook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/riverqueue/river"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/internal/tracing"
	"github.com/drivewayhq/driveway/jobs"
	"github.com/drivewayhq/driveway/netguard"
)

// DeliverArgs is the job that attempts one delivery until it succeeds or is
// dead. Between attempts it snoozes (which River does not count as an
// attempt); the delivery row, not the job, holds the attempt count.
type DeliverArgs struct {
	ProjectID  string `json:"project_id"`
	DeliveryID string `json:"delivery_id"`
}

// Kind is "webhook.deliver".
func (DeliverArgs) Kind() string { return "webhook.deliver" }

type deliverWorker struct {
	river.WorkerDefaults[DeliverArgs]
	s *Service
}

// Timeout leaves room for one attempt and the writes around it.
func (w *deliverWorker) Timeout(*river.Job[DeliverArgs]) time.Duration {
	return w.s.cfg.Timeout + 30*time.Second
}

// Work makes the next attempt of the delivery, if one is due.
func (w *deliverWorker) Work(ctx context.Context, job *river.Job[DeliverArgs]) error {
	s := w.s
	d, err := s.store.GetWebhookDelivery(ctx, job.Args.ProjectID, job.Args.DeliveryID)
	if driveway.ErrorCode(err) == driveway.ENOTFOUND {
		return nil // its endpoint was deleted
	} else if err != nil {
		return err
	}
	if d.Status == driveway.DeliverySucceeded || d.Status == driveway.DeliveryDead {
		return nil // a rerun after the outcome was recorded
	}
	if wait := d.NextAttemptAt.Sub(s.now()); wait > 0 {
		return river.JobSnooze(wait)
	}
	ep, err := s.store.GetWebhookEndpoint(ctx, d.ProjectID, d.EndpointID)
	if driveway.ErrorCode(err) == driveway.ENOTFOUND {
		return nil
	} else if err != nil {
		return err
	}
	if !ep.Enabled {
		d.ResponseCode, d.Error = 0, "endpoint disabled"
		return s.finish(ctx, job, d, driveway.DeliveryDead)
	}
	began := time.Now()
	code, reason, wait := s.send(ctx, ep, d)
	if ctx.Err() != nil {
		if code == 0 {
			return fmt.Errorf("deliver webhook: interrupted: %w", ctx.Err()) // nothing recorded: the attempt is made again
		}
		// The app answered before the node began to stop: recording that
		// answer spares it a second request (a 2xx would otherwise be sent
		// again by the node that picks the job up).
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordGrace)
		defer cancel()
		ctx = rctx
	}
	s.metrics.attempt(code, time.Since(began))
	return s.record(ctx, job, d, code, reason, wait)
}

// recordGrace bounds the writes that record an answer received while the
// job's context was being cancelled (a node stopping).
const recordGrace = 5 * time.Second

// record writes the outcome of an attempt and schedules the next one, no
// sooner than the receiver's Retry-After (wait). A 410 Gone disables the
// endpoint (per Standard Webhooks) and kills the delivery.
func (s *Service) record(ctx context.Context, job *river.Job[DeliverArgs], d *driveway.WebhookDelivery, code int, reason string, wait time.Duration) error {
	d.Attempts++
	d.LastAttemptAt, d.ResponseCode, d.Error = s.now(), code, reason
	switch {
	case reason == "":
		return s.finish(ctx, job, d, driveway.DeliverySucceeded)
	case code == http.StatusGone:
		s.cfg.Logger.WarnContext(ctx, "webhook endpoint answered 410 Gone: disabled", "project", d.ProjectID, "endpoint", d.EndpointID)
		return s.finish(ctx, job, d, driveway.DeliveryDead)
	case d.Attempts >= s.attempts():
		s.cfg.Logger.WarnContext(ctx, "webhook delivery dead", "project", d.ProjectID, "delivery", d.ID,
			"endpoint", d.EndpointID, "attempts", d.Attempts, "code", code, "reason", reason)
		return s.finish(ctx, job, d, driveway.DeliveryDead)
	}
	delay := max(s.cfg.Schedule[d.Attempts-1], wait, time.Millisecond)
	d.Status, d.NextAttemptAt = driveway.DeliveryFailed, d.LastAttemptAt.Add(delay)
	if err := s.store.UpdateWebhookDelivery(ctx, d); err != nil {
		return fmt.Errorf("record webhook attempt: %w", err)
	}
	return river.JobSnooze(delay)
}

// finish records a final status and completes the job in one transaction;
// after a 410 it also disables the endpoint.
func (s *Service) finish(ctx context.Context, job *river.Job[DeliverArgs], d *driveway.WebhookDelivery, status string) error {
	d.Status, d.NextAttemptAt = status, time.Time{}
	err := s.store.WithTx(ctx, func(tx driveway.Tx) error {
		if err := tx.UpdateWebhookDelivery(ctx, d); err != nil {
			return fmt.Errorf("record webhook outcome: %w", err)
		}
		if d.ResponseCode == http.StatusGone {
			if err := disableEndpoint(ctx, tx, d.ProjectID, d.EndpointID); err != nil {
				return err
			}
		}
		return jobs.CompleteTx(ctx, tx, job)
	})
	if err == nil {
		s.metrics.outcomes.WithLabelValues(status).Inc()
	}
	return err
}

func disableEndpoint(ctx context.Context, tx driveway.Tx, projectID, id string) error {
	ep, err := tx.GetWebhookEndpoint(ctx, projectID, id)
	if err != nil {
		return fmt.Errorf("disable webhook endpoint: %w", err)
	}
	ep.Enabled = false
	if err := tx.UpdateWebhookEndpoint(ctx, ep); err != nil {
		return fmt.Errorf("disable webhook endpoint: %w", err)
	}
	return nil
}

// send makes one signed POST and returns the status code (0 when none came
// back), a short reason ("" for a 2xx) and the Retry-After of a 429 or 503.
// The reason never holds the URL (customers put tokens in query strings)
// or a secret.
func (s *Service) send(ctx context.Context, ep *driveway.WebhookEndpoint, d *driveway.WebhookDelivery) (int, string, time.Duration) {
	var values []string
	for _, sec := range activeSecrets(ep.Secrets, s.now()) {
		values = append(values, sec.Value)
	}
	ts := s.cfg.Now()
	sig, err := Sign(values, d.EventID, ts, d.Payload)
	if err != nil {
		return 0, "no usable signing secret", 0
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, ep.URL, bytes.NewReader(d.Payload))
	if err != nil {
		return 0, "bad endpoint URL", 0
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Driveway-Webhooks/1")
	req.Header.Set(HeaderID, d.EventID)
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(ts.Unix(), 10))
	req.Header.Set(HeaderSignature, sig)
	tracing.Inject(ctx, req.Header)
	resp, err := s.clientFor(ep.URL).Do(req)
	if err != nil {
		return 0, failureReason(err), 0
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxDrain)) // lets the connection be reused; the body is not used
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, "HTTP " + strconv.Itoa(resp.StatusCode), retryAfter(resp)
	}
	return resp.StatusCode, "", 0
}

// maxDrain is how much of a response body is read before the connection
// is closed.
const maxDrain = 64 << 10

// retryAfter returns the wait a 429 or 503 asks for in seconds, at most a
// day; 0 when none.
func retryAfter(resp *http.Response) time.Duration {
	if resp.StatusCode != http.StatusTooManyRequests && resp.StatusCode != http.StatusServiceUnavailable {
		return 0
	}
	n, err := strconv.Atoi(resp.Header.Get("Retry-After"))
	if err != nil || n <= 0 {
		return 0
	}
	return min(time.Duration(n)*time.Second, 24*time.Hour)
}

// failureReason names a transport failure in a few words.
func failureReason(err error) string {
	var blocked *netguard.BlockedError
	var nerr net.Error
	switch {
	case errors.As(err, &blocked), errors.Is(err, netguard.ErrHostNotAllowed):
		return "address not allowed"
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &nerr) && nerr.Timeout():
		return "timeout"
	case errors.Is(err, netguard.ErrResponseTooLarge):
		return "response too large"
	}
	return "connection failed"
}

// clientFor returns the guarded client for a URL: the shared one, or with
// AllowLoopback a client that also permits the URL's own loopback port.
// Redirects are never followed (a 3xx is a failure, per Standard Webhooks).
func (s *Service) clientFor(raw string) *http.Client {
	c := *s.client
	u, err := url.Parse(raw)
	if s.cfg.AllowLoopback && err == nil && isLoopbackHost(u.Hostname()) {
		port, _ := strconv.ParseUint(u.Port(), 10, 16)
		if port == 0 {
			port = map[string]uint64{"http": 80, "https": 443}[u.Scheme]
		}
		c = *s.loopbackClient(uint16(port))
	}
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &c
}

// loopbackClient returns the guarded client that also permits port on
// 127.0.0.1 and ::1, one per port (so that connections are reused).
func (s *Service) loopbackClient(port uint16) *http.Client {
	if c, ok := s.loopback.Load(port); ok {
		return c.(*http.Client)
	}
	g := s.cfg.Guard
	g.AllowAddrPorts = append(slices.Clone(g.AllowAddrPorts),
		netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), port), netip.AddrPortFrom(netip.IPv6Loopback(), port))
	c, _ := s.loopback.LoadOrStore(port, netguard.NewClient(g))
	return c.(*http.Client)
}
