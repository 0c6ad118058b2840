package proxy

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/authcache"
	"github.com/drivewayhq/driveway/microsoft"
)

// Tokens hands out access tokens of stored credentials. The credential
// package's Manager implements it. Implementations must be safe for
// concurrent use.
type Tokens interface {
	// AccessToken returns a usable access token of the credential and the
	// credential; EFORBIDDEN (with the credential) when it is not VALID.
	AccessToken(ctx context.Context, projectID, credentialID string) (token string, cred *driveway.Credential, err error)
	// Invalidate is called once after Graph answered 401 to staleToken: it
	// refreshes the credential and returns the token to retry with.
	Invalidate(ctx context.Context, projectID, credentialID, staleToken string) (token string, cred *driveway.Credential, err error)
}

// Store is the part of driveway.Store the proxy reads.
type Store interface {
	GetIntegration(ctx context.Context, projectID string) (*driveway.Integration, error)
	ListCredentials(ctx context.Context, projectID, userID string) ([]*driveway.Credential, error)
}

// Defaults for the Proxy fields left zero.
const (
	DefaultMaxRetryWait  = 10 * time.Second
	DefaultMaxConcurrent = 16
	DefaultMaxReplay     = 1 << 20
	DefaultMaxBatchBody  = 4 << 20
	DefaultCacheTTL      = 2 * time.Second
	DefaultMaxHold       = time.Minute
)

// Request headers a caller may send to the proxy.
const (
	// HeaderCredential picks one of the user's credentials by id; the
	// Paragon SDK's X-Paragon-Credential is accepted too.
	HeaderCredential = "X-Driveway-Credential"
	// HeaderParagonCredential is the Paragon SDK's name for HeaderCredential.
	HeaderParagonCredential = "X-Paragon-Credential"
	// HeaderRedirect set to "manual" returns Graph's redirect to a
	// pre-authenticated download URL instead of following it.
	HeaderRedirect = "X-Driveway-Redirect"
)

// Proxy serves ANY /projects/{pid}/sdk/proxy/onedrive/{path...}: it calls
// {Graph base of the integration's cloud}/v1.0/{path} with the access token
// of the end user's OneDrive credential. Set the fields, then serve from any
// number of goroutines; do not change the fields afterwards. Tokens and
// Store are required.
type Proxy struct {
	// Tokens gives access tokens and refreshes them after a Graph 401 (the
	// credential package's Manager).
	Tokens Tokens
	// Store finds the integration (for its cloud) and the user's
	// credentials (to pick one when the request names none).
	Store Store
	// Resolver gives the Graph base of the integration's cloud: the only
	// source of the upstream host.
	Resolver microsoft.Resolver
	// Transport carries upstream requests; default NewTransport(). Set no
	// Proxy function on it: a token must reach only Graph.
	Transport http.RoundTripper
	// Logger receives one line per upstream failure, throttle and refresh
	// (never a token or a body); default slog.Default().
	Logger *slog.Logger
	// MaxRetryWait is how long one call may wait in total for Retry-After
	// before the proxy answers 429 itself (default 10 s).
	MaxRetryWait time.Duration
	// MaxHold caps how long one Retry-After holds back every call of the
	// tenant (or personal account) on this node (default 1 minute); the
	// call that got it still answers with Graph's own Retry-After.
	MaxHold time.Duration
	// MaxConcurrent bounds the Graph calls in flight per credential
	// (default 16); more wait their turn.
	MaxConcurrent int
	// MaxReplay is the largest request body kept to retry once after a 401
	// and a refresh (default 1 MiB); larger bodies are not retried.
	MaxReplay int64
	// MaxBatchBody bounds a $batch body, which is read whole to check its
	// nested URLs (default 4 MiB).
	MaxBatchBody int64
	// DownloadHosts are extra hosts ("host:port") whose pre-authenticated
	// download redirects are followed, for the emulator (its PreAuthURL
	// host). Microsoft's download hosts are built in (see downloadHosts).
	DownloadHosts []string
	// CacheTTL is how long a picked credential and its token are reused
	// without asking Store and Tokens again (default 2 s; negative: never).
	// Left zero with a live Changes, a session is kept up to LiveCacheTTL
	// (within its token's lifetime), since every change drops it anyway.
	CacheTTL time.Duration
	// Changes, when set, drops a cached session as soon as its user's
	// credentials or the project change (the authcache.Store that bumps it
	// must be the one every writer uses); while it is not live, nothing is
	// cached. Without it, a change is seen within CacheTTL.
	Changes *authcache.Feed
	// BufferPool lends the copy buffers; default a pool of 32 KiB buffers.
	BufferPool httputil.BufferPool
	// PublicURL is the origin clients reach Driveway at
	// ("https://driveway.example.com"). Graph's paging and delta links
	// (@odata.nextLink, @odata.deltaLink) and a Location on Graph are
	// rewritten to lead back through the proxy under it. Empty: the scheme
	// and Host of each request.
	PublicURL string
	// MaxLinkRewrite bounds a JSON answer of Graph read whole to rewrite
	// its links (default 16 MiB; negative: links are never rewritten).
	// Larger answers, and every non-JSON body, stream as Graph sends them.
	MaxLinkRewrite int64
	// TokenRetryAfter, when set, tells how long Microsoft's token endpoint
	// asked to wait when Tokens failed with ETHROTTLED (wire
	// credential.RetryAfter); the proxy then answers 429 with Retry-After.
	TokenRetryAfter func(error) time.Duration

	once     sync.Once
	rp       *httputil.ReverseProxy
	upstream http.RoundTripper
	sessions sessionCache
	loads    singleflight.Group
	gates    sync.Map // tenant key → *gate
	ngates   atomic.Int64
	sems     sync.Map // credential key → chan struct{}
}

