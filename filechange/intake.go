package filechange

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"io"
	"net/http"

	"github.com/drivewayhq/driveway"
)

// maxNotificationBody bounds a notification POST (Graph batches at most a
// few hundred notifications, well under this).
const maxNotificationBody = 4 << 20

// notification is one entry of a change or lifecycle notification.
type notification struct {
	SubscriptionID string `json:"subscriptionId"`
	ClientState    string `json:"clientState"`
	TenantID       string `json:"tenantId"`
	LifecycleEvent string `json:"lifecycleEvent"`
}

// NotifyHandler serves POST /webhooks/microsoft/notify: the validation
// handshake, then change notifications. Mount it without authentication
// (Graph sends none; clientState is the proof).
func (s *Service) NotifyHandler() http.Handler { return s.intake(false) }

// LifecycleHandler serves POST /webhooks/microsoft/lifecycle.
func (s *Service) LifecycleHandler() http.Handler { return s.intake(true) }

func (s *Service) intake(lifecycle bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Has("validationToken") {
			echoToken(w, r.URL.Query().Get("validationToken"))
			return
		}
		var body struct {
			Value []notification `json:"value"`
		}
		if err := json.NewDecoder(io.LimitReader(r.Body, maxNotificationBody)).Decode(&body); err != nil {
			http.Error(w, "bad notification body", http.StatusBadRequest)
			return
		}
		if err := s.take(r.Context(), body.Value, lifecycle); err != nil {
			s.o.Logger.Error("filechange: could not store notifications", "err", err)
			http.Error(w, "could not store the notification", http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusAccepted)
	})
}

// echoToken answers the validation handshake: 200, text/plain, the decoded
// token byte for byte. nosniff and a sandboxing CSP keep a browser from
// ever treating a token that holds markup as HTML.
func echoToken(w http.ResponseWriter, token string) {
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	w.WriteHeader(http.StatusOK)
	_, _ = io.WriteString(w, token)
}

// watchKey names a credential's watch.
type watchKey struct{ project, credential string }

// take verifies each notification and, for the genuine ones, owes their
// credentials a delta round (and a renewal on reauthorizationRequired).
// Forged or stale notifications are dropped silently. It returns once that
// is committed.
func (s *Service) take(ctx context.Context, ns []notification, lifecycle bool) error {
	var b batch
	for _, n := range ns {
		wt, err := s.o.Store.FindDriveWatch(ctx, n.SubscriptionID)
		if driveway.ErrorCode(err) == driveway.ENOTFOUND {
			continue
		}
		if err != nil {
			return err
		}
		if !sameSecret(wt.ClientState, n.ClientState) {
			continue
		}
		// reauthorizationRequired or subscriptionRemoved: renew; "missed"
		// (and any gap) only calls for delta.
		b.add(watchKey{wt.ProjectID, wt.CredentialID}, lifecycle && n.LifecycleEvent != "missed")
	}
	if len(b.order) == 0 {
		return nil
	}
	return s.group.commit(ctx, &b, s.storeBatch)
}

// storeBatch bumps each watch and inserts its (coalesced) jobs in one
// transaction.
func (s *Service) storeBatch(ctx context.Context, b *batch) error {
	return s.o.Store.WithTx(ctx, func(tx driveway.Tx) error {
		for _, k := range b.order {
			if err := s.owe(ctx, tx, k.project, k.credential, false); err != nil {
				if driveway.ErrorCode(err) == driveway.ENOTFOUND {
					continue // unwatched meanwhile
				}
				return err
			}
			if b.renew[k] {
				if _, err := s.o.Queue.InsertTx(ctx, tx, RenewArgs{ProjectID: k.project, CredentialID: k.credential}, oneAtATime); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// sameSecret compares in constant time; an empty stored or presented
// secret never matches.
func sameSecret(stored, presented string) bool {
	if stored == "" || presented == "" {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(stored), []byte(presented)) == 1
}
