package microsoft

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// TokenSource returns a current Graph access token. The credential manager
// provides it; it must be safe for concurrent use.
type TokenSource func(ctx context.Context) (string, error)

// DriveOptions configure a DriveClient. BaseURL and Token are required.
type DriveOptions struct {
	// BaseURL is the Graph v1.0 base, Endpoints.GraphV1() (for example
	// "https://graph.microsoft.com/v1.0").
	BaseURL string
	// HTTP is the client used for every call (Graph, upload, download and
	// monitor URLs); http.DefaultClient's transport when nil. Its redirect
	// policy is replaced: the DriveClient follows redirects itself.
	HTTP *http.Client
	// Token gives the bearer token for Graph calls. It is never sent to
	// pre-authenticated upload, download or monitor URLs.
	Token TokenSource
	// Invalidate, when set, is called once when Graph answers 401 to a
	// token; the call is then retried once with a fresh token (when its
	// body can be replayed).
	Invalidate func(ctx context.Context, token string)
	// MaxRetries bounds retries of one call after throttling, 5xx or a
	// dropped connection (default 3).
	MaxRetries int
	// MaxRetryAfter is the longest Retry-After the client waits for; a
	// longer one is returned to the caller as the *GraphError (default 2 min),
	// and until it has passed every call fails at once with a 429
	// *GraphError carrying the time left, without reaching Graph.
	MaxRetryAfter time.Duration
	// ChunkSize is the upload-session fragment size, rounded down to a
	// multiple of 320 KiB (default 10 MiB, at most 59.9 MiB).
	ChunkSize int64
	// SimpleUploadMax is the largest file sent with one simple PUT; larger
	// files use an upload session (default 4 MiB).
	SimpleUploadMax int64
	// PollInterval is the first wait between copy-monitor polls when the
	// monitor sends no Retry-After (default 1 s, doubling up to 10 s).
	PollInterval time.Duration
	// UserAgent is sent on every request when set (Microsoft recommends
	// "ISV|Company|App/Version").
	UserAgent string
}

// DriveClient is a typed client of the Graph drive API (OneDrive personal,
// OneDrive for Business, SharePoint document libraries). It is safe for
// concurrent use. One DriveClient should serve one credential: when Graph
// throttles (Retry-After), every call of the client waits.
type DriveClient struct {
	opts DriveOptions
	base *url.URL
	hc   *http.Client
	gate gate
}

// Fragment sizes of upload sessions.
const (
	FragmentUnit     = 320 << 10 // every non-final fragment is a multiple of this
	maxFragment      = 60 << 20  // Graph refuses fragments of 60 MiB and more
	defaultChunkSize = 32 * FragmentUnit
)

// NewDriveClient checks opts, fills defaults and returns a client.
func NewDriveClient(opts DriveOptions) (*DriveClient, error) {
	base, err := url.Parse(strings.TrimRight(opts.BaseURL, "/"))
	if err != nil || (base.Scheme != "https" && base.Scheme != "http") || base.Host == "" {
		return nil, fmt.Errorf("drive client: base url %q: want an absolute http(s) URL", opts.BaseURL)
	}
	if opts.Token == nil {
		return nil, errors.New("drive client: token source is required")
	}
	hc := &http.Client{}
	if opts.HTTP != nil {
		*hc = *opts.HTTP
	}
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	opts = driveDefaults(opts)
	return &DriveClient{opts: opts, base: base, hc: hc}, nil
}

func driveDefaults(o DriveOptions) DriveOptions {
	if o.MaxRetries <= 0 {
		o.MaxRetries = 3
	}
	if o.MaxRetryAfter <= 0 {
		o.MaxRetryAfter = 2 * time.Minute
	}
	if o.ChunkSize <= 0 {
		o.ChunkSize = defaultChunkSize
	}
	o.ChunkSize = min(o.ChunkSize, maxFragment-1) / FragmentUnit * FragmentUnit
	if o.ChunkSize == 0 {
		o.ChunkSize = FragmentUnit
	}
	if o.SimpleUploadMax <= 0 {
		o.SimpleUploadMax = 4 << 20
	}
	if o.PollInterval <= 0 {
		o.PollInterval = time.Second
	}
	return o
}

// request is one HTTP call. body, when set, is replayable.
type request struct {
	method      string
	url         string
	body        []byte
	bodyFn      func() io.Reader // replayable body of length size
	size        int64
	contentType string
	header      http.Header
	idempotent  bool // retry 5xx and dropped connections, not only 429
	noAuth      bool // a pre-authenticated URL: never send Authorization
}

func (rq *request) newBody() (io.Reader, int64) {
	switch {
	case rq.bodyFn != nil:
		return rq.bodyFn(), rq.size
	case rq.body != nil:
		return bytes.NewReader(rq.body), int64(len(rq.body))
	}
	return nil, 0
}

// send performs rq with throttling, retries and one token refresh on 401.
// It returns responses below 400 with the body open; errors are
// *GraphError or transport errors.
func (c *DriveClient) send(ctx context.Context, rq *request) (*http.Response, error) {
	refreshed := false
	for attempt := 0; ; attempt++ {
		if d := c.gate.remaining(); d > c.opts.MaxRetryAfter {
			// Graph asked for a pause longer than we wait: refuse locally
			// rather than call it before the Retry-After is over.
			return nil, &GraphError{Status: http.StatusTooManyRequests, Code: "TooManyRequests",
				Message: "an earlier Retry-After is still running", RetryAfter: d}
		}
		if err := c.gate.wait(ctx); err != nil {
			return nil, err
		}
		token, resp, err := c.roundTrip(ctx, rq)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			if rq.idempotent && attempt < c.opts.MaxRetries {
				if err := sleep(ctx, backoff(attempt)); err != nil {
					return nil, err
				}
				continue
			}
			return nil, err
		}
		if resp.StatusCode < 400 {
			return resp, nil
		}
		ge := readGraphError(resp)
		if ge.Status == http.StatusUnauthorized && !rq.noAuth && !refreshed && c.opts.Invalidate != nil {
			refreshed = true
			c.opts.Invalidate(ctx, token)
			continue
		}
		if ge.RetryAfter > 0 && ge.throttled() {
			c.gate.hold(ge.RetryAfter)
		}
		wait, ok := c.retryWait(rq, ge, attempt)
		if !ok {
			return nil, ge
		}
		if err := sleep(ctx, wait); err != nil {
			return nil, err
		}
	}
}

