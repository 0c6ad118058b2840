package emulator

import (
	"maps"
	"net/http"
	"strings"
	"time"
)

// RequestRecord is one entry of the request log.
type RequestRecord struct {
	Time          time.Time     `json:"time"`
	Method        string        `json:"method"`
	Host          string        `json:"host"`
	Path          string        `json:"path"`
	Query         string        `json:"query,omitempty"`
	Route         string        `json:"route"`
	Status        int           `json:"status"`
	Authorization bool          `json:"authorization"`
	Duration      time.Duration `json:"duration"`
}

// Counters are aggregate counts for tests to assert on.
type Counters struct {
	// Routes counts requests per route name (graph.item, graph.content,
	// graph.children, preauth.download, identity.token, ...).
	Routes map[string]int `json:"routes"`
	// TokenGrants counts token-endpoint calls by grant_type.
	TokenGrants map[string]int `json:"tokenGrants"`
	// PreAuthWithAuthorization counts requests to pre-authenticated URLs
	// that carried an Authorization header (a client bug).
	PreAuthWithAuthorization int `json:"preAuthWithAuthorization"`
	// Notifications counts webhook POSTs by outcome: sent, failed, dropped,
	// duplicated, refused (non-loopback), lifecycle.
	Notifications map[string]int `json:"notifications"`
	// RequestsDuringRetryAfter counts Graph and pre-authenticated requests
	// that arrived while a Retry-After from a fault was still running: a
	// client that pauses all its requests keeps it at zero.
	RequestsDuringRetryAfter int `json:"requestsDuringRetryAfter"`
	// UnknownTokens counts Graph requests whose bearer token the emulator
	// never issued (a client that sent its own app's token, such as a
	// Driveway user token, to Graph).
	UnknownTokens int `json:"unknownTokens"`
}

type stats struct {
	log     []RequestRecord
	routes  map[string]int
	grants  map[string]int
	notes   map[string]int
	preauth int

	duringRetryAfter int
	unknownTokens    int
}

const maxLog = 10000

func (e *Emulator) record(r *http.Request, path, route string, status int, d time.Duration) {
	rec := RequestRecord{Time: e.Now(), Method: r.Method, Host: r.Host, Path: path, Query: r.URL.RawQuery,
		Route: route, Status: status, Authorization: r.Header.Get("Authorization") != "", Duration: d}
	e.mu.Lock()
	defer e.mu.Unlock()
	s := &e.stats
	if s.routes == nil {
		s.routes = map[string]int{}
	}
	s.routes[route]++
	if strings.HasPrefix(route, "preauth.") && rec.Authorization {
		s.preauth++
	}
	if len(s.log) >= maxLog {
		s.log = s.log[maxLog/2:]
	}
	s.log = append(s.log, rec)
	if e.opts.Logf != nil {
		e.opts.Logf("emulator: %s %s%s → %d (%s)", r.Method, r.Host, path, status, route)
	}
}

// countNote counts a notification outcome. Lock held.
func (e *Emulator) countNote(outcome string) {
	if e.stats.notes == nil {
		e.stats.notes = map[string]int{}
	}
	e.stats.notes[outcome]++
}

// countGrant counts a token-endpoint call. Lock held.
func (e *Emulator) countGrant(grant string) {
	if e.stats.grants == nil {
		e.stats.grants = map[string]int{}
	}
	e.stats.grants[grant]++
}

// Counters returns a snapshot of the counters.
func (e *Emulator) Counters() Counters {
	e.mu.Lock()
	defer e.mu.Unlock()
	c := Counters{Routes: maps.Clone(e.stats.routes), TokenGrants: maps.Clone(e.stats.grants),
		Notifications: maps.Clone(e.stats.notes), PreAuthWithAuthorization: e.stats.preauth,
		RequestsDuringRetryAfter: e.stats.duringRetryAfter, UnknownTokens: e.stats.unknownTokens}
	if c.Routes == nil {
		c.Routes = map[string]int{}
	}
	if c.TokenGrants == nil {
		c.TokenGrants = map[string]int{}
	}
	if c.Notifications == nil {
		c.Notifications = map[string]int{}
	}
	return c
}

// RequestLog returns a copy of the request log (the most recent requests).
func (e *Emulator) RequestLog() []RequestRecord {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]RequestRecord(nil), e.stats.log...)
}

// ResetStats clears the request log and counters.
func (e *Emulator) ResetStats() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.stats = stats{}
}
