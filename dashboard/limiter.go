package dashboard

import (
	"sync"
	"time"
)

// Failed logins allowed per client address within the window; more are
// refused until the window of the first failure has passed.
const (
	maxFailedLogins   = 5
	failedLoginWindow = 15 * time.Minute
	// maxTrackedClients bounds the limiter's memory; when full, expired
	// entries are dropped and, failing that, the oldest one.
	maxTrackedClients = 10000
)

// limiter counts failed logins per client in fixed windows. It lives in one
// node's memory: behind a load balancer each node counts on its own.
type limiter struct {
	mu     sync.Mutex
	max    int
	window time.Duration
	now    func() time.Time
	fails  map[string]*failures
}

type failures struct {
	count int
	start time.Time
}

func newLimiter(max int, window time.Duration, now func() time.Time) *limiter {
	return &limiter{max: max, window: window, now: now, fails: map[string]*failures{}}
}

// Blocked reports whether client has used up its failed attempts, and for
// how much longer.
func (l *limiter) Blocked(client string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	f := l.fails[client]
	if f == nil {
		return false, 0
	}
	left := f.start.Add(l.window).Sub(l.now())
	if left <= 0 {
		delete(l.fails, client)
		return false, 0
	}
	return f.count >= l.max, left
}

// Fail records one failed attempt of client.
func (l *limiter) Fail(client string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	f := l.fails[client]
	if f == nil || now.Sub(f.start) >= l.window {
		if f == nil && len(l.fails) >= maxTrackedClients {
			l.evict(now)
		}
		f = &failures{start: now}
		l.fails[client] = f
	}
	f.count++
}

// Reset forgets client's failures after a successful login.
func (l *limiter) Reset(client string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.fails, client)
}

func (l *limiter) evict(now time.Time) {
	var oldest string
	for k, f := range l.fails {
		if now.Sub(f.start) >= l.window {
			delete(l.fails, k)
		} else if oldest == "" || f.start.Before(l.fails[oldest].start) {
			oldest = k
		}
	}
	if len(l.fails) >= maxTrackedClients {
		delete(l.fails, oldest)
	}
}
