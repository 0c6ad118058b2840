package emulator

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// ConsumerOneDriveResource is the audience of the tokens the personal
// (onedrive.live.com) File Picker works with: the consumer OneDrive API,
// whose scopes are OneDrive.Read and OneDrive.ReadWrite.
const ConsumerOneDriveResource = "https://api.onedrive.com"

// graphResource is the origin of Microsoft Graph's scopes.
const graphResource = "https://graph.microsoft.com"

// scopeResource names the resource a scope belongs to: the origin of a
// URL scope ("https://contoso-my.sharepoint.com/.default"), the consumer
// OneDrive API for OneDrive.*, Graph for anything else.
func scopeResource(s string) string {
	if strings.HasPrefix(strings.ToLower(s), "onedrive.") {
		return ConsumerOneDriveResource
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return graphResource
	}
	return strings.ToLower(u.Scheme + "://" + u.Host)
}

// resourceGrant answers a refresh_token grant whose scope names a resource
// other than Graph, as Microsoft's identity platform allows with one
// refresh token: the new access token carries that audience, the rotated
// refresh token keeps the original consent. It returns false, writing
// nothing, when the scope is Graph's. Lock held.
func (e *Emulator) resourceGrant(w http.ResponseWriter, r *http.Request, app *App, rt *refreshToken, cloud string) bool {
	scopes := strings.Fields(r.PostForm.Get("scope"))
	res := ""
	for _, s := range scopes {
		if strings.EqualFold(s, "offline_access") || strings.EqualFold(s, "openid") || strings.EqualFold(s, "profile") {
			continue
		}
		switch sr := scopeResource(s); {
		case res == "":
			res = sr
		case res != sr: // one resource per request
			e.writeAADError(w, r, aad(28000))
			return true
		}
	}
	if res == "" || res == graphResource {
		return false
	}
	if code := e.resourceRefusal(rt, res); code != 0 {
		e.writeAADError(w, r, aad(code))
		return true
	}
	e.issueFor(w, app, rt.UserID, rt.TenantID, scopes, "", cloud, res, rt.Scopes)
	return true
}

// resourceRefusal is the AADSTS code refusing rt a token for res, or 0:
// a business user may have its own tenant's SharePoint, a personal one
// the consumer OneDrive API, and only with a consent to read files.
// Lock held.
func (e *Emulator) resourceRefusal(rt *refreshToken, res string) int {
	u := e.st.Users[rt.UserID]
	if u == nil {
		return 50173
	}
	if !hasAnyScope(rt.Scopes, readScopes) {
		return 65001
	}
	if u.TenantID == ConsumersTenantID {
		if res != ConsumerOneDriveResource {
			return 500011
		}
		return 0
	}
	if !e.tenantSharePoint(u.TenantID, res) {
		return 500011
	}
	return 0
}

// tenantSharePoint reports whether origin is one of a business tenant's
// SharePoint origins ({label}.sharepoint.com, {label}-my.sharepoint.com).
// Lock held.
func (e *Emulator) tenantSharePoint(tenantID, origin string) bool {
	t := e.st.Tenants[tenantID]
	if t == nil || t.Personal {
		return false
	}
	label := tenantLabel(t)
	return origin == "https://"+label+".sharepoint.com" || origin == "https://"+label+"-my.sharepoint.com"
}

func hasAnyScope(have, want []string) bool {
	for _, s := range want {
		if hasScope(have, s) {
			return true
		}
	}
	return false
}

// IssueResourceToken is IssueAccessToken for another resource (audience):
// a SharePoint origin or ConsumerOneDriveResource, as the File Picker
// asks for; it refuses what the token endpoint would refuse.
func (e *Emulator) IssueResourceToken(user, clientID, audience string, scopes ...string) (string, error) {
	tok, err := e.IssueAccessToken(user, clientID, scopes...)
	if err != nil {
		return "", err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	at := e.st.AccessTokens[tok]
	if code := e.resourceRefusal(&refreshToken{UserID: at.UserID, Scopes: []string{"Files.Read"}}, audience); code != 0 {
		delete(e.st.AccessTokens, tok)
		return "", fmt.Errorf("issue token: AADSTS%d for %s", code, audience)
	}
	at.Audience = audience
	return tok, nil
}
