package httpapi

import (
	"net/http"
	"strconv"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/userdata"
)

// usersOf returns the user service; 503 without one.
func (s *Server) usersOf() (*userdata.Service, error) {
	if s.Users == nil {
		return nil, driveway.Errorf(driveway.EUNAVAILABLE, "user operations are not configured on this server")
	}
	return s.Users, nil
}

func (s *Server) listUsers(w http.ResponseWriter, r *http.Request) error {
	u, err := s.usersOf()
	if err != nil {
		return err
	}
	limit := 0
	if v := r.URL.Query().Get("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil {
			return driveway.Invalid("limit", "must be a number")
		}
	}
	list, err := u.List(r.Context(), r.PathValue("pid"), r.URL.Query().Get("after"), limit)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": list})
	return nil
}

func (s *Server) getUser(w http.ResponseWriter, r *http.Request) error {
	u, err := s.usersOf()
	if err != nil {
		return err
	}
	user, err := u.Get(r.Context(), r.PathValue("pid"), r.PathValue("uid"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, user)
	return nil
}

func (s *Server) exportUser(w http.ResponseWriter, r *http.Request) error {
	u, err := s.usersOf()
	if err != nil {
		return err
	}
	out, err := u.Export(r.Context(), r.PathValue("pid"), r.PathValue("uid"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) disconnectUserCredential(w http.ResponseWriter, r *http.Request) error {
	u, err := s.usersOf()
	if err != nil {
		return err
	}
	if err := u.Disconnect(r.Context(), r.PathValue("pid"), r.PathValue("uid"), r.PathValue("cid")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// eraseUser answers 202 with the erasure's id: the erasure job does the
// work (GET .../erasures/{eid} tells when it is done).
func (s *Server) eraseUser(w http.ResponseWriter, r *http.Request) error {
	u, err := s.usersOf()
	if err != nil {
		return err
	}
	id, err := u.Erase(r.Context(), r.PathValue("pid"), r.PathValue("uid"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, map[string]string{"id": id, "status": "pending"})
	return nil
}

func (s *Server) getErasure(w http.ResponseWriter, r *http.Request) error {
	u, err := s.usersOf()
	if err != nil {
		return err
	}
	if _, err := s.Admin.Store.GetProject(r.Context(), r.PathValue("pid")); err != nil {
		return err
	}
	done, err := u.ErasureDone(r.Context(), r.PathValue("pid"), r.PathValue("eid"))
	if err != nil {
		return err
	}
	status := "pending"
	if done {
		status = "done"
	}
	writeJSON(w, http.StatusOK, map[string]string{"id": r.PathValue("eid"), "status": status})
	return nil
}
