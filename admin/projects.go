package admin

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/ids"
)

// ProjectInput is what a caller may set on a project.
type ProjectInput struct {
	Name           string   `json:"name"`
	AllowedOrigins []string `json:"allowedOrigins"`
}

// MaxAllowedOrigins bounds the origin list of a project.
const MaxAllowedOrigins = 50

func (in *ProjectInput) validate() error {
	in.Name = strings.TrimSpace(in.Name)
	if in.Name == "" {
		return driveway.Invalid("name", "name is required")
	}
	if len(in.Name) > 200 {
		return driveway.Invalid("name", "name is longer than 200 characters")
	}
	if len(in.AllowedOrigins) > MaxAllowedOrigins {
		return driveway.Invalid("allowedOrigins", "at most %d origins", MaxAllowedOrigins)
	}
	seen := map[string]bool{}
	out := []string{}
	for i, o := range in.AllowedOrigins {
		norm, err := NormalizeOrigin(o)
		if err != nil {
			return driveway.Invalid(fmt.Sprintf("allowedOrigins[%d]", i), "%v", err)
		}
		if !seen[norm] {
			seen[norm] = true
			out = append(out, norm)
		}
	}
	in.AllowedOrigins = out
	return nil
}

// NormalizeOrigin checks that origin is a browser origin (scheme, host and
// optional port; no path, query, fragment or userinfo) and returns it in
// lowercase. Plain http is accepted only for loopback hosts.
func NormalizeOrigin(origin string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(origin))
	if err != nil || u.Host == "" || u.Opaque != "" {
		return "", fmt.Errorf("%q is not an origin like https://app.example.com", origin)
	}
	if u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || u.ForceQuery {
		return "", fmt.Errorf("%q must be scheme://host[:port] with nothing after it", origin)
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !isLoopbackHost(u.Hostname()) {
			return "", fmt.Errorf("%q: plain http is allowed only for localhost", origin)
		}
	default:
		return "", fmt.Errorf("%q: scheme must be https", origin)
	}
	if strings.ContainsAny(u.Host, "*\\ ") {
		return "", fmt.Errorf("%q: wildcards and spaces are not allowed", origin)
	}
	return strings.ToLower(u.Scheme + "://" + u.Host), nil
}

func isLoopbackHost(h string) bool {
	return h == "localhost" || h == "127.0.0.1" || h == "::1"
}

// CreateProject creates a project.
func (s *Service) CreateProject(ctx context.Context, in ProjectInput) (*driveway.Project, error) {
	if err := in.validate(); err != nil {
		return nil, err
	}
	now := s.now()
	p := &driveway.Project{ID: ids.New("prj"), Name: in.Name, AllowedOrigins: in.AllowedOrigins, CreatedAt: now, UpdatedAt: now}
	if err := s.Store.CreateProject(ctx, p); err != nil {
		return nil, fmt.Errorf("create project: %w", err)
	}
	return p, nil
}

// UpdateProject replaces a project's name and allowed origins.
func (s *Service) UpdateProject(ctx context.Context, id string, in ProjectInput) (*driveway.Project, error) {
	if err := in.validate(); err != nil {
		return nil, err
	}
	p, err := s.Store.GetProject(ctx, id)
	if err != nil {
		return nil, err
	}
	p.Name, p.AllowedOrigins, p.UpdatedAt = in.Name, in.AllowedOrigins, s.now()
	if err := s.Store.UpdateProject(ctx, p); err != nil {
		return nil, fmt.Errorf("update project: %w", err)
	}
	return p, nil
}
