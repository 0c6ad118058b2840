package driveway

import "time"

// Project is one customer application. Every other record belongs to
// exactly one project, and every query is filtered by its id.
type Project struct {
	ID   string // "prj_" + random; stable
	Name string
	// AllowedOrigins are the browser origins ("https://app.example.com", no
	// path) allowed by CORS, as frame ancestors of the Connect Portal, and as
	// targets of post-connect redirects and postMessage.
	AllowedOrigins []string
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// SigningKey is a public key registered by a project to verify the user
// tokens its back end signs. The algorithm is fixed by the key record, never
// taken from a token's header.
type SigningKey struct {
	ProjectID string
	ID        string // the JWT "kid"; unique within the project
	Alg       string // "RS256" or "ES256"
	PublicKey string // PEM ("PUBLIC KEY" block, PKIX)
	// Audience, when set, must appear in a token's "aud".
	Audience  string
	CreatedAt time.Time
}

// Signing algorithms a SigningKey may use.
const (
	AlgRS256 = "RS256"
	AlgES256 = "ES256"
)

// APIKey authenticates calls to the admin API. Only a hash of the secret is
// kept. A key with an empty ProjectID is an instance key: it may manage every
// project and create new ones; a project key sees only its own project.
// Role and Surfaces narrow what it may do there (see package admin, keyscope.go);
// keys made before roles existed are KeyAdmin on every surface.
type APIKey struct {
	ID        string // "key_" + random; also the public prefix of the secret
	ProjectID string
	Name      string
	Hash      []byte // SHA-256 of the secret part; compared in constant time
	// Role is KeyRead, KeyOperate or KeyAdmin.
	Role string
	// Surfaces are the admin API areas the key may reach (KeySurfaces);
	// nil means every surface, including ones added later.
	Surfaces     []string
	CreatedAt    time.Time
	ExpiresAt    time.Time // zero: never expires
	LastUsedAt   time.Time // zero when never used
	LastUsedAddr string    // the client address of the last recorded use
	// ParentID is the key that made this one through the API, "" when an
	// operator, the CLI or dev did. Revoking a key revokes its descendants.
	ParentID  string
	RevokedAt time.Time // zero while active
}

// API key roles, weakest first. Read may only read; operate may also act on
// running things (cancel or rerun a run, redeliver a webhook) but change no
// setting; admin may change everything its scope reaches, keys included.
const (
	KeyRead    = "read"
	KeyOperate = "operate"
	KeyAdmin   = "admin"
)

// KeySurfaces are the admin API areas a key's Surfaces may name.
var KeySurfaces = []string{"projects", "settings", "keys", "webhooks", "workflows", "runs", "users", "audit"}

// Active reports whether the key can still authenticate: not revoked, and
// not expired at now.
func (k *APIKey) Active(now time.Time) bool {
	return k.RevokedAt.IsZero() && (k.ExpiresAt.IsZero() || now.Before(k.ExpiresAt))
}
