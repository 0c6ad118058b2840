package microsoft

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
)

// Graph is a minimal Microsoft Graph client for what the install flow needs:
// the signed-in user and their drive. Every call carries the caller's
// bearer token; the client keeps no token.
type Graph struct {
	// Endpoints gives the Graph base (GraphV1 is used).
	Endpoints Endpoints
	// HTTP is the client; http.DefaultClient when nil.
	HTTP *http.Client
}

// Me is the part of GET /me that identifies the account.
type Me struct {
	ID                string `json:"id"`
	UserPrincipalName string `json:"userPrincipalName"`
	DisplayName       string `json:"displayName"`
	Mail              string `json:"mail"`
}

// Drive is the part of GET /me/drive that identifies the drive.
type Drive struct {
	ID        string `json:"id"`
	DriveType string `json:"driveType"`
	Name      string `json:"name"`
	WebURL    string `json:"webUrl"`
	// Description, Owner and Quota are filled by DriveClient.GetDrive and
	// ListDrives.
	Description string       `json:"description,omitempty"`
	Owner       *IdentitySet `json:"owner,omitempty"`
	Quota       *Quota       `json:"quota,omitempty"`
}

// Me returns GET /me for the token's user.
func (g *Graph) Me(ctx context.Context, accessToken string) (*Me, error) {
	var m Me
	if err := g.get(ctx, accessToken, "/me", &m); err != nil {
		return nil, fmt.Errorf("get me: %w", err)
	}
	return &m, nil
}

// MyDrive returns GET /me/drive for the token's user.
func (g *Graph) MyDrive(ctx context.Context, accessToken string) (*Drive, error) {
	var d Drive
	if err := g.get(ctx, accessToken, "/me/drive", &d); err != nil {
		return nil, fmt.Errorf("get drive: %w", err)
	}
	return &d, nil
}

// maxGraphJSON bounds a JSON answer read by this client.
const maxGraphJSON = 1 << 20

func (g *Graph) get(ctx context.Context, accessToken, path string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, g.Endpoints.GraphV1()+path, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+accessToken)
	req.Header.Set("Accept", "application/json")
	client := g.HTTP
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return errors.New("graph unreachable: " + redactURLError(err))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxGraphJSON))
	if err != nil {
		return errors.New("graph answer cut short")
	}
	if resp.StatusCode/100 != 2 {
		return decodeGraphError(resp, body)
	}
	if err := json.Unmarshal(body, v); err != nil {
		return errors.New("graph answered with malformed JSON")
	}
	return nil
}
