package microsoft

import (
	"strings"
	"testing"
)

func TestResolver(t *testing.T) {
	t.Parallel()
	e, err := Resolver{}.Endpoints("usgov")
	if err != nil || e.GraphV1() != "https://graph.microsoft.us/v1.0" || e.TokenURL("common") != "https://login.microsoftonline.us/common/oauth2/v2.0/token" {
		t.Fatalf("usgov = %+v, %v", e, err)
	}
	emu := &Endpoints{Login: "http://localhost:9090", Graph: "http://localhost:9090"}
	e, err = Resolver{Override: emu}.Endpoints("china")
	if err != nil || e.AuthorizeURL("organizations") != "http://localhost:9090/organizations/oauth2/v2.0/authorize" {
		t.Fatalf("override = %+v, %v", e, err)
	}
	if _, err := (Resolver{Override: emu}).Endpoints("mars"); err == nil {
		t.Fatal("unknown cloud resolved")
	}
}

func TestValidTenantAndScopes(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{"common", "organizations", "consumers", "72f988bf-86f1-41af-91ab-2d7cd011db47", "contoso.onmicrosoft.com"} {
		if !ValidTenant(ok) {
			t.Errorf("ValidTenant(%q) = false", ok)
		}
	}
	for _, bad := range []string{"", "Common ", "../common", "contoso", "a b.com", "72f988bf-86f1-41af-91ab-2d7cd011db4"} {
		if ValidTenant(bad) {
			t.Errorf("ValidTenant(%q) = true", bad)
		}
	}
	got, unknown := NormalizeScopes([]string{"files.read", "Files.Read", " User.Read "})
	if unknown != "" || len(got) != 3 || got[0] != "offline_access" {
		t.Fatalf("NormalizeScopes = %v, %q", got, unknown)
	}
	got, bad := NormalizeScopes([]string{"Files.SelectedOperations.Selected", "files.read", "files.selectedoperations.selected"})
	if bad != "" || strings.Join(got, " ") != "offline_access Files.Read Files.SelectedOperations.Selected" {
		t.Fatalf("a well-formed permission the catalogue lacks: %v, %q", got, bad)
	}
	if u := UnknownScopes(got); len(u) != 1 || u[0] != "Files.SelectedOperations.Selected" {
		t.Fatalf("UnknownScopes = %v", u)
	}
	for _, malformed := range []string{"Files Read", "Files.Read!", "https://evil/Files.Read", ".Files", "Files..Read", ""} {
		if _, bad := NormalizeScopes([]string{malformed}); bad != malformed {
			t.Errorf("malformed scope %q not reported: %q", malformed, bad)
		}
	}
}
