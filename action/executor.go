package action

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/microsoft"
)

// Defaults for the Executor fields left zero.
const (
	DefaultMaxInline     = 4 << 20
	DefaultLinkTTL       = 15 * time.Minute
	DefaultMaxRetryAfter = 10 * time.Second
	DefaultCopyWait      = time.Minute
)

// Store is the part of driveway.Store the executor reads.
type Store interface {
	GetIntegration(ctx context.Context, projectID string) (*driveway.Integration, error)
	ListCredentials(ctx context.Context, projectID, userID string) ([]*driveway.Credential, error)
}

// Tokens hands out access tokens of stored credentials (the credential
// package's Manager). It must be safe for concurrent use.
type Tokens interface {
	AccessToken(ctx context.Context, projectID, credentialID string) (string, *driveway.Credential, error)
	Invalidate(ctx context.Context, projectID, credentialID, staleToken string) (string, *driveway.Credential, error)
}

// Executor runs actions of the catalogue for end users. Set the fields,
// then use it from any number of goroutines; do not change them
// afterwards. Catalogue, Store and Tokens are required.
type Executor struct {
	Catalogue *Catalogue
	Store     Store
	Tokens    Tokens
	// Resolver gives the Graph base of the integration's cloud.
	Resolver microsoft.Resolver
	// HTTP carries Graph calls (and pre-authenticated transfers); default
	// a transport without environment proxies.
	HTTP *http.Client
	// Fetch downloads Save File URLs: a netguard client (netguard.NewClient),
	// which refuses loopback, private and other special addresses. Without
	// it, Save File from a URL fails with EUNAVAILABLE.
	Fetch *http.Client
	// Proxy is the Graph proxy handler (proxy.Proxy) that ONEDRIVE_REQUEST
	// calls in-process, so the proxy's path rules, throttling and
	// redirects apply unchanged. Without it, ONEDRIVE_REQUEST fails
	// with EUNAVAILABLE.
	Proxy http.Handler
	// LinkKey signs download links (HMAC-SHA256); at least 32 bytes, the
	// same on every node (see DeriveLinkKey). Without it, large downloads fail with
	// EUNAVAILABLE. PublicURL is DRIVEWAY_PUBLIC_URL, the links' origin.
	LinkKey   []byte
	PublicURL string
	// MaxInline is the largest file ONEDRIVE_DOWNLOAD_FILE returns as
	// base64 (default 4 MiB); larger files get a signed link valid for
	// LinkTTL (default 15 minutes).
	MaxInline int64
	LinkTTL   time.Duration
	// MaxRetryAfter is the longest Graph Retry-After waited out inside an
	// action (default 10 s); a longer one fails with ETHROTTLED and its
	// retry-after.
	MaxRetryAfter time.Duration
	// CopyWait bounds how long ONEDRIVE_COPY_ITEM waits for the copy
	// (default 1 minute); then it answers inProgress.
	CopyWait time.Duration
	// CopyPollInterval is the first wait between copy-monitor polls
	// (default the drive client's, 1 s).
	CopyPollInterval time.Duration
	// ChunkSize is the upload-session fragment size (default the drive
	// client's, 10 MiB).
	ChunkSize int64
	// TokenRetryAfter, when set, tells how long Microsoft's token endpoint
	// asked to wait when Tokens failed with ETHROTTLED (wire
	// credential.RetryAfter); the action error then carries it.
	TokenRetryAfter func(error) time.Duration
	// Logger receives failures (never a token or content); default
	// slog.Default().
	Logger *slog.Logger
	// Now returns the time (link expiry); default time.Now.
	Now func() time.Time

	clients     sync.Map // project, credential, Graph base → *microsoft.DriveClient
	nclients    atomic.Int64
	httpOnce    sync.Once
	defaultHTTP *http.Client
}

// RequestAction is the name workflow's onedrive_request steps pass to
// Run; it runs ONEDRIVE_REQUEST.
const RequestAction = "onedrive.request"

