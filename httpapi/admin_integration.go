package httpapi

import (
	"net/http"

	"github.com/drivewayhq/driveway/admin"
	"github.com/drivewayhq/driveway/audit"
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
	pid := r.PathValue("pid")
	before, err := s.Admin.GetIntegration(r.Context(), pid) // the defaults before the first save
	if err != nil {
		return err
	}
	v, err := s.Admin.PutIntegration(r.Context(), pid, in)
	if err != nil {
		return err
	}
	audit.Note(r.Context(), audit.Event{Action: "integration.update", Target: pid, Before: before, After: v})
	writeJSON(w, http.StatusOK, v)
	return nil
}
