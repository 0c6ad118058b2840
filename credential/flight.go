package credential

import (
	"context"
	"slices"
	"sync"

	"github.com/drivewayhq/driveway"
)

// flights runs at most one refresh per key at a time in this process; the
// callers that arrive meanwhile share its result. (golang.org/x/sync's
// singleflight would do, but a waiter here must also be able to give up on
// its own ctx while the refresh goes on.)
type flights struct {
	mu sync.Mutex
	m  map[string]*flight
}

type flight struct {
	done  chan struct{}
	token string
	cred  *driveway.Credential
	err   error
}

// do runs fn for key unless a run is in progress, and returns its result;
// it returns early with ctx's error if ctx ends first (fn still finishes).
func (f *flights) do(ctx context.Context, key string, fn func() (string, *driveway.Credential, error)) (string, *driveway.Credential, error) {
	f.mu.Lock()
	if f.m == nil {
		f.m = map[string]*flight{}
	}
	fl, running := f.m[key]
	if !running {
		fl = &flight{done: make(chan struct{})}
		f.m[key] = fl
		go f.run(key, fl, fn)
	}
	f.mu.Unlock()
	select {
	case <-fl.done:
		return fl.token, clone(fl.cred), fl.err
	case <-ctx.Done():
		return "", nil, driveway.Errorf(driveway.EUNAVAILABLE, "the request ended while the OneDrive credential was being refreshed")
	}
}

func (f *flights) run(key string, fl *flight, fn func() (string, *driveway.Credential, error)) {
	defer func() {
		f.mu.Lock()
		delete(f.m, key)
		f.mu.Unlock()
		close(fl.done)
	}()
	fl.token, fl.cred, fl.err = fn()
}

// clone copies c so that callers sharing a result cannot race on it.
func clone(c *driveway.Credential) *driveway.Credential {
	if c == nil {
		return nil
	}
	cp := *c
	cp.Scopes = slices.Clone(c.Scopes)
	return &cp
}