// NewTransport returns the upstream transport: no environment proxy,
// keep-alive pools sized for many concurrent calls, no transparent
// compression (the caller's Accept-Encoding passes through).
func NewTransport() *http.Transport {
	d := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	return &http.Transport{
		DialContext:           d.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          1024,
		MaxIdleConnsPerHost:   256,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: 2 * time.Minute,
		ExpectContinueTimeout: time.Second,
		DisableCompression:    true,
		WriteBufferSize:       64 << 10,
		ReadBufferSize:        64 << 10,
	}
}

func (p *Proxy) init() {
	p.once.Do(func() {
		p.upstream = p.Transport
		if p.upstream == nil {
			p.upstream = NewTransport()
		}
		pool := p.BufferPool
		if pool == nil {
			pool = newBufferPool(32 << 10)
		}
		p.rp = &httputil.ReverseProxy{
			Rewrite:        p.rewrite,
			Transport:      roundTripFunc(p.roundTrip),
			BufferPool:     pool,
			ModifyResponse: p.modifyResponse,
			ErrorHandler:   p.upstreamError,
			ErrorLog:       slog.NewLogLogger(p.logger().Handler(), slog.LevelWarn),
		}
	})
}

// CloseIdleConnections closes the upstream transport's idle keep-alive
// connections (on shutdown, so that Graph's side sees them close now).
func (p *Proxy) CloseIdleConnections() {
	p.init()
	if c, ok := p.upstream.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

func (p *Proxy) logger() *slog.Logger {
	if p.Logger != nil {
		return p.Logger
	}
	return slog.Default()
}

func (p *Proxy) maxRetryWait() time.Duration { return orDefault(p.MaxRetryWait, DefaultMaxRetryWait) }
func (p *Proxy) maxConcurrent() int          { return orDefault(p.MaxConcurrent, DefaultMaxConcurrent) }
func (p *Proxy) maxReplay() int64            { return orDefault(p.MaxReplay, DefaultMaxReplay) }
func (p *Proxy) maxBatchBody() int64         { return orDefault(p.MaxBatchBody, DefaultMaxBatchBody) }
func (p *Proxy) cacheTTL() time.Duration     { return orDefault(p.CacheTTL, DefaultCacheTTL) }
func (p *Proxy) maxLinkRewrite() int64       { return orDefault(p.MaxLinkRewrite, DefaultMaxLinkRewrite) }

func orDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// ServeHTTP proxies one request. Errors it answers itself (before or
// instead of Graph): 400 invalid (a refused path or $batch URL), 401
// unauthorized (no principal; a credential that is not VALID, with its
// status and reason), 404 not_found (no integration, no credential), 413
// ($batch too large), 429 throttled (the tenant must wait longer than
// MaxRetryWait), 502/503 (Graph unreachable, Microsoft refused a refresh).
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.init()
	c, err := p.prepare(r)
	if err != nil {
		p.writeError(w, r, err)
		return
	}
	p.rp.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), callKey{}, c)))
}

// Route is the ServeMux pattern of the proxy. Prefer Front, which mounts
// the proxy before the router: a ServeMux cleans "//" and ".." with a
// redirect before the proxy could refuse them, and turns a full Graph URL
// ("https://graph...") into "https:/graph..." (accepted too).
const Route = "/projects/{pid}/sdk/proxy/onedrive/{path...}"

// Matches reports whether an escaped request path (r.URL.EscapedPath()) is
// for the proxy, so that a front handler can send it to the proxy before a
// ServeMux cleans it.
func Matches(escapedPath string) bool {
	_, _, ok := routeParts(escapedPath)
	return ok && strings.HasPrefix(escapedPath, "/projects/")
}

// Front sends requests for the proxy to proxied (with the path value
// "pid" set, as a ServeMux pattern would) and every other request to rest.
// Put it in front of the router so that the proxy sees paths uncleaned,
// for example Front(connectHandler.Authenticated(p), mux).
func Front(proxied, rest http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		escaped := r.URL.EscapedPath()
		if !Matches(escaped) {
			rest.ServeHTTP(w, r)
			return
		}
		pidEsc, _, _ := routeParts(escaped)
		if pid, err := url.PathUnescape(pidEsc); err == nil {
			r.SetPathValue("pid", pid)
		}
		r.Pattern = Route // names the route in access logs and metrics
		proxied.ServeHTTP(w, r)
	})
}

// routeParts splits an escaped request path into the project id and the
// escaped Graph path after /projects/{pid}/sdk/proxy/onedrive/.
func routeParts(escaped string) (pid, rest string, ok bool) {
	i := strings.Index(escaped, "/projects/")
	if i < 0 {
		return "", "", false
	}
	pid, after, ok := strings.Cut(escaped[i+len("/projects/"):], "/")
	if !ok || pid == "" {
		return "", "", false
	}
	const mid = "sdk/proxy/" + driveway.IntegrationOneDrive
	if after == mid {
		return pid, "", true
	}
	rest, ok = strings.CutPrefix(after, mid+"/")
	return pid, rest, ok
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// bufferPool is an httputil.BufferPool over sync.Pool.
type bufferPool struct{ p sync.Pool }

func newBufferPool(size int) *bufferPool {
	return &bufferPool{p: sync.Pool{New: func() any { b := make([]byte, size); return &b }}}
}

func (b *bufferPool) Get() []byte  { return *(b.p.Get().(*[]byte)) }
func (b *bufferPool) Put(v []byte) { b.p.Put(&v) }
