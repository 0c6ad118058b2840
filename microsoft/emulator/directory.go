package emulator

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Tenant is a directory: a business (work or school) tenant, or the
// consumers tenant that holds personal Microsoft accounts.
type Tenant struct {
	ID     string `json:"id"`
	Domain string `json:"domain"` // e.g. contoso.onmicrosoft.com
	Name   string `json:"name"`
	// Personal is true only for the consumers tenant.
	Personal bool `json:"personal,omitempty"`
	// UserConsentBlocked is the tenant setting "Do not allow user
	// consent": only an administrator can grant an app (consentpolicy.go).
	UserConsentBlocked bool `json:"userConsentBlocked,omitempty"`
}

// User is an account. ID is the object id (oid) and Graph user id.
type User struct {
	ID          string `json:"id"`
	TenantID    string `json:"tenantId"`
	UPN         string `json:"userPrincipalName"`
	DisplayName string `json:"displayName"`
	Mail        string `json:"mail,omitempty"`
	DriveID     string `json:"driveId"`
	// CID is the 16-hex personal account id (personal accounts only).
	CID string `json:"cid,omitempty"`
}

// Secret is a client secret of an app registration.
type Secret struct {
	ID      string    `json:"id"`
	Value   string    `json:"value"`
	Expires time.Time `json:"expires"`
}

// App is an app registration.
type App struct {
	ClientID string `json:"clientId"`
	Name     string `json:"name"`
	// TenantID is the home tenant. Apps are multi-tenant and accept
	// personal accounts unless SingleTenant is set.
	TenantID     string   `json:"tenantId"`
	SingleTenant bool     `json:"singleTenant,omitempty"`
	Public       bool     `json:"public,omitempty"`
	RedirectURIs []string `json:"redirectUris"`
	Secrets      []Secret `json:"secrets,omitempty"`
	// Certificates are DER-encoded X.509 certificates accepted for
	// client_assertion (matched by the x5t or x5t#S256 header).
	Certificates [][]byte `json:"certificates,omitempty"`
}

// TenantSpec describes a tenant to create. Empty fields are generated.
type TenantSpec struct {
	ID, Domain, Name string
	// UserConsentBlocked: users may not consent to apps (admin only).
	UserConsentBlocked bool
}

// UserSpec describes a user to create. TenantID empty or ConsumersTenantID
// makes a personal account with a personal drive; a business tenant id makes
// a work account with a business drive.
type UserSpec struct {
	ID, TenantID, UPN, DisplayName, Mail string
}

// AppSpec describes an app registration. A confidential app (Public false)
// with no secrets gets one secret valid for two years.
type AppSpec struct {
	ClientID, Name, TenantID string
	SingleTenant, Public     bool
	RedirectURIs             []string
	Secrets                  []Secret
	Certificates             [][]byte
}

// CreateTenant adds a business tenant.
func (e *Emulator) CreateTenant(s TenantSpec) (Tenant, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if s.ID == "" {
		s.ID = e.guid()
	}
	if s.Name == "" {
		s.Name = "Tenant " + s.ID[:8]
	}
	if s.Domain == "" {
		s.Domain = strings.ToLower(strings.ReplaceAll(s.Name, " ", "")) + ".onmicrosoft.com"
	}
	if _, ok := e.st.Tenants[s.ID]; ok {
		return Tenant{}, fmt.Errorf("create tenant: %s already exists", s.ID)
	}
	t := &Tenant{ID: s.ID, Domain: s.Domain, Name: s.Name, UserConsentBlocked: s.UserConsentBlocked}
	e.st.Tenants[t.ID] = t
	e.changed()
	return *t, nil
}

// CreateUser adds a user and provisions the user's drive.
func (e *Emulator) CreateUser(s UserSpec) (User, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if s.TenantID == "" {
		s.TenantID = ConsumersTenantID
	}
	t, ok := e.st.Tenants[s.TenantID]
	if !ok {
		return User{}, fmt.Errorf("create user: no tenant %s", s.TenantID)
	}
	u := &User{ID: s.ID, TenantID: t.ID, UPN: s.UPN, DisplayName: s.DisplayName, Mail: s.Mail}
	mode := ModeBusiness
	if t.Personal {
		mode = ModePersonal
		u.CID = e.hex(16)
		if u.ID == "" {
			// Personal accounts: the Graph user id is the CID in lower case.
			u.ID = strings.ToLower(u.CID)
		}
	}
	if u.ID == "" {
		u.ID = e.guid()
	}
	if _, dup := e.st.Users[u.ID]; dup {
		return User{}, fmt.Errorf("create user: %s already exists", u.ID)
	}
	if u.UPN == "" {
		u.UPN = "user" + u.ID[:6] + "@" + t.Domain
	}
	if e.userByLogin(u.UPN) != nil {
		return User{}, fmt.Errorf("create user: %s already exists", u.UPN)
	}
	if u.DisplayName == "" {
		u.DisplayName = strings.Split(u.UPN, "@")[0]
	}
	if u.Mail == "" {
		u.Mail = u.UPN
	}
	d := e.newDrive(mode, u)
	u.DriveID = d.ID
	e.st.Users[u.ID] = u
	e.changed()
	return *u, nil
}

