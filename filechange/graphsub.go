package filechange

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"
)

// graphSubscription is the part of Graph's subscription resource we use.
type graphSubscription struct {
	ID                 string    `json:"id"`
	ExpirationDateTime time.Time `json:"expirationDateTime"`
}

// subError is a failed /subscriptions call: the status and Graph's
// error.code (never the message, which may echo a URL).
type subError struct {
	Status int
	Code   string
}

func (e *subError) Error() string {
	return fmt.Sprintf("graph subscriptions: status %d %s", e.Status, e.Code)
}

func isGone(err error) bool {
	var se *subError
	return errors.As(err, &se) && se.Status == http.StatusNotFound
}

// createSubscription creates the drive-root subscription of the token's user.
func (s *Service) createSubscription(ctx context.Context, graph, token, clientState string, exp time.Time) (*graphSubscription, error) {
	body := map[string]any{
		"changeType":                "updated",
		"notificationUrl":           s.o.PublicURL + NotifyPath,
		"lifecycleNotificationUrl":  s.o.PublicURL + LifecyclePath,
		"resource":                  "/me/drive/root",
		"expirationDateTime":        exp.UTC().Format(time.RFC3339),
		"clientState":               clientState,
		"latestSupportedTlsVersion": "v1_2",
	}
	var out graphSubscription
	if err := s.subCall(ctx, http.MethodPost, graph+"/subscriptions", token, body, &out); err != nil {
		return nil, fmt.Errorf("create subscription: %w", err)
	}
	return &out, nil
}

// renewSubscription moves the expiry (which also reauthorizes).
func (s *Service) renewSubscription(ctx context.Context, graph, token, id string, exp time.Time) (*graphSubscription, error) {
	var out graphSubscription
	body := map[string]any{"expirationDateTime": exp.UTC().Format(time.RFC3339)}
	if err := s.subCall(ctx, http.MethodPatch, graph+"/subscriptions/"+id, token, body, &out); err != nil {
		return nil, fmt.Errorf("renew subscription: %w", err)
	}
	return &out, nil
}

// deleteSubscription deletes a subscription; one already gone is fine.
func (s *Service) deleteSubscription(ctx context.Context, graph, token, id string) error {
	err := s.subCall(ctx, http.MethodDelete, graph+"/subscriptions/"+id, token, nil, nil)
	if err != nil && !isGone(err) {
		return fmt.Errorf("delete subscription: %w", err)
	}
	return nil
}

func (s *Service) subCall(ctx context.Context, method, url, token string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, body)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := s.o.HTTP.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode >= 300 {
		var e struct {
			Error struct {
				Code string `json:"code"`
			} `json:"error"`
		}
		_ = json.Unmarshal(raw, &e)
		return &subError{Status: resp.StatusCode, Code: e.Error.Code}
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(raw, out)
}
