package filechange

import (
	"context"

	"github.com/drivewayhq/driveway"
)

// Unsubscribe deletes the credential's Graph subscription at Microsoft,
// then its watch and item index (the erasure of a user calls it). Unlike
// Unwatch, a deletion Graph did not confirm is an error, for the caller to
// retry; only a subscription whose credential can no longer get a token
// (signed out, revoked: EUNAUTHORIZED, EFORBIDDEN) is left to expire, as
// nothing can delete it. No error without a watch.
func (s *Service) Unsubscribe(ctx context.Context, projectID, credentialID string) error {
	w, err := s.o.Store.GetDriveWatch(ctx, projectID, credentialID)
	if driveway.ErrorCode(err) == driveway.ENOTFOUND {
		return nil
	}
	if err != nil {
		return err
	}
	if w.SubscriptionID != "" {
		if err := s.deleteSubscription(ctx, w); err != nil {
			return err
		}
	}
	err = s.o.Store.DeleteDriveWatch(ctx, projectID, credentialID)
	if driveway.ErrorCode(err) == driveway.ENOTFOUND {
		return nil
	}
	return err
}

func (s *Service) deleteSubscription(ctx context.Context, w *driveway.DriveWatch) error {
	graph, err := s.graphURL(ctx, w.ProjectID)
	if err != nil {
		return err
	}
	tok, _, err := s.o.Tokens.AccessToken(ctx, w.ProjectID, w.CredentialID)
	switch driveway.ErrorCode(err) {
	case "":
	case driveway.EUNAUTHORIZED, driveway.EFORBIDDEN, driveway.ENOTFOUND:
		s.o.Logger.Warn("filechange: no token to delete the subscription; it will expire",
			"project", w.ProjectID, "credential", w.CredentialID, "err", err)
		return nil
	default:
		return err
	}
	return s.subscriptions(graph).Delete(ctx, tok, w.SubscriptionID)
}
