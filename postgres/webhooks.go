package postgres

import (
	"context"
	"time"

	"github.com/drivewayhq/driveway"
)

const webhookEndpointColumns = `project_id, id, url, description, event_types, enabled, created_at, updated_at`

// webhookSecretRow is the sealed-value row key of an endpoint's secret.
func webhookSecretRow(projectID, endpointID, id string) string {
	return projectID + "/" + endpointID + "/" + id
}

// CreateWebhookEndpoint inserts e and its sealed secrets.
func (q *queries) CreateWebhookEndpoint(ctx context.Context, e *driveway.WebhookEndpoint) error {
	nowIfZero(&e.CreatedAt)
	if e.UpdatedAt.IsZero() {
		e.UpdatedAt = e.CreatedAt
	}
	types, err := dbJSON(nonNil(e.EventTypes))
	if err != nil {
		return err
	}
	return q.write(ctx, func(q *queries) error {
		_, err := q.db.Exec(ctx, `INSERT INTO webhook_endpoints (`+webhookEndpointColumns+`)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, e.ProjectID, e.ID, e.URL, e.Description, types, e.Enabled,
			dbTime(e.CreatedAt), dbTime(e.UpdatedAt))
		if err != nil {
			return mapErr(err, "webhook endpoint")
		}
		return q.putWebhookSecrets(ctx, e)
	})
}

// putWebhookSecrets replaces the endpoint's secrets with e.Secrets.
func (q *queries) putWebhookSecrets(ctx context.Context, e *driveway.WebhookEndpoint) error {
	if _, err := q.db.Exec(ctx, `DELETE FROM webhook_endpoint_secrets WHERE project_id = $1 AND endpoint_id = $2`,
		e.ProjectID, e.ID); err != nil {
		return mapErr(err, "webhook secrets")
	}
	for i := range e.Secrets {
		s := &e.Secrets[i]
		nowIfZero(&s.CreatedAt)
		sealed, err := q.seal(s.Value, "webhook_endpoint_secrets", "value", webhookSecretRow(e.ProjectID, e.ID, s.ID))
		if err != nil {
			return err
		}
		if _, err := q.db.Exec(ctx, `INSERT INTO webhook_endpoint_secrets
			(project_id, endpoint_id, id, position, value, expires_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			e.ProjectID, e.ID, s.ID, i, sealed, dbTime(s.ExpiresAt), dbTime(s.CreatedAt)); err != nil {
			return mapErr(err, "webhook secret")
		}
	}
	return nil
}

// GetWebhookEndpoint returns an endpoint with its secrets opened.
func (q *queries) GetWebhookEndpoint(ctx context.Context, projectID, id string) (*driveway.WebhookEndpoint, error) {
	var e *driveway.WebhookEndpoint
	err := q.read(ctx, func(q *queries) error {
		var err error
		e, err = scanWebhookEndpoint(q.db.QueryRow(ctx, `SELECT `+webhookEndpointColumns+`
			FROM webhook_endpoints WHERE project_id = $1 AND id = $2`, projectID, id))
		if err != nil {
			return mapErr(err, "webhook endpoint")
		}
		return q.loadWebhookSecrets(ctx, e)
	})
	return e, err
}

// ListWebhookEndpoints lists a project's endpoints, oldest first.
func (q *queries) ListWebhookEndpoints(ctx context.Context, projectID string) ([]*driveway.WebhookEndpoint, error) {
	var out []*driveway.WebhookEndpoint
	err := q.read(ctx, func(q *queries) error {
		rows, err := q.db.Query(ctx, `SELECT `+webhookEndpointColumns+` FROM webhook_endpoints
			WHERE project_id = $1 ORDER BY created_at, id`, projectID)
		if err != nil {
			return mapErr(err, "list webhook endpoints")
		}
		if out, err = collect(rows, scanWebhookEndpoint, "list webhook endpoints"); err != nil {
			return err
		}
		for _, e := range out {
			if err := q.loadWebhookSecrets(ctx, e); err != nil {
				return err
			}
		}
		return nil
	})
	return out, err
}

func scanWebhookEndpoint(row interface{ Scan(...any) error }) (*driveway.WebhookEndpoint, error) {
	e := &driveway.WebhookEndpoint{}
	err := row.Scan(&e.ProjectID, &e.ID, &e.URL, &e.Description, jsonCol{&e.EventTypes}, &e.Enabled,
		timeCol{&e.CreatedAt}, timeCol{&e.UpdatedAt})
	return e, err
}

func (q *queries) loadWebhookSecrets(ctx context.Context, e *driveway.WebhookEndpoint) error {
	rows, err := q.db.Query(ctx, `SELECT id, value, expires_at, created_at FROM webhook_endpoint_secrets
		WHERE project_id = $1 AND endpoint_id = $2 ORDER BY position`, e.ProjectID, e.ID)
	if err != nil {
		return mapErr(err, "webhook secrets")
	}
	defer rows.Close()
	for rows.Next() {
		var s driveway.WebhookSecret
		var sealed string
		if err := rows.Scan(&s.ID, &sealed, timeCol{&s.ExpiresAt}, timeCol{&s.CreatedAt}); err != nil {
			return mapErr(err, "webhook secrets")
		}
		if s.Value, err = q.open(sealed, "webhook_endpoint_secrets", "value", webhookSecretRow(e.ProjectID, e.ID, s.ID)); err != nil {
			return err
		}
		e.Secrets = append(e.Secrets, s)
	}
	return mapErr(rows.Err(), "webhook secrets")
}

// UpdateWebhookEndpoint replaces an endpoint's fields and secrets.
func (q *queries) UpdateWebhookEndpoint(ctx context.Context, e *driveway.WebhookEndpoint) error {
	e.UpdatedAt = time.Now().UTC().Truncate(time.Microsecond)
	types, err := dbJSON(nonNil(e.EventTypes))
	if err != nil {
		return err
	}
	return q.write(ctx, func(q *queries) error {
		res, err := q.db.Exec(ctx, `UPDATE webhook_endpoints SET url = $1, description = $2, event_types = $3,
			enabled = $4, updated_at = $5 WHERE project_id = $6 AND id = $7`,
			e.URL, e.Description, types, e.Enabled, dbTime(e.UpdatedAt), e.ProjectID, e.ID)
		if err := affected(res, err, "webhook endpoint"); err != nil {
			return err
		}
		return q.putWebhookSecrets(ctx, e)
	})
}

// DeleteWebhookEndpoint deletes an endpoint, its secrets and deliveries.
func (q *queries) DeleteWebhookEndpoint(ctx context.Context, projectID, id string) error {
	res, err := q.db.Exec(ctx, `DELETE FROM webhook_endpoints WHERE project_id = $1 AND id = $2`, projectID, id)
	return affected(res, err, "webhook endpoint")
}

// ListWebhookOutbox returns the oldest events waiting in the outbox, locking
// their outbox rows and skipping rows another transaction holds, so that
// concurrent dispatchers share the work. (SQLite has one writer at a time
// and needs no lock.)
func (q *queries) ListWebhookOutbox(ctx context.Context, limit int) ([]*driveway.Event, error) {
	if limit <= 0 {
		limit = defaultLimit
	}
	rows, err := q.db.Query(ctx, `SELECT e.project_id, e.id, e.kind, e.user_id, e.credential_id, e.data, e.created_at
		FROM webhook_outbox o JOIN events e ON e.project_id = o.project_id AND e.id = o.event_id
		ORDER BY o.seq LIMIT $1 FOR UPDATE OF o SKIP LOCKED`, limit)
	if err != nil {
		return nil, mapErr(err, "list webhook outbox")
	}
	return collect(rows, func(row interface{ Scan(...any) error }) (*driveway.Event, error) {
		e := &driveway.Event{}
		err := row.Scan(&e.ProjectID, &e.ID, &e.Kind, &e.UserID, &e.CredentialID, jsonCol{&e.Data}, timeCol{&e.CreatedAt})
		return e, err
	}, "list webhook outbox")
}

// DeleteWebhookOutbox removes an event from the outbox.
func (q *queries) DeleteWebhookOutbox(ctx context.Context, projectID, eventID string) error {
	_, err := q.db.Exec(ctx, `DELETE FROM webhook_outbox WHERE project_id = $1 AND event_id = $2`, projectID, eventID)
	return mapErr(err, "webhook outbox")
}

const webhookDeliveryColumns = `project_id, id, endpoint_id, event_id, event_type, payload, status, attempts,
	next_attempt_at, last_attempt_at, response_code, error, created_at, updated_at`

// CreateWebhookDelivery inserts d unless its (endpoint, event) exists.
func (q *queries) CreateWebhookDelivery(ctx context.Context, d *driveway.WebhookDelivery) (bool, error) {
	nowIfZero(&d.CreatedAt)
	if d.UpdatedAt.IsZero() {
		d.UpdatedAt = d.CreatedAt
	}
	res, err := q.db.Exec(ctx, `INSERT INTO webhook_deliveries (`+webhookDeliveryColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) ON CONFLICT (project_id, endpoint_id, event_id) DO NOTHING`,
		d.ProjectID, d.ID, d.EndpointID, d.EventID, d.EventType, string(d.Payload), d.Status, d.Attempts,
		dbTime(d.NextAttemptAt), dbTime(d.LastAttemptAt), d.ResponseCode, d.Error, dbTime(d.CreatedAt), dbTime(d.UpdatedAt))
	if err != nil {
		return false, mapErr(err, "webhook delivery")
	}
	return res.RowsAffected() == 1, nil
}

func scanWebhookDelivery(row interface{ Scan(...any) error }) (*driveway.WebhookDelivery, error) {
	d := &driveway.WebhookDelivery{}
	var payload string
	err := row.Scan(&d.ProjectID, &d.ID, &d.EndpointID, &d.EventID, &d.EventType, &payload, &d.Status, &d.Attempts,
		timeCol{&d.NextAttemptAt}, timeCol{&d.LastAttemptAt}, &d.ResponseCode, &d.Error, timeCol{&d.CreatedAt}, timeCol{&d.UpdatedAt})
	d.Payload = []byte(payload)
	return d, err
}

// GetWebhookDelivery returns one delivery.
func (q *queries) GetWebhookDelivery(ctx context.Context, projectID, id string) (*driveway.WebhookDelivery, error) {
	d, err := scanWebhookDelivery(q.db.QueryRow(ctx, `SELECT `+webhookDeliveryColumns+`
		FROM webhook_deliveries WHERE project_id = $1 AND id = $2`, projectID, id))
	if err != nil {
		return nil, mapErr(err, "webhook delivery")
	}
	return d, nil
}

// ListWebhookDeliveries lists deliveries newest first (ties by id).
func (q *queries) ListWebhookDeliveries(ctx context.Context, projectID string, f driveway.DeliveryFilter) ([]*driveway.WebhookDelivery, error) {
	if f.Limit <= 0 {
		f.Limit = defaultLimit
	}
	rows, err := q.db.Query(ctx, `SELECT `+webhookDeliveryColumns+` FROM webhook_deliveries
		WHERE project_id = $1 AND ($2 = '' OR endpoint_id = $3) AND ($4 = '' OR status = $5)
		ORDER BY created_at DESC, id DESC LIMIT $6`,
		projectID, f.EndpointID, f.EndpointID, f.Status, f.Status, f.Limit)
	if err != nil {
		return nil, mapErr(err, "list webhook deliveries")
	}
	return collect(rows, scanWebhookDelivery, "list webhook deliveries")
}

// UpdateWebhookDelivery writes a delivery's progress.
func (q *queries) UpdateWebhookDelivery(ctx context.Context, d *driveway.WebhookDelivery) error {
	d.UpdatedAt = time.Now().UTC().Truncate(time.Microsecond)
	res, err := q.db.Exec(ctx, `UPDATE webhook_deliveries SET status = $1, attempts = $2, next_attempt_at = $3,
		last_attempt_at = $4, response_code = $5, error = $6, updated_at = $7 WHERE project_id = $8 AND id = $9`,
		d.Status, d.Attempts, dbTime(d.NextAttemptAt), dbTime(d.LastAttemptAt), d.ResponseCode, d.Error,
		dbTime(d.UpdatedAt), d.ProjectID, d.ID)
	return affected(res, err, "webhook delivery")
}

// DeleteWebhookDeliveriesBefore deletes finished deliveries last updated
// before t.
func (q *queries) DeleteWebhookDeliveriesBefore(ctx context.Context, t time.Time) (int, error) {
	tag, err := q.db.Exec(ctx, `DELETE FROM webhook_deliveries
		WHERE status IN ('succeeded', 'dead') AND updated_at < $1`, dbTime(t))
	if err != nil {
		return 0, mapErr(err, "delete webhook deliveries")
	}
	return int(tag.RowsAffected()), nil
}

// nonNil returns s, or an empty list for nil (a JSON [] rather than null).
func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
