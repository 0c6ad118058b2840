package proxy

import (
	"context"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/drivewayhq/driveway"
)

// session is what a call needs of the user's credential: which one, its
// tenant (for throttling), the Graph base of its cloud, and a token.
// Sessions are immutable; a refresh stores a new one.
type session struct {
	projectID, userID string
	credID            string
	tenantKey         string
	cloud             string
	base              *url.URL
	token             string
}

// sessionCache keeps sessions for CacheTTL, keyed by project, user and the
// requested credential id.
type sessionCache struct {
	m    sync.Map // key → *cacheEntry
	puts atomic.Int64
}

type cacheEntry struct {
	s       *session
	expires time.Time
	stamp   uint64 // the user's authcache stamp when read
}

func (c *sessionCache) get(key string, now time.Time, stamp uint64) *session {
	v, ok := c.m.Load(key)
	if !ok {
		return nil
	}
	e := v.(*cacheEntry)
	if now.After(e.expires) || e.stamp != stamp {
		return nil
	}
	return e.s
}

func (c *sessionCache) put(key string, s *session, expires time.Time, stamp uint64) {
	c.m.Store(key, &cacheEntry{s: s, expires: expires, stamp: stamp})
	if c.puts.Add(1)%1024 == 0 {
		now := time.Now()
		c.m.Range(func(k, v any) bool {
			if now.After(v.(*cacheEntry).expires) {
				c.m.Delete(k)
			}
			return true
		})
	}
}

func (c *sessionCache) drop(key string) { c.m.Delete(key) }

func sessionKey(p *driveway.Principal, requested string) string {
	return p.ProjectID + "\x00" + p.UserID + "\x00" + requested
}

// session returns the session of the principal's credential: the one named
// by requested, else the user's single VALID OneDrive credential.
func (p *Proxy) session(ctx context.Context, pr *driveway.Principal, requested string) (*session, error) {
	key := sessionKey(pr, requested)
	now := time.Now()
	stamp := p.Changes.Stamp(pr.ProjectID, pr.UserID)
	cache := p.cacheTTL() > 0 && (p.Changes == nil || stamp != 0)
	if s := p.sessions.get(key, now, stamp); cache && s != nil {
		return s, nil
	}
	in, err := p.Store.GetIntegration(ctx, pr.ProjectID)
	if driveway.ErrorCode(err) == driveway.ENOTFOUND || err == nil && !in.Enabled {
		return nil, driveway.Errorf(driveway.ENOTFOUND, "OneDrive is not enabled for this project")
	}
	if err != nil {
		return nil, err
	}
	ep, err := p.Resolver.Endpoints(in.Cloud)
	if err != nil {
		return nil, err
	}
	base, err := url.Parse(ep.Graph)
	if err != nil {
		return nil, err
	}
	base.Path = trimSlash(base.Path)
	credID, err := p.pickCredential(ctx, pr, requested)
	if err != nil {
		return nil, err
	}
	tok, cred, err := p.Tokens.AccessToken(ctx, pr.ProjectID, credID)
	if err != nil {
		return nil, p.credentialFailure(err, cred, requested)
	}
	s := &session{projectID: pr.ProjectID, userID: pr.UserID, credID: cred.ID, cloud: in.Cloud, base: base, token: tok,
		tenantKey: tenantKey(cred)}
	if cache {
		p.sessions.put(key, s, now.Add(p.cacheTTL()), stamp)
	}
	return s, nil
}

// ConsumersTenantID is the tenant of every personal Microsoft account.
const ConsumersTenantID = "9188040d-6c67-4c5b-b112-36a304b66dad"

// tenantKey names what Graph throttles together: the app (one per
// project) in the account's tenant. Every personal account shares the
// consumers tenant, but Graph throttles them one by one, so a personal
// account is its own key: one personal user's 429 must not hold back the
// project's other personal users.
func tenantKey(c *driveway.Credential) string {
	t := c.Account.TenantID
	switch {
	case t == "":
		t = "cred:" + c.ID
	case strings.EqualFold(t, ConsumersTenantID) && c.Account.ObjectID != "":
		t += "\x00" + c.Account.ObjectID
	case strings.EqualFold(t, ConsumersTenantID):
		t += "\x00cred:" + c.ID
	}
	return c.ProjectID + "\x00" + t
}

// pickCredential returns the id of the user's OneDrive credential named by
// requested (ENOTFOUND when it is not one of the user's: its owner is
// checked before anything asks for its token, since a token request may
// refresh it), or without a name the single VALID one. With none VALID but
// some others, it fails with the newest one's status (401); with none at
// all, ENOTFOUND; with several VALID, EINVALID asking for the credential
// header.
func (p *Proxy) pickCredential(ctx context.Context, pr *driveway.Principal, requested string) (string, error) {
	creds, err := p.Store.ListCredentials(ctx, pr.ProjectID, pr.UserID)
	if err != nil {
		return "", err
	}
	var valid []*driveway.Credential
	var other *driveway.Credential
	for _, c := range creds {
		switch {
		case c.Integration != driveway.IntegrationOneDrive || c.UserID != pr.UserID:
		case requested != "":
			if c.ID == requested {
				return c.ID, nil
			}
		case c.Status == driveway.CredentialValid:
			valid = append(valid, c)
		default:
			other = c // oldest first: the last one is the newest
		}
	}
	switch {
	case requested != "":
	case len(valid) == 1:
		return valid[0].ID, nil
	case len(valid) > 1:
		return "", driveway.Invalid(HeaderCredential,
			"the user has connected several OneDrive accounts: name one with the %s or %s header", HeaderCredential, HeaderParagonCredential)
	case other != nil:
		return "", &credentialError{cred: other, msg: "the user's OneDrive connection is not valid: the user must reconnect"}
	}
	return "", errNoCredential(requested)
}

func errNoCredential(requested string) error {
	if requested != "" {
		return driveway.Errorf(driveway.ENOTFOUND, "no such OneDrive credential for this user")
	}
	return driveway.Errorf(driveway.ENOTFOUND, "the user has not connected OneDrive")
}

// credentialFailure turns an error of Tokens into what the caller sees: a
// credential that is not VALID becomes a credentialError (401).
func (p *Proxy) credentialFailure(err error, cred *driveway.Credential, requested string) error {
	switch driveway.ErrorCode(err) {
	case driveway.ETHROTTLED:
		if p.TokenRetryAfter != nil {
			if d := p.TokenRetryAfter(err); d > 0 {
				return &throttleError{wait: d}
			}
		}
	case driveway.EFORBIDDEN:
		if cred != nil {
			return &credentialError{cred: cred, msg: driveway.ErrorMessage(err)}
		}
	case driveway.ENOTFOUND:
		return errNoCredential(requested)
	}
	return err
}

func trimSlash(s string) string {
	for len(s) > 0 && s[len(s)-1] == '/' {
		s = s[:len(s)-1]
	}
	return s
}

// Forget drops the cached session of a credential on this node, so the
// next call re-reads the store: call it when a credential is disconnected.
// Other nodes drop theirs when Changes tells them, else within CacheTTL.
func (p *Proxy) Forget(projectID, credentialID string) {
	p.dropSessions(&session{projectID: projectID, credID: credentialID})
}
