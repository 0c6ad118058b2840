package audit

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/riverqueue/river"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/jobs"
	"github.com/drivewayhq/driveway/webhook"
)

// streamCursor names the SIEM stream's cursor (Store.AuditCursor).
const streamCursor = "webhook"

// Stream delivers the trail to a SIEM: batches of JSON lines (Line), in seq
// order, POSTed to URL and signed as Standard Webhooks (webhook-id
// "audit-<first seq>-<last seq>", webhook-timestamp, webhook-signature with
// Secret). Delivery is at least once: the cursor moves only after a 2xx, so
// a batch may come again after a failure; receivers dedupe by seq.
type Stream struct {
	Store  driveway.AuditQueries
	URL    string
	Secret string       // a "whsec_" secret (webhook.GenerateSecret)
	HTTP   *http.Client // default: a client with a 30 s timeout
	Batch  int          // entries per POST; default 500
	Now    func() time.Time
}

// Deliver sends every entry after the cursor and returns how many it
// delivered. It stops at the first failure, which it returns.
func (s *Stream) Deliver(ctx context.Context) (int, error) {
	after, err := s.Store.AuditCursor(ctx, streamCursor)
	if err != nil {
		return 0, err
	}
	sent := 0
	for {
		page, err := s.Store.ListAudit(ctx, driveway.AuditFilter{After: after}, s.batch())
		if err != nil || len(page) == 0 {
			return sent, err
		}
		if err := s.post(ctx, page); err != nil {
			return sent, err
		}
		after = page[len(page)-1].Seq
		if err := s.Store.SetAuditCursor(ctx, streamCursor, after); err != nil {
			return sent, err
		}
		sent += len(page)
	}
}

func (s *Stream) batch() int {
	if s.Batch > 0 {
		return s.Batch
	}
	return 500
}

func (s *Stream) post(ctx context.Context, page []*driveway.AuditEntry) error {
	var body bytes.Buffer
	enc := json.NewEncoder(&body)
	for _, e := range page {
		if err := enc.Encode(ToLine(e)); err != nil {
			return err
		}
	}
	id := fmt.Sprintf("audit-%d-%d", page[0].Seq, page[len(page)-1].Seq)
	now := time.Now()
	if s.Now != nil {
		now = s.Now()
	}
	sig, err := webhook.Sign([]string{s.Secret}, id, now, body.Bytes())
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.URL, bytes.NewReader(body.Bytes()))
	if err != nil {
		return fmt.Errorf("audit stream: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-ndjson")
	req.Header.Set(webhook.HeaderID, id)
	req.Header.Set(webhook.HeaderTimestamp, fmt.Sprint(now.Unix()))
	req.Header.Set(webhook.HeaderSignature, sig)
	return s.send(req)
}

func (s *Stream) send(req *http.Request) error {
	client := s.HTTP
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("audit stream: post: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("audit stream: the receiver answered %d", resp.StatusCode)
	}
	return nil
}

// RegisterStream adds the "audit_stream" job, run every interval on one
// node, which delivers what is new.
func RegisterStream(q *jobs.Queue, s *Stream, interval time.Duration, logger *slog.Logger) error {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if err := jobs.Register(q, river.Worker[streamArgs](&streamWorker{s: s, logger: logger})); err != nil {
		return fmt.Errorf("register audit jobs: %w", err)
	}
	return q.AddPeriodic(river.PeriodicInterval(interval),
		func() (river.JobArgs, *river.InsertOpts) { return streamArgs{}, nil },
		&river.PeriodicJobOpts{ID: "audit_stream", RunOnStart: true})
}

type streamArgs struct{}

// Kind is the stable job kind.
func (streamArgs) Kind() string { return "audit_stream" }

type streamWorker struct {
	river.WorkerDefaults[streamArgs]
	s      *Stream
	logger *slog.Logger
}

func (w *streamWorker) Work(ctx context.Context, job *river.Job[streamArgs]) error {
	n, err := w.s.Deliver(ctx)
	if err != nil {
		w.logger.Warn("audit stream delivery failed; the next run resumes", "delivered", n, "err", err)
		return nil // the next periodic run retries from the cursor
	}
	return nil
}
