package dashboard

import (
	"context"
	"net"
	"net/http"
	"strconv"
	"strings"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/audit"
)

// operator is who the dashboard's one shared admin password signs in as,
// in the audit trail.
var operator = audit.Actor{Type: "operator", ID: "admin"}

// auditPageSize is how many entries the audit page shows at once.
const auditPageSize = 100

type auditData struct {
	Entries []*driveway.AuditEntry
	Filter  driveway.AuditFilter
	Older   string // the query of the next (older) page, "" on the last
}

// audited records each successful dashboard change (a POST answering below
// 400) in the audit trail, as the operator. A handler may enrich the entry
// with audit.Note, and naming an action there records the request whatever
// its method and outcome (a page showing end users' data, a "Try it" that
// failed).
func (h *handler) audited(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx, ev := audit.WithPending(audit.WithActor(withSource(r), operator))
		sw := &statusRecorder{ResponseWriter: w}
		next(sw, r.WithContext(ctx))
		read := r.Method == http.MethodGet || r.Method == http.MethodHead
		if h.opts.Audit == nil || (ev.Action == "" && (read || sw.status >= 400)) {
			return
		}
		if ev.Action == "" {
			ev.Action = "dashboard " + strings.TrimPrefix(r.Pattern, "POST ")
		}
		if ev.ProjectID == "" {
			ev.ProjectID = r.PathValue("pid")
		}
		if ev.Target == "" {
			ev.Target = r.URL.Path
		}
		_ = h.opts.Audit.Record(ctx, *ev) // logged by Record; the change is made
	}
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (w *statusRecorder) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach the connection.
func (w *statusRecorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *statusRecorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// auditPage lists the newest audit entries matching the filters of the
// query (project, action prefix, actor), older pages by ?before=SEQ.
func (h *handler) auditPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := driveway.AuditFilter{ProjectID: strings.TrimSpace(q.Get("project")), Action: strings.TrimSpace(q.Get("action")),
		ActorID: strings.TrimSpace(q.Get("actor")), Newest: true}
	f.Before, _ = strconv.ParseInt(q.Get("before"), 10, 64)
	entries, err := h.opts.Admin.Store.ListAudit(r.Context(), f, auditPageSize)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d := auditData{Entries: entries, Filter: f}
	if len(entries) == auditPageSize {
		q.Set("before", strconv.FormatInt(entries[len(entries)-1].Seq, 10))
		d.Older = q.Encode()
	}
	h.render(w, r, http.StatusOK, "audit", &view{Title: "Audit log", Data: d})
}

// withSource returns r's context with a source: the one httpapi's
// middleware set, else (the dashboard served alone) the peer's address.
func withSource(r *http.Request) context.Context {
	if audit.SourceFrom(r.Context()).Address != "" {
		return r.Context()
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	return audit.WithSource(r.Context(), audit.Source{Address: host})
}
