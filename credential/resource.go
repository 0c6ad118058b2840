package credential

import (
	"context"
	"errors"
	"net/url"
	"sync"
	"time"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/microsoft"
)

// ConsumerOneDriveResource is the resource of the personal (consumer)
// OneDrive File Picker's tokens; its scopes are OneDrive.Read and
// OneDrive.ReadWrite.
const ConsumerOneDriveResource = "https://api.onedrive.com"

// resourceScope is the scope asked of the token endpoint for resource:
// every permission the app was granted on a SharePoint origin (.default),
// read access for the consumer OneDrive API.
func resourceScope(resource string) string {
	if resource == ConsumerOneDriveResource {
		return "OneDrive.Read"
	}
	return resource + "/.default"
}

// resourceTokens caches access tokens for resources other than Graph, in
// this process only: they are minted on demand for the File Picker and
// never stored. An entry serves only the account it was minted for, so a
// reconnect to another account never gets the previous account's token.
type resourceTokens struct {
	mu sync.Mutex
	m  map[string]resourceToken
}

type resourceToken struct {
	account string
	token   string
	expires time.Time
}

func (rc *resourceTokens) get(key, account string, until time.Time) (string, time.Time, bool) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	e, ok := rc.m[key]
	if !ok || e.account != account || !e.expires.After(until) {
		return "", time.Time{}, false
	}
	return e.token, e.expires, true
}

// put stores an entry and drops the expired ones.
func (rc *resourceTokens) put(key string, e resourceToken, now time.Time) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if rc.m == nil {
		rc.m = map[string]resourceToken{}
	}
	for k, old := range rc.m {
		if !old.expires.After(now) {
			delete(rc.m, k)
		}
	}
	rc.m[key] = e
}

func accountKey(c *driveway.Credential) string { return c.Account.TenantID + "/" + c.Account.ObjectID }

// ResourceToken returns an access token of the credential for resource (an
// https origin: the tenant's SharePoint, or ConsumerOneDriveResource) and
// when it expires. It redeems the stored refresh token for that resource,
// as Microsoft's identity platform allows, and caches the token in this
// process until RefreshMargin before it expires; concurrent callers share
// one request. The refresh token Microsoft returns along is not stored:
// the one redeemed stays valid, and the Graph refresh keeps it current.
// The caller decides which resources a credential may have (package
// connect allows only its own tenant's).
//
// Errors: those of AccessToken; EINVALID for a resource that is not an
// https origin; EFORBIDDEN when Microsoft refuses the app that resource
// (no consent to its permissions) or the credential's refresh token is
// dead (the credential becomes INVALID).
func (m *Manager) ResourceToken(ctx context.Context, projectID, credentialID, resource string) (string, time.Time, error) {
	m.init()
	if !isOrigin(resource) {
		return "", time.Time{}, driveway.Errorf(driveway.EINVALID, "the resource must be an https origin")
	}
	c, err := m.Store.GetCredential(ctx, projectID, credentialID)
	if err != nil {
		return "", time.Time{}, err
	}
	if err := statusError(c); err != nil {
		return "", time.Time{}, err
	}
	key := projectID + "/" + credentialID + "/" + resource
	if tok, exp, ok := m.resources.get(key, accountKey(c), m.now().Add(m.margin())); ok {
		return tok, exp, nil
	}
	var exp time.Time
	tok, _, err := m.flights.do(ctx, "resource:"+key, func() (string, *driveway.Credential, error) {
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), m.leaseTTL())
		defer cancel()
		t, err := m.redeemFor(fctx, c, resource)
		if err != nil {
			return "", c, err
		}
		m.resources.put(key, resourceToken{account: accountKey(c), token: t.AccessToken, expires: t.ExpiresAt}, m.now())
		return t.AccessToken, c, nil
	})
	if err != nil {
		return "", time.Time{}, err
	}
	if _, exp, _ = m.resources.get(key, accountKey(c), m.now()); exp.IsZero() {
		exp = m.now().Add(m.margin())
	}
	return tok, exp, nil
}

// redeemFor calls the token endpoint for c's refresh token and resource.
func (m *Manager) redeemFor(ctx context.Context, c *driveway.Credential, resource string) (*microsoft.Token, error) {
	in, err := m.Store.GetIntegration(ctx, c.ProjectID)
	if err != nil {
		return nil, driveway.Errorf(driveway.EUNAVAILABLE, "OneDrive is not configured for this project")
	}
	id, err := m.IdentityFor(in)
	if err != nil {
		return nil, driveway.Errorf(driveway.EUNAVAILABLE, "the project's OneDrive cloud setting is not usable")
	}
	app, problem := appFor(in, m.now())
	if problem != "" {
		return nil, driveway.Errorf(driveway.EUNAVAILABLE, "the project's OneDrive app credentials are not usable")
	}
	start := time.Now()
	tok, err := id.Refresh(ctx, tenantOf(in), app, c.RefreshToken, []string{resourceScope(resource)})
	m.observeCall(start, err)
	if err == nil {
		return tok, nil
	}
	return nil, m.resourceRefused(ctx, c, resource, err)
}

// resourceRefused explains a refused resource grant; a dead refresh token
// makes the credential INVALID as a Graph refresh would.
func (m *Manager) resourceRefused(ctx context.Context, c *driveway.Credential, resource string, err error) error {
	var te *microsoft.TokenError
	if !errors.As(err, &te) {
		m.logger().Error("credential: resource token", "credential", c.ID, "resource", resource, "err", err)
		return driveway.Errorf(driveway.EUNAVAILABLE, "Microsoft's token endpoint could not be reached")
	}
	m.logger().Warn("credential: token endpoint refused a resource token", "credential", c.ID, "resource", resource,
		"class", te.Class(), "error", te.Code, "aadsts", te.ErrorCodes, "trace", te.TraceID)
	switch te.Class() {
	case microsoft.ClassNeedsReauth:
		_, _, err := m.markInvalid(ctx, c, driveway.ReasonNeedsReauth, aadstsText(te))
		if err == nil {
			err = driveway.Errorf(driveway.EFORBIDDEN, "the OneDrive connection is not valid: the user must reconnect")
		}
		return err
	case microsoft.ClassTransient:
		return driveway.Errorf(driveway.EUNAVAILABLE, "Microsoft's token endpoint is unavailable; try again")
	}
	return driveway.Errorf(driveway.EFORBIDDEN, "Microsoft refused a token for %s (%s): the app needs delegated permissions on that resource and the user's consent",
		resource, aadstsText(te))
}

// isOrigin reports whether s is an https origin (no path, query, user).
func isOrigin(s string) bool {
	u, err := url.Parse(s)
	return err == nil && u.Scheme == "https" && u.Host != "" && u.User == nil && u.Path == "" && u.RawQuery == "" && u.Fragment == ""
}
