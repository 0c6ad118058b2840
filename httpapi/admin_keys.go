package httpapi

import (
	"net/http"
	"time"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/admin"
	"github.com/drivewayhq/driveway/audit"
)

type signingKeyJSON struct {
	ID         string    `json:"id"`
	Alg        string    `json:"alg"`
	PublicKey  string    `json:"publicKey"`
	Audience   string    `json:"audience,omitempty"`
	CreatedAt  time.Time `json:"createdAt"`
	PrivateKey string    `json:"privateKey,omitempty"`
}

func toSigningKeyJSON(k *driveway.SigningKey) signingKeyJSON {
	return signingKeyJSON{ID: k.ID, Alg: k.Alg, PublicKey: k.PublicKey, Audience: k.Audience, CreatedAt: k.CreatedAt}
}

func (s *Server) listSigningKeys(w http.ResponseWriter, r *http.Request) error {
	pid := r.PathValue("pid")
	if _, err := s.Admin.Store.GetProject(r.Context(), pid); err != nil {
		return err
	}
	ks, err := s.Admin.Store.ListSigningKeys(r.Context(), pid)
	if err != nil {
		return err
	}
	out := []signingKeyJSON{}
	for _, k := range ks {
		out = append(out, toSigningKeyJSON(k))
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": out})
	return nil
}

func (s *Server) addSigningKey(w http.ResponseWriter, r *http.Request) error {
	var in admin.SigningKeyInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	k, err := s.Admin.AddSigningKey(r.Context(), r.PathValue("pid"), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, toSigningKeyJSON(k))
	return nil
}

type generateKeyInput struct {
	Alg      string `json:"alg"`
	Audience string `json:"audience"`
}

// generateSigningKey answers with the private key: the only time it is
// ever shown.
func (s *Server) generateSigningKey(w http.ResponseWriter, r *http.Request) error {
	var in generateKeyInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	k, priv, err := s.Admin.GenerateSigningKey(r.Context(), r.PathValue("pid"), in.Alg, in.Audience)
	if err != nil {
		return err
	}
	out := toSigningKeyJSON(k)
	out.PrivateKey = priv
	writeJSON(w, http.StatusCreated, out)
	return nil
}

func (s *Server) deleteSigningKey(w http.ResponseWriter, r *http.Request) error {
	if err := s.Admin.Store.DeleteSigningKey(r.Context(), r.PathValue("pid"), r.PathValue("kid")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type apiKeyJSON struct {
	ID           string     `json:"id"`
	Name         string     `json:"name"`
	ProjectID    string     `json:"projectId"`
	Role         string     `json:"role"`
	Surfaces     []string   `json:"surfaces"` // ["*"]: every surface
	CreatedAt    time.Time  `json:"createdAt"`
	ExpiresAt    *time.Time `json:"expiresAt"`
	LastUsedAt   *time.Time `json:"lastUsedAt"`
	LastUsedAddr string     `json:"lastUsedAddress,omitempty"`
	CreatedBy    string     `json:"createdBy,omitempty"` // the key that made it; revoked with it
	RevokedAt    *time.Time `json:"revokedAt"`
	Secret       string     `json:"secret,omitempty"`
}

func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func toAPIKeyJSON(k *driveway.APIKey) apiKeyJSON {
	surfaces := k.Surfaces
	if surfaces == nil {
		surfaces = []string{"*"}
	}
	return apiKeyJSON{ID: k.ID, Name: k.Name, ProjectID: k.ProjectID, Role: k.Role, Surfaces: surfaces,
		CreatedAt: k.CreatedAt, ExpiresAt: optTime(k.ExpiresAt), LastUsedAt: optTime(k.LastUsedAt),
		LastUsedAddr: k.LastUsedAddr, CreatedBy: k.ParentID, RevokedAt: optTime(k.RevokedAt)}
}

func (s *Server) listAPIKeys(w http.ResponseWriter, r *http.Request) error {
	pid := r.PathValue("pid")
	if pid != "" {
		if _, err := s.Admin.Store.GetProject(r.Context(), pid); err != nil {
			return err
		}
	}
	ks, err := s.Admin.Store.ListAPIKeys(r.Context(), pid)
	if err != nil {
		return err
	}
	out := []apiKeyJSON{}
	for _, k := range ks {
		out = append(out, toAPIKeyJSON(k))
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": out})
	return nil
}

// createAPIKeyInput is a new key's scope; absent fields give an admin key
// for every surface that never expires, which only a key with that power
// may create. ExpiresIn is a Go duration ("720h"), an alternative to
// ExpiresAt.
type createAPIKeyInput struct {
	Name      string    `json:"name"`
	Role      string    `json:"role"`
	Surfaces  []string  `json:"surfaces"`
	ExpiresAt time.Time `json:"expiresAt"`
	ExpiresIn string    `json:"expiresIn"`
}

func (in createAPIKeyInput) spec(pid string, now time.Time) (admin.KeySpec, error) {
	spec := admin.KeySpec{ProjectID: pid, Name: in.Name, Role: in.Role, Surfaces: in.Surfaces, ExpiresAt: in.ExpiresAt}
	if in.ExpiresIn != "" {
		d, err := time.ParseDuration(in.ExpiresIn)
		if err != nil || d <= 0 {
			return spec, driveway.Invalid("expiresIn", "expiresIn must be a positive duration such as 720h")
		}
		spec.ExpiresAt = now.Add(d)
	}
	return spec, nil
}

// createAPIKey mints a key no stronger than the calling key and answers
// with the secret: the only time it is ever shown. On /api/v1/api-keys it
// makes an instance key.
func (s *Server) createAPIKey(w http.ResponseWriter, r *http.Request) error {
	var in createAPIKeyInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	spec, err := in.spec(r.PathValue("pid"), time.Now())
	if err != nil {
		return err
	}
	k, secret, err := s.Admin.MintAPIKey(r.Context(), apiKeyFrom(r.Context()), spec)
	if err != nil {
		return err
	}
	out := toAPIKeyJSON(k)
	audit.Note(r.Context(), audit.Event{Action: "api_key.create", Target: k.ID, After: out})
	out.Secret = secret
	writeJSON(w, http.StatusCreated, out)
	return nil
}

// revokeAPIKey revokes a key of the path's project (or an instance key on
// /api/v1/api-keys/{keyId}); a key may revoke only keys it covers.
func (s *Server) revokeAPIKey(w http.ResponseWriter, r *http.Request) error {
	pid, id := r.PathValue("pid"), r.PathValue("keyId")
	k, err := s.Admin.Store.GetAPIKey(r.Context(), id)
	if err != nil {
		return err
	}
	if k.ProjectID != pid {
		return driveway.Errorf(driveway.ENOTFOUND, "api key not found")
	}
	if err := admin.Covers(apiKeyFrom(r.Context()), k); err != nil {
		return err
	}
	if err := s.Admin.Store.RevokeAPIKey(r.Context(), pid, id, time.Now().UTC()); err != nil {
		return err
	}
	audit.Note(r.Context(), audit.Event{Action: "api_key.revoke", Target: id, Before: toAPIKeyJSON(k)})
	w.WriteHeader(http.StatusNoContent)
	return nil
}
