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
type APIKey struct {
	ID         string // "key_" + random; also the public prefix of the secret
	ProjectID  string
	Name       string
	Hash       []byte // SHA-256 of the secret part; compared in constant time
	CreatedAt  time.Time
	LastUsedAt time.Time // zero when never used
	RevokedAt  time.Time // zero while active
}

// Active reports whether the key can still authenticate.
func (k *APIKey) Active() bool { return k.RevokedAt.IsZero() }
