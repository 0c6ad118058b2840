package httpapi

import (
	"net/http"

	"github.com/drivewayhq/driveway/admin"
)

func (s *Server) getIntegration(w http.ResponseWriter, r *http.Request) error {
	v, err := s.Admin.GetIntegration(r.Context(), r.PathValue("pid"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

func (s *Server) putIntegration(w http.ResponseWriter, r *http.Request) error {
	var in admin.IntegrationInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	v, err := s.Admin.PutIntegration(r.Context(), r.PathValue("pid"), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}
