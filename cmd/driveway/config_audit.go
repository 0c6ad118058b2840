package main

import (
	"net/url"
	"time"

	"github.com/drivewayhq/driveway/webhook"
)

// auditStreamInterval is how often the SIEM stream sends what is new.
const auditStreamInterval = 15 * time.Second

// loadAudit reads the audit trail's settings besides its retention: the
// SIEM stream's receiver and signing secret.
func loadAudit(cfg *Config, getenv env) error {
	cfg.AuditWebhookURL = getenv("DRIVEWAY_AUDIT_WEBHOOK_URL")
	var err error
	cfg.AuditWebhookSecret, err = getenv.secret("DRIVEWAY_AUDIT_WEBHOOK_SECRET")
	return err
}

func (cfg *Config) validateAudit() error {
	if cfg.AuditRetention < 0 {
		return badConfig("DRIVEWAY_AUDIT_RETENTION", "must be 0 (keep forever) or a positive duration")
	}
	if cfg.AuditWebhookURL == "" {
		if cfg.AuditWebhookSecret != "" {
			return badConfig("DRIVEWAY_AUDIT_WEBHOOK_URL", "required with DRIVEWAY_AUDIT_WEBHOOK_SECRET")
		}
		return nil
	}
	u, err := url.Parse(cfg.AuditWebhookURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return badConfig("DRIVEWAY_AUDIT_WEBHOOK_URL", "must be an http or https URL without credentials in it")
	}
	if _, err := webhook.Sign([]string{cfg.AuditWebhookSecret}, "check", time.Now(), nil); err != nil {
		return badConfig("DRIVEWAY_AUDIT_WEBHOOK_SECRET", "required with DRIVEWAY_AUDIT_WEBHOOK_URL: a whsec_ secret (base64 of at least 24 bytes)")
	}
	return nil
}
