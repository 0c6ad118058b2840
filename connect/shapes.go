package connect

import (
	"crypto/sha256"
	"fmt"
	"maps"
	"time"

	"github.com/drivewayhq/driveway"
)

// stableUUID derives a UUID-formatted id from parts (a SHA-256 name-based
// id marked version 5, as RFC 9562's version 8 would be refused), so that
// the integration, config and configuration ids the SDK keys on stay the
// same across requests and nodes without being stored. The published SDK
// takes an id that fails its isUUID (versions 0 to 5 only) for an
// externalId, so a version 8 configuration id could not be selected.
func stableUUID(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	b := h.Sum(nil)[:16]
	b[6] = b[6]&0x0f | 0x50
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// IntegrationID returns the project's OneDrive integration id, as the SDK
// sees it.
func IntegrationID(projectID string) string {
	return stableUUID("integration", projectID, driveway.IntegrationOneDrive)
}

func configID(projectID string) string {
	return stableUUID("integration-config", projectID, driveway.IntegrationOneDrive)
}

func configurationID(credentialID string) string {
	return stableUUID("credential-configuration", credentialID)
}

// Features advertised in /sdk/me: every Connect add-on, since plan gating
// means nothing for a self-hosted server (headless-cp gates
// installIntegration and uninstallIntegration in the SDK).
var features = []string{"byo", "dfm", "headless-cp", "th-api", "monitoring", "rbac", "user-metadata", "whitelabel", "workflow-permissions"}

type configurationJSON struct {
	ID                  string         `json:"id"`
	ConnectCredentialID string         `json:"connectCredentialId"`
	IsDefault           bool           `json:"isDefault"`
	ConfigMeta          map[string]any `json:"configMeta"`
	SharedSettings      map[string]any `json:"sharedSettings"`
	WorkflowSettings    map[string]any `json:"workflowSettings"`
	DateCreated         time.Time      `json:"dateCreated"`
	DateUpdated         time.Time      `json:"dateUpdated"`
}

type providerDataJSON struct {
	TenantID          string `json:"tenantId"`
	ObjectID          string `json:"objectId"`
	UserPrincipalName string `json:"userPrincipalName"`
	DisplayName       string `json:"displayName"`
	Email             string `json:"email,omitempty"`
	DriveID           string `json:"driveId"`
	DriveType         string `json:"driveType"`
	Reason            string `json:"reason,omitempty"`
}

// credentialJSON is IConnectCredential. It never carries a token: the
// accountAuth field is left out until a project setting allows handing
// access tokens to browsers.
type credentialJSON struct {
	ID                  string              `json:"id"`
	ProjectID           string              `json:"projectId"`
	IntegrationID       string              `json:"integrationId"`
	PersonaID           string              `json:"personaId"`
	Status              string              `json:"status"`
	ProviderID          string              `json:"providerId"`
	ProviderData        providerDataJSON    `json:"providerData"`
	IsPreviewCredential bool                `json:"isPreviewCredential"`
	RefreshFailureCount int                 `json:"refreshFailureCount"`
	DateCreated         time.Time           `json:"dateCreated"`
	DateUpdated         time.Time           `json:"dateUpdated"`
	DateRefreshed       *time.Time          `json:"dateRefreshed,omitempty"`
	Configurations      []configurationJSON `json:"configurations"`
	// AccountAuth is set only by getIntegrationAccount with
	// includeAccountAuth, when the integration allows it.
	AccountAuth map[string]string `json:"accountAuth,omitempty"`
}

// credentialView shows a credential with the user's settings for it; its
// configuration's workflowSettings carry enabled for each of the user's
// workflows (enabled, by workflow id: the engine's choice, which wins over
// stored settings), as the SDK reads them (enableWorkflow, disableWorkflow).
func credentialView(c *driveway.Credential, s userSettings, enabled map[string]bool) credentialJSON {
	cs := s.forCredential(c.ID)
	v := credentialJSON{
		ID: c.ID, ProjectID: c.ProjectID, IntegrationID: IntegrationID(c.ProjectID), PersonaID: c.UserID,
		Status: c.Status, ProviderID: c.Account.ObjectID,
		ProviderData: providerDataJSON{TenantID: c.Account.TenantID, ObjectID: c.Account.ObjectID,
			UserPrincipalName: c.Account.UserPrincipalName, DisplayName: c.Account.DisplayName, Email: c.Account.Email,
			DriveID: c.DriveID, DriveType: c.DriveType, Reason: c.HealthReason},
		RefreshFailureCount: c.RefreshFailures, DateCreated: c.CreatedAt, DateUpdated: c.UpdatedAt,
		Configurations: []configurationJSON{{ID: configurationID(c.ID), ConnectCredentialID: c.ID, IsDefault: true,
			ConfigMeta: map[string]any{}, SharedSettings: cs.Shared, WorkflowSettings: withEnablement(cs.Workflow, enabled),
			DateCreated: c.CreatedAt, DateUpdated: c.UpdatedAt}},
	}
	if !c.LastRefreshAt.IsZero() {
		t := c.LastRefreshAt
		v.DateRefreshed = &t
	}
	return v
}

// sdkIntegrationJSON is an entry of /sdk/me's integrations map.
type sdkIntegrationJSON struct {
	Enabled             bool              `json:"enabled"`
	CredentialID        string            `json:"credentialId,omitempty"`
	CredentialConfigID  string            `json:"credentialConfigId,omitempty"`
	CredentialStatus    string            `json:"credentialStatus,omitempty"`
	ProviderID          string            `json:"providerId,omitempty"`
	ProviderData        *providerDataJSON `json:"providerData,omitempty"`
	AllCredentials      []credentialJSON  `json:"allCredentials"`
	SharedSettings      map[string]any    `json:"sharedSettings"`
	WorkflowSettings    map[string]any    `json:"workflowSettings"`
	ConfiguredWorkflows map[string]any    `json:"configuredWorkflows"`
}

// integrationJSON is IConnectIntegrationWithCredentialInfo.
type integrationJSON struct {
	ID                          string         `json:"id"`
	Type                        string         `json:"type"`
	Name                        string         `json:"name"`
	BrandColor                  string         `json:"brandColor"`
	IsActive                    bool           `json:"isActive"`
	ProjectID                   string         `json:"projectId"`
	DateCreated                 time.Time      `json:"dateCreated"`
	DateUpdated                 time.Time      `json:"dateUpdated"`
	Configs                     []configJSON   `json:"configs"`
	Workflows                   []any          `json:"workflows"`
	AuthenticationType          string         `json:"authenticationType"`
	NeedPreOauthInputs          bool           `json:"needPreOauthInputs"`
	HasCredential               bool           `json:"hasCredential"`
	ConnectedUserLimitOnDevCred int            `json:"connectedUserLimitOnDevCred"`
	ConnectedUserLimitReached   bool           `json:"connectedUserLimitReached"`
	SDKIntegrationConfig        map[string]any `json:"sdkIntegrationConfig"`
}

type configJSON struct {
	ID            string         `json:"id"`
	IntegrationID string         `json:"integrationId"`
	Values        map[string]any `json:"values"`
}

func integrationView(p *driveway.Project, in *driveway.Integration) integrationJSON {
	id := IntegrationID(p.ID)
	active := in != nil && in.Enabled
	updated := p.UpdatedAt
	if in != nil && in.UpdatedAt.After(updated) {
		updated = in.UpdatedAt
	}
	return integrationJSON{
		ID: id, Type: driveway.IntegrationOneDrive, Name: "OneDrive", BrandColor: "#0078D4", IsActive: active,
		ProjectID: p.ID, DateCreated: p.CreatedAt, DateUpdated: updated,
		Configs: []configJSON{{ID: configID(p.ID), IntegrationID: id, Values: map[string]any{
			"description": "Connect your OneDrive", "overview": "Lets this app read and write the files you choose in your OneDrive.",
			"sharedMeta": map[string]any{"inputs": []any{}}, "workflowMeta": map[string]any{},
		}}},
		Workflows: []any{}, AuthenticationType: "oauth", HasCredential: in != nil,
		SDKIntegrationConfig: map[string]any{"accountTypes": []any{}, "authConfigInputs": []any{}, "postOauthInputs": []any{},
			"oauthInputs": []any{}, "dataSources": map[string]any{}},
	}
}

// withEnablement returns ws (a credential's stored workflow settings) with
// {"enabled": ...} set for each workflow of enabled, keeping other keys.
func withEnablement(ws map[string]any, enabled map[string]bool) map[string]any {
	if len(enabled) == 0 {
		return ws
	}
	out := make(map[string]any, len(ws)+len(enabled))
	maps.Copy(out, ws)
	for id, on := range enabled {
		entry := map[string]any{"settings": map[string]any{}}
		if cur, ok := ws[id].(map[string]any); ok {
			entry = maps.Clone(cur)
		}
		entry["enabled"] = on
		out[id] = entry
	}
	return out
}
