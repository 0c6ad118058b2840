package authcache

import (
	"sync"
	"sync/atomic"
)

// DefaultMax bounds a Cache's entries; past it the cache starts over.
const DefaultMax = 100_000

// Cache maps keys to values valid for one stamp of a Feed. A value put
// with stamp 0 (the feed is not live) is not kept. Safe for concurrent use.
type Cache[V any] struct {
	// Max bounds the entries (default DefaultMax).
	Max int

	m sync.Map // key → *entry[V]
	n atomic.Int64
}

type entry[V any] struct {
	v     V
	stamp uint64
}

// Get returns the value put under key with the same stamp.
func (c *Cache[V]) Get(key string, stamp uint64) (V, bool) {
	var zero V
	if stamp == 0 {
		return zero, false
	}
	e, ok := c.m.Load(key)
	if !ok || e.(*entry[V]).stamp != stamp {
		return zero, false
	}
	return e.(*entry[V]).v, true
}

// Put keeps v under key for stamp (nothing with stamp 0).
func (c *Cache[V]) Put(key string, stamp uint64, v V) {
	if stamp == 0 {
		return
	}
	max := c.Max
	if max <= 0 {
		max = DefaultMax
	}
	if c.n.Add(1) > int64(max) {
		c.n.Store(0)
		c.m.Clear()
	}
	c.m.Store(key, &entry[V]{v: v, stamp: stamp})
}

// Key joins ids into one cache key.
func Key(projectID, id string) string { return projectID + "\x00" + id }
