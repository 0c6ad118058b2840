package httpapi

import (
	"context"
	"net/http"
	"strings"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/admin"
	"github.com/drivewayhq/driveway/audit"
)

const apiKeyCtxKey ctxKey = 1

// requireAPIKey authenticates an admin API call by "Authorization: Bearer
// <API key>" and holds the key to its scope: a project key that names
// another project's path gets 404, as if that project did not exist; a key
// whose role or surfaces do not reach the route (routeNeeds) gets 403.
func (s *Server) requireAPIKey(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, ok := bearer(r)
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="driveway-admin"`)
			writeError(w, r, driveway.Errorf(driveway.EUNAUTHORIZED, "send an API key as Authorization: Bearer <key>"))
			return
		}
		key, err := s.Admin.AuthenticateAPIKey(r.Context(), token, audit.SourceFrom(r.Context()).Address)
		if err != nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="driveway-admin", error="invalid_token"`)
			writeError(w, r, err)
			return
		}
		if err := keyReaches(key, r); err != nil {
			writeError(w, r, err)
			return
		}
		ctx := context.WithValue(r.Context(), apiKeyCtxKey, key)
		ctx = audit.WithActor(ctx, audit.Actor{Type: "key", ID: key.ID})
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// keyReaches returns nil when key may serve r's route, ENOTFOUND for
// another project's path and EFORBIDDEN for a role or surface it lacks.
func keyReaches(key *driveway.APIKey, r *http.Request) error {
	pid := r.PathValue("pid")
	if pid != "" && !admin.CanAccess(key, pid) {
		return driveway.Errorf(driveway.ENOTFOUND, "no such project")
	}
	surface, role, instance := routeNeeds(r.Method, r.Pattern)
	if instance && key.ProjectID != "" {
		return driveway.Errorf(driveway.EFORBIDDEN, "only an instance API key may do this")
	}
	if !admin.Allows(key, surface, role) {
		return driveway.Errorf(driveway.EFORBIDDEN, "this API key may not %s %s (role %s)", verb(role), surface, key.Role)
	}
	return nil
}

func verb(role string) string {
	switch role {
	case driveway.KeyRead:
		return "read"
	case driveway.KeyOperate:
		return "operate"
	}
	return "change"
}

func apiKeyFrom(ctx context.Context) *driveway.APIKey {
	k, _ := ctx.Value(apiKeyCtxKey).(*driveway.APIKey)
	return k
}

func bearer(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}
