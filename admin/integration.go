package admin

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/ids"
	"github.com/drivewayhq/driveway/microsoft"
)

// ExpiryWarningDays is how close to its expiry a client secret starts to
// raise a warning.
const ExpiryWarningDays = 30

// IntegrationView is what the admin API and dashboard show of the OneDrive
// settings. It never contains a secret.
type IntegrationView struct {
	ClientID      string           `json:"clientId"`
	ClientSecrets []SecretView     `json:"clientSecrets"`
	Certificate   *CertificateView `json:"certificate"`
	Scopes        []string         `json:"scopes"`
	Tenant        string           `json:"tenant"`
	Cloud         string           `json:"cloud"`
	Enabled       bool             `json:"enabled"`
	// AllowAccountAuth: the browser SDK may read a connected user's access
	// token (includeAccountAuth, for the OneDrive File Picker).
	AllowAccountAuth bool       `json:"allowAccountAuth"`
	RedirectURL      string     `json:"redirectUrl"`
	Alarm            *AlarmView `json:"alarm"`
	Warnings         []string   `json:"warnings"`
	// ScopeWarnings name requested scopes Driveway's catalogue does not
	// know: accepted (Microsoft adds permissions), but worth a second look.
	ScopeWarnings []string           `json:"scopeWarnings"`
	UpdatedAt     *time.Time         `json:"updatedAt"`
	Configured    bool               `json:"configured"`
	AccountTypes  []AccountTypeLabel `json:"-"`
}

// SecretView shows a client secret by its last four characters.
type SecretView struct {
	ID        string    `json:"id"`
	Hint      string    `json:"hint"`
	ExpiresAt time.Time `json:"expiresAt"`
	DaysLeft  int       `json:"daysLeft"`
	Expired   bool      `json:"expired"`
	CreatedAt time.Time `json:"createdAt"`
}

// CertificateView shows an app certificate without its private key.
type CertificateView struct {
	Thumbprint string    `json:"thumbprint"`
	ExpiresAt  time.Time `json:"expiresAt"`
	DaysLeft   int       `json:"daysLeft"`
}

// AlarmView shows an integration alarm.
type AlarmView struct {
	Reason string    `json:"reason"`
	Detail string    `json:"detail"`
	Since  time.Time `json:"since"`
}

// AccountTypeLabel names a tenant choice for people.
type AccountTypeLabel struct{ Tenant, Label string }

// AccountTypes are the "Supported account types" choices, as the Azure
// portal words them; any other tenant value is a single tenant.
var AccountTypes = []AccountTypeLabel{
	{driveway.TenantCommon, "Work or school and personal Microsoft accounts"},
	{driveway.TenantOrganizations, "Work or school accounts (any organization)"},
	{driveway.TenantConsumers, "Personal Microsoft accounts only"},
}

// IntegrationInput replaces the OneDrive settings. Secrets are write-only:
// ClientSecrets == nil keeps the current secrets; otherwise the list is the
// new set, where an entry with ID keeps that existing secret and an entry
// with Value adds a new one.
type IntegrationInput struct {
	ClientID      string              `json:"clientId"`
	ClientSecrets []ClientSecretInput `json:"clientSecrets"`
	// Certificate == nil keeps the current one; RemoveCertificate drops it.
	Certificate       *CertificateInput `json:"certificate"`
	RemoveCertificate bool              `json:"removeCertificate"`
	Scopes            []string          `json:"scopes"`
	Tenant            string            `json:"tenant"`
	Cloud             string            `json:"cloud"`
	Enabled           *bool             `json:"enabled"`
	// AllowAccountAuth == nil keeps the current choice (default off).
	AllowAccountAuth *bool `json:"allowAccountAuth"`
}

// ClientSecretInput keeps (ID) or adds (Value, ExpiresAt) a client secret.
type ClientSecretInput struct {
	ID        string    `json:"id,omitempty"`
	Value     string    `json:"value,omitempty"`
	ExpiresAt time.Time `json:"expiresAt"`
}

