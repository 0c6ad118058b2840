package filechange

import (
	"context"
	"time"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/microsoft"
)

// Renew keeps the credential's Graph subscription alive: it renews it
// (which also reauthorizes it), or creates it when there is none or Graph
// no longer knows it. A failure is recorded on the watch (status failed,
// with the reason) and retried after RetryAfter; Renew then returns nil.
func (s *Service) Renew(ctx context.Context, projectID, credentialID string) error {
	return s.renew(ctx, projectID, credentialID, nil)
}

// renew is Renew; finish (when set) completes the renewal job in the
// transaction that stores the outcome, so that a renewal marked due after
// it inserts a new job instead of colliding with this running one.
func (s *Service) renew(ctx context.Context, projectID, credentialID string, finish finisher) error {
	w, err := s.o.Store.GetDriveWatch(ctx, projectID, credentialID)
	if driveway.ErrorCode(err) == driveway.ENOTFOUND {
		return nil
	}
	if err != nil {
		return err
	}
	if !s.push {
		return s.store(ctx, w, finish, func(cur *driveway.DriveWatch) {
			cur.Status, cur.Reason, cur.RenewAt = driveway.WatchPolling, "", time.Time{}
		})
	}
	tok, _, err := s.o.Tokens.AccessToken(ctx, projectID, credentialID)
	if err != nil {
		if c := driveway.ErrorCode(err); c == driveway.EFORBIDDEN || c == driveway.ENOTFOUND {
			return s.renewFailed(ctx, w, finish, "credential_invalid", false, err)
		}
		return s.renewFailed(ctx, w, finish, "token_unavailable", true, err)
	}
	graph, err := s.graphURL(ctx, projectID)
	if err != nil {
		return s.renewFailed(ctx, w, finish, "integration_unavailable", driveway.ErrorCode(err) != driveway.ENOTFOUND, err)
	}
	exp := s.now().Add(s.o.Lifetime).Truncate(time.Second)
	if w.SubscriptionID != "" {
		sub, err := s.subscriptions(graph).Renew(ctx, tok, w.SubscriptionID, exp)
		if err == nil {
			return s.renewed(ctx, w, finish, sub.ID, w.ClientState, sub.ExpirationDateTime, false)
		}
		if !microsoft.IsNotFound(err) {
			return s.renewFailed(ctx, w, finish, reasonOf(err), true, err)
		}
		s.o.Logger.Info("filechange: subscription gone, re-creating", "project", projectID, "credential", credentialID)
	}
	cs := newClientState()
	sub, err := s.subscriptions(graph).Create(ctx, tok, microsoft.SubscriptionSpec{Resource: "/me/drive/root",
		ChangeType: "updated", NotificationURL: s.o.PublicURL + NotifyPath, LifecycleNotificationURL: s.o.PublicURL + LifecyclePath,
		ClientState: cs, Expiration: exp})
	if err != nil {
		return s.renewFailed(ctx, w, finish, reasonOf(err), true, err)
	}
	return s.renewed(ctx, w, finish, sub.ID, cs, sub.ExpirationDateTime, true)
}

// renewed stores the live subscription; a new one also owes a delta round
// (notifications may have been missed while there was none).
func (s *Service) renewed(ctx context.Context, w *driveway.DriveWatch, finish finisher, id, clientState string, exp time.Time, created bool) error {
	return s.o.Store.WithTx(ctx, func(tx driveway.Tx) error {
		if finish != nil {
			if err := finish(ctx, tx); err != nil {
				return err
			}
		}
		cur, err := tx.GetDriveWatch(ctx, w.ProjectID, w.CredentialID)
		if err != nil {
			return ignoreNotFound(err)
		}
		cur.SubscriptionID, cur.ClientState, cur.ExpiresAt = id, clientState, exp.UTC()
		cur.RenewAt, cur.Status, cur.Reason = s.renewAt(exp), driveway.WatchActive, ""
		if err := tx.UpdateDriveWatch(ctx, cur); err != nil {
			return err
		}
		if created {
			return s.enqueueDelta(ctx, tx, w.ProjectID, w.CredentialID)
		}
		return nil
	})
}

// renewFailed records the failure and schedules the next attempt.
func (s *Service) renewFailed(ctx context.Context, w *driveway.DriveWatch, finish finisher, reason string, retry bool, cause error) error {
	s.o.Logger.Warn("filechange: subscription renewal failed", "project", w.ProjectID, "credential", w.CredentialID,
		"reason", reason, "err", cause)
	return s.store(ctx, w, finish, func(cur *driveway.DriveWatch) {
		cur.Status, cur.Reason = driveway.WatchFailed, reason
		cur.RenewAt = s.now().Add(s.o.RetryAfter)
		if !retry {
			cur.RenewAt = time.Time{} // the user must reconnect; reconnecting reconciles
		}
	})
}

// store re-reads the watch in a transaction, applies set, writes it, and
// completes the job (finish) in the same transaction.
func (s *Service) store(ctx context.Context, w *driveway.DriveWatch, finish finisher, set func(*driveway.DriveWatch)) error {
	return s.o.Store.WithTx(ctx, func(tx driveway.Tx) error {
		if finish != nil {
			if err := finish(ctx, tx); err != nil {
				return err
			}
		}
		cur, err := tx.GetDriveWatch(ctx, w.ProjectID, w.CredentialID)
		if err != nil {
			return ignoreNotFound(err)
		}
		set(cur)
		return tx.UpdateDriveWatch(ctx, cur)
	})
}

func reasonOf(err error) string {
	if ge := microsoft.AsGraphError(err); ge != nil && ge.Code != "" {
		return "graph: " + ge.Code
	}
	return "graph unreachable"
}

func ignoreNotFound(err error) error {
	if driveway.ErrorCode(err) == driveway.ENOTFOUND {
		return nil
	}
	return err
}
