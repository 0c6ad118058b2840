package webhook

import (
	"context"
	"slices"
	"time"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/ids"
)

// EndpointInput creates or changes an endpoint. On update, nil fields keep
// their value.
type EndpointInput struct {
	URL         *string
	Description *string
	EventTypes  []string // nil keeps the filter; an empty list means every event
	Enabled     *bool
}

// CreateEndpoint validates in and creates an enabled (unless in says
// otherwise) endpoint with a new signing secret, returned once as secret.
// EINVALID names the bad field; ENOTFOUND when the project does not exist.
func (s *Service) CreateEndpoint(ctx context.Context, projectID string, in EndpointInput) (*driveway.WebhookEndpoint, string, error) {
	if in.URL == nil {
		return nil, "", driveway.Invalid("url", "is required")
	}
	now := s.now()
	e := &driveway.WebhookEndpoint{ProjectID: projectID, ID: ids.New("whe"), Enabled: true, EventTypes: []string{},
		CreatedAt: now, UpdatedAt: now}
	if err := s.apply(e, in); err != nil {
		return nil, "", err
	}
	secret := GenerateSecret()
	e.Secrets = []driveway.WebhookSecret{{ID: ids.New("whs"), Value: secret, CreatedAt: now}}
	if err := s.store.CreateWebhookEndpoint(ctx, e); err != nil {
		return nil, "", err
	}
	return e, secret, nil
}

// apply validates in and copies its set fields into e.
func (s *Service) apply(e *driveway.WebhookEndpoint, in EndpointInput) error {
	if in.URL != nil {
		if err := ValidateURL(*in.URL, s.cfg.AllowLoopback, s.cfg.Guard.AllowPrivate); err != nil {
			return err
		}
		e.URL = *in.URL
	}
	if in.Description != nil {
		if len(*in.Description) > maxDescription {
			return driveway.Invalid("description", "is longer than %d characters", maxDescription)
		}
		e.Description = *in.Description
	}
	if in.EventTypes != nil {
		if err := validateEventTypes(in.EventTypes); err != nil {
			return err
		}
		e.EventTypes = slices.Compact(slices.Sorted(slices.Values(in.EventTypes)))
	}
	if in.Enabled != nil {
		e.Enabled = *in.Enabled
	}
	return nil
}

// GetEndpoint returns an endpoint; ENOTFOUND if the project has none by id.
func (s *Service) GetEndpoint(ctx context.Context, projectID, id string) (*driveway.WebhookEndpoint, error) {
	return s.store.GetWebhookEndpoint(ctx, projectID, id)
}

// ListEndpoints lists a project's endpoints, oldest first.
func (s *Service) ListEndpoints(ctx context.Context, projectID string) ([]*driveway.WebhookEndpoint, error) {
	return s.store.ListWebhookEndpoints(ctx, projectID)
}

// UpdateEndpoint changes the fields set in in. EINVALID, ENOTFOUND.
func (s *Service) UpdateEndpoint(ctx context.Context, projectID, id string, in EndpointInput) (*driveway.WebhookEndpoint, error) {
	var e *driveway.WebhookEndpoint
	err := s.store.WithTx(ctx, func(tx driveway.Tx) error {
		var err error
		if e, err = tx.GetWebhookEndpoint(ctx, projectID, id); err != nil {
			return err
		}
		if err := s.apply(e, in); err != nil {
			return err
		}
		e.Secrets = activeSecrets(e.Secrets, s.now())
		return tx.UpdateWebhookEndpoint(ctx, e)
	})
	if err != nil {
		return nil, err
	}
	return e, nil
}

// DeleteEndpoint deletes an endpoint and its deliveries; ENOTFOUND.
func (s *Service) DeleteEndpoint(ctx context.Context, projectID, id string) error {
	return s.store.DeleteWebhookEndpoint(ctx, projectID, id)
}

// RotateSecret adds a new signing secret, returned once, and lets the
// current one sign for overlap more (0 means Config.RotationOverlap; a
// negative overlap retires it at once). Deliveries carry one signature per
// active secret, at most driveway.MaxActiveWebhookSecrets: an older secret
// still in its overlap is retired. ENOTFOUND.
func (s *Service) RotateSecret(ctx context.Context, projectID, id string, overlap time.Duration) (*driveway.WebhookEndpoint, string, error) {
	if overlap == 0 {
		overlap = s.cfg.RotationOverlap
	}
	now := s.now()
	secret := GenerateSecret()
	var e *driveway.WebhookEndpoint
	err := s.store.WithTx(ctx, func(tx driveway.Tx) error {
		var err error
		if e, err = tx.GetWebhookEndpoint(ctx, projectID, id); err != nil {
			return err
		}
		next := []driveway.WebhookSecret{{ID: ids.New("whs"), Value: secret, CreatedAt: now}}
		if cur := currentSecret(e.Secrets, now); cur != nil && overlap > 0 {
			cur.ExpiresAt = now.Add(overlap)
			next = append(next, *cur)
		}
		e.Secrets = next
		return tx.UpdateWebhookEndpoint(ctx, e)
	})
	if err != nil {
		return nil, "", err
	}
	return e, secret, nil
}

// currentSecret returns the active secret without an expiry (the newest
// one), or nil.
func currentSecret(secrets []driveway.WebhookSecret, now time.Time) *driveway.WebhookSecret {
	act := activeSecrets(secrets, now)
	for i := range act {
		if act[i].ExpiresAt.IsZero() {
			return &act[i]
		}
	}
	return nil
}

// activeSecrets returns the secrets that have not expired at now.
func activeSecrets(secrets []driveway.WebhookSecret, now time.Time) []driveway.WebhookSecret {
	var out []driveway.WebhookSecret
	for _, sec := range secrets {
		if sec.ExpiresAt.IsZero() || now.Before(sec.ExpiresAt) {
			out = append(out, sec)
		}
	}
	return out
}