// roundTrip sends rq once.
func (c *DriveClient) roundTrip(ctx context.Context, rq *request) (string, *http.Response, error) {
	body, size := rq.newBody()
	req, err := http.NewRequestWithContext(ctx, rq.method, rq.url, body)
	if err != nil {
		return "", nil, fmt.Errorf("build request: %w", err)
	}
	req.ContentLength = size
	if body == nil {
		req.Body, req.GetBody = nil, nil
	}
	for k, v := range rq.header {
		req.Header[k] = v
	}
	if rq.contentType != "" {
		req.Header.Set("Content-Type", rq.contentType)
	}
	if c.opts.UserAgent != "" {
		req.Header.Set("User-Agent", c.opts.UserAgent)
	}
	var token string
	if !rq.noAuth {
		if token, err = c.opts.Token(ctx); err != nil {
			return "", nil, fmt.Errorf("graph token: %w", err)
		}
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return token, nil, &TransportError{Op: rq.method, Err: errors.New(redactURLError(err))}
	}
	return token, resp, nil
}

// retryWait decides whether a failed call is retried and after how long.
// 429 is retried for every method (Graph refused it before doing anything);
// 5xx only for idempotent calls. A Retry-After longer than MaxRetryAfter is
// not waited for.
func (c *DriveClient) retryWait(rq *request, ge *GraphError, attempt int) (time.Duration, bool) {
	if attempt >= c.opts.MaxRetries {
		return 0, false
	}
	switch ge.Status {
	case http.StatusTooManyRequests:
	case http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable,
		http.StatusGatewayTimeout, 509:
		if !rq.idempotent {
			return 0, false
		}
	default:
		return 0, false
	}
	wait := ge.RetryAfter
	if wait == 0 {
		wait = backoff(attempt)
	}
	return wait, wait <= c.opts.MaxRetryAfter
}

// TransportError is a call that got no HTTP answer (connection refused,
// reset or cut). The URL is left out: pre-authenticated URLs are secrets.
type TransportError struct {
	Op  string
	Err error
}

func (e *TransportError) Error() string { return "graph unreachable: " + e.Op + ": " + e.Err.Error() }

// Unwrap returns the cause.
func (e *TransportError) Unwrap() error { return e.Err }

// maxErrorBody and maxJSONBody bound what is read from Graph.
const (
	maxErrorBody = 64 << 10
	maxJSONBody  = 32 << 20
)

func readGraphError(resp *http.Response) *GraphError {
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	return decodeGraphError(resp, body)
}

// doJSON sends rq and decodes a JSON answer into out (when out is not nil
// and the answer has a body). It returns the status.
func (c *DriveClient) doJSON(ctx context.Context, rq *request, out any) (*http.Response, error) {
	resp, err := c.send(ctx, rq)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxJSONBody))
	if err != nil {
		return nil, &TransportError{Op: rq.method, Err: errors.New("answer cut short")}
	}
	if out != nil && len(body) > 0 && resp.StatusCode != http.StatusNoContent && resp.StatusCode != http.StatusNotModified {
		if err := json.Unmarshal(body, out); err != nil {
			return nil, fmt.Errorf("graph answered %d with malformed JSON", resp.StatusCode)
		}
	}
	return resp, nil
}

func jsonBody(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic("microsoft: marshal request body: " + err.Error()) // only our own types are marshalled
	}
	return b
}

// graphURL joins the base with an escaped path and a raw query.
func (c *DriveClient) graphURL(path, query string) string {
	u := c.base.String() + path
	if query != "" {
		u += "?" + query
	}
	return u
}

// checkLink accepts a Graph link (@odata.nextLink, deltaLink) only when it
// points under the configured base: a link elsewhere would receive the
// bearer token.
func (c *DriveClient) checkLink(link string) error {
	u, err := url.Parse(link)
	if err != nil || !strings.EqualFold(u.Scheme, c.base.Scheme) || !strings.EqualFold(u.Host, c.base.Host) ||
		!strings.HasPrefix(u.Path, c.base.Path+"/") {
		return errors.New("graph link is not under the graph base url")
	}
	return nil
}

// backoff is the wait before retry attempt+1 when Graph gave no Retry-After.
func backoff(attempt int) time.Duration {
	return min(time.Duration(1<<attempt)*500*time.Millisecond, 8*time.Second)
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// gate pauses every call of a client until a Retry-After has passed.
type gate struct {
	mu    sync.Mutex
	until time.Time
}

func (g *gate) hold(d time.Duration) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if t := time.Now().Add(d); t.After(g.until) {
		g.until = t
	}
}

func (g *gate) remaining() time.Duration {
	g.mu.Lock()
	defer g.mu.Unlock()
	return time.Until(g.until)
}

func (g *gate) wait(ctx context.Context) error { return sleep(ctx, g.remaining()) }

// BaseURL returns the Graph base the client calls, e.g.
// "https://graph.microsoft.com/v1.0".
func (c *DriveClient) BaseURL() string { return c.base.String() }
