package driveway

import "time"

// IntegrationOneDrive is the one integration type Driveway serves; it is the
// name the SDK uses ("onedrive").
const IntegrationOneDrive = "onedrive"

// Tenants with a fixed meaning in the Microsoft identity platform. Any other
// value must be a tenant id (a GUID) or a verified domain.
const (
	TenantCommon        = "common"        // work or school and personal accounts
	TenantOrganizations = "organizations" // work or school accounts only
	TenantConsumers     = "consumers"     // personal Microsoft accounts only
)

// Clouds (national deployments of Microsoft Graph and Entra ID).
const (
	CloudGlobal = "global"
	CloudUSGov  = "usgov" // GCC High
	CloudDoD    = "dod"
	CloudChina  = "china" // operated by 21Vianet
)

// MaxActiveClientSecrets is how many client secrets may be active at once, so
// that one can be rotated while the other still works.
const MaxActiveClientSecrets = 2

// Integration holds a project's OneDrive settings: the Azure app registration
// that end users consent to.
type Integration struct {
	ProjectID string
	ClientID  string
	// ClientSecrets are tried in order during a code exchange or refresh;
	// at most MaxActiveClientSecrets. Write-only through every API.
	ClientSecrets []ClientSecret
	// Certificate authenticates the app with a signed assertion instead of a
	// secret, when set.
	Certificate *Certificate
	// Scopes are Microsoft Graph delegated scopes; "offline_access" is always
	// among them.
	Scopes  []string
	Tenant  string // TenantCommon, TenantOrganizations, TenantConsumers, or a tenant id
	Cloud   string // CloudGlobal, CloudUSGov, CloudDoD, CloudChina
	Enabled bool
	// AllowAccountAuth lets the browser SDK read a connected user's access
	// token (getIntegrationAccount with includeAccountAuth), which the
	// OneDrive File Picker needs. Off by default: the token then reaches
	// the user's browser, outside Driveway's control until it expires.
	AllowAccountAuth bool
	// Alarm is set when Microsoft rejects the app's own credentials (an invalid
	// or expired client secret): a project-level problem, not a user's.
	Alarm     *IntegrationAlarm
	UpdatedAt time.Time
}

// ClientSecret is one client secret of the app registration.
type ClientSecret struct {
	ID        string // "sec_" + random
	Value     string // plain text in memory only; sealed at rest; never returned by an API
	Hint      string // the last four characters, for display
	ExpiresAt time.Time
	CreatedAt time.Time
}

// Certificate is an app credential made of a private key and the thumbprint
// of its certificate, as registered in Azure.
type Certificate struct {
	PrivateKey string // PEM; sealed at rest
	Thumbprint string // base64url SHA-1 or SHA-256 of the DER certificate ("x5t" / "x5t#S256")
	ExpiresAt  time.Time
}

// IntegrationAlarm records why Microsoft refused the app's credentials.
type IntegrationAlarm struct {
	Reason string // for example "app_credentials_invalid"
	Detail string // the AADSTS code and a short text; never a secret
	Since  time.Time
}

// DaysLeft returns the whole days from now until t, negative once past.
func DaysLeft(t, now time.Time) int {
	d := t.Sub(now)
	days := int(d / (24 * time.Hour))
	if d < 0 && d%(24*time.Hour) != 0 {
		days--
	}
	return days
}
