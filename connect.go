package driveway

import "time"

// OAuthState is one pending sign-in with Microsoft, created by build-oauth
// and consumed, once, by the /oauth callback. The state value sent to
// Microsoft is random; only its SHA-256 is stored, as ID, so that a copy of
// the database cannot complete anybody's sign-in.
type OAuthState struct {
	ID        string // hex SHA-256 of the state value
	ProjectID string
	UserID    string
	// CredentialID is the credential to reconnect ("selectedCredentialId"),
	// or "" for a new connection.
	CredentialID string
	// Verifier is the PKCE code verifier: plain text in memory only; the
	// store seals it.
	Verifier string
	// RedirectURI is the exact redirect_uri sent to Microsoft.
	RedirectURI string
	// Origin is the validated opener origin that receives postMessage.
	Origin string
	// SessionID is the SDK's oauthMetaKeyId, for the polling route.
	SessionID string
	// Code is Microsoft's authorization code once /oauth received it: the
	// state then waits, under the ID of a new completion secret, for the
	// SDK that started the sign-in to finish it. Plain text in memory only;
	// the store seals it. "" for a sign-in Microsoft has not answered.
	Code      string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// InstallSession records how an install flow ended, for the SDK's polling
// route (GET /projects/{pid}/sdk/actions/session-id/{id}).
type InstallSession struct {
	ProjectID    string
	UserID       string
	ID           string // the SDK's oauthMetaKeyId
	CredentialID string // set when the flow succeeded
	// Error is a caller-safe error code when the flow failed, or one of
	// package connect's marks, which are no error: "finished_by_sdk" (with
	// CredentialID: the SDK that started the flow finished it itself) and
	// "pending_install_integration" (the flow runs; the published SDK's
	// installIntegration started it). Its getSession reads them.
	Error     string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// Event kinds recorded so far. Delivery to the customer comes with package
// webhook.
const (
	EventCredentialConnected    = "credential.connected"
	EventCredentialReconnected  = "credential.reconnected"
	EventCredentialStatus       = "credential.status_changed"
	EventCredentialDisconnected = "credential.disconnected"
	EventIntegrationAlarm       = "integration.alarm"
)

// Event is something that happened that the customer may want to hear
// about. Events are append-only.
type Event struct {
	ID           string // "evt_" + random
	ProjectID    string
	Kind         string
	UserID       string
	CredentialID string
	// Data is the event's JSON payload; it never holds a secret.
	Data      map[string]any
	CreatedAt time.Time
}

// Lease is a named, expiring lock held by one holder at a time, across
// nodes (for example "refresh:<credential id>").
type Lease struct {
	Name      string
	Holder    string
	ExpiresAt time.Time
}
