package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/filechange"
	"github.com/drivewayhq/driveway/jobs"
	"github.com/drivewayhq/driveway/microsoft"
	"github.com/drivewayhq/driveway/workflow"
)

// workflowHook starts File Change workflows for each change filechange
// names.
type workflowHook struct{ e *workflow.Engine }

func (h workflowHook) FileChange(ctx context.Context, c *filechange.Change) error {
	_, err := h.e.FileChange(ctx, workflow.FileChangeEvent{ProjectID: c.ProjectID, UserID: c.UserID,
		CredentialID: c.CredentialID, Change: c.Payload()})
	return err
}

// reconcileFileChange is the workflow engine's FileChangeConsumers: it
// enqueues a File Change reconciliation, which a server's worker runs (so
// that "driveway workflows apply" reaches the running servers too).
func reconcileFileChange(q *jobs.Queue) func(ctx context.Context, tx driveway.Tx, projectID, userID string) error {
	return func(ctx context.Context, tx driveway.Tx, projectID, userID string) error {
		return filechange.EnqueueReconcile(ctx, q, tx, projectID, userID)
	}
}

// wireFileChange builds the File Change service: Microsoft's notifications
// come in at /webhooks/microsoft/..., the triggers API joins the SDK routes,
// and connecting or disconnecting an account starts or stops its watch.
// Without an https public URL it polls delta instead of subscribing.
func (s *server) wireFileChange(dev bool) error {
	fc, err := filechange.New(filechange.Options{Store: s.db, Queue: s.db.queue, Tokens: s.creds,
		Resolver:  microsoft.Resolver{Override: s.endpoints},
		PublicURL: s.cfg.PublicURL, AllowHTTP: dev || (s.cfg.AllowLoopback && isLoopbackURL(s.cfg.PublicURL)),
		Polling: s.cfg.FileChangePolling, SafetyInterval: s.cfg.FileChangeSafetyInterval, Hook: workflowHook{s.workflows}, Logger: s.logger,
		HTTP: microsoftClient(60 * time.Second), ClientKey: s.cfg.resolver().Key})
	if err != nil {
		return err
	}
	if err := fc.Register(s.db.queue); err != nil {
		return fmt.Errorf("register file change jobs: %w", err)
	}
	s.workers++
	s.connect.SDKRoutes = append(s.connect.SDKRoutes, fc.SDKRoutes()...)
	s.connect.OnConnect = append(s.connect.OnConnect, func(ctx context.Context, cr *driveway.Credential, _ bool) {
		if err := fc.Reconcile(ctx, cr.ProjectID, cr.ID); err != nil {
			s.logger.WarnContext(ctx, "file change: watch a connected account", "credential", cr.ID, "err", err)
		}
	})
	s.connect.BeforeDisconnect = append(s.connect.BeforeDisconnect, func(ctx context.Context, cr *driveway.Credential) {
		if err := fc.Unwatch(ctx, cr.ProjectID, cr.ID); err != nil {
			s.logger.WarnContext(ctx, "file change: remove the subscription of a disconnected account", "credential", cr.ID, "err", err)
		}
	})
	s.intake = map[string]http.Handler{
		"POST /webhooks/microsoft/notify":    fc.NotifyHandler(),
		"POST /webhooks/microsoft/lifecycle": fc.LifecycleHandler(),
	}
	s.filechange = fc
	return nil
}

// wireIntegrationEnabled starts Integration Enabled workflows when a user
// connects OneDrive (not on a reconnect).
func (s *server) wireIntegrationEnabled() {
	s.connect.OnConnect = append(s.connect.OnConnect, func(ctx context.Context, cr *driveway.Credential, reconnected bool) {
		if reconnected {
			return
		}
		p := &driveway.Principal{ProjectID: cr.ProjectID, UserID: cr.UserID}
		if _, err := s.workflows.IntegrationEnabled(ctx, p, cr.ID); err != nil {
			s.logger.WarnContext(ctx, "start integration-enabled workflows", "credential", cr.ID, "err", err)
		}
	})
}

// isLoopbackURL reports whether u's host is localhost or a loopback
// address.
func isLoopbackURL(u string) bool {
	p, err := url.Parse(u)
	if err != nil {
		return false
	}
	if strings.EqualFold(p.Hostname(), "localhost") {
		return true
	}
	ip := net.ParseIP(p.Hostname())
	return ip != nil && ip.IsLoopback()
}