// GetIntegration returns the project's OneDrive settings; a project that
// saved none yet gets the defaults with Configured false.
func (s *Service) GetIntegration(ctx context.Context, projectID string) (*IntegrationView, error) {
	if _, err := s.Store.GetProject(ctx, projectID); err != nil {
		return nil, err
	}
	in, err := s.Store.GetIntegration(ctx, projectID)
	if driveway.ErrorCode(err) == driveway.ENOTFOUND {
		return s.view(defaultIntegration(projectID), false), nil
	}
	if err != nil {
		return nil, err
	}
	return s.view(in, true), nil
}

func defaultIntegration(projectID string) *driveway.Integration {
	return &driveway.Integration{
		ProjectID: projectID,
		Scopes:    []string{"offline_access", "User.Read", "Files.ReadWrite.All"},
		Tenant:    driveway.TenantCommon,
		Cloud:     driveway.CloudGlobal,
		Enabled:   true,
	}
}

func (s *Service) view(in *driveway.Integration, configured bool) *IntegrationView {
	now := s.now()
	v := &IntegrationView{
		ClientID: in.ClientID, Scopes: in.Scopes, Tenant: in.Tenant, Cloud: in.Cloud,
		Enabled: in.Enabled, AllowAccountAuth: in.AllowAccountAuth, RedirectURL: s.RedirectURL(), Configured: configured,
		ClientSecrets: []SecretView{}, Warnings: []string{}, ScopeWarnings: []string{}, AccountTypes: AccountTypes,
	}
	for _, name := range microsoft.UnknownScopes(in.Scopes) {
		v.ScopeWarnings = append(v.ScopeWarnings, fmt.Sprintf("Scope %s is not in Driveway's list of OneDrive permissions. It is requested as written: check its spelling against the Microsoft Graph permissions reference.", name))
	}
	if configured {
		t := in.UpdatedAt
		v.UpdatedAt = &t
	}
	for _, cs := range in.ClientSecrets {
		sv := SecretView{ID: cs.ID, Hint: cs.Hint, ExpiresAt: cs.ExpiresAt, CreatedAt: cs.CreatedAt,
			DaysLeft: driveway.DaysLeft(cs.ExpiresAt, now), Expired: !cs.ExpiresAt.After(now)}
		v.ClientSecrets = append(v.ClientSecrets, sv)
		switch {
		case sv.Expired:
			v.Warnings = append(v.Warnings, fmt.Sprintf("Client secret …%s expired on %s. Create a new secret in the Azure portal and save it here.", cs.Hint, cs.ExpiresAt.Format("2006-01-02")))
		case sv.DaysLeft < ExpiryWarningDays:
			v.Warnings = append(v.Warnings, fmt.Sprintf("Client secret …%s expires in %d days (%s). Add a new secret before then.", cs.Hint, sv.DaysLeft, cs.ExpiresAt.Format("2006-01-02")))
		}
	}
	if c := in.Certificate; c != nil {
		v.Certificate = &CertificateView{Thumbprint: c.Thumbprint, ExpiresAt: c.ExpiresAt, DaysLeft: driveway.DaysLeft(c.ExpiresAt, now)}
	}
	if a := in.Alarm; a != nil {
		v.Alarm = &AlarmView{Reason: a.Reason, Detail: a.Detail, Since: a.Since}
	}
	return v
}

// PutIntegration validates in and replaces the project's OneDrive settings.
func (s *Service) PutIntegration(ctx context.Context, projectID string, in IntegrationInput) (*IntegrationView, error) {
	if _, err := s.Store.GetProject(ctx, projectID); err != nil {
		return nil, err
	}
	cur, err := s.Store.GetIntegration(ctx, projectID)
	if driveway.ErrorCode(err) == driveway.ENOTFOUND {
		cur, err = defaultIntegration(projectID), nil
	}
	if err != nil {
		return nil, err
	}
	next, err := s.merge(cur, in)
	if err != nil {
		return nil, err
	}
	if err := s.Store.PutIntegration(ctx, next); err != nil {
		return nil, fmt.Errorf("save integration: %w", err)
	}
	return s.view(next, true), nil
}

