package emulator

import (
	"fmt"
	"time"
)

// Demo is the directory SeedDemo creates.
type Demo struct {
	Tenant   Tenant `json:"tenant"`
	Work     User   `json:"work"`     // adele@contoso.onmicrosoft.com
	Work2    User   `json:"work2"`    // megan@contoso.onmicrosoft.com
	Personal User   `json:"personal"` // pat@outlook.com
	App      App    `json:"app"`      // a confidential, multi-tenant app
}

// Demo directory constants: stable so that `driveway dev` configuration and
// documentation can name them.
const (
	DemoTenantID     = "72f988bf-86f1-41af-91ab-2d7cd011db47"
	DemoClientID     = "11111111-2222-3333-4444-555555555555"
	DemoClientSecret = "emulator-demo-secret-value"
)

// SeedDemo creates (once; it is idempotent) a demo directory: the Contoso
// business tenant with two users, one personal account, and a confidential
// app with DemoClientID/DemoClientSecret and the given redirect URIs, plus a
// few files in each drive.
func (e *Emulator) SeedDemo(redirectURIs ...string) (Demo, error) {
	var d Demo
	if a, ok := e.appByID(DemoClientID); ok {
		d.App = a
		d.Tenant, _ = e.tenantByID(DemoTenantID)
		d.Work, _ = e.User("adele@contoso.onmicrosoft.com")
		d.Work2, _ = e.User("megan@contoso.onmicrosoft.com")
		d.Personal, _ = e.User("pat@outlook.com")
		return d, nil
	}
	var err error
	if d.Tenant, err = e.CreateTenant(TenantSpec{ID: DemoTenantID, Name: "Contoso", Domain: "contoso.onmicrosoft.com"}); err != nil {
		return d, fmt.Errorf("seed demo: %w", err)
	}
	users := []struct {
		dst  *User
		spec UserSpec
	}{
		{&d.Work, UserSpec{TenantID: DemoTenantID, UPN: "adele@contoso.onmicrosoft.com", DisplayName: "Adele Vance"}},
		{&d.Work2, UserSpec{TenantID: DemoTenantID, UPN: "megan@contoso.onmicrosoft.com", DisplayName: "Megan Bowen"}},
		{&d.Personal, UserSpec{UPN: "pat@outlook.com", DisplayName: "Pat Personal"}},
	}
	for _, u := range users {
		if *u.dst, err = e.CreateUser(u.spec); err != nil {
			return d, fmt.Errorf("seed demo: %w", err)
		}
		for path, body := range map[string]string{"/Documents/Welcome.txt": "Hello from the emulator.\n",
			"/Documents/Projects/plan.md": "# Plan\n", "/Pictures/README.txt": "photos go here\n"} {
			if _, err := e.WriteFile(u.dst.ID, path, []byte(body)); err != nil {
				return d, fmt.Errorf("seed demo: %w", err)
			}
		}
	}
	d.App, err = e.CreateApp(AppSpec{ClientID: DemoClientID, Name: "Driveway (emulator)", TenantID: DemoTenantID,
		RedirectURIs: redirectURIs, Secrets: []Secret{{Value: DemoClientSecret, Expires: e.Now().Add(2 * 365 * 24 * time.Hour)}}})
	if err != nil {
		return d, fmt.Errorf("seed demo: %w", err)
	}
	return d, nil
}

func (e *Emulator) appByID(id string) (App, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	a, ok := e.st.Apps[id]
	if !ok {
		return App{}, false
	}
	return cloneApp(a), true
}

func (e *Emulator) tenantByID(id string) (Tenant, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	t, ok := e.st.Tenants[id]
	if !ok {
		return Tenant{}, false
	}
	return *t, true
}

// AddRedirectURI registers one more redirect URI on an app.
func (e *Emulator) AddRedirectURI(clientID, uri string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	a, ok := e.st.Apps[clientID]
	if !ok {
		return fmt.Errorf("add redirect uri: no app %s", clientID)
	}
	for _, u := range a.RedirectURIs {
		if u == uri {
			return nil
		}
	}
	a.RedirectURIs = append(a.RedirectURIs, uri)
	e.changed()
	return nil
}

// DemoSites are the sites SeedSites creates, by server-relative path.
var DemoSites = []SiteSpec{
	{Path: "/sites/marketing", DisplayName: "Marketing", Description: "Campaigns, brand and press",
		Libraries: []string{"Documents", "Brand Assets"}},
	{Path: "/sites/marketing/campaigns", DisplayName: "Campaigns", Description: "A subsite of Marketing"},
	{Path: "/sites/engineering", DisplayName: "Engineering", Description: "Specs and designs of the engineering team",
		GroupID: "a1b2c3d4-0000-4000-8000-00000000e001"},
}

// SeedSites gives a business tenant (once; it is idempotent) the sites of
// DemoSites with a few files in their libraries, plus a private "Finance"
// site whose only member is privateMember (a UPN; skipped when "").
func (e *Emulator) SeedSites(tenantID, privateMember string) error {
	specs := append([]SiteSpec(nil), DemoSites...)
	if privateMember != "" {
		specs = append(specs, SiteSpec{Path: "/sites/finance", DisplayName: "Finance",
			Description: "Private: budgets", Members: []string{privateMember}})
	}
	for _, spec := range specs {
		if e.hasSite(tenantID, spec.Path) {
			continue
		}
		spec.TenantID = tenantID
		s, err := e.CreateSite(spec)
		if err != nil {
			return fmt.Errorf("seed sites: %w", err)
		}
		for i, id := range s.DriveIDs {
			name := fmt.Sprintf("/General/%s library %d.txt", s.DisplayName, i+1)
			if _, err := e.WriteFile(id, name, []byte("Seeded for "+s.DisplayName+".\n")); err != nil {
				return fmt.Errorf("seed sites: %w", err)
			}
		}
	}
	return nil
}

func (e *Emulator) hasSite(tenantID, path string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	t := e.st.Tenants[tenantID]
	return t != nil && e.storedSite(t, path) != nil
}

// Sites lists the stored sites of a tenant by path.
func (e *Emulator) Sites(tenantID string) []Site {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []Site
	for _, s := range e.sitesOf(&principal{TenantID: tenantID}, func(*Site) bool { return true }) {
		out = append(out, *s)
	}
	return out
}
