package microsoft

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
)

// Subscriptions calls Graph's change-notification subscriptions
// (/subscriptions) with a user's token.
type Subscriptions struct {
	// GraphV1 is the Graph v1.0 base of the user's cloud
	// (Endpoints.GraphV1).
	GraphV1 string
	// HTTP is the client; http.DefaultClient when nil.
	HTTP *http.Client
}

// Subscription is the part of Graph's subscription resource Driveway uses.
type Subscription struct {
	ID                 string    `json:"id"`
	ExpirationDateTime time.Time `json:"expirationDateTime"`
}

// SubscriptionSpec describes a subscription to create.
type SubscriptionSpec struct {
	Resource                 string // e.g. "/me/drive/root"
	ChangeType               string // OneDrive supports "updated" only
	NotificationURL          string
	LifecycleNotificationURL string
	ClientState              string // echoed in every notification; a secret
	Expiration               time.Time
}

// Create creates a subscription. Graph validates NotificationURL before it
// answers (it posts a validationToken there).
func (c Subscriptions) Create(ctx context.Context, token string, s SubscriptionSpec) (*Subscription, error) {
	body := map[string]any{
		"changeType":                s.ChangeType,
		"notificationUrl":           s.NotificationURL,
		"lifecycleNotificationUrl":  s.LifecycleNotificationURL,
		"resource":                  s.Resource,
		"expirationDateTime":        s.Expiration.UTC().Format(time.RFC3339),
		"clientState":               s.ClientState,
		"latestSupportedTlsVersion": "v1_2",
	}
	var out Subscription
	if err := c.call(ctx, http.MethodPost, "/subscriptions", token, body, &out); err != nil {
		return nil, fmt.Errorf("create subscription: %w", err)
	}
	return &out, nil
}

// Renew moves a subscription's expiry (which also reauthorizes it). A
// subscription Graph no longer has is a *GraphError with Status 404
// (IsNotFound).
func (c Subscriptions) Renew(ctx context.Context, token, id string, exp time.Time) (*Subscription, error) {
	var out Subscription
	body := map[string]any{"expirationDateTime": exp.UTC().Format(time.RFC3339)}
	if err := c.call(ctx, http.MethodPatch, "/subscriptions/"+id, token, body, &out); err != nil {
		return nil, fmt.Errorf("renew subscription: %w", err)
	}
	return &out, nil
}

// Delete deletes a subscription; one already gone is not an error.
func (c Subscriptions) Delete(ctx context.Context, token, id string) error {
	err := c.call(ctx, http.MethodDelete, "/subscriptions/"+id, token, nil, nil)
	if err != nil && !IsNotFound(err) {
		return fmt.Errorf("delete subscription: %w", err)
	}
	return nil
}

// call sends in as JSON and decodes a 2xx answer into out; other answers
// are a *GraphError.
func (c Subscriptions) call(ctx context.Context, method, path, token string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.GraphV1+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	client := c.HTTP
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("graph unreachable: %s", redactURLError(err))
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, maxGraphJSON))
	if resp.StatusCode >= 300 {
		return decodeGraphError(resp, raw)
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(raw, out)
}
