package httpapi

import (
	"net/http"
	"time"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/admin"
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
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	ProjectID  string     `json:"projectId"`
	CreatedAt  time.Time  `json:"createdAt"`
	LastUsedAt *time.Time `json:"lastUsedAt"`
	RevokedAt  *time.Time `json:"revokedAt"`
	Secret     string     `json:"secret,omitempty"`
}

func toAPIKeyJSON(k *driveway.APIKey) apiKeyJSON {
	out := apiKeyJSON{ID: k.ID, Name: k.Name, ProjectID: k.ProjectID, CreatedAt: k.CreatedAt}
	if !k.LastUsedAt.IsZero() {
		t := k.LastUsedAt
		out.LastUsedAt = &t
	}
	if !k.RevokedAt.IsZero() {
		t := k.RevokedAt
		out.RevokedAt = &t
	}
	return out
}

func (s *Server) listAPIKeys(w http.ResponseWriter, r *http.Request) error {
	pid := r.PathValue("pid")
	if _, err := s.Admin.Store.GetProject(r.Context(), pid); err != nil {
		return err
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

type createAPIKeyInput struct {
	Name string `json:"name"`
}

// createAPIKey answers with the secret: the only time it is ever shown.
func (s *Server) createAPIKey(w http.ResponseWriter, r *http.Request) error {
	var in createAPIKeyInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	k, secret, err := s.Admin.CreateAPIKey(r.Context(), r.PathValue("pid"), in.Name)
	if err != nil {
		return err
	}
	out := toAPIKeyJSON(k)
	out.Secret = secret
	writeJSON(w, http.StatusCreated, out)
	return nil
}

func (s *Server) revokeAPIKey(w http.ResponseWriter, r *http.Request) error {
	if err := s.Admin.Store.RevokeAPIKey(r.Context(), r.PathValue("pid"), r.PathValue("keyId"), time.Now().UTC()); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
