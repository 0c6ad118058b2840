// Package admin holds the operations behind the admin API and the dashboard:
// projects and their allowed origins, the OneDrive integration settings,
// user-token signing keys, and API keys. It validates every input (errors
// are *driveway.Error with EINVALID naming the field) and leaves storage to a
// driveway.Store; httpapi and dashboard only translate HTTP to these calls.
package admin

import (
	"time"

	"github.com/drivewayhq/driveway"
)

// Service runs admin operations against one store.
type Service struct {
	Store driveway.Store
	// PublicURL is DRIVEWAY_PUBLIC_URL, without a trailing slash; the OAuth
	// redirect URL shown to operators is PublicURL + "/oauth".
	PublicURL string
	// Now returns the current time; time.Now when nil.
	Now func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

// RedirectURL is the URL operators register in the Azure portal.
func (s *Service) RedirectURL() string { return s.PublicURL + "/oauth" }
