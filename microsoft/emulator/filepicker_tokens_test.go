package emulator

import (
	"context"
	"testing"

	"golang.org/x/oauth2"
)

// signIn runs the code flow for upn and returns the token (with a refresh
// token) and the config that refreshes it.
func (f *fixture) signIn(tenant, upn string) (*oauth2.Config, *oauth2.Token) {
	f.t.Helper()
	cfg := f.oauth(tenant)
	q := f.authorize(cfg.AuthCodeURL("st", oauth2.SetAuthURLParam("login_hint", upn)))
	tok, err := cfg.Exchange(context.Background(), q.Get("code"))
	must(f.t, err)
	return cfg, tok
}

// refreshFor redeems a refresh token for scope, returning the token or
// the AADSTS code refusing it.
func (f *fixture) refreshFor(cfg *oauth2.Config, rt, scope string) (*oauth2.Token, int) {
	f.t.Helper()
	tok, err := cfg.Exchange(context.Background(), "", oauth2.SetAuthURLParam("grant_type", "refresh_token"),
		oauth2.SetAuthURLParam("refresh_token", rt), oauth2.SetAuthURLParam("scope", scope))
	if err != nil {
		_, codes, _ := aadCode(err)
		if len(codes) == 0 {
			f.t.Fatalf("refresh for %q: %v", scope, err)
		}
		return nil, codes[0]
	}
	return tok, 0
}

// TestResourceTokenFromRefreshToken: one refresh token yields a token for
// the tenant's SharePoint, which the picker API takes and Graph refuses,
// while a Graph token is refused by the picker API; another tenant's
// SharePoint, and two resources at once, are refused at the token
// endpoint; the rotated refresh token still yields Graph tokens.
func TestResourceTokenFromRefreshToken(t *testing.T) {
	f := setup(t, Options{AutoConsent: true})
	cfg, tok := f.signIn("organizations", f.biz.UPN)
	sp, code := f.refreshFor(cfg, tok.RefreshToken, "https://contoso-my.sharepoint.com/.default offline_access")
	want(t, "SharePoint grant refused with", code, 0)
	picker := f.s.LoginURL() + "/_api/v2.0/me/drive/root/children"
	st, m := f.call("GET", "/me/drive", sp.AccessToken, nil)
	want(t, "Graph with a SharePoint token", st, 401)
	want(t, "error code", errCode(m), "InvalidAuthenticationToken")
	st, _ = f.call("GET", picker, sp.AccessToken, nil)
	want(t, "picker API with a SharePoint token", st, 200)
	st, _ = f.call("GET", picker, tok.AccessToken, nil)
	want(t, "picker API with a Graph token", st, 401)
	_, code = f.refreshFor(cfg, tok.RefreshToken, "https://fabrikam-my.sharepoint.com/.default")
	want(t, "another tenant's SharePoint", code, 500011)
	_, code = f.refreshFor(cfg, tok.RefreshToken, "https://contoso-my.sharepoint.com/.default Files.Read")
	want(t, "two resources", code, 28000)
	_, code = f.refreshFor(cfg, tok.RefreshToken, "OneDrive.ReadWrite")
	want(t, "consumer OneDrive for a work account", code, 500011)
	g, code := f.refreshFor(cfg, sp.RefreshToken, "Files.ReadWrite.All offline_access")
	want(t, "Graph from the rotated refresh token", code, 0)
	st, _ = f.call("GET", "/me/drive", g.AccessToken, nil)
	want(t, "Graph with the Graph token", st, 200)
}

// TestConsumerPickerToken: a personal account's refresh token yields a
// token for the consumer OneDrive API, never for a SharePoint.
func TestConsumerPickerToken(t *testing.T) {
	f := setup(t, Options{AutoConsent: true})
	cfg, tok := f.signIn("consumers", f.personal.UPN)
	od, code := f.refreshFor(cfg, tok.RefreshToken, "OneDrive.ReadWrite")
	want(t, "consumer grant refused with", code, 0)
	st, _ := f.call("GET", f.s.LoginURL()+"/_api/v2.0/me/drive/root/children", od.AccessToken, nil)
	want(t, "picker API with a OneDrive token", st, 200)
	st, _ = f.call("GET", "/me", od.AccessToken, nil)
	want(t, "Graph with a OneDrive token", st, 401)
	_, code = f.refreshFor(cfg, tok.RefreshToken, "https://contoso-my.sharepoint.com/.default")
	want(t, "SharePoint for a personal account", code, 500011)
}
