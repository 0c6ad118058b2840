package client

import (
	"context"
	"net/http"
	"net/url"
	"time"
)

// Project is a Driveway project.
type Project struct {
	ID             string    `json:"id"`
	Name           string    `json:"name"`
	AllowedOrigins []string  `json:"allowedOrigins"`
	CreatedAt      time.Time `json:"createdAt"`
	UpdatedAt      time.Time `json:"updatedAt"`
}

// Projects lists the projects the API key may see.
func (c *Client) Projects(ctx context.Context) ([]Project, error) {
	var out struct{ Data []Project }
	err := c.do(ctx, http.MethodGet, "/api/v1/projects", nil, &out)
	return out.Data, err
}

// CreateProject creates a project (instance API keys only).
func (c *Client) CreateProject(ctx context.Context, name string, allowedOrigins []string) (*Project, error) {
	var p Project
	err := c.do(ctx, http.MethodPost, "/api/v1/projects", map[string]any{"name": name, "allowedOrigins": allowedOrigins}, &p)
	return &p, err
}

// OneDriveSettings is a project's OneDrive integration as Driveway shows
// it: client secrets only by their last four characters.
type OneDriveSettings struct {
	ClientID      string `json:"clientId"`
	ClientSecrets []struct {
		ID        string    `json:"id"`
		Hint      string    `json:"hint"`
		ExpiresAt time.Time `json:"expiresAt"`
		DaysLeft  int       `json:"daysLeft"`
		Expired   bool      `json:"expired"`
	} `json:"clientSecrets"`
	Scopes      []string `json:"scopes"`
	Tenant      string   `json:"tenant"`
	Cloud       string   `json:"cloud"`
	Enabled     bool     `json:"enabled"`
	RedirectURL string   `json:"redirectUrl"`
	Warnings    []string `json:"warnings"`
	Configured  bool     `json:"configured"`
	Alarm       *struct {
		Reason string    `json:"reason"`
		Detail string    `json:"detail"`
		Since  time.Time `json:"since"`
	} `json:"alarm"`
}

// OneDriveSettingsInput replaces the settings. ClientSecrets nil keeps the
// current secrets; otherwise it is the new set ({ID} keeps one, {Value,
// ExpiresAt} adds one; at most two).
type OneDriveSettingsInput struct {
	ClientID      string              `json:"clientId"`
	ClientSecrets []ClientSecretInput `json:"clientSecrets,omitempty"`
	Scopes        []string            `json:"scopes"`
	Tenant        string              `json:"tenant,omitempty"`
	Cloud         string              `json:"cloud,omitempty"`
	Enabled       *bool               `json:"enabled,omitempty"`
}

// ClientSecretInput keeps (ID) or adds (Value and ExpiresAt) a secret.
type ClientSecretInput struct {
	ID        string     `json:"id,omitempty"`
	Value     string     `json:"value,omitempty"`
	ExpiresAt *time.Time `json:"expiresAt,omitempty"`
}

// OneDriveSettings returns the project's OneDrive settings.
func (c *Client) OneDriveSettings(ctx context.Context, projectID string) (*OneDriveSettings, error) {
	var s OneDriveSettings
	err := c.do(ctx, http.MethodGet, projectPath(projectID, "/integrations/onedrive"), nil, &s)
	return &s, err
}

// PutOneDriveSettings replaces the project's OneDrive settings.
func (c *Client) PutOneDriveSettings(ctx context.Context, projectID string, in OneDriveSettingsInput) (*OneDriveSettings, error) {
	var s OneDriveSettings
	err := c.do(ctx, http.MethodPut, projectPath(projectID, "/integrations/onedrive"), in, &s)
	return &s, err
}

// SigningKey is a registered user-token public key. PrivateKey is set only
// in the answer to GenerateSigningKey.
type SigningKey struct {
	ID         string    `json:"id"`
	Alg        string    `json:"alg"`
	PublicKey  string    `json:"publicKey"`
	Audience   string    `json:"audience"`
	CreatedAt  time.Time `json:"createdAt"`
	PrivateKey string    `json:"privateKey"`
}

// AddSigningKey registers a PEM public key under kid ("" for its
// thumbprint).
func (c *Client) AddSigningKey(ctx context.Context, projectID, kid, publicKeyPEM string) (*SigningKey, error) {
	var k SigningKey
	err := c.do(ctx, http.MethodPost, projectPath(projectID, "/signing-keys"), map[string]string{"id": kid, "pem": publicKeyPEM}, &k)
	return &k, err
}

// GenerateSigningKey makes a key pair in Driveway and returns it with its
// private key, which Driveway does not keep.
func (c *Client) GenerateSigningKey(ctx context.Context, projectID, alg string) (*SigningKey, error) {
	var k SigningKey
	err := c.do(ctx, http.MethodPost, projectPath(projectID, "/signing-keys/generate"), map[string]string{"alg": alg}, &k)
	return &k, err
}

// DeleteSigningKey removes a key; tokens signed with it stop working.
func (c *Client) DeleteSigningKey(ctx context.Context, projectID, kid string) error {
	return c.do(ctx, http.MethodDelete, projectPath(projectID, "/signing-keys/", url.PathEscape(kid)), nil, nil)
}
