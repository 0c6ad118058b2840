package httpapi

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/audit"
)

// audited records one audit entry for each successful change made through
// the admin API (every method but GET and HEAD answering below 400). The
// handler may enrich it with audit.Note; naming an action there records the
// request whatever its method and outcome: a read of an end user's data, or
// an access attempted.
func (s *Server) audited(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.Audit == nil {
			next.ServeHTTP(w, r)
			return
		}
		ctx, ev := audit.WithPending(r.Context())
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r.WithContext(ctx))
		read := r.Method == http.MethodGet || r.Method == http.MethodHead
		if ev.Action == "" && (read || sw.status >= 400) {
			return
		}
		if ev.Action == "" {
			ev.Action = r.Pattern
		}
		if ev.ProjectID == "" {
			ev.ProjectID = r.PathValue("pid")
		}
		if ev.Target == "" {
			ev.Target = auditTarget(r, s.Audit)
		}
		_ = s.Audit.Record(ctx, *ev) // logged by Record; the change is made
	})
}

// auditTarget is the request's path, with an end user's id in it ({uid})
// replaced by their pseudonym: the trail never names an end user.
func auditTarget(r *http.Request, rec *audit.Recorder) string {
	uid := r.PathValue("uid")
	if uid == "" {
		return r.URL.Path
	}
	return strings.Replace(r.URL.Path, "/users/"+url.PathEscape(uid), "/users/"+rec.Pseudonym(r.PathValue("pid"), uid), 1)
}

// exportPage is how many entries the export reads from the store at once.
const exportPage = 500

// exportAudit streams the entries after the cursor ?after= (a seq) as JSON
// lines, oldest first, up to ?limit= (all when absent); a client resumes
// from the last seq it read. Filters: project, action (a prefix), actor,
// since and until (RFC 3339).
func (s *Server) exportAudit(w http.ResponseWriter, r *http.Request) error {
	f, limit, err := auditFilter(r)
	if err != nil {
		return err
	}
	if pid := r.PathValue("pid"); pid != "" {
		f.ProjectID = pid
	}
	w.Header().Set("Content-Type", "application/x-ndjson")
	enc := json.NewEncoder(w)
	for sent := 0; limit <= 0 || sent < limit; {
		n := exportPage
		if limit > 0 && limit-sent < n {
			n = limit - sent
		}
		page, err := s.Admin.Store.ListAudit(r.Context(), f, n)
		if err != nil {
			return err
		}
		for _, e := range page {
			if err := enc.Encode(audit.ToLine(e)); err != nil {
				return nil // the client went away
			}
			f.After = e.Seq
		}
		sent += len(page)
		if len(page) < n {
			break
		}
		_ = http.NewResponseController(w).Flush()
	}
	return nil
}

func auditFilter(r *http.Request) (driveway.AuditFilter, int, error) {
	q := r.URL.Query()
	f := driveway.AuditFilter{ProjectID: q.Get("project"), Action: q.Get("action"), ActorID: q.Get("actor")}
	var err error
	num := func(name string) int64 {
		v := q.Get(name)
		if v == "" || err != nil {
			return 0
		}
		n, perr := strconv.ParseInt(v, 10, 64)
		if perr != nil || n < 0 {
			err = driveway.Invalid(name, "%s must be a whole number", name)
		}
		return n
	}
	when := func(name string) time.Time {
		v := q.Get(name)
		if v == "" || err != nil {
			return time.Time{}
		}
		t, perr := time.Parse(time.RFC3339, v)
		if perr != nil {
			err = driveway.Invalid(name, "%s must be an RFC 3339 time", name)
		}
		return t
	}
	f.After, f.Since, f.Until = num("after"), when("since"), when("until")
	limit := int(num("limit"))
	return f, limit, err
}

// verifyAudit walks the whole chain and reports whether it holds.
func (s *Server) verifyAudit(w http.ResponseWriter, r *http.Request) error {
	rep, err := audit.Verify(r.Context(), s.Admin.Store)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rep)
	return nil
}
