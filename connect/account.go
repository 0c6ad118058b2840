package connect

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/ids"
	"github.com/drivewayhq/driveway/microsoft"
	"github.com/drivewayhq/driveway/usertoken"
)

// appFor is how Driveway authenticates as the project's Azure app: its
// certificate when set, else its unexpired client secrets in order (all of
// them when every one has expired, so that Microsoft's answer says so).
func appFor(in *driveway.Integration, now time.Time) (microsoft.App, error) {
	app := microsoft.App{ClientID: in.ClientID}
	if in.Certificate != nil && in.Certificate.PrivateKey != "" {
		key, err := usertoken.ParsePrivateKey([]byte(in.Certificate.PrivateKey))
		if err != nil {
			return app, fmt.Errorf("app certificate: %w", err)
		}
		app.Certificate = &microsoft.AppCertificate{Key: key, Thumbprint: in.Certificate.Thumbprint}
		return app, nil
	}
	var all []string
	for _, s := range in.ClientSecrets {
		all = append(all, s.Value)
		if s.ExpiresAt.IsZero() || now.Before(s.ExpiresAt) {
			app.Secrets = append(app.Secrets, s.Value)
		}
	}
	if len(app.Secrets) == 0 {
		app.Secrets = all
	}
	return app, nil
}

var errIntegrationOff = &flowError{"integration_disabled", "OneDrive is not enabled for this app any more."}

// finishSignIn redeems the code, identifies the account and its drive, and
// creates or replaces the credential. It reports whether an existing
// credential was replaced.
func (h *Handler) finishSignIn(r *http.Request, st *driveway.OAuthState, code string) (*driveway.Credential, bool, error) {
	ctx := r.Context()
	in, err := h.integration(r, st.ProjectID)
	if err != nil {
		return nil, false, err
	}
	if in == nil || !in.Enabled {
		return nil, false, errIntegrationOff
	}
	ep, err := h.Resolver.Endpoints(in.Cloud)
	if err != nil {
		return nil, false, fmt.Errorf("resolve cloud: %w", err)
	}
	app, err := appFor(in, h.now())
	if err != nil {
		return nil, false, err
	}
	id := &microsoft.Identity{Endpoints: ep, HTTP: h.client(), Now: h.Now}
	tok, err := id.ExchangeCode(ctx, in.Tenant, app, code, st.RedirectURI, st.Verifier, microsoft.RequestScopes(in.Scopes))
	if err != nil {
		h.raiseAlarm(ctx, st.ProjectID, err)
		return nil, false, fmt.Errorf("exchange code: %w", err)
	}
	cr, err := h.identify(ctx, in, ep, tok)
	if err != nil {
		return nil, false, err
	}
	cr.ProjectID, cr.UserID = st.ProjectID, st.UserID
	return h.saveCredential(ctx, st, cr)
}

// identify reads the id token and asks Graph for the user and the drive.
func (h *Handler) identify(ctx context.Context, in *driveway.Integration, ep microsoft.Endpoints, tok *microsoft.Token) (*driveway.Credential, error) {
	claims, err := microsoft.ParseIDToken(tok.IDToken, in.ClientID)
	if err != nil {
		return nil, fmt.Errorf("read id token: %w", err)
	}
	if microsoft.ValidTenant(in.Tenant) && isGUID(in.Tenant) && claims.TenantID != in.Tenant {
		return nil, &flowError{"wrong_tenant", "This Microsoft account belongs to an organisation the app does not accept."}
	}
	g := &microsoft.Graph{Endpoints: ep, HTTP: h.client()}
	me, err := g.Me(ctx, tok.AccessToken)
	if err != nil {
		return nil, err
	}
	drive, err := g.MyDrive(ctx, tok.AccessToken)
	if err != nil {
		return nil, &flowError{"no_drive", "This Microsoft account has no OneDrive."}
	}
	acct := driveway.Account{TenantID: claims.TenantID, ObjectID: claims.ObjectID, UserPrincipalName: claims.PreferredUsername,
		DisplayName: claims.Name, Email: me.Mail}
	if acct.UserPrincipalName == "" {
		acct.UserPrincipalName = me.UserPrincipalName
	}
	if acct.DisplayName == "" {
		acct.DisplayName = me.DisplayName
	}
	if acct.Email == "" {
		acct.Email = claims.Email
	}
	now := h.now()
	return &driveway.Credential{Integration: driveway.IntegrationOneDrive, Status: driveway.CredentialValid,
		Account: acct, DriveID: drive.ID, DriveType: drive.DriveType, AccessToken: tok.AccessToken,
		RefreshToken: tok.RefreshToken, AccessTokenExpiresAt: tok.ExpiresAt, Scopes: tok.Scopes,
		LastRefreshAt: now, CreatedAt: now, UpdatedAt: now}, nil
}

