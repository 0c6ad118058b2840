package userdata

import (
	"context"
	"encoding/json"
	"time"

	"github.com/drivewayhq/driveway"
)

// User is an end user as the admin API shows it.
type User struct {
	ID          string           `json:"id"`
	Metadata    map[string]any   `json:"metadata"`
	CreatedAt   time.Time        `json:"createdAt"`
	UpdatedAt   time.Time        `json:"updatedAt"`
	Credentials []CredentialView `json:"credentials,omitempty"`
}

// CredentialView is a connected account without its tokens.
type CredentialView struct {
	ID           string    `json:"id"`
	Status       string    `json:"status"`
	HealthReason string    `json:"healthReason,omitempty"`
	Account      any       `json:"account"`
	DriveID      string    `json:"driveId"`
	DriveType    string    `json:"driveType"`
	Scopes       []string  `json:"scopes"`
	CreatedAt    time.Time `json:"createdAt"`
	UpdatedAt    time.Time `json:"updatedAt"`
}

func userView(u *driveway.ConnectedUser) *User {
	m := u.Metadata
	if m == nil {
		m = map[string]any{}
	}
	return &User{ID: u.ID, Metadata: m, CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt}
}

func credentialView(c *driveway.Credential) CredentialView {
	return CredentialView{ID: c.ID, Status: c.Status, HealthReason: c.HealthReason, Account: c.Account,
		DriveID: c.DriveID, DriveType: c.DriveType, Scopes: c.Scopes, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt}
}

// List returns a page of the project's users ordered by id, after the id
// "after"; limit 1 to 200 (50 when 0).
func (s *Service) List(ctx context.Context, projectID, after string, limit int) ([]*User, error) {
	if limit == 0 {
		limit = 50
	}
	if limit < 1 || limit > 200 {
		return nil, driveway.Invalid("limit", "must be between 1 and 200")
	}
	if _, err := s.Store.GetProject(ctx, projectID); err != nil {
		return nil, err
	}
	list, err := s.Store.ListConnectedUsers(ctx, projectID, after, limit)
	if err != nil {
		return nil, err
	}
	out := make([]*User, 0, len(list))
	for _, u := range list {
		out = append(out, userView(u))
	}
	return out, nil
}

// Get returns a user with their connected accounts (no tokens).
func (s *Service) Get(ctx context.Context, projectID, userID string) (*User, error) {
	u, err := s.Store.GetConnectedUser(ctx, projectID, userID)
	if err != nil {
		return nil, err
	}
	creds, err := s.Store.ListCredentials(ctx, projectID, userID)
	if err != nil {
		return nil, err
	}
	v := userView(u)
	v.Credentials = []CredentialView{}
	for _, c := range creds {
		v.Credentials = append(v.Credentials, credentialView(c))
	}
	return v, nil
}

// Export is everything Driveway keeps about one user, but tokens and file
// content (which it never keeps): for a data subject's access request.
type Export struct {
	User     *User             `json:"user"`
	Events   []ExportEvent     `json:"events"`
	Runs     []ExportRun       `json:"runs"`
	Choices  map[string]bool   `json:"workflowChoices"`
	Triggers []json.RawMessage `json:"triggerSubscriptions"`
}

// ExportEvent is one recorded event of the user.
type ExportEvent struct {
	ID           string         `json:"id"`
	Kind         string         `json:"kind"`
	CredentialID string         `json:"credentialId"`
	Data         map[string]any `json:"data"`
	CreatedAt    time.Time      `json:"createdAt"`
}

// ExportRun is one workflow run of the user with its steps, as recorded
// (secrets were masked when it was).
type ExportRun struct {
	Run   *driveway.WorkflowRun `json:"run"`
	Steps []*driveway.StepRun   `json:"steps"`
}
