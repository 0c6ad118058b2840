package dashboard

import (
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/admin"
	"github.com/drivewayhq/driveway/microsoft"
)

// tenantSingle is the account-types choice for one tenant, whose id or
// domain goes in the tenant_id field.
const tenantSingle = "single"

// dateLayout is the format of <input type="date">.
const dateLayout = "2006-01-02"

// oneDriveForm is the settings form as the operator filled it in. It has no
// field for the new secret's value: that is read from the request once and
// never rendered back.
type oneDriveForm struct {
	ClientID         string
	NewSecretExpires string // YYYY-MM-DD
	KeepCurrent      bool
	Remove           map[string]bool // secret id → remove
	Scopes           map[string]bool
	TenantChoice     string // a tenant of admin.AccountTypes, or tenantSingle
	TenantID         string
	Cloud            string
	Enabled          bool
	AllowAccountAuth bool
}

// formFromView fills the form from the saved settings.
func formFromView(v *admin.IntegrationView) oneDriveForm {
	f := oneDriveForm{ClientID: v.ClientID, Cloud: v.Cloud, Enabled: v.Enabled, AllowAccountAuth: v.AllowAccountAuth,
		Scopes: map[string]bool{}, Remove: map[string]bool{}}
	for _, s := range v.Scopes {
		f.Scopes[s] = true
	}
	f.TenantChoice = v.Tenant
	if !isAccountType(v.Tenant) {
		f.TenantChoice, f.TenantID = tenantSingle, v.Tenant
	}
	f.KeepCurrent = len(v.ClientSecrets) > 0 && !v.ClientSecrets[0].Expired
	return f
}

// formFromRequest reads the posted form (already parsed by withCSRF).
func formFromRequest(r *http.Request) oneDriveForm {
	pf := r.PostForm
	f := oneDriveForm{
		ClientID:         pf.Get("client_id"),
		NewSecretExpires: strings.TrimSpace(pf.Get("new_secret_expires")),
		KeepCurrent:      pf.Get("keep_current") != "",
		TenantChoice:     pf.Get("tenant_choice"),
		TenantID:         strings.TrimSpace(pf.Get("tenant_id")),
		Cloud:            pf.Get("cloud"),
		Enabled:          pf.Get("enabled") != "",
		AllowAccountAuth: pf.Get("allow_account_auth") != "",
		Scopes:           map[string]bool{"offline_access": true},
		Remove:           map[string]bool{},
	}
	other := strings.Fields(strings.ReplaceAll(pf.Get("scopes_other"), ",", " "))
	for _, s := range append(pf["scopes"], other...) {
		f.Scopes[s] = true
	}
	for _, id := range pf["remove_secret"] {
		f.Remove[id] = true
	}
	return f
}

func isAccountType(tenant string) bool {
	return slices.ContainsFunc(admin.AccountTypes, func(a admin.AccountTypeLabel) bool { return a.Tenant == tenant })
}

// input turns the form and the new secret's value into the admin call.
// Errors the admin service cannot see (a malformed date, a missing tenant
// id) come back as field errors.
func (f oneDriveForm) input(cur []admin.SecretView, newSecret string) (admin.IntegrationInput, map[string]string) {
	enabled, accountAuth := f.Enabled, f.AllowAccountAuth
	in := admin.IntegrationInput{ClientID: f.ClientID, Tenant: f.TenantChoice, Cloud: f.Cloud, Enabled: &enabled,
		AllowAccountAuth: &accountAuth}
	for _, s := range microsoft.Scopes {
		if f.Scopes[s.Name] {
			in.Scopes = append(in.Scopes, s.Name)
		}
	}
	for name := range f.Scopes {
		if !microsoft.KnownScope(name) {
			in.Scopes = append(in.Scopes, name) // let admin name the unknown scope
		}
	}
	if f.TenantChoice == tenantSingle {
		if f.TenantID == "" {
			return in, map[string]string{"tenant": "Enter the directory (tenant) ID or a verified domain of the tenant."}
		}
		in.Tenant = f.TenantID
	}
	secrets, errs := f.secrets(cur, newSecret)
	in.ClientSecrets = secrets
	return in, errs
}

