package driveway

import "time"

// ConnectedUser is an end user of a project's application, identified by the
// "sub" of the user tokens the project signs.
type ConnectedUser struct {
	ProjectID string
	ID        string         // the external user id ("sub")
	Metadata  map[string]any // from authenticate(..., {metadata}) or PATCH /sdk/me; "Name" and "Email" are shown in the dashboard
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Credential statuses, as the Connect SDK names them.
const (
	CredentialValid   = "VALID"
	CredentialInvalid = "INVALID"
	CredentialPending = "PENDING"
)

// Health reasons that explain a credential's status.
const (
	ReasonNeedsReauth           = "needs_reauth"            // the grant was revoked or expired: the user must connect again
	ReasonNeedsConsent          = "needs_consent"           // an admin or the user must consent to new scopes
	ReasonNeedsInteractive      = "needs_interactive"       // MFA or another interaction is required
	ReasonAppCredentialsInvalid = "app_credentials_invalid" // the integration's client secret or certificate was refused
	ReasonThrottled             = "throttled"
)

// Drive types, as Graph reports them in drive.driveType.
const (
	DrivePersonal        = "personal"
	DriveBusiness        = "business"
	DriveDocumentLibrary = "documentLibrary"
)

// Account identifies the Microsoft account behind a credential.
type Account struct {
	TenantID          string // "tid"
	ObjectID          string // "oid"
	UserPrincipalName string // "preferred_username"
	DisplayName       string // "name"
	Email             string
}

// Credential is one connected OneDrive account of a user; a user may have
// several. Updates are compare-and-swap on Version.
type Credential struct {
	ID           string // a random UUID (the Paragon SDK expects one); kept across reconnects
	ProjectID    string
	UserID       string
	Integration  string // IntegrationOneDrive
	Status       string // CredentialValid, CredentialInvalid, CredentialPending
	HealthReason string // "" while healthy, else a Reason* constant
	Account      Account
	DriveID      string
	DriveType    string
	// AccessToken and RefreshToken are plain text in memory only; the store
	// seals them.
	AccessToken          string
	RefreshToken         string
	AccessTokenExpiresAt time.Time
	Scopes               []string
	// Version increases by one on every successful update; an update naming
	// an older version fails with ECONFLICT.
	Version         int64
	LastRefreshAt   time.Time
	RefreshFailures int
	CreatedAt       time.Time
	UpdatedAt       time.Time
}
