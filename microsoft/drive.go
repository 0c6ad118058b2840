package microsoft

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"
)

// GetDrive returns the drive d (GET /me/drive, /drives/{id}, ...).
func (c *DriveClient) GetDrive(ctx context.Context, d DriveRef) (*Drive, error) {
	p, err := d.path()
	if err != nil {
		return nil, err
	}
	var out Drive
	if _, err := c.doJSON(ctx, &request{method: http.MethodGet, url: c.graphURL(p, ""), idempotent: true}, &out); err != nil {
		return nil, fmt.Errorf("get drive: %w", err)
	}
	return &out, nil
}

// ListDrives lists the drives of the signed-in user (owner is the zero
// DriveRef: GET /me/drives), of a SharePoint site (SiteID: /sites/{id}/drives),
// a group (GroupID) or a user (UserID), following next links.
func (c *DriveClient) ListDrives(ctx context.Context, owner DriveRef) ([]Drive, error) {
	var p string
	switch {
	case owner.DriveID != "":
		return nil, errors.New("list drives: a drive id names one drive; use GetDrive")
	case owner.SiteID != "" || owner.GroupID != "" || owner.UserID != "":
		dp, err := owner.path()
		if err != nil {
			return nil, err
		}
		p = dp + "s" // "/sites/{id}/drive" → "/sites/{id}/drives"
	default:
		p = "/me/drives"
	}
	var all []Drive
	link := c.graphURL(p, "")
	for link != "" {
		var pg struct {
			Value    []Drive `json:"value"`
			NextLink string  `json:"@odata.nextLink"`
		}
		if _, err := c.doJSON(ctx, &request{method: http.MethodGet, url: link, idempotent: true}, &pg); err != nil {
			return nil, fmt.Errorf("list drives: %w", err)
		}
		all = append(all, pg.Value...)
		link = pg.NextLink
		if link != "" {
			if err := c.checkLink(link); err != nil {
				return nil, fmt.Errorf("list drives: %w", err)
			}
		}
	}
	return all, nil
}

// LinkOptions describe a sharing link.
type LinkOptions struct {
	// Type is "view", "edit" or "embed" (embed: personal only).
	Type string `json:"type"`
	// Scope is "anonymous", "organization" or "users"; empty leaves it
	// to the tenant's default.
	Scope string `json:"scope,omitempty"`
	// Password protects the link (personal only).
	Password string `json:"password,omitempty"`
	// Expiration ends the link (zero: never).
	Expiration time.Time `json:"expirationDateTime,omitzero"`
}

// Permission is the answer of createLink.
type Permission struct {
	ID    string      `json:"id"`
	Roles []string    `json:"roles"`
	Link  SharingLink `json:"link"`
}

// SharingLink is the link of a Permission.
type SharingLink struct {
	Type   string `json:"type"`
	Scope  string `json:"scope,omitempty"`
	WebURL string `json:"webUrl"`
}

// CreateLink creates (or returns the existing) sharing link of an item
// (POST {item}/createLink).
func (c *DriveClient) CreateLink(ctx context.Context, ref ItemRef, o LinkOptions) (*Permission, error) {
	switch o.Type {
	case "view", "edit", "embed":
	default:
		return nil, fmt.Errorf("create link: type %q: want view, edit or embed", o.Type)
	}
	p, err := ref.urlPath("createLink")
	if err != nil {
		return nil, err
	}
	rq := &request{method: http.MethodPost, url: c.graphURL(p, ""), body: jsonBody(o), contentType: "application/json"}
	var out Permission
	if _, err := c.doJSON(ctx, rq, &out); err != nil {
		return nil, fmt.Errorf("create link: %w", err)
	}
	return &out, nil
}
