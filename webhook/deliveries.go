package webhook

import (
	"context"
	"fmt"

	"github.com/drivewayhq/driveway"
)

// maxListLimit bounds a page of deliveries.
const maxListLimit = 500

// ListDeliveries lists a project's deliveries, newest first. EINVALID for
// an unknown status.
func (s *Service) ListDeliveries(ctx context.Context, projectID string, f driveway.DeliveryFilter) ([]*driveway.WebhookDelivery, error) {
	switch f.Status {
	case "", driveway.DeliveryPending, driveway.DeliveryFailed, driveway.DeliverySucceeded, driveway.DeliveryDead:
	default:
		return nil, driveway.Invalid("status", "must be pending, failed, succeeded or dead")
	}
	f.Limit = min(f.Limit, maxListLimit)
	return s.store.ListWebhookDeliveries(ctx, projectID, f)
}

// GetDelivery returns one delivery; ENOTFOUND.
func (s *Service) GetDelivery(ctx context.Context, projectID, id string) (*driveway.WebhookDelivery, error) {
	return s.store.GetWebhookDelivery(ctx, projectID, id)
}

// Redeliver starts a new round of attempts for a delivery that is dead or
// succeeded (with the same webhook-id, so the receiver can tell it is the
// same event). ECONFLICT while the delivery is pending or failed (its
// attempts are still running); ENOTFOUND.
func (s *Service) Redeliver(ctx context.Context, projectID, id string) (*driveway.WebhookDelivery, error) {
	var d *driveway.WebhookDelivery
	err := s.store.WithTx(ctx, func(tx driveway.Tx) error {
		var err error
		if d, err = tx.GetWebhookDelivery(ctx, projectID, id); err != nil {
			return err
		}
		if d.Status != driveway.DeliveryDead && d.Status != driveway.DeliverySucceeded {
			return driveway.Errorf(driveway.ECONFLICT, "the delivery is still being attempted")
		}
		d.Status, d.Attempts, d.NextAttemptAt, d.Error = driveway.DeliveryPending, 0, s.now(), ""
		if err := tx.UpdateWebhookDelivery(ctx, d); err != nil {
			return err
		}
		if _, err := s.queue.InsertTx(ctx, tx, DeliverArgs{ProjectID: d.ProjectID, DeliveryID: d.ID}, nil); err != nil {
			return fmt.Errorf("enqueue webhook redelivery: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}