// raiseAlarm sets the integration alarm when Microsoft refused the app's
// own credentials (an invalid or expired client secret): a project-level
// problem that the dashboard shows, not the user's.
func (h *Handler) raiseAlarm(ctx context.Context, projectID string, err error) {
	var te *microsoft.TokenError
	if !errors.As(err, &te) || te.Class() != microsoft.ClassAppCredentials {
		return
	}
	alarm := &driveway.IntegrationAlarm{Reason: driveway.ReasonAppCredentialsInvalid,
		Detail: fmt.Sprintf("AADSTS%v refused the app's credentials during a sign-in", te.ErrorCodes), Since: h.now()}
	if _, err := h.Store.SetIntegrationAlarm(ctx, projectID, alarm); err != nil {
		h.logger().ErrorContext(ctx, "set integration alarm", "project", projectID, "err", err)
	}
}

func isGUID(s string) bool {
	return len(s) == 36 && s[8] == '-' && s[13] == '-' && s[18] == '-' && s[23] == '-'
}

// saveCredential replaces the credential being reconnected (the selected
// one, else the user's credential for the same Microsoft account) in
// place, keeping its id, or creates a new one.
func (h *Handler) saveCredential(ctx context.Context, st *driveway.OAuthState, fresh *driveway.Credential) (*driveway.Credential, bool, error) {
	for attempt := 0; attempt < 3; attempt++ {
		old, err := h.existing(ctx, st, fresh.Account)
		if err != nil {
			return nil, false, err
		}
		if old == nil {
			fresh.ID = ids.UUID()
			if err := h.Store.CreateCredential(ctx, fresh); err != nil {
				return nil, false, fmt.Errorf("create credential: %w", err)
			}
			return fresh, false, nil
		}
		replaceTokens(old, fresh)
		err = h.Store.UpdateCredential(ctx, old)
		if err == nil {
			return old, true, nil
		}
		if driveway.ErrorCode(err) != driveway.ECONFLICT {
			return nil, false, fmt.Errorf("update credential: %w", err)
		}
	}
	return nil, false, driveway.Errorf(driveway.ECONFLICT, "the credential kept changing; try again")
}

func (h *Handler) existing(ctx context.Context, st *driveway.OAuthState, a driveway.Account) (*driveway.Credential, error) {
	if st.CredentialID != "" {
		c, err := h.Store.GetCredential(ctx, st.ProjectID, st.CredentialID)
		if err == nil && c.UserID == st.UserID {
			return c, nil
		}
		if err != nil && driveway.ErrorCode(err) != driveway.ENOTFOUND {
			return nil, fmt.Errorf("get credential: %w", err)
		}
	}
	all, err := h.Store.ListCredentials(ctx, st.ProjectID, st.UserID)
	if err != nil {
		return nil, fmt.Errorf("list credentials: %w", err)
	}
	for _, c := range all {
		if c.Integration == driveway.IntegrationOneDrive && c.Account.TenantID == a.TenantID && c.Account.ObjectID == a.ObjectID {
			return c, nil
		}
	}
	return nil, nil
}

// replaceTokens moves what a new sign-in learned into the stored
// credential, keeping its id, creation time and version.
func replaceTokens(old, fresh *driveway.Credential) {
	old.Status, old.HealthReason, old.RefreshFailures = driveway.CredentialValid, "", 0
	old.Account, old.DriveID, old.DriveType = fresh.Account, fresh.DriveID, fresh.DriveType
	old.AccessToken, old.RefreshToken, old.AccessTokenExpiresAt = fresh.AccessToken, fresh.RefreshToken, fresh.AccessTokenExpiresAt
	old.Scopes, old.LastRefreshAt, old.UpdatedAt = fresh.Scopes, fresh.LastRefreshAt, fresh.UpdatedAt
}
