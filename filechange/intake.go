package filechange

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"

	"github.com/drivewayhq/driveway"
)

// Bounds of one notification POST. Graph batches the notifications of
// several subscriptions into one POST (the value array of a
// changeNotificationCollection may mix subscriptions, apps and tenants:
// https://learn.microsoft.com/graph/api/resources/changenotificationcollection)
// but publishes no maximum. A driveItem notification is a shoulder tap of
// about 400 bytes (no resource data), so MaxNotificationEntries of them
// take under half of MaxNotificationBody. A POST over either bound is
// answered 413 before any database work; whatever Graph would lose that
// way the safety delta catches.
const (
	MaxNotificationEntries = 1000
	MaxNotificationBody    = 1 << 20
)

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
		source := s.o.ClientKey(r)
		if wait := s.limit.wait(source); wait > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
			http.Error(w, "too many notifications that match no subscription", http.StatusTooManyRequests)
			return
		}
		ns, status := decodeNotifications(w, r)
		if status != 0 {
			http.Error(w, http.StatusText(status), status)
			return
		}
		forged, err := s.take(r.Context(), ns, lifecycle)
		s.limit.spend(source, forged)
		if err != nil {
			s.o.Logger.Error("filechange: could not store notifications", "err", err)
			http.Error(w, "could not store the notification", http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusAccepted)
	})
}

// decodeNotifications reads the value array of a POST, within
// MaxNotificationBody and MaxNotificationEntries; otherwise it returns
// the status to answer (400 or 413).
func decodeNotifications(w http.ResponseWriter, r *http.Request) ([]notification, int) {
	var body struct {
		Value []notification `json:"value"`
	}
	err := json.NewDecoder(http.MaxBytesReader(w, r.Body, MaxNotificationBody)).Decode(&body)
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return nil, http.StatusRequestEntityTooLarge
	case err != nil:
		return nil, http.StatusBadRequest
	case len(body.Value) > MaxNotificationEntries:
		return nil, http.StatusRequestEntityTooLarge
	}
	return body.Value, 0
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
// Forged or stale notifications are dropped silently and counted in
// forged. The watches are found in one lookup. It returns once that is
// committed.
func (s *Service) take(ctx context.Context, ns []notification, lifecycle bool) (forged int, err error) {
	ids := make([]string, len(ns))
	for i, n := range ns {
		ids[i] = n.SubscriptionID
	}
	watches, err := s.o.Store.FindDriveWatches(ctx, ids)
	if err != nil {
		return 0, err
	}
	bySub := make(map[string]*driveway.DriveWatch, len(watches))
	for _, wt := range watches {
		bySub[wt.SubscriptionID] = wt
	}
	var b batch
	for _, n := range ns {
		wt := bySub[n.SubscriptionID]
		if wt == nil || !sameSecret(wt.ClientState, n.ClientState) {
			forged++
			continue
		}
		// reauthorizationRequired or subscriptionRemoved: renew; "missed"
		// (and any gap) only calls for delta.
		b.add(watchKey{wt.ProjectID, wt.CredentialID}, lifecycle && n.LifecycleEvent != "missed")
	}
	if len(b.order) == 0 {
		return forged, nil
	}
	return forged, s.group.commit(ctx, &b, s.storeBatch)
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
