package httpapi

import (
	"context"
	"net/http"
	"strings"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/admin"
)

const apiKeyCtxKey ctxKey = 1

// requireAPIKey authenticates an admin API call by "Authorization: Bearer
// <API key>". A project key that names another project's path gets 404, as
// if that project did not exist.
func (s *Server) requireAPIKey(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, ok := bearer(r)
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="driveway-admin"`)
			writeError(w, r, driveway.Errorf(driveway.EUNAUTHORIZED, "send an API key as Authorization: Bearer <key>"))
			return
		}
		key, err := s.Admin.AuthenticateAPIKey(r.Context(), token)
		if err != nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="driveway-admin", error="invalid_token"`)
			writeError(w, r, err)
			return
		}
		if pid := r.PathValue("pid"); pid != "" && !admin.CanAccess(key, pid) {
			writeError(w, r, driveway.Errorf(driveway.ENOTFOUND, "no such project"))
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), apiKeyCtxKey, key)))
	})
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
