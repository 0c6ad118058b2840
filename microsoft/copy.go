package microsoft

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// CopyTarget is where a copy goes: a folder (ParentID, in DriveID or the
// source's drive) and an optional new Name.
type CopyTarget struct {
	ParentID string
	DriveID  string
	Name     string
}

// CopyStatus is one answer of a copy monitor.
type CopyStatus struct {
	// Status is Graph's status: notStarted, inProgress, completed, failed,
	// ... Done and Failed classify it.
	Status             string  `json:"status"`
	PercentageComplete float64 `json:"percentageComplete"`
	// ResourceID is the new item's id once completed.
	ResourceID        string `json:"resourceId,omitempty"`
	ErrorCode         string `json:"errorCode,omitempty"`
	StatusDescription string `json:"statusDescription,omitempty"`
	// RetryAfter is the monitor's Retry-After, if any.
	RetryAfter time.Duration `json:"-"`
}

// Done reports a finished copy (completed or failed).
func (s *CopyStatus) Done() bool { return s.Succeeded() || s.Failed() }

// Succeeded reports a completed copy.
func (s *CopyStatus) Succeeded() bool {
	return strings.EqualFold(s.Status, "completed") || strings.EqualFold(s.Status, "succeeded")
}

// Failed reports a failed or cancelled copy.
func (s *CopyStatus) Failed() bool {
	switch strings.ToLower(s.Status) {
	case "failed", "deletefailed", "cancelled":
		return true
	}
	return false
}

// CopyFailedError is a copy whose monitor reported failure.
type CopyFailedError struct {
	Status, ErrorCode string
}

func (e *CopyFailedError) Error() string {
	return fmt.Sprintf("copy %s: %s", e.Status, e.ErrorCode)
}

// Copy starts copying src into dst (POST {item}/copy) and returns the
// monitor URL to poll with CopyStatus or WaitCopy. Clashes Graph can see
// at once come back as a 409 *GraphError; later ones through the monitor.
// Graph does not support conflict on personal drives; "" leaves it out.
func (c *DriveClient) Copy(ctx context.Context, src ItemRef, dst CopyTarget, conflict string) (string, error) {
	if err := checkConflict(conflict); err != nil {
		return "", err
	}
	if dst.ParentID == "" {
		return "", errors.New("copy: the target folder id is required")
	}
	p, err := src.urlPath("copy")
	if err != nil {
		return "", err
	}
	pr := map[string]string{"id": dst.ParentID}
	if dst.DriveID != "" {
		pr["driveId"] = dst.DriveID
	}
	body := map[string]any{"parentReference": pr}
	if dst.Name != "" {
		body["name"] = dst.Name
	}
	query := ""
	if conflict != "" {
		query = "@microsoft.graph.conflictBehavior=" + conflict
	}
	rq := &request{method: http.MethodPost, url: c.graphURL(p, query), body: jsonBody(body),
		contentType: "application/json", header: http.Header{"Prefer": {"respond-async"}}}
	resp, err := c.send(ctx, rq)
	if err != nil {
		return "", fmt.Errorf("copy: %w", err)
	}
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusAccepted || loc == "" {
		return "", fmt.Errorf("copy: graph answered %d without a monitor", resp.StatusCode)
	}
	return loc, nil
}

// CopyStatus polls a copy monitor once, without the bearer token (monitor
// URLs are pre-authenticated and may sit on another host). It decides on
// the body's status; a 303 to the new item counts as completed.
func (c *DriveClient) CopyStatus(ctx context.Context, monitorURL string) (*CopyStatus, error) {
	mu, err := url.Parse(monitorURL)
	if err != nil || (mu.Scheme != "https" && mu.Scheme != "http") {
		return nil, errors.New("copy status: the monitor is not an http(s) url")
	}
	resp, err := c.send(ctx, &request{method: http.MethodGet, url: monitorURL, noAuth: true, idempotent: true})
	if err != nil {
		return nil, fmt.Errorf("copy status: %w", err)
	}
	var st CopyStatus
	if resp.StatusCode == http.StatusSeeOther {
		resp.Body.Close()
		loc := mustParse(resp.Header.Get("Location"))
		_, id, _ := strings.Cut(loc.Path, "/items/")
		return &CopyStatus{Status: "completed", PercentageComplete: 100, ResourceID: id}, nil
	}
	if _, err := decodeBody(resp, &st); err != nil {
		return nil, fmt.Errorf("copy status: %w", err)
	}
	st.RetryAfter = parseRetryAfter(resp.Header.Get("Retry-After"))
	return &st, nil
}

// WaitCopy polls a copy monitor until the copy is done, honouring the
// monitor's Retry-After or else waiting PollInterval (doubling, at most
// 10 s). A failed copy is a *CopyFailedError.
func (c *DriveClient) WaitCopy(ctx context.Context, monitorURL string) (*CopyStatus, error) {
	wait := c.opts.PollInterval
	for {
		st, err := c.CopyStatus(ctx, monitorURL)
		if err != nil {
			return nil, err
		}
		switch {
		case st.Succeeded():
			return st, nil
		case st.Failed():
			return st, &CopyFailedError{Status: st.Status, ErrorCode: st.ErrorCode}
		}
		d := wait
		if st.RetryAfter > 0 {
			d = st.RetryAfter
		}
		if err := sleep(ctx, d); err != nil {
			return nil, err
		}
		wait = min(2*wait, 10*time.Second)
	}
}

func mustParse(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		return &url.URL{}
	}
	return u
}
