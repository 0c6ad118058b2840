package usertoken

import (
	"crypto/sha256"
	"sync"
	"time"
)

// Cache remembers verified tokens, keyed by a hash of the project and the
// token (the token itself is not kept), until the earlier of the token's
// expiry and TTL from verification, so that a deleted key stops working
// within TTL; with the Verifier's Changes, at once (any change of the
// project's keys drops its tokens). It holds at most Max entries, dropping expired ones and then others
// at random when full. Safe for concurrent use.
type Cache struct {
	TTL time.Duration // default 1 minute
	Max int           // default 10,000

	mu      sync.Mutex
	entries map[[32]byte]cacheEntry
}

type cacheEntry struct {
	v     *Verified
	until time.Time
	stamp uint64 // the project's authcache stamp when verified
}

func cacheKey(projectID, token string) [32]byte {
	h := sha256.New()
	h.Write([]byte(projectID))
	h.Write([]byte{0})
	h.Write([]byte(token))
	var k [32]byte
	h.Sum(k[:0])
	return k
}

func (c *Cache) get(projectID, token string, now time.Time, stamp uint64) (*Verified, bool) {
	k := cacheKey(projectID, token)
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[k]
	if !ok {
		return nil, false
	}
	if !now.Before(e.until) || e.stamp != stamp {
		delete(c.entries, k)
		return nil, false
	}
	return e.v, true
}

func (c *Cache) put(projectID, token string, v *Verified, now time.Time, stamp uint64) {
	ttl, max := c.TTL, c.Max
	if ttl <= 0 {
		ttl = time.Minute
	}
	if max <= 0 {
		max = 10000
	}
	until := now.Add(ttl)
	if v.ExpiresAt.Before(until) {
		until = v.ExpiresAt
	}
	k := cacheKey(projectID, token)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil {
		c.entries = make(map[[32]byte]cacheEntry)
	}
	if len(c.entries) >= max {
		c.evict(now, max)
	}
	c.entries[k] = cacheEntry{v: v, until: until, stamp: stamp}
}

// evict drops expired entries, then, if the cache is still more than three
// quarters full, entries in map order (effectively at random) until it is
// not. It runs once per Max/4 insertions at most, so a scan is fine.
func (c *Cache) evict(now time.Time, max int) {
	for k, e := range c.entries {
		if !now.Before(e.until) {
			delete(c.entries, k)
		}
	}
	excess := len(c.entries) - (max - max/4)
	for k := range c.entries {
		if excess <= 0 {
			break
		}
		delete(c.entries, k)
		excess--
	}
}

// Len reports how many tokens are cached.
func (c *Cache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}
