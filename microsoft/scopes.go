package microsoft

import (
	"regexp"
	"slices"
	"strings"
)

// ScopeInfo describes one delegated permission an integration may request.
type ScopeInfo struct {
	Name        string
	Description string
	// AdminConsent is true when a work or school tenant's admin must consent.
	AdminConsent bool
}

// Scopes is the catalogue of delegated Microsoft Graph permissions that make
// sense for OneDrive and SharePoint files, in the order the dashboard shows
// them. Source: the Microsoft Graph permissions reference.
var Scopes = []ScopeInfo{
	{Name: "offline_access", Description: "Maintain access to data you have given it access to (refresh tokens; always on)"},
	{Name: "openid", Description: "Sign users in"},
	{Name: "profile", Description: "View users' basic profile"},
	{Name: "email", Description: "View users' email address"},
	{Name: "User.Read", Description: "Sign in and read user profile"},
	{Name: "User.ReadBasic.All", Description: "Read all users' basic profiles"},
	{Name: "Files.Read", Description: "Read user files"},
	{Name: "Files.ReadWrite", Description: "Have full access to user files"},
	{Name: "Files.Read.All", Description: "Read all files that user can access"},
	{Name: "Files.ReadWrite.All", Description: "Have full access to all files user can access"},
	{Name: "Files.ReadWrite.AppFolder", Description: "Have full access to the application's folder"},
	{Name: "Files.Read.Selected", Description: "Read files that the user selects"},
	{Name: "Files.ReadWrite.Selected", Description: "Read and write files that the user selects"},
	{Name: "Sites.Read.All", Description: "Read items in all site collections"},
	{Name: "Sites.ReadWrite.All", Description: "Edit or delete items in all site collections"},
	{Name: "Sites.Manage.All", Description: "Create, edit, and delete items and lists in all site collections"},
	{Name: "Sites.FullControl.All", Description: "Have full control of all site collections", AdminConsent: true},
	{Name: "Sites.Selected", Description: "Access selected site collections", AdminConsent: true},
}

// AlwaysScopes are requested on every sign-in whatever the settings say:
// offline_access for a refresh token, openid and profile for the id token.
var AlwaysScopes = []string{"offline_access", "openid", "profile"}

// KnownScope reports whether name is in the catalogue. Names compare
// case-insensitively, as the identity platform does.
func KnownScope(name string) bool {
	return CanonicalScope(name) != ""
}

// CanonicalScope returns the catalogue spelling of name, or "".
func CanonicalScope(name string) string {
	for _, s := range Scopes {
		if strings.EqualFold(s.Name, name) {
			return s.Name
		}
	}
	return ""
}

// scopeSyntax is a delegated permission's name: dot-separated words
// (Files.ReadWrite.All, Files.SelectedOperations.Selected).
var scopeSyntax = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z][A-Za-z0-9]*){0,5}$`)

// NormalizeScopes returns names without duplicates, with offline_access
// always included: the catalogue's in catalogue order and spelling, then
// any other well-formed name as given (Microsoft adds permissions the
// catalogue does not know yet; UnknownScopes names them for a warning).
// The second result is the first name that is not a permission's syntax.
func NormalizeScopes(names []string) ([]string, string) {
	set := map[string]bool{"offline_access": true}
	var others []string
	for _, n := range names {
		n = strings.TrimSpace(n)
		if c := CanonicalScope(n); c != "" {
			set[c] = true
			continue
		}
		if len(n) > 100 || !scopeSyntax.MatchString(n) {
			return nil, n
		}
		if !slices.ContainsFunc(others, func(o string) bool { return strings.EqualFold(o, n) }) {
			others = append(others, n)
		}
	}
	var out []string
	for _, s := range Scopes {
		if set[s.Name] {
			out = append(out, s.Name)
		}
	}
	return append(out, others...), ""
}

// UnknownScopes returns the names of scopes that are not in the catalogue.
func UnknownScopes(names []string) []string {
	var out []string
	for _, n := range names {
		if !KnownScope(n) {
			out = append(out, n)
		}
	}
	return out
}

// RequestScopes returns the scope list for an authorize request: the
// configured scopes plus AlwaysScopes, without duplicates.
func RequestScopes(configured []string) []string {
	out := slices.Clone(configured)
	for _, s := range AlwaysScopes {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

var (
	tenantGUID   = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	tenantDomain = regexp.MustCompile(`^(?i)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$`)
)

// ValidTenant reports whether tenant is "common", "organizations",
// "consumers", a tenant id (GUID) or a verified domain name.
func ValidTenant(tenant string) bool {
	switch tenant {
	case "common", "organizations", "consumers":
		return true
	}
	return tenantGUID.MatchString(tenant) || tenantDomain.MatchString(tenant)
}