// CreateApp adds an app registration.
func (e *Emulator) CreateApp(s AppSpec) (App, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if s.ClientID == "" {
		s.ClientID = e.guid()
	}
	if _, ok := e.st.Apps[s.ClientID]; ok {
		return App{}, fmt.Errorf("create app: %s already exists", s.ClientID)
	}
	if s.Name == "" {
		s.Name = "App " + s.ClientID[:8]
	}
	a := &App{ClientID: s.ClientID, Name: s.Name, TenantID: s.TenantID, SingleTenant: s.SingleTenant,
		Public: s.Public, RedirectURIs: slices.Clone(s.RedirectURIs), Secrets: slices.Clone(s.Secrets),
		Certificates: slices.Clone(s.Certificates)}
	if !a.Public && len(a.Secrets) == 0 && len(a.Certificates) == 0 {
		a.Secrets = []Secret{{ID: e.guid(), Value: e.token(30), Expires: e.Now().AddDate(2, 0, 0)}}
	}
	for i := range a.Secrets {
		if a.Secrets[i].ID == "" {
			a.Secrets[i].ID = e.guid()
		}
	}
	e.st.Apps[a.ClientID] = a
	e.changed()
	return cloneApp(a), nil
}

// AddAppSecret adds a client secret to an app and returns it.
func (e *Emulator) AddAppSecret(clientID string, expires time.Time) (Secret, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	a, ok := e.st.Apps[clientID]
	if !ok {
		return Secret{}, fmt.Errorf("add secret: no app %s", clientID)
	}
	s := Secret{ID: e.guid(), Value: e.token(30), Expires: expires}
	a.Secrets = append(a.Secrets, s)
	e.changed()
	return s, nil
}

func cloneApp(a *App) App {
	c := *a
	c.RedirectURIs = slices.Clone(a.RedirectURIs)
	c.Secrets = slices.Clone(a.Secrets)
	c.Certificates = slices.Clone(a.Certificates)
	return c
}

// Users lists the users, in creation order of their ids' sort.
func (e *Emulator) Users() []User {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []User
	for _, u := range e.st.Users {
		out = append(out, *u)
	}
	slices.SortFunc(out, func(a, b User) int { return strings.Compare(a.UPN, b.UPN) })
	return out
}

// Apps lists the app registrations.
func (e *Emulator) Apps() []App {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []App
	for _, a := range e.st.Apps {
		out = append(out, cloneApp(a))
	}
	slices.SortFunc(out, func(a, b App) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// Tenants lists the tenants, the consumers tenant included.
func (e *Emulator) Tenants() []Tenant {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []Tenant
	for _, t := range e.st.Tenants {
		out = append(out, *t)
	}
	slices.SortFunc(out, func(a, b Tenant) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// User returns a user by id or UPN.
func (e *Emulator) User(idOrUPN string) (User, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	u := e.userByLogin(idOrUPN)
	if u == nil {
		return User{}, false
	}
	return *u, true
}

// userByLogin finds a user by id (exact) or UPN (case-insensitive). Lock held.
func (e *Emulator) userByLogin(s string) *User {
	if u, ok := e.st.Users[s]; ok {
		return u
	}
	for _, u := range e.st.Users {
		if strings.EqualFold(u.UPN, s) {
			return u
		}
	}
	return nil
}

// tenantFor resolves an authority segment (common, organizations, consumers,
// a GUID or a domain). ok is false when it names no tenant. Lock held.
func (e *Emulator) tenantFor(seg string) (kind string, t *Tenant, ok bool) {
	switch strings.ToLower(seg) {
	case "common", "organizations":
		return strings.ToLower(seg), nil, true
	case "consumers":
		return "tenant", e.st.Tenants[ConsumersTenantID], true
	}
	if t, ok := e.st.Tenants[seg]; ok {
		return "tenant", t, true
	}
	for _, t := range e.st.Tenants {
		if strings.EqualFold(t.Domain, seg) {
			return "tenant", t, true
		}
	}
	return "", nil, false
}

// certThumbprints returns the SHA-1 and SHA-256 thumbprints (base64url) of a DER cert.
func certThumbprints(der []byte) (x5t, x5tS256 string) {
	s1 := sha1Sum(der)
	s2 := sha256.Sum256(der)
	return base64.RawURLEncoding.EncodeToString(s1[:]), base64.RawURLEncoding.EncodeToString(s2[:])
}

func parseCert(der []byte) (*x509.Certificate, error) { return x509.ParseCertificate(der) }
