package httpapi

import (
	"net/http"
	"time"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/admin"
	"github.com/drivewayhq/driveway/audit"
)

func codeOf(err error) string { return driveway.ErrorCode(err) }

type projectJSON struct {
	ID             string    `json:"id"`
	Name           string    `json:"name"`
	AllowedOrigins []string  `json:"allowedOrigins"`
	CreatedAt      time.Time `json:"createdAt"`
	UpdatedAt      time.Time `json:"updatedAt"`
}

func toProjectJSON(p *driveway.Project) projectJSON {
	o := p.AllowedOrigins
	if o == nil {
		o = []string{}
	}
	return projectJSON{ID: p.ID, Name: p.Name, AllowedOrigins: o, CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt}
}

func (s *Server) listProjects(w http.ResponseWriter, r *http.Request) error {
	key := apiKeyFrom(r.Context())
	ps, err := s.Admin.Store.ListProjects(r.Context())
	if err != nil {
		return err
	}
	out := []projectJSON{}
	for _, p := range ps {
		if admin.CanAccess(key, p.ID) {
			out = append(out, toProjectJSON(p))
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": out})
	return nil
}

func (s *Server) createProject(w http.ResponseWriter, r *http.Request) error {
	if apiKeyFrom(r.Context()).ProjectID != "" {
		return driveway.Errorf(driveway.EFORBIDDEN, "only an instance API key can create projects")
	}
	var in admin.ProjectInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	p, err := s.Admin.CreateProject(r.Context(), in)
	if err != nil {
		return err
	}
	audit.Note(r.Context(), audit.Event{Action: "project.create", ProjectID: p.ID, Target: p.ID, After: toProjectJSON(p)})
	writeJSON(w, http.StatusCreated, toProjectJSON(p))
	return nil
}

func (s *Server) getProject(w http.ResponseWriter, r *http.Request) error {
	p, err := s.Admin.Store.GetProject(r.Context(), r.PathValue("pid"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toProjectJSON(p))
	return nil
}

// projectPatch is a partial update: absent fields keep their value.
type projectPatch struct {
	Name           *string   `json:"name"`
	AllowedOrigins *[]string `json:"allowedOrigins"`
}

func (s *Server) updateProject(w http.ResponseWriter, r *http.Request) error {
	var in projectPatch
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	p, err := s.Admin.Store.GetProject(r.Context(), r.PathValue("pid"))
	if err != nil {
		return err
	}
	next := admin.ProjectInput{Name: p.Name, AllowedOrigins: p.AllowedOrigins}
	if in.Name != nil {
		next.Name = *in.Name
	}
	if in.AllowedOrigins != nil {
		next.AllowedOrigins = *in.AllowedOrigins
	}
	before := toProjectJSON(p)
	p, err = s.Admin.UpdateProject(r.Context(), p.ID, next)
	if err != nil {
		return err
	}
	audit.Note(r.Context(), audit.Event{Action: "project.update", Target: p.ID, Before: before, After: toProjectJSON(p)})
	writeJSON(w, http.StatusOK, toProjectJSON(p))
	return nil
}

func (s *Server) deleteProject(w http.ResponseWriter, r *http.Request) error {
	if apiKeyFrom(r.Context()).ProjectID != "" {
		return driveway.Errorf(driveway.EFORBIDDEN, "only an instance API key can delete projects")
	}
	pid := r.PathValue("pid")
	p, err := s.Admin.Store.GetProject(r.Context(), pid)
	if err != nil {
		return err
	}
	if err := s.Admin.Store.DeleteProject(r.Context(), pid); err != nil {
		return err
	}
	audit.Note(r.Context(), audit.Event{Action: "project.delete", Target: pid, Before: toProjectJSON(p)})
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type originsJSON struct {
	AllowedOrigins []string `json:"allowedOrigins"`
}

func (s *Server) getOrigins(w http.ResponseWriter, r *http.Request) error {
	p, err := s.Admin.Store.GetProject(r.Context(), r.PathValue("pid"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, originsJSON{AllowedOrigins: toProjectJSON(p).AllowedOrigins})
	return nil
}

func (s *Server) putOrigins(w http.ResponseWriter, r *http.Request) error {
	var in originsJSON
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	p, err := s.Admin.Store.GetProject(r.Context(), r.PathValue("pid"))
	if err != nil {
		return err
	}
	before := originsJSON{AllowedOrigins: toProjectJSON(p).AllowedOrigins}
	p, err = s.Admin.UpdateProject(r.Context(), p.ID, admin.ProjectInput{Name: p.Name, AllowedOrigins: in.AllowedOrigins})
	if err != nil {
		return err
	}
	audit.Note(r.Context(), audit.Event{Action: "project.origins.update", Target: p.ID, Before: before,
		After: originsJSON{AllowedOrigins: toProjectJSON(p).AllowedOrigins}})
	writeJSON(w, http.StatusOK, originsJSON{AllowedOrigins: toProjectJSON(p).AllowedOrigins})
	return nil
}
