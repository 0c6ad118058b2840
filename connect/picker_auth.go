package connect

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/microsoft"
)

// personalPickerDomain is the DOMAIN of a personal drive: the SDK's File
// Picker posts to DOMAIN/picker there.
const personalPickerDomain = "https://onedrive.live.com"

// consumerPickerResource is the resource of the personal picker's tokens
// (credential.ConsumerOneDriveResource).
const consumerPickerResource = "https://api.onedrive.com"

// ResourceTokenSource gives a credential's access token for a resource
// other than Graph (credential.Manager): the File Picker's.
type ResourceTokenSource interface {
	ResourceToken(ctx context.Context, projectID, credentialID, resource string) (string, time.Time, error)
}

// accountAuth returns what the OneDrive File Picker needs of a credential
// (docs/file-picker.md): DOMAIN, where the picker lives
// (https://onedrive.live.com for a personal drive, the origin of a work or
// school drive's web URL, the tenant's -my.sharepoint.com), and
// OAUTH_ACCESS_TOKEN, a token for the resource that picker asks for: the
// consumer OneDrive API, or that SharePoint origin; never the Graph token.
// Nil unless the integration allows it (Integration.AllowAccountAuth) and
// the credential is VALID; a failure is logged and leaves it out.
func (h *Handler) accountAuth(r *http.Request, c *caller, cr *driveway.Credential) map[string]string {
	ctx := r.Context()
	in, err := h.integration(r, c.Project.ID)
	rs, ok := h.Tokens.(ResourceTokenSource)
	if err != nil || in == nil || !in.AllowAccountAuth || !ok || cr.Status != driveway.CredentialValid {
		return nil
	}
	domain, resource, err := h.pickerDomain(ctx, in, cr)
	if err != nil {
		h.logger().WarnContext(ctx, "account auth: the picker's domain", "credential", cr.ID, "err", err)
		return nil
	}
	if asked := r.URL.Query().Get("pickerResource"); asked != "" {
		if !pickerResourceAllowed(resource, asked) {
			h.logger().WarnContext(ctx, "account auth: a resource outside the credential's", "credential", cr.ID, "resource", asked)
			return nil
		}
		resource = asked
	}
	tok, _, err := rs.ResourceToken(ctx, c.Project.ID, cr.ID, resource)
	if err != nil {
		h.logger().WarnContext(ctx, "account auth: no token for the picker", "credential", cr.ID, "resource", resource, "err", err)
		return nil
	}
	if h.PickerBaseURL != "" {
		domain = strings.TrimRight(h.PickerBaseURL, "/")
	}
	return map[string]string{"OAUTH_ACCESS_TOKEN": tok, "DOMAIN": domain}
}

// pickerDomain returns the credential's DOMAIN and the resource of its
// picker's tokens; a work or school drive's is read from Graph.
func (h *Handler) pickerDomain(ctx context.Context, in *driveway.Integration, cr *driveway.Credential) (string, string, error) {
	if cr.DriveType == driveway.DrivePersonal { // the consumer picker lives there, whatever the drive's webUrl says
		return personalPickerDomain, consumerPickerResource, nil
	}
	tok, _, err := h.Tokens.AccessToken(ctx, cr.ProjectID, cr.ID)
	if err != nil {
		return "", "", err
	}
	ep, err := h.Resolver.Endpoints(in.Cloud)
	if err != nil {
		return "", "", err
	}
	drive, err := (&microsoft.Graph{Endpoints: ep, HTTP: h.client()}).MyDrive(ctx, tok)
	if err != nil {
		return "", "", err
	}
	u, err := url.Parse(drive.WebURL)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return "", "", fmt.Errorf("the drive's web URL is not an https URL")
	}
	origin := "https://" + u.Host
	return origin, origin, nil
}

// pickerResourceAllowed reports whether the resource a picker asked for
// (Driveway's SDK passes it as pickerResource, one authenticate command at
// a time) belongs to the credential whose picker resource is own: that
// one, or for a work or school account its tenant's root SharePoint
// origin (https://contoso.sharepoint.com beside contoso-my).
func pickerResourceAllowed(own, asked string) bool {
	if asked == own {
		return true
	}
	root := strings.Replace(own, "-my.sharepoint.", ".sharepoint.", 1)
	return root != own && asked == root
}