func (s *Service) merge(cur *driveway.Integration, in IntegrationInput) (*driveway.Integration, error) {
	now := s.now()
	next := *cur
	next.ClientID = strings.TrimSpace(in.ClientID)
	if next.ClientID == "" {
		return nil, driveway.Invalid("clientId", "client ID is required (the Application (client) ID of the Azure app registration)")
	}
	if len(next.ClientID) > 200 || strings.ContainsAny(next.ClientID, " \t\r\n/?#&") {
		return nil, driveway.Invalid("clientId", "client ID has characters a client ID cannot have")
	}
	scopes, unknown := microsoft.NormalizeScopes(in.Scopes)
	if unknown != "" {
		return nil, driveway.Invalid("scopes", "%q is not a Microsoft Graph permission name (like Files.ReadWrite.All)", truncate(unknown, 60))
	}
	next.Scopes = scopes
	next.Tenant = strings.TrimSpace(in.Tenant)
	if next.Tenant == "" {
		next.Tenant = driveway.TenantCommon
	}
	if !microsoft.ValidTenant(next.Tenant) {
		return nil, driveway.Invalid("tenant", "tenant must be common, organizations, consumers, a tenant id (GUID) or a domain")
	}
	next.Cloud = strings.TrimSpace(in.Cloud)
	if next.Cloud == "" {
		next.Cloud = driveway.CloudGlobal
	}
	if _, err := microsoft.EndpointsFor(next.Cloud); err != nil {
		return nil, driveway.Invalid("cloud", "cloud must be global, usgov, dod or china")
	}
	if in.AllowAccountAuth != nil {
		next.AllowAccountAuth = *in.AllowAccountAuth
	}
	if in.Enabled != nil {
		next.Enabled = *in.Enabled
	}
	secrets, err := mergeSecrets(cur.ClientSecrets, in.ClientSecrets, now)
	if err != nil {
		return nil, err
	}
	next.ClientSecrets = secrets
	if err := mergeCertificate(&next, in, now); err != nil {
		return nil, err
	}
	if in.ClientSecrets != nil || in.Certificate != nil {
		next.Alarm = nil // new app credentials: the old alarm no longer holds
	}
	next.UpdatedAt = now
	return &next, nil
}

func mergeSecrets(cur []driveway.ClientSecret, in []ClientSecretInput, now time.Time) ([]driveway.ClientSecret, error) {
	if in == nil {
		return cur, nil
	}
	if len(in) > driveway.MaxActiveClientSecrets {
		return nil, driveway.Invalid("clientSecrets", "at most %d client secrets (one current, one during rotation)", driveway.MaxActiveClientSecrets)
	}
	out := []driveway.ClientSecret{}
	for i, e := range in {
		field := fmt.Sprintf("clientSecrets[%d]", i)
		if e.ID != "" {
			found := false
			for _, c := range cur {
				if c.ID == e.ID {
					out, found = append(out, c), true
				}
			}
			if !found {
				return nil, driveway.Invalid(field+".id", "no client secret with this id")
			}
			continue
		}
		cs, err := newSecret(field, e, now)
		if err != nil {
			return nil, err
		}
		out = append(out, cs)
	}
	return out, nil
}

func newSecret(field string, e ClientSecretInput, now time.Time) (driveway.ClientSecret, error) {
	v := strings.TrimSpace(e.Value)
	switch {
	case v == "":
		return driveway.ClientSecret{}, driveway.Invalid(field+".value", "a new client secret needs its value")
	case len(v) < 8 || len(v) > 512:
		return driveway.ClientSecret{}, driveway.Invalid(field+".value", "a client secret is 8 to 512 characters")
	case e.ExpiresAt.IsZero():
		return driveway.ClientSecret{}, driveway.Invalid(field+".expiresAt", "the secret's expiry date is required (the Azure portal shows it)")
	case !e.ExpiresAt.After(now):
		return driveway.ClientSecret{}, driveway.Invalid(field+".expiresAt", "the expiry date is in the past")
	case e.ExpiresAt.After(now.AddDate(100, 0, 0)):
		return driveway.ClientSecret{}, driveway.Invalid(field+".expiresAt", "the expiry date is more than 100 years away")
	}
	return driveway.ClientSecret{ID: ids.New("sec"), Value: v, Hint: v[len(v)-4:], ExpiresAt: e.ExpiresAt.UTC(), CreatedAt: now}, nil
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
