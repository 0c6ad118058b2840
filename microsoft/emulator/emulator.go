// Package emulator is a stateful, in-memory emulator of Microsoft Graph (the
// OneDrive driveItem API) and of the Microsoft identity platform v2, faithful
// enough that a client which passes against it works against the real service.
//
// Map of the flow:
//
//	ServeHTTP (server.go)      strip the mount prefix, request-id, gunzip, faults (faults.go), log (stats.go)
//	 ├─ /v1.0/...              Graph: token check (graphauth.go) → addressing (graph.go) → items.go (get,
//	 │                         children, drive, /me), write.go (folders, PATCH, DELETE, simple PUT),
//	 │                         upload.go, copy.go, delta.go, search.go, subscriptions.go; item JSON in
//	 │                         itemjson.go; the tree model and its mutations in drive.go and mutate.go
//	 ├─ /{tenant}/oauth2/v2.0  identity: authorize.go (+ authorize_page.go, templates/), token.go,
//	 │                         AADSTS errors in aadsts.go
//	 ├─ /discovery, /v2.0/.well-known  keys, discovery, id tokens, client assertions (identity.go)
//	 ├─ /_preauth/...          pre-authenticated download (content.go), upload-session (upload.go) and
//	 │                         copy-monitor (copy.go) URLs, served on a different host name
//	 └─ /_emulator/...         the JSON control API (control.go), only when Options.ControlAPI
//
// Directory objects live in directory.go; "act as the user" helpers in
// actions.go; a demo directory in seed.go. Webhook deliveries run on a
// background dispatcher (notify.go) against the injectable Clock (clock.go).
// State lives in one struct (state.go) guarded by one mutex (Emulator.mu);
// file content is kept in immutable chunked blobs (blob.go) that readers use
// outside the lock. Persistence (persist.go, persist_blobs.go) saves the
// state as JSON plus one file per blob. Start and StartTest (server_start.go)
// serve it on a loopback port.
package emulator