// Run runs the action called name with params for the principal's
// credential (credentialID, or the user's only VALID OneDrive credential
// when ""). It implements workflow.ActionRunner. Errors are *Error
// (unwrapping to *driveway.Error): EINVALID naming the parameter, ENOTFOUND,
// ECONFLICT, EFORBIDDEN (Reason quota_exceeded for a full drive),
// ETHROTTLED with RetryAfter, EUNAUTHORIZED when the user must reconnect,
// EUNAVAILABLE when Graph fails.
func (e *Executor) Run(ctx context.Context, p *driveway.Principal, credentialID, name string, params map[string]any) (any, error) {
	return e.run(ctx, p, credentialID, name, params, e.maxInline())
}

// RunCapped is Run for agents: downloads above inline bytes come back as a
// link instead of base64 (the MCP server passes a smaller cap).
func (e *Executor) RunCapped(ctx context.Context, p *driveway.Principal, credentialID, name string, params map[string]any, inline int64) (any, error) {
	return e.run(ctx, p, credentialID, name, params, min(inline, e.maxInline()))
}

func (e *Executor) runStream(ctx context.Context, p *driveway.Principal, credentialID, name string, params map[string]any, body io.Reader) (any, error) {
	return e.exec(ctx, p, credentialID, name, params, e.maxInline(), body)
}

func (e *Executor) run(ctx context.Context, p *driveway.Principal, credentialID, name string, params map[string]any, inline int64) (any, error) {
	return e.exec(ctx, p, credentialID, name, params, inline, nil)
}

func (e *Executor) exec(ctx context.Context, p *driveway.Principal, credentialID, name string, params map[string]any, inline int64, body io.Reader) (any, error) {
	if name == RequestAction {
		name = "ONEDRIVE_REQUEST"
	}
	a := e.Catalogue.Lookup(name)
	if a == nil {
		return nil, &Error{Err: driveway.Invalid("action", "there is no action called %q", name)}
	}
	if p == nil {
		return nil, &Error{Err: driveway.Errorf(driveway.EUNAUTHORIZED, "a user token is required")}
	}
	if driveway.PrincipalFrom(ctx) == nil {
		ctx = driveway.WithPrincipal(ctx, p) // names the project in the Graph metrics of a workflow's call
	}
	if params == nil {
		params = map[string]any{}
	}
	if err := validate(a.input, params); err != nil {
		return nil, &Error{Err: err}
	}
	sess, err := e.session(ctx, p, credentialID, params)
	if err != nil {
		return nil, err
	}
	out, err := a.run(ctx, &call{ex: e, sess: sess, params: params, inline: inline, stream: body})
	if err != nil {
		e.logFailure(ctx, name, err)
		return nil, graphError(err, "item")
	}
	return out, nil
}

func (e *Executor) logFailure(ctx context.Context, name string, err error) {
	if ge := microsoft.AsGraphError(err); ge != nil {
		e.logger().InfoContext(ctx, "action failed", "action", name, "status", ge.Status, "code", ge.Code, "request_id", ge.RequestID)
		return
	}
	if driveway.ErrorCode(err) == driveway.EINTERNAL {
		e.logger().ErrorContext(ctx, "action failed", "action", name, "err", err)
	}
}

func (e *Executor) logger() *slog.Logger {
	if e.Logger == nil {
		return slog.Default()
	}
	return e.Logger
}

func (e *Executor) now() time.Time {
	if e.Now != nil {
		return e.Now()
	}
	return time.Now()
}

func (e *Executor) maxInline() int64 {
	if e.MaxInline > 0 {
		return e.MaxInline
	}
	return DefaultMaxInline
}

func (e *Executor) linkTTL() time.Duration {
	if e.LinkTTL > 0 {
		return e.LinkTTL
	}
	return DefaultLinkTTL
}

func (e *Executor) copyWait() time.Duration {
	if e.CopyWait > 0 {
		return e.CopyWait
	}
	return DefaultCopyWait
}
