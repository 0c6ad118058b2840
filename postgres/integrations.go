package postgres

import (
	"context"
	"time"

	"github.com/drivewayhq/driveway"
)

// secretRow is the sealed row key of a client secret: "project/id".
func secretRow(projectID, id string) string { return projectID + "/" + id }

// GetIntegration returns the project's settings with client secrets (in
// order) and certificate opened; ENOTFOUND when none were saved.
func (q *queries) GetIntegration(ctx context.Context, projectID string) (*driveway.Integration, error) {
	var in *driveway.Integration
	err := q.read(ctx, func(q *queries) error {
		var err error
		if in, err = q.getIntegration(ctx, projectID); err != nil {
			return err
		}
		in.ClientSecrets, err = q.clientSecrets(ctx, projectID)
		return err
	})
	if err != nil {
		return nil, mapErr(err, "integration")
	}
	return in, nil
}

func (q *queries) getIntegration(ctx context.Context, projectID string) (*driveway.Integration, error) {
	in := &driveway.Integration{ProjectID: projectID}
	var certKey, alarmReason *string
	var thumb, alarmDetail string
	var certExp, alarmSince, updated = timeVar(), timeVar(), timeCol{&in.UpdatedAt}
	err := q.db.QueryRow(ctx, `SELECT client_id, scopes, tenant, cloud, enabled, allow_account_auth,
		cert_private_key, cert_thumbprint, cert_expires_at, alarm_reason, alarm_detail, alarm_since, updated_at
		FROM integrations WHERE project_id = $1`, projectID).Scan(&in.ClientID, jsonCol{&in.Scopes}, &in.Tenant, &in.Cloud,
		&in.Enabled, &in.AllowAccountAuth, &certKey, &thumb, certExp, &alarmReason, &alarmDetail, alarmSince, updated)
	if err != nil {
		return nil, err
	}
	if certKey != nil {
		in.Certificate = &driveway.Certificate{Thumbprint: thumb, ExpiresAt: *certExp.t}
		if in.Certificate.PrivateKey, err = q.open(*certKey, "integrations", "cert_private_key", projectID); err != nil {
			return nil, err
		}
	}
	if alarmReason != nil {
		in.Alarm = &driveway.IntegrationAlarm{Reason: *alarmReason, Detail: alarmDetail, Since: *alarmSince.t}
	}
	return in, nil
}

func timeVar() timeCol { return timeCol{t: new(time.Time)} }

