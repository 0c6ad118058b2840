package webhook

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/ids"
)

// outboxBatch is how many outbox events one dispatch transaction takes, and
// maxBatches how many transactions one dispatch job runs.
const (
	outboxBatch = 100
	maxBatches  = 50
)

// Enqueue fans the event e out in tx, the transaction that recorded it
// (after tx.AppendEvent): one delivery and one delivery job per enabled
// endpoint of the project whose filter matches e.Kind, and e leaves the
// outbox. Everything commits or vanishes with tx, so the event is delivered
// once per endpoint whether or not the dispatcher also sees it. Callers that
// do not call Enqueue lose nothing: the dispatcher fans the event out within
// Config.DispatchInterval.
func (s *Service) Enqueue(ctx context.Context, tx driveway.Tx, e *driveway.Event) error {
	return s.fanOut(ctx, tx, []*driveway.Event{e})
}

// fanOut creates the deliveries of events in tx and removes them from the
// outbox. A delivery that exists already (the unique (endpoint, event)
// key) gets no second job.
func (s *Service) fanOut(ctx context.Context, tx driveway.Tx, events []*driveway.Event) error {
	endpoints := map[string][]*driveway.WebhookEndpoint{}
	for _, e := range events {
		eps, ok := endpoints[e.ProjectID]
		if !ok {
			var err error
			if eps, err = tx.ListWebhookEndpoints(ctx, e.ProjectID); err != nil {
				return fmt.Errorf("fan out event: %w", err)
			}
			endpoints[e.ProjectID] = eps
		}
		for _, ep := range eps {
			if !ep.Enabled || !Matches(ep.EventTypes, e.Kind) {
				continue
			}
			if err := s.createDelivery(ctx, tx, ep, e); err != nil {
				return err
			}
		}
		if err := tx.DeleteWebhookOutbox(ctx, e.ProjectID, e.ID); err != nil {
			return fmt.Errorf("fan out event: %w", err)
		}
	}
	return nil
}

func (s *Service) createDelivery(ctx context.Context, tx driveway.Tx, ep *driveway.WebhookEndpoint, e *driveway.Event) error {
	body, err := Payload(e)
	if err != nil {
		return err
	}
	now := s.now()
	d := &driveway.WebhookDelivery{ProjectID: e.ProjectID, ID: ids.New("whd"), EndpointID: ep.ID, EventID: e.ID,
		EventType: e.Kind, Payload: body, Status: driveway.DeliveryPending, NextAttemptAt: now, CreatedAt: now, UpdatedAt: now}
	created, err := tx.CreateWebhookDelivery(ctx, d)
	if err != nil || !created {
		return wrapIf("create webhook delivery", err)
	}
	if _, err := s.queue.InsertTx(ctx, tx, DeliverArgs{ProjectID: d.ProjectID, DeliveryID: d.ID}, nil); err != nil {
		return fmt.Errorf("enqueue webhook delivery: %w", err)
	}
	return nil
}

// message is the body of every delivery (Standard Webhooks' shape).
type message struct {
	Type      string         `json:"type"`
	Timestamp string         `json:"timestamp"`
	Data      map[string]any `json:"data"`
}

// Payload returns the JSON body sent for e: {"type", "timestamp", "data"},
// where data is the event's data with projectId, and userId and
// credentialId when the event has them.
func Payload(e *driveway.Event) ([]byte, error) {
	data := map[string]any{}
	maps.Copy(data, e.Data)
	data["projectId"] = e.ProjectID
	if e.UserID != "" {
		data["userId"] = e.UserID
	}
	if e.CredentialID != "" {
		data["credentialId"] = e.CredentialID
	}
	b, err := json.Marshal(message{Type: e.Kind, Timestamp: e.CreatedAt.UTC().Format(time.RFC3339Nano), Data: data})
	if err != nil {
		return nil, fmt.Errorf("encode webhook payload: %w", err)
	}
	return b, nil
}

// DispatchArgs is the job that sweeps the outbox.
type DispatchArgs struct{}

// Kind is "webhook.dispatch".
func (DispatchArgs) Kind() string { return "webhook.dispatch" }

// dispatchOpts makes at most one sweep wait or run at a time.
func dispatchOpts() *river.InsertOpts {
	return &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByState: []rivertype.JobState{
		rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
		rivertype.JobStateRetryable, rivertype.JobStateScheduled}}}
}

type dispatchWorker struct {
	river.WorkerDefaults[DispatchArgs]
	s *Service
}

// Work fans out the outbox, a batch per transaction, until it is empty.
func (w *dispatchWorker) Work(ctx context.Context, _ *river.Job[DispatchArgs]) error {
	_, err := w.s.Dispatch(ctx)
	return err
}

// Dispatch fans out the events waiting in the outbox, a batch per
// transaction, and returns how many it took. The dispatch job runs it;
// tests and tools may call it directly.
func (s *Service) Dispatch(ctx context.Context) (int, error) {
	total := 0
	for range maxBatches {
		n := 0
		err := s.store.WithTx(ctx, func(tx driveway.Tx) error {
			events, err := tx.ListWebhookOutbox(ctx, outboxBatch)
			if err != nil {
				return fmt.Errorf("list webhook outbox: %w", err)
			}
			n = len(events)
			return s.fanOut(ctx, tx, events)
		})
		if err != nil {
			return total, fmt.Errorf("dispatch webhooks: %w", err)
		}
		total += n
		if n < outboxBatch {
			break
		}
	}
	return total, nil
}

func wrapIf(what string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %w", what, err)
}
