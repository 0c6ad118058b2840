package emulator

import (
	"fmt"
	"strings"
)

// SetUserConsentBlocked sets a business tenant's "Do not allow user
// consent" setting. While it is on, a user of the tenant who has not
// already consented is sent back with AADSTS90094 (the "Need admin
// approval" answer) unless an administrator granted the app through the
// admin consent endpoint for every scope asked.
func (e *Emulator) SetUserConsentBlocked(tenantID string, blocked bool) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	t, ok := e.st.Tenants[tenantID]
	if !ok || t.Personal {
		return fmt.Errorf("consent policy: no business tenant %q", tenantID)
	}
	t.UserConsentBlocked = blocked
	e.changed()
	return nil
}

// needsAdminApproval: u's tenant blocks user consent and some scope asked
// is covered neither by u's earlier consent nor by the tenant's admin
// consent. OpenID scopes need no consent. Lock held.
func (e *Emulator) needsAdminApproval(u *User, ar *authzRequest) bool {
	t := e.st.Tenants[u.TenantID]
	if t == nil || !t.UserConsentBlocked {
		return false
	}
	own := e.st.Consents[u.ID+"|"+ar.app.ClientID]
	admin := e.st.Consents["admin|"+u.TenantID+"|"+ar.app.ClientID]
	for _, s := range ar.scopes {
		if openIDScope(s) || hasScope(own, s) || hasScope(admin, s) || hasScope(admin, ".default") {
			continue
		}
		return true
	}
	return false
}

func openIDScope(s string) bool {
	switch strings.ToLower(s) {
	case "openid", "profile", "email", "offline_access":
		return true
	}
	return false
}