func (q *queries) clientSecrets(ctx context.Context, projectID string) ([]driveway.ClientSecret, error) {
	rows, err := q.db.Query(ctx, `SELECT id, value, hint, expires_at, created_at
		FROM integration_client_secrets WHERE project_id = $1 ORDER BY position`, projectID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []driveway.ClientSecret
	for rows.Next() {
		var s driveway.ClientSecret
		var sealed string
		if err := rows.Scan(&s.ID, &sealed, &s.Hint, timeCol{&s.ExpiresAt}, timeCol{&s.CreatedAt}); err != nil {
			return nil, err
		}
		if s.Value, err = q.open(sealed, "integration_client_secrets", "value", secretRow(projectID, s.ID)); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// PutIntegration creates or replaces the project's settings, client secrets
// and certificate included, in one transaction; ENOTFOUND if the project does
// not exist, ECONFLICT if two client secrets share an id. Zero UpdatedAt and
// client secret CreatedAt are set to now.
func (q *queries) PutIntegration(ctx context.Context, in *driveway.Integration) error {
	nowIfZero(&in.UpdatedAt)
	for i := range in.ClientSecrets {
		nowIfZero(&in.ClientSecrets[i].CreatedAt)
	}
	err := q.write(ctx, func(q *queries) error {
		if err := q.putIntegrationRow(ctx, in); err != nil {
			return err
		}
		if _, err := q.db.Exec(ctx, `DELETE FROM integration_client_secrets WHERE project_id = $1`, in.ProjectID); err != nil {
			return err
		}
		for i, s := range in.ClientSecrets {
			sealed, err := q.seal(s.Value, "integration_client_secrets", "value", secretRow(in.ProjectID, s.ID))
			if err != nil {
				return err
			}
			if _, err := q.db.Exec(ctx, `INSERT INTO integration_client_secrets
				(project_id, id, position, value, hint, expires_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
				in.ProjectID, s.ID, i, sealed, s.Hint, dbTime(s.ExpiresAt), dbTime(s.CreatedAt)); err != nil {
				return err
			}
		}
		return nil
	})
	return mapErr(err, "integration")
}

func (q *queries) putIntegrationRow(ctx context.Context, in *driveway.Integration) error {
	scopes, err := dbJSON(in.Scopes)
	if err != nil {
		return err
	}
	var certKey, alarmReason any
	var thumb, alarmDetail string
	var certExp, alarmSince any
	if c := in.Certificate; c != nil {
		if certKey, err = q.seal(c.PrivateKey, "integrations", "cert_private_key", in.ProjectID); err != nil {
			return err
		}
		thumb, certExp = c.Thumbprint, dbTime(c.ExpiresAt)
	}
	if a := in.Alarm; a != nil {
		alarmReason, alarmDetail, alarmSince = a.Reason, a.Detail, dbTime(a.Since)
	}
	_, err = q.db.Exec(ctx, `INSERT INTO integrations (project_id, client_id, scopes, tenant, cloud, enabled, allow_account_auth,
		cert_private_key, cert_thumbprint, cert_expires_at, alarm_reason, alarm_detail, alarm_since, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $14, $7, $8, $9, $10, $11, $12, $13)
		ON CONFLICT (project_id) DO UPDATE SET client_id = excluded.client_id, scopes = excluded.scopes,
		tenant = excluded.tenant, cloud = excluded.cloud, enabled = excluded.enabled,
		allow_account_auth = excluded.allow_account_auth, cert_private_key = excluded.cert_private_key, cert_thumbprint = excluded.cert_thumbprint,
		cert_expires_at = excluded.cert_expires_at, alarm_reason = excluded.alarm_reason,
		alarm_detail = excluded.alarm_detail, alarm_since = excluded.alarm_since, updated_at = excluded.updated_at`,
		in.ProjectID, in.ClientID, scopes, in.Tenant, in.Cloud, in.Enabled,
		certKey, thumb, certExp, alarmReason, alarmDetail, alarmSince, dbTime(in.UpdatedAt), in.AllowAccountAuth)
	return err
}

// SetIntegrationAlarm sets the alarm only when none is set, or clears it
// when alarm is nil, and reports whether it changed anything; it touches no
// other column. ENOTFOUND when the project has no settings.
func (q *queries) SetIntegrationAlarm(ctx context.Context, projectID string, alarm *driveway.IntegrationAlarm) (bool, error) {
	var query string
	var args []any
	if alarm != nil {
		query = `UPDATE integrations SET alarm_reason = $1, alarm_detail = $2, alarm_since = $3
			WHERE project_id = $4 AND alarm_reason IS NULL`
		args = []any{alarm.Reason, alarm.Detail, dbTime(alarm.Since), projectID}
	} else {
		query = `UPDATE integrations SET alarm_reason = NULL, alarm_detail = '', alarm_since = NULL
			WHERE project_id = $1 AND alarm_reason IS NOT NULL`
		args = []any{projectID}
	}
	res, err := q.db.Exec(ctx, query, args...)
	if err != nil {
		return false, mapErr(err, "integration alarm")
	}
	if res.RowsAffected() == 1 {
		return true, nil
	}
	var exists int
	err = q.db.QueryRow(ctx, `SELECT count(*) FROM integrations WHERE project_id = $1`, projectID).Scan(&exists)
	if err != nil {
		return false, mapErr(err, "integration alarm")
	}
	if exists == 0 {
		return false, driveway.Errorf(driveway.ENOTFOUND, "integration not found")
	}
	return false, nil
}
