// Package client is a Go client for Driveway, for a customer's back end:
// it signs user tokens for end users (TokenSigner) and calls the admin API
// with an API key (Client).
//
//	signer, _ := client.NewTokenSigner(privateKeyPEM, "my-key-id")
//	token, _ := signer.Sign("user-123", nil) // hand it to the browser SDK
//
//	c := client.New("https://driveway.example.com", os.Getenv("DRIVEWAY_API_KEY"))
//	settings, _ := c.OneDriveSettings(ctx, projectID)
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Client calls Driveway's admin API. It is safe for concurrent use.
type Client struct {
	BaseURL string // e.g. "https://driveway.example.com"
	APIKey  string
	// HTTP is the client used; a client with a 30 s timeout when nil.
	HTTP *http.Client
}

// New returns a client for the Driveway at baseURL.
func New(baseURL, apiKey string) *Client {
	return &Client{BaseURL: strings.TrimRight(baseURL, "/"), APIKey: apiKey}
}

// Error is a non-2xx answer from Driveway.
type Error struct {
	Status  int
	Code    string // "invalid", "unauthorized", "not_found", ...
	Message string
	Field   string // the input that was wrong, for Code "invalid"
}

func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("driveway: %d %s: %s (%s)", e.Status, e.Code, e.Message, e.Field)
	}
	return fmt.Sprintf("driveway: %d %s: %s", e.Status, e.Code, e.Message)
}

var defaultHTTP = &http.Client{Timeout: 30 * time.Second}

// do sends a JSON request and decodes a JSON answer into out (if not nil).
func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("encode request: %w", err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.BaseURL+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Authorization", "Bearer "+c.APIKey)
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	h := c.HTTP
	if h == nil {
		h = defaultHTTP
	}
	resp, err := h.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return fmt.Errorf("read answer: %w", err)
	}
	if resp.StatusCode/100 != 2 {
		var e struct {
			Error struct{ Code, Message, Field string } `json:"error"`
		}
		_ = json.Unmarshal(raw, &e)
		return &Error{Status: resp.StatusCode, Code: e.Error.Code, Message: e.Error.Message, Field: e.Error.Field}
	}
	if out == nil || len(raw) == 0 {
		return nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("decode answer: %w", err)
	}
	return nil
}

func projectPath(pid string, rest ...string) string {
	return "/api/v1/projects/" + url.PathEscape(pid) + strings.Join(rest, "")
}
