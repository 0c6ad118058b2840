package action

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/microsoft"
)

// Credential headers of the Actions API (the proxy's names).
const (
	HeaderCredential        = "X-Driveway-Credential"
	HeaderParagonCredential = "X-Paragon-Credential"
)

// session is one action's access to a drive: the credential checked to
// belong to the principal, its drive client, and the drive named by the
// parameters.
type session struct {
	principal         *driveway.Principal
	projectID, credID string
	client            *microsoft.DriveClient
	drive             microsoft.DriveRef
}

// session finds the credential (credentialID or the user's only VALID
// OneDrive credential), checks it is the principal's, and returns its
// session on the drive the parameters name.
func (e *Executor) session(ctx context.Context, p *driveway.Principal, credentialID string, params map[string]any) (*session, error) {
	drive, err := driveRef(params)
	if err != nil {
		return nil, err
	}
	if credentialID, err = e.pickCredential(ctx, p, credentialID); err != nil {
		return nil, err
	}
	_, cred, err := e.Tokens.AccessToken(ctx, p.ProjectID, credentialID)
	if err != nil {
		return nil, e.tokenError(err)
	}
	client, err := e.client(ctx, p.ProjectID, cred.ID)
	if err != nil {
		return nil, err
	}
	return &session{principal: p, projectID: p.ProjectID, credID: cred.ID, client: client, drive: drive}, nil
}

// credentialError explains a Tokens failure to the caller.
func credentialError(err error) error {
	switch driveway.ErrorCode(err) {
	case driveway.EFORBIDDEN:
		return &Error{Err: driveway.Errorf(driveway.EUNAUTHORIZED, "the user's OneDrive connection is not valid: the user must reconnect"), Reason: ReasonCredential}
	case driveway.ENOTFOUND:
		return &Error{Err: driveway.Errorf(driveway.ENOTFOUND, "no such OneDrive credential for this user")}
	}
	return err
}

// pickCredential returns the user's OneDrive credential named by
// requested, or without a name the single VALID one. A name that is not one
// of the user's credentials is ENOTFOUND before anything asks for its token
// (which may refresh it).
func (e *Executor) pickCredential(ctx context.Context, p *driveway.Principal, requested string) (string, error) {
	creds, err := e.Store.ListCredentials(ctx, p.ProjectID, p.UserID)
	if err != nil {
		return "", err
	}
	var valid []string
	invalid := false
	for _, c := range creds {
		if c.Integration != driveway.IntegrationOneDrive || c.UserID != p.UserID || c.ProjectID != p.ProjectID {
			continue
		}
		if requested != "" {
			if c.ID == requested {
				return c.ID, nil
			}
			continue
		}
		if c.Status == driveway.CredentialValid {
			valid = append(valid, c.ID)
		} else {
			invalid = true
		}
	}
	switch {
	case requested != "":
		return "", &Error{Err: driveway.Errorf(driveway.ENOTFOUND, "no such OneDrive credential for this user")}
	case len(valid) == 1:
		return valid[0], nil
	case len(valid) > 1:
		return "", &Error{Err: driveway.Invalid(HeaderCredential,
			"the user has connected several OneDrive accounts: name one with the %s or %s header", HeaderCredential, HeaderParagonCredential)}
	case invalid:
		return "", &Error{Err: driveway.Errorf(driveway.EUNAUTHORIZED, "the user's OneDrive connection is not valid: the user must reconnect"), Reason: ReasonCredential}
	}
	return "", &Error{Err: driveway.Errorf(driveway.ENOTFOUND, "the user has not connected OneDrive")}
}

