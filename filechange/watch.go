package filechange

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"time"

	"github.com/drivewayhq/driveway"
)

// Watch starts tracking the credential's drive if it is not tracked yet:
// a pending watch plus its subscription and baseline jobs, in one
// transaction. Call it when a consumer appears (Reconcile decides for you).
func (s *Service) Watch(ctx context.Context, projectID, credentialID string) error {
	c, err := s.o.Store.GetCredential(ctx, projectID, credentialID)
	if err != nil {
		return err
	}
	err = s.o.Store.WithTx(ctx, func(tx driveway.Tx) error {
		w := &driveway.DriveWatch{ProjectID: projectID, CredentialID: credentialID, UserID: c.UserID,
			Status: driveway.WatchPending, CreatedAt: s.now().Truncate(time.Microsecond)}
		if !s.push {
			w.Status = driveway.WatchPolling
		}
		if err := tx.CreateDriveWatch(ctx, w); err != nil {
			return err
		}
		if s.push {
			if _, err := s.o.Queue.InsertTx(ctx, tx, RenewArgs{ProjectID: projectID, CredentialID: credentialID}, oneAtATime); err != nil {
				return err
			}
		}
		return s.enqueueDelta(ctx, tx, projectID, credentialID)
	})
	if driveway.ErrorCode(err) == driveway.ECONFLICT {
		return s.rewatch(ctx, projectID, credentialID)
	}
	return err
}

// rewatch restarts a watch that failed (the user reconnected, say): a
// renewal now and a delta round. A healthy watch is left alone.
func (s *Service) rewatch(ctx context.Context, projectID, credentialID string) error {
	w, err := s.o.Store.GetDriveWatch(ctx, projectID, credentialID)
	if err != nil || w.Status != driveway.WatchFailed {
		return ignoreNotFound(err)
	}
	return s.o.Store.WithTx(ctx, func(tx driveway.Tx) error {
		if s.push {
			if _, err := s.o.Queue.InsertTx(ctx, tx, RenewArgs{ProjectID: projectID, CredentialID: credentialID}, oneAtATime); err != nil {
				return err
			}
		}
		return s.enqueueDelta(ctx, tx, projectID, credentialID)
	})
}

// Unwatch stops tracking the credential's drive: it deletes the Graph
// subscription (best effort: one that cannot be deleted expires) and the
// watch with its item index. Connect's disconnect calls it before the
// credential is deleted; it is a no-op without a watch.
func (s *Service) Unwatch(ctx context.Context, projectID, credentialID string) error {
	w, err := s.o.Store.GetDriveWatch(ctx, projectID, credentialID)
	if driveway.ErrorCode(err) == driveway.ENOTFOUND {
		return nil
	}
	if err != nil {
		return err
	}
	if w.SubscriptionID != "" {
		graph, gerr := s.graphURL(ctx, projectID)
		if tok, _, err := s.o.Tokens.AccessToken(ctx, projectID, credentialID); err == nil && gerr == nil {
			if err := s.subscriptions(graph).Delete(ctx, tok, w.SubscriptionID); err != nil {
				s.o.Logger.Warn("filechange: could not delete subscription; it will expire",
					"project", projectID, "credential", credentialID, "err", err)
			}
		}
	}
	err = s.o.Store.DeleteDriveWatch(ctx, projectID, credentialID)
	if driveway.ErrorCode(err) == driveway.ENOTFOUND {
		return nil
	}
	return err
}

// HasConsumer reports whether anything wants the user's changes: a trigger
// subscription of the user (or of every user), or a File Change workflow
// the user has enabled.
func (s *Service) HasConsumer(ctx context.Context, projectID, userID string) (bool, error) {
	subs, err := s.o.Store.ListTriggerSubscriptions(ctx, projectID)
	if err != nil {
		return false, err
	}
	for _, ts := range subs {
		if ts.UserID == "" || ts.UserID == userID {
			return true, nil
		}
	}
	wfs, err := s.o.Store.ListWorkflowsByTrigger(ctx, projectID, "file_change", "")
	if err != nil || len(wfs) == 0 {
		return false, err
	}
	choices, err := s.o.Store.ListUserWorkflowEnablement(ctx, projectID, userID)
	if err != nil {
		return false, err
	}
	for _, w := range wfs {
		on, set := choices[w.ID]
		if (set && on) || (!set && w.DefaultEnabled) {
			return true, nil
		}
	}
	return false, nil
}

// Reconcile watches the credential when its user has a consumer and
// unwatches it otherwise. The workflow side calls it (or ReconcileUser)
// when a File Change workflow is saved, enabled or disabled.
func (s *Service) Reconcile(ctx context.Context, projectID, credentialID string) error {
	c, err := s.o.Store.GetCredential(ctx, projectID, credentialID)
	if err != nil {
		return err
	}
	want, err := s.HasConsumer(ctx, projectID, c.UserID)
	if err != nil {
		return err
	}
	if want && c.Status == driveway.CredentialValid {
		return s.Watch(ctx, projectID, credentialID)
	}
	if !want {
		return s.Unwatch(ctx, projectID, credentialID)
	}
	return nil
}

// ReconcileUser reconciles each credential of the user; userID "" does the
// whole project's.
func (s *Service) ReconcileUser(ctx context.Context, projectID, userID string) error {
	cs, err := s.o.Store.ListCredentials(ctx, projectID, userID)
	if err != nil {
		return err
	}
	var errs []error
	for _, c := range cs {
		if err := s.Reconcile(ctx, projectID, c.ID); err != nil {
			errs = append(errs, fmt.Errorf("reconcile %s: %w", c.ID, err))
		}
	}
	return errors.Join(errs...)
}

// Status returns the credential's watch (its subscription status, expiry
// and last delta); ENOTFOUND when the drive is not watched. ClientState
// and DeltaLink are cleared.
func (s *Service) Status(ctx context.Context, projectID, credentialID string) (*driveway.DriveWatch, error) {
	w, err := s.o.Store.GetDriveWatch(ctx, projectID, credentialID)
	if err != nil {
		return nil, err
	}
	w.ClientState, w.DeltaLink = "", ""
	return w, nil
}

func (s *Service) healthyStatus(w *driveway.DriveWatch) string {
	switch {
	case !s.push:
		return driveway.WatchPolling
	case w.SubscriptionID == "":
		return driveway.WatchPending
	}
	return driveway.WatchActive
}

// newClientState returns 256 random bits, base64url (43 characters; Graph
// allows 128).
func newClientState() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// renewAt is when a subscription expiring at exp is renewed: RenewBefore
// ahead, minus up to RenewJitter so that renewals spread out.
func (s *Service) renewAt(exp time.Time) time.Time {
	j := time.Duration(0)
	if s.o.RenewJitter > 0 {
		j = time.Duration(mrand.Int64N(int64(s.o.RenewJitter)))
	}
	return exp.Add(-s.o.RenewBefore - j)
}

// OnDisconnect fits connect.Handler.OnDisconnect: it forgets the
// credential's watch. Connect calls it after the credential (and, by
// cascade, its watch) was deleted, when no token is left to delete the
// Graph subscription with: that subscription then expires on its own and
// its notifications are discarded (unknown subscription). Call Unwatch
// before deleting a credential to delete the subscription at Graph too.
func (s *Service) OnDisconnect(ctx context.Context, cr *driveway.Credential) {
	if err := s.Unwatch(ctx, cr.ProjectID, cr.ID); err != nil {
		s.o.Logger.Warn("filechange: forget credential", "project", cr.ProjectID, "credential", cr.ID, "err", err)
	}
}
