package main

import (
	"context"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/audit"
	"github.com/drivewayhq/driveway/userdata"
)

// wireAudit builds the audit recorder, registers its retention job and the
// SIEM stream when configured, and records connects and disconnects (by the end user, an operator or the
// admin API, whoever the context names).
func (s *server) wireAudit() error {
	s.audit = &audit.Recorder{Store: s.db, Logger: s.logger, UserKey: audit.DeriveUserKey([]byte(s.cfg.SecretKeys))}
	if err := audit.RegisterRetention(s.db.queue, s.db, s.cfg.AuditRetention, s.logger); err != nil {
		return err
	}
	if s.cfg.AuditRetention > 0 {
		s.workers++
	}
	if s.cfg.AuditWebhookURL != "" {
		st := &audit.Stream{Store: s.db, URL: s.cfg.AuditWebhookURL, Secret: s.cfg.AuditWebhookSecret}
		if err := audit.RegisterStream(s.db.queue, st, auditStreamInterval, s.logger); err != nil {
			return err
		}
		s.workers++
	}
	s.connect.OnConnect = append(s.connect.OnConnect, func(ctx context.Context, cr *driveway.Credential, reconnected bool) {
		_ = s.audit.Record(endUser(ctx, cr), audit.Event{Action: "credential.connect", ProjectID: cr.ProjectID, Target: cr.ID,
			After: map[string]any{"user": s.audit.Pseudonym(cr.ProjectID, cr.UserID), "reconnected": reconnected}})
	})
	s.connect.OnDisconnect = append(s.connect.OnDisconnect, func(ctx context.Context, cr *driveway.Credential) {
		_ = s.audit.Record(endUser(ctx, cr), audit.Event{Action: "credential.disconnect", ProjectID: cr.ProjectID, Target: cr.ID,
			Before: map[string]any{"user": s.audit.Pseudonym(cr.ProjectID, cr.UserID)}})
	})
	s.users.Observe = func(ctx context.Context, ev userdata.Event) {
		target := ev.ErasureID
		if ev.Kind == userdata.EventDisconnect {
			target = ev.CredentialID
		}
		after := map[string]any{}
		if ev.UserID != "" {
			after["user"] = s.audit.Pseudonym(ev.ProjectID, ev.UserID)
		}
		_ = s.audit.Record(ctx, audit.Event{Action: ev.Kind, ProjectID: ev.ProjectID, Target: target, After: after})
	}
	return nil
}

// endUser makes the credential's end user the actor of a connect or
// disconnect that no operator or key made: the SDK and the install flow act
// for that user.
func endUser(ctx context.Context, cr *driveway.Credential) context.Context {
	if audit.ActorFrom(ctx).Type != "system" {
		return ctx
	}
	return audit.WithActor(ctx, audit.Actor{Type: "user", ID: cr.UserID})
}
