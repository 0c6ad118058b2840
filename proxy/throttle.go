package proxy

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// gate is one tenant's throttle state: no call of the tenant goes to Graph
// before until.
type gate struct {
	mu    sync.Mutex
	until time.Time
}

func (g *gate) get() time.Time {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.until
}

// hold moves until to t if t is later.
func (g *gate) hold(t time.Time) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if t.After(g.until) {
		g.until = t
	}
}

// holdFor holds the tenant's gate for Graph's Retry-After, at most
// MaxHold: a Retry-After of an hour (or a date far ahead) must not stop
// every call of the tenant for that long. The caller that got the 429
// still sees Graph's own Retry-After.
func (p *Proxy) holdFor(key string, now time.Time, wait time.Duration) {
	p.gate(key).hold(now.Add(min(wait, p.maxHold())))
}

func (p *Proxy) maxHold() time.Duration {
	if p.MaxHold > 0 {
		return p.MaxHold
	}
	return DefaultMaxHold
}

func (p *Proxy) gate(key string) *gate {
	if v, ok := p.gates.Load(key); ok {
		return v.(*gate)
	}
	v, loaded := p.gates.LoadOrStore(key, &gate{})
	if !loaded && p.ngates.Add(1)%1024 == 0 {
		p.pruneGates()
	}
	return v.(*gate)
}

// pruneGates drops gates whose hold has passed, so that one gate per
// personal account does not grow the map forever. A call holding a pruned
// gate only loses a hold that was over anyway.
func (p *Proxy) pruneGates() {
	now := time.Now()
	p.gates.Range(func(k, v any) bool {
		if v.(*gate).get().Before(now) {
			p.gates.Delete(k)
		}
		return true
	})
}

// throttleError is a call refused locally because its tenant must wait
// longer than the call's remaining budget.
type throttleError struct{ wait time.Duration }

func (e *throttleError) Error() string { return "tenant throttled" }

// waitGate waits until the tenant may call Graph again, spending the
// call's budget; it returns a throttleError when the wait exceeds it.
func (p *Proxy) waitGate(ctx context.Context, key string, budget *time.Duration) error {
	g := p.gate(key)
	for {
		wait := time.Until(g.get())
		if wait <= 0 {
			return nil
		}
		if wait > *budget {
			return &throttleError{wait: wait}
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
		*budget -= wait
	}
}

// throttled reports whether resp asks the tenant to wait, and how long.
func throttled(resp *http.Response, now time.Time) (time.Duration, bool) {
	if resp.StatusCode != http.StatusTooManyRequests && resp.StatusCode != http.StatusServiceUnavailable {
		return 0, false
	}
	return retryAfter(resp.Header.Get("Retry-After"), now)
}

// retryAfter parses Retry-After: delay seconds or an HTTP date.
func retryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// retriableWhenThrottled: only GET and HEAD are retried after a 429 or
// 503. A 503 may come after Graph acted; a repeated PUT makes another
// version, a repeated DELETE answers 404, a repeated POST creates twice.
func retriableWhenThrottled(method string) bool {
	return method == http.MethodGet || method == http.MethodHead
}

// acquire takes one of the credential's MaxConcurrent slots.
func (p *Proxy) acquire(ctx context.Context, key string) (func(), error) {
	v, ok := p.sems.Load(key)
	if !ok {
		v, _ = p.sems.LoadOrStore(key, make(chan struct{}, p.maxConcurrent()))
	}
	sem := v.(chan struct{})
	select {
	case sem <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	var once sync.Once
	return func() { once.Do(func() { <-sem }) }, nil
}
