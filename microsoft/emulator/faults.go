package emulator

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Fault makes matching Graph or pre-authenticated requests fail or slow down.
type Fault struct {
	// ID is assigned by AddFault.
	ID string `json:"id"`
	// Route is a prefix of the route name ("graph" for all of Graph,
	// "graph.content", "preauth.upload", ...). Empty matches Graph and
	// pre-authenticated routes. "identity.token" or "identity.authorize"
	// (named explicitly) fail sign-in with temporarily_unavailable.
	Route string `json:"route,omitempty"`
	// Status to answer: 429, 503, 500, 502, 504, 507, 509. Zero with a
	// Delay only slows the request down.
	Status int `json:"status,omitempty"`
	// RetryAfter in seconds; sent when > 0.
	RetryAfter int `json:"retryAfter,omitempty"`
	// Code overrides the error code (default by status, e.g.
	// activityLimitReached for 429).
	Code string `json:"code,omitempty"`
	// Fraction (0..1) of matching requests hit; zero means all.
	Fraction float64 `json:"fraction,omitempty"`
	// Every hits every Nth matching request when > 0.
	Every int `json:"every,omitempty"`
	// Count limits how many requests are hit; zero means unlimited.
	Count int `json:"count,omitempty"`
	// Delay is slept (real time) before answering.
	Delay time.Duration `json:"delay,omitempty"`
	// Hold keeps answering every Graph request with this fault until
	// RetryAfter seconds (real time) have passed since it first fired, like
	// a throttled tenant.
	Hold bool `json:"hold,omitempty"`

	seen, hits int
}

// AddFault installs a fault and returns its id.
func (e *Emulator) AddFault(f Fault) string {
	e.mu.Lock()
	defer e.mu.Unlock()
	f.ID = e.guid()
	e.rt.faults = append(e.rt.faults, &f)
	return f.ID
}

// ClearFaults removes all faults (Graph faults and token faults).
func (e *Emulator) ClearFaults() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.rt.faults = nil
	e.rt.tokenFail = nil
	e.rt.holding = nil
	e.rt.retryUntil = time.Time{}
}

// pickFault returns the fault to apply to a request on route, if any, and
// tracks the Retry-After window. Lock held.
func (e *Emulator) pickFault(route string) *Fault {
	if strings.HasPrefix(route, "identity") {
		return e.matchFault(route)
	}
	if !strings.HasPrefix(route, "graph") && !strings.HasPrefix(route, "preauth") {
		return nil
	}
	now := time.Now()
	inWindow := now.Before(e.rt.retryUntil)
	if inWindow {
		e.stats.duringRetryAfter++
		if h := e.rt.holding; h != nil {
			c := *h
			c.RetryAfter = int(time.Until(e.rt.retryUntil)/time.Second) + 1
			return &c
		}
	}
	f := e.matchFault(route)
	if f != nil && f.RetryAfter > 0 && f.Status != 0 {
		e.rt.retryUntil = now.Add(time.Duration(f.RetryAfter) * time.Second)
		e.rt.holding = nil
		if f.Hold {
			e.rt.holding = f
		}
		if inWindow {
			e.stats.duringRetryAfter--
		}
	}
	return f
}

// matchFault finds the first fault that hits this request. Lock held.
func (e *Emulator) matchFault(route string) *Fault {
	for _, f := range e.rt.faults {
		if strings.HasPrefix(route, "identity") != strings.HasPrefix(f.Route, "identity") {
			continue // identity routes only match faults that name them
		}
		if !strings.HasPrefix(route, f.Route) || (f.Count > 0 && f.hits >= f.Count) {
			continue
		}
		f.seen++
		if f.Every > 0 && f.seen%f.Every != 0 {
			continue
		}
		if f.Fraction > 0 && e.rng.Float64() >= f.Fraction {
			continue
		}
		f.hits++
		c := *f
		return &c
	}
	return nil
}

// applyFault answers the request with a fault and reports true, or only
// delays it and reports false.
func (e *Emulator) applyFault(w http.ResponseWriter, r *http.Request, route string) bool {
	e.mu.Lock()
	f := e.pickFault(route)
	e.mu.Unlock()
	if f == nil {
		return false
	}
	if f.Delay > 0 {
		select {
		case <-time.After(f.Delay):
		case <-r.Context().Done():
			return true
		}
	}
	if f.Status == 0 {
		return false
	}
	if f.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(f.RetryAfter))
	}
	if strings.HasPrefix(route, "identity") {
		a := aad(90033)
		a.Error = "temporarily_unavailable"
		w.Header().Set("Cache-Control", "no-store, no-cache")
		writeAADStatus(e, w, r, a, f.Status)
		return true
	}
	e.writeGraphError(w, r, faultError(f))
	return true
}

func faultError(f *Fault) *graphError {
	g := gerr(f.Status, "generalException", "An unspecified error has occurred.")
	switch f.Status {
	case 429:
		g = gerr(429, "activityLimitReached", "The request has been throttled", "throttledRequest", "quota")
	case 503:
		g = gerr(503, "serviceNotAvailable", "Service unavailable")
	case 502:
		g = gerr(502, "BadGateway", "Bad gateway")
	case 504:
		g = gerr(504, "GatewayTimeout", "Gateway timeout")
	case 507:
		g = gerr(507, "quotaLimitReached", "Insufficient Space Available", "quota")
	case 509:
		g = gerr(509, "activityLimitReached", "Bandwidth limit exceeded", "throttledRequest")
	}
	if f.Code != "" {
		g.Code = f.Code
	}
	return g
}
