package httpapi

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/drivewayhq/driveway/audit"
	"github.com/drivewayhq/driveway/ids"
	"github.com/drivewayhq/driveway/internal/tracing"
)

type ctxKey int

const requestIDKey ctxKey = 0

// requestInfo is what the request's log line says besides the route: its
// id, and the project, user and credential the handlers named (Annotate).
type requestInfo struct {
	id, project, user, credential string
}

// RequestID returns the id of the request ctx belongs to, or "".
func RequestID(ctx context.Context) string {
	if info, ok := ctx.Value(requestIDKey).(*requestInfo); ok {
		return info.id
	}
	return ""
}

// Annotate names the project, end user and credential a request acts on,
// for its log line (ids only, never a secret; "" leaves a field as it is).
// Call it from the request's own goroutine.
func Annotate(ctx context.Context, projectID, userID, credentialID string) {
	info, ok := ctx.Value(requestIDKey).(*requestInfo)
	if !ok {
		return
	}
	for _, f := range []struct {
		dst *string
		v   string
	}{{&info.project, projectID}, {&info.user, userID}, {&info.credential, credentialID}} {
		if f.v != "" {
			*f.dst = f.v
		}
	}
}

// An inbound X-Request-Id is kept only when it looks like an id, so that a
// caller cannot write arbitrary text into our logs.
var requestIDPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{8,64}$`)

// idPattern is what an id from a path must look like to be logged.
var idPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach Flush and deadlines.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// middleware adds the request id, recovers panics, logs one line per
// request and records metrics. The log line names the route pattern, never
// the raw URL: query strings may carry user tokens.
func (s *Server) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get("X-Request-Id")
		if !requestIDPattern.MatchString(id) {
			id = ids.New("req")
		}
		w.Header().Set("X-Request-Id", id)
		ctx, span := tracing.StartServer(r)
		ctx = context.WithValue(ctx, requestIDKey, &requestInfo{id: id})
		r = r.WithContext(audit.WithSource(ctx, audit.Source{RequestID: id, Address: s.clientAddr(r)}))
		s.bodyDeadline(w, r)
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.Logger.ErrorContext(r.Context(), "panic", "request_id", id, "panic", v)
				if sw.status == 0 {
					writeError(sw, r, errInternal)
				}
			}
			s.observe(r, sw, time.Since(start))
			tracing.EndServer(span, routeOf(r), id, statusOf(sw))
		}()
		next.ServeHTTP(sw, r)
	})
}

func (s *Server) observe(r *http.Request, sw *statusWriter, d time.Duration) {
	pattern, status := routeOf(r), statusOf(sw)
	s.metrics.requests.WithLabelValues(pattern, strconv.Itoa(status)).Inc()
	s.metrics.duration.WithLabelValues(pattern).Observe(d.Seconds())
	attrs := []any{"request_id", RequestID(r.Context()), "method", r.Method,
		"route", pattern, "status", status, "bytes", sw.bytes, "duration_ms", float64(d.Microseconds()) / 1000}
	if info, ok := r.Context().Value(requestIDKey).(*requestInfo); ok {
		attrs = appendIDs(attrs, info)
	}
	s.Logger.InfoContext(r.Context(), "request", attrs...)
}

// appendIDs adds the annotated ids that are set.
func appendIDs(attrs []any, info *requestInfo) []any {
	for _, f := range [...]struct{ k, v string }{{"project", info.project}, {"user", info.user}, {"credential", info.credential}} {
		if f.v != "" {
			attrs = append(attrs, f.k, f.v)
		}
	}
	return attrs
}

// routeOf is the pattern that answered r, "unmatched" when none did.
func routeOf(r *http.Request) string {
	if r.Pattern == "" {
		return "unmatched"
	}
	return r.Pattern
}

// statusOf is the status written, 200 when the handler wrote none.
func statusOf(sw *statusWriter) int {
	if sw.status == 0 {
		return http.StatusOK
	}
	return sw.status
}

type httpMetrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newHTTPMetrics(reg prometheus.Registerer) *httpMetrics {
	m := &httpMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "driveway_http_requests_total", Help: "HTTP requests by route pattern and status.",
		}, []string{"route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "driveway_http_request_duration_seconds", Help: "HTTP request duration by route pattern.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"route"}),
	}
	reg.MustRegister(m.requests, m.duration)
	return m
}

// MetricsHandler serves the Prometheus metrics of Gatherer, behind
// MetricsToken when set.
func (s *Server) MetricsHandler() http.Handler {
	g := s.Gatherer
	if g == nil {
		g = prometheus.DefaultGatherer
	}
	h := promhttp.HandlerFor(g, promhttp.HandlerOpts{})
	if s.MetricsToken == "" {
		return h
	}
	want := sha256.Sum256([]byte(s.MetricsToken))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		got := sha256.Sum256([]byte(token))
		if !ok || subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="metrics"`)
			http.Error(w, "metrics need a bearer token", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// bodyDeadline sets the read deadline of r's body (BodyTimeout), unless r
// has none or streams. net/http clears it before it watches an idle
// connection after the body (so a long handler is not canceled by it) and
// sets the next request's deadlines itself.
func (s *Server) bodyDeadline(w http.ResponseWriter, r *http.Request) {
	if s.BodyTimeout <= 0 || r.Body == nil || r.Body == http.NoBody || (s.Streaming != nil && s.Streaming(r)) {
		return
	}
	_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(s.BodyTimeout))
}

// clientAddr is the address the audit trail and a key's last use name:
// the peer, or behind a trusted proxy the client it forwards for.
func (s *Server) clientAddr(r *http.Request) string {
	if a := s.ClientIP.Addr(r); a.IsValid() {
		return a.String()
	}
	return ""
}