// secrets is the new secret list: nil keeps the saved secrets untouched; a
// new secret goes first (tried first), followed by the current one when
// KeepCurrent asks to keep it during rotation.
func (f oneDriveForm) secrets(cur []admin.SecretView, value string) ([]admin.ClientSecretInput, map[string]string) {
	kept := []admin.ClientSecretInput{}
	for _, s := range cur {
		if !f.Remove[s.ID] {
			kept = append(kept, admin.ClientSecretInput{ID: s.ID})
		}
	}
	if strings.TrimSpace(value) == "" && f.NewSecretExpires == "" {
		if len(kept) == len(cur) {
			return nil, nil
		}
		return kept, nil
	}
	var expires time.Time
	if f.NewSecretExpires != "" {
		t, err := time.Parse(dateLayout, f.NewSecretExpires)
		if err != nil {
			return nil, map[string]string{"new_secret_expires": "Enter the expiry date as the Azure portal shows it (YYYY-MM-DD)."}
		}
		expires = t
	}
	out := []admin.ClientSecretInput{{Value: value, ExpiresAt: expires}}
	if f.KeepCurrent && len(kept) > 0 {
		out = append(out, kept[0])
	}
	return out, nil
}

// oneDriveField names the form field of an admin.IntegrationInput field.
// With a new secret, it is always clientSecrets[0].
func oneDriveField(apiField string) string {
	switch {
	case apiField == "clientId":
		return "client_id"
	case apiField == "clientSecrets[0].value":
		return "new_secret"
	case apiField == "clientSecrets[0].expiresAt":
		return "new_secret_expires"
	case strings.HasPrefix(apiField, "clientSecrets"):
		return "secrets"
	case apiField == "scopes", apiField == "tenant", apiField == "cloud":
		return apiField
	}
	return ""
}

// scopeOption is one checkbox of the scope picker.
type scopeOption struct {
	microsoft.ScopeInfo
	Checked bool
	Fixed   bool // offline_access: always on
}

// choice is one radio button or select option.
type choice struct {
	Value, Label string
	Checked      bool
}

var cloudLabels = []choice{
	{Value: driveway.CloudGlobal, Label: "Global (login.microsoftonline.com)"},
	{Value: driveway.CloudUSGov, Label: "US Government L4 (GCC High)"},
	{Value: driveway.CloudDoD, Label: "US Government L5 (DoD)"},
	{Value: driveway.CloudChina, Label: "China (operated by 21Vianet)"},
}

// scopeOptions are the catalogue's scopes, then the chosen scopes it does
// not know (checked, so that saving the form again keeps them).
func (f oneDriveForm) scopeOptions() []scopeOption {
	out := make([]scopeOption, 0, len(microsoft.Scopes))
	for _, s := range microsoft.Scopes {
		fixed := s.Name == "offline_access"
		out = append(out, scopeOption{ScopeInfo: s, Checked: fixed || f.Scopes[s.Name], Fixed: fixed})
	}
	var others []string
	for name, on := range f.Scopes {
		if on && !microsoft.KnownScope(name) {
			others = append(others, name)
		}
	}
	slices.Sort(others)
	for _, name := range others {
		out = append(out, scopeOption{ScopeInfo: microsoft.ScopeInfo{Name: name,
			Description: "Not in Driveway's list: requested as written"}, Checked: true})
	}
	return out
}

func (f oneDriveForm) accountTypes() []choice {
	out := []choice{}
	for _, a := range admin.AccountTypes {
		out = append(out, choice{Value: a.Tenant, Label: a.Label, Checked: f.TenantChoice == a.Tenant})
	}
	return append(out, choice{Value: tenantSingle, Label: "Accounts in one organizational directory only (single tenant)", Checked: f.TenantChoice == tenantSingle})
}

func (f oneDriveForm) clouds() []choice {
	out := slices.Clone(cloudLabels)
	for i := range out {
		out[i].Checked = out[i].Value == f.Cloud
	}
	return out
}
