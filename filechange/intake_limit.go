package filechange

import (
	"sync"
	"time"
)

// The per-source limit of notification intake: a source may send
// IntakeForgedBurst entries that match no subscription (or carry the wrong
// clientState), refilled at IntakeForgedPerMinute.
const (
	IntakeForgedBurst     = 2 * MaxNotificationEntries
	IntakeForgedPerMinute = MaxNotificationEntries
	// maxIntakeSources bounds the limiter's memory.
	maxIntakeSources = 10000
)

// sourceLimit is a token bucket per source (clientip.Key) that only forged
// or stale entries drain. A source in debt is answered 429 at once, before
// its body is read, and is never made to wait. Genuine entries cost
// nothing, so Graph's deliveries are never refused unless Graph itself
// sends thousands of stale ones. It lives in one node's memory: each node
// holds each source to the limit on its own.
type sourceLimit struct {
	mu      sync.Mutex
	now     func() time.Time
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	at     time.Time
}

func newSourceLimit() *sourceLimit {
	return &sourceLimit{now: time.Now, buckets: map[string]*bucket{}}
}

// wait returns how long source must wait before sending again; 0 when it
// may send now.
func (l *sourceLimit) wait(source string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buckets[source]
	if b == nil {
		return 0
	}
	l.refill(b)
	if b.tokens > 0 {
		return 0
	}
	return time.Duration((1 - b.tokens) / perSecond() * float64(time.Second))
}

// spend takes n tokens from source's bucket (into debt if need be).
func (l *sourceLimit) spend(source string, n int) {
	if n <= 0 {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buckets[source]
	if b == nil {
		if len(l.buckets) >= maxIntakeSources {
			l.evict()
		}
		b = &bucket{tokens: IntakeForgedBurst, at: l.now()}
		l.buckets[source] = b
	}
	l.refill(b)
	b.tokens -= float64(n)
}

func (l *sourceLimit) refill(b *bucket) {
	now := l.now()
	b.tokens = min(IntakeForgedBurst, b.tokens+now.Sub(b.at).Seconds()*perSecond())
	b.at = now
}

// evict drops the full buckets, and one more if none was full.
func (l *sourceLimit) evict() {
	for k, b := range l.buckets {
		if l.refill(b); b.tokens >= IntakeForgedBurst {
			delete(l.buckets, k)
		}
	}
	for k := range l.buckets {
		if len(l.buckets) < maxIntakeSources {
			return
		}
		delete(l.buckets, k)
	}
}

func perSecond() float64 { return float64(IntakeForgedPerMinute) / 60 }