import (
	"crypto/rsa"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// ConsumersTenantID is the tenant id of personal Microsoft accounts.
const ConsumersTenantID = "9188040d-6c67-4c5b-b112-36a304b66dad"

// Drive modes.
const (
	ModePersonal = "personal"
	ModeBusiness = "business"
)

// Options configure an Emulator. The zero value works: it serves on
// http://localhost with pre-authenticated URLs on http://127.0.0.1.
type Options struct {
	// BaseURL is the externally visible origin plus mount prefix of the API
	// host, e.g. "http://localhost:9090" or "http://localhost:8080/_ms".
	// Graph is served at BaseURL+"/v1.0", the identity platform at
	// BaseURL+"/{tenant}/oauth2/v2.0/...". Requests whose path starts with
	// the path of BaseURL have it stripped, so the handler also works behind
	// http.StripPrefix. Default "http://localhost".
	BaseURL string
	// PreAuthBaseURL is the origin plus prefix of pre-authenticated download,
	// upload and monitor URLs. It must use a different host name than
	// BaseURL (as Microsoft does). Default: BaseURL with "localhost" and
	// "127.0.0.1" swapped.
	PreAuthBaseURL string
	// Clock gives the time; default the system clock. Use a *ManualClock in
	// tests to compress time.
	Clock Clock
	// PageSize is the default page size of children, delta and search
	// (default 200). MaxPageSize caps $top (default 1000).
	PageSize, MaxPageSize int
	// RejectPreAuthAuthorization makes the pre-authenticated host answer 401
	// to requests that carry an Authorization header.
	RejectPreAuthAuthorization bool
	// SimpleUploadMax caps simple PUT uploads (default 250 MB; 4 MiB is
	// the strict historical limit). Larger bodies get 413.
	SimpleUploadMax int64
	// InnerErrorLowercase spells the inner error key "innererror"
	// (OneDrive/SharePoint style) instead of "innerError" (Graph gateway).
	InnerErrorLowercase bool
	// CreateFolderQuirk makes personal drives answer a folder create without
	// conflictBehavior, on an existing folder name, with 200 and the existing
	// folder (observed OneDrive Personal behaviour) instead of 409.
	CreateFolderQuirk bool
	// PersonalSHA256 adds file.hashes.sha256Hash on personal drives (as
	// Personal still sometimes does); QuickXorHash is always there.
	PersonalSHA256 bool
	// InconsistentDriveIDCase returns personal drive ids in lower case in
	// parentReference (observed since 2025) to test client normalisation.
	InconsistentDriveIDCase bool
	// AccessTokenLifetime fixes the access token lifetime; zero means a
	// random 60–90 minutes like the real service.
	AccessTokenLifetime time.Duration
	// RefreshTokenLifetime defaults to 90 days. AuthCodeLifetime to 10 min.
	RefreshTokenLifetime, AuthCodeLifetime time.Duration
	// DownloadURLLifetime defaults to 1 hour; UploadSessionLifetime to 48 h.
	DownloadURLLifetime, UploadSessionLifetime time.Duration
	// SearchIndexDelay hides items from search until they are this old.
	SearchIndexDelay time.Duration
	// SearchContent makes search also match the text of files up to 1 MiB.
	SearchContent bool
	// DriveQuota is the size of each new drive in bytes (default 1 TiB).
	// Writes beyond it answer 507 quotaLimitReached.
	DriveQuota int64
	// CopyPolls is how many monitor polls answer inProgress before a copy
	// completes (default 2).
	CopyPolls int
	// CopySeeOther answers a completed copy's monitor with 303 See Other to
	// the new item (older OneDrive behaviour) instead of 200 + resourceId.
	CopySeeOther bool
	// AutoConsent skips the account picker and consent page: authorize
	// signs in the user named by login_hint, else the one set with
	// SetNextUser, else the first user of a matching tenant.
	AutoConsent bool
	// ControlAPI mounts the JSON control API under /_emulator/.
	ControlAPI bool
	// StateFile, when set, is loaded at New and saved on change (debounced)
	// and on Close.
	StateFile string
	// AllowNonLoopbackNotifications lets webhooks reach non-loopback
	// addresses. By default the emulator refuses them without dialing.
	AllowNonLoopbackNotifications bool
	// NotificationTimeout (3 s) and ValidationTimeout (10 s) are the real-time
	// deadlines for a webhook answer. NotificationRetryWindow (4 h, on Clock)
	// is how long a failing notification is retried before it is dropped.
	NotificationTimeout, ValidationTimeout, NotificationRetryWindow time.Duration
	// DuplicateNotifications is the fraction (0..1) of notifications sent twice.
	DuplicateNotifications float64
	// Cloud names the national cloud this emulator's Graph belongs to
	// (default "global"). CloudHosts maps a request host name (without port)
	// to a cloud; tokens issued through one cloud's login host are rejected by
	// Graph requests arriving for another cloud.
	Cloud      string
	CloudHosts map[string]string
	// SigningKey signs id tokens; default a key generated once per process.
	SigningKey *rsa.PrivateKey
	// Logf receives one line per request when set.
	Logf func(format string, args ...any)
}

// Emulator is the emulated Microsoft service. It implements http.Handler.
// Its methods are safe for concurrent use.
type Emulator struct {
	opts    Options
	clock   Clock
	base    *url.URL
	preauth *url.URL
	key     *rsa.PrivateKey
	kid     string

	mu    sync.Mutex
	st    *state
	rt    runtimeState
	rng   *rand.Rand
	stats stats

	saveMu sync.Mutex // serialises Save

	autoConsent atomic.Bool // Options.AutoConsent, switchable at run time

	controlOnce sync.Once
	control     *http.ServeMux
	dirty       chan struct{}
	done        chan struct{}
	wg          sync.WaitGroup
	closeOne    sync.Once
}

// New returns an Emulator. It panics on an unparsable BaseURL or
// PreAuthBaseURL, or on a StateFile that exists but cannot be loaded.
func New(opts Options) *Emulator {
	e, err := NewE(opts)
	if err != nil {
		panic(err)
	}
	return e
}

// NewE is New returning an error instead of panicking.
func NewE(opts Options) (*Emulator, error) {
	opts = withDefaults(opts)
	base, err := url.Parse(strings.TrimSuffix(opts.BaseURL, "/"))
	if err != nil {
		return nil, fmt.Errorf("parse base url: %w", err)
	}
	pre, err := url.Parse(strings.TrimSuffix(opts.PreAuthBaseURL, "/"))
	if err != nil {
		return nil, fmt.Errorf("parse pre-auth base url: %w", err)
	}
	e := &Emulator{opts: opts, clock: opts.Clock, base: base, preauth: pre,
		st: newState(), rt: newRuntime(), rng: rand.New(rand.NewPCG(rand.Uint64(), 1)),
		dirty: make(chan struct{}, 1), done: make(chan struct{})}
	e.autoConsent.Store(opts.AutoConsent)
	e.key = opts.SigningKey
	if e.key == nil {
		e.key = processKey()
	}
	e.kid = keyID(&e.key.PublicKey)
	if opts.StateFile != "" {
		if err := e.load(opts.StateFile); err != nil {
			return nil, err
		}
	}
	e.wg.Add(2)
	go e.dispatchLoop()
	go e.saveLoop()
	return e, nil
}

func withDefaults(o Options) Options {
	if o.BaseURL == "" {
		o.BaseURL = "http://localhost"
	}
	if o.PreAuthBaseURL == "" {
		o.PreAuthBaseURL = swapLoopbackHost(o.BaseURL)
	}
	if o.Clock == nil {
		o.Clock = SystemClock{}
	}
	setDefault(&o.PageSize, 200)
	setDefault(&o.MaxPageSize, 1000)
	setDefault(&o.CopyPolls, 2)
	if o.SimpleUploadMax == 0 {
		o.SimpleUploadMax = 250 << 20
	}
	setDur(&o.RefreshTokenLifetime, 90*24*time.Hour)
	setDur(&o.AuthCodeLifetime, 10*time.Minute)
	setDur(&o.DownloadURLLifetime, time.Hour)
	setDur(&o.UploadSessionLifetime, 48*time.Hour)
	setDur(&o.NotificationTimeout, 3*time.Second)
	setDur(&o.ValidationTimeout, 10*time.Second)
	setDur(&o.NotificationRetryWindow, 4*time.Hour)
	if o.Cloud == "" {
		o.Cloud = "global"
	}
	return o
}

func setDefault(p *int, v int) {
	if *p <= 0 {
		*p = v
	}
}

func setDur(p *time.Duration, v time.Duration) {
	if *p <= 0 {
		*p = v
	}
}

// swapLoopbackHost swaps "localhost" and "127.0.0.1" in a URL's host.
func swapLoopbackHost(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	host, port := u.Hostname(), u.Port()
	switch host {
	case "localhost":
		host = "127.0.0.1"
	case "127.0.0.1":
		host = "localhost"
	default:
		return raw
	}
	if port != "" {
		host += ":" + port
	}
	u.Host = host
	return u.String()
}

// GraphURL is the Graph base URL clients use, including "/v1.0".
func (e *Emulator) GraphURL() string { return e.base.String() + "/v1.0" }

// LoginURL is the authority host (like https://login.microsoftonline.com);
// the authority for a tenant is LoginURL()+"/"+tenant.
func (e *Emulator) LoginURL() string { return e.base.String() }

// PreAuthURL is the base of pre-authenticated URLs.
func (e *Emulator) PreAuthURL() string { return e.preauth.String() }

// Now returns the emulator's clock time.
func (e *Emulator) Now() time.Time { return e.clock.Now().UTC() }

// Close stops background work and saves the state file if one is set.
func (e *Emulator) Close() error {
	var err error
	e.closeOne.Do(func() {
		close(e.done)
		e.wg.Wait()
		if e.opts.StateFile != "" {
			err = e.Save()
		}
	})
	return err
}

// Summary tells a person how to point a client at the emulator.
func (e *Emulator) Summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Microsoft emulator\n")
	fmt.Fprintf(&b, "  Graph base URL:     %s\n", e.GraphURL())
	fmt.Fprintf(&b, "  Authority:          %s/{common|organizations|consumers|tenant-id}\n", e.LoginURL())
	fmt.Fprintf(&b, "  Authorize endpoint: %s/common/oauth2/v2.0/authorize\n", e.LoginURL())
	fmt.Fprintf(&b, "  Token endpoint:     %s/common/oauth2/v2.0/token\n", e.LoginURL())
	fmt.Fprintf(&b, "  Pre-auth host:      %s\n", e.PreAuthURL())
	if e.opts.ControlAPI {
		fmt.Fprintf(&b, "  Control API:        %s/_emulator/\n", e.LoginURL())
	}
	for _, a := range e.Apps() {
		fmt.Fprintf(&b, "  App %q client_id=%s", a.Name, a.ClientID)
		if a.ClientID == DemoClientID {
			fmt.Fprintf(&b, " client_secret=%s", DemoClientSecret) // the fixed, public demo secret
		}
		b.WriteString("\n")
	}
	for _, u := range e.Users() {
		fmt.Fprintf(&b, "  User %s (tenant %s, drive %s)\n", u.UPN, u.TenantID, u.DriveID)
	}
	return b.String()
}