// client returns the credential's drive client (one per credential and
// Graph base, so that a Retry-After pauses every call of the credential).
func (e *Executor) client(ctx context.Context, projectID, credID string) (*microsoft.DriveClient, error) {
	in, err := e.Store.GetIntegration(ctx, projectID)
	if driveway.ErrorCode(err) == driveway.ENOTFOUND || err == nil && !in.Enabled {
		return nil, &Error{Err: driveway.Errorf(driveway.ENOTFOUND, "OneDrive is not enabled for this project")}
	}
	if err != nil {
		return nil, err
	}
	ep, err := e.Resolver.Endpoints(in.Cloud)
	if err != nil {
		return nil, err
	}
	key := clientKey(projectID, credID) + ep.GraphV1()
	if c, ok := e.clients.Load(key); ok {
		return c.(*microsoft.DriveClient), nil
	}
	c, err := microsoft.NewDriveClient(microsoft.DriveOptions{
		BaseURL: ep.GraphV1(),
		HTTP:    e.httpClient(),
		Token: func(ctx context.Context) (string, error) {
			tok, _, err := e.Tokens.AccessToken(ctx, projectID, credID)
			if err != nil {
				return "", e.tokenError(err)
			}
			return tok, nil
		},
		Invalidate: func(ctx context.Context, stale string) {
			_, _, _ = e.Tokens.Invalidate(ctx, projectID, credID, stale)
		},
		MaxRetryAfter: e.maxRetryAfter(),
		ChunkSize:     e.ChunkSize,
		PollInterval:  e.CopyPollInterval,
		UserAgent:     "Driveway",
	})
	if err != nil {
		return nil, err
	}
	if e.nclients.Add(1) > maxClients {
		e.nclients.Store(0)
		e.clients.Clear()
	}
	actual, _ := e.clients.LoadOrStore(key, c)
	return actual.(*microsoft.DriveClient), nil
}

// tokenError is credentialError plus the token endpoint's Retry-After.
func (e *Executor) tokenError(err error) error {
	if driveway.ErrorCode(err) == driveway.ETHROTTLED && e.TokenRetryAfter != nil {
		var de *driveway.Error
		if errors.As(err, &de) {
			return &Error{Err: de, RetryAfter: e.TokenRetryAfter(err)}
		}
	}
	return credentialError(err)
}

// maxClients bounds the drive-client cache; past it the cache starts over.
const maxClients = 10000

func (e *Executor) httpClient() *http.Client {
	if e.HTTP != nil {
		return e.HTTP
	}
	e.httpOnce.Do(func() { e.defaultHTTP = &http.Client{Transport: NewTransport()} })
	return e.defaultHTTP
}

// NewTransport is the transport the actions' default HTTP client uses for
// Graph and pre-authenticated transfers: no environment proxy, and large
// buffers so that upload fragments go out in fewer, larger writes.
func NewTransport() *http.Transport {
	return &http.Transport{ForceAttemptHTTP2: true, MaxIdleConnsPerHost: 16, WriteBufferSize: 256 << 10,
		ReadBufferSize: 64 << 10, TLSHandshakeTimeout: 10 * time.Second, IdleConnTimeout: 90 * time.Second}
}

func (e *Executor) maxRetryAfter() time.Duration {
	if e.MaxRetryAfter > 0 {
		return e.MaxRetryAfter
	}
	return DefaultMaxRetryAfter
}

// driveRef reads the driveId and siteId parameters.
func driveRef(params map[string]any) (microsoft.DriveRef, error) {
	d, s := stringParam(params, "driveId"), stringParam(params, "siteId")
	if d != "" && s != "" {
		return microsoft.DriveRef{}, &Error{Err: driveway.Invalid("siteId", "set driveId or siteId, not both")}
	}
	return microsoft.DriveRef{DriveID: d, SiteID: s}, nil
}

func clientKey(projectID, credID string) string { return projectID + "\x00" + credID + "\x00" }

// Forget drops the cached drive client of a credential. Call it when the
// credential is disconnected (connect.Handler.OnDisconnect), as for the
// proxy; a forgotten credential only costs a new client on its next use.
func (e *Executor) Forget(projectID, credentialID string) {
	prefix := clientKey(projectID, credentialID)
	e.clients.Range(func(k, _ any) bool {
		if strings.HasPrefix(k.(string), prefix) {
			e.clients.Delete(k)
		}
		return true
	})
}
