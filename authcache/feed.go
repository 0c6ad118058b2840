// Package authcache keeps in memory what every SDK request reads (the
// project, its signing keys, the connected user, the credential choice)
// and keeps each copy honest: a change stops the cached copy at once on
// the node that made it, and on every other node when Postgres tells it.
//
// Map of the flow:
//
//	write ─▶ Store (the decorated driveway.Store) ─commit─▶ Feed.Bump(project[, user])
//	other node's write ─▶ Postgres trigger ─NOTIFY─▶ postgres.WatchChanges ─▶ Feed.Bump
//	read  ─▶ stamp := Feed.Stamp(project[, user]) ─▶ Cache.Get(key, stamp)
//	         miss ─▶ the store ─▶ Cache.Put(key, stamp, value)
//
// A stamp is taken before the store is read, so a change that commits
// while the read runs leaves an entry that no later stamp matches. Stamps
// are sums of monotonic counters: any bump of a counter in a stamp changes
// it. Counters are shared by hash (4,096 slots), so a change may also
// empty unrelated entries, never keep a stale one.
package authcache

import (
	"sync/atomic"
)

const slots = 1 << 12

// Feed counts the changes of projects and of their users. Its zero value
// is not live: every Stamp is 0, which no Cache keeps. Safe for
// concurrent use; a nil *Feed is never live.
type Feed struct {
	live  atomic.Bool
	all   atomic.Uint64
	slots [slots]atomic.Uint64
}

// NewFeed returns a feed, live at once for a single node (SQLite), or not
// live until a change listener calls SetLive (Postgres).
func NewFeed(live bool) *Feed {
	f := &Feed{}
	f.all.Store(1)
	f.live.Store(live)
	return f
}

// Stamp is the current state of the project (userID "") or of the
// project's user: it changes whenever Bump is called for either, or
// Reset. It is 0 while the feed is not live.
func (f *Feed) Stamp(projectID, userID string) uint64 {
	if f == nil || !f.live.Load() {
		return 0
	}
	s := f.all.Load() + f.slots[slot(projectID, "")].Load()
	if userID != "" {
		s += f.slots[slot(projectID, userID)].Load()
	}
	return s
}

// Bump records a change of the project (userID "": its settings, keys,
// origins, or its deletion) or of one of its users (the user and its
// credentials).
func (f *Feed) Bump(projectID, userID string) {
	if f != nil {
		f.slots[slot(projectID, userID)].Add(1)
	}
}

// Reset records a change of everything: changes may have been missed.
func (f *Feed) Reset() {
	if f != nil {
		f.all.Add(1)
	}
}

// SetLive turns caching on (changes are heard again: everything cached
// before is dropped) or off (changes may be missed: nothing is cached).
func (f *Feed) SetLive(live bool) {
	f.Reset()
	f.live.Store(live)
	f.Reset()
}

// Live reports whether stamps are given out.
func (f *Feed) Live() bool { return f != nil && f.live.Load() }

// slot hashes (FNV-1a) the project and user ids without allocating.
func slot(projectID, userID string) int {
	h := uint32(2166136261)
	for i := 0; i < len(projectID); i++ {
		h = (h ^ uint32(projectID[i])) * 16777619
	}
	h = (h ^ 0xff) * 16777619
	for i := 0; i < len(userID); i++ {
		h = (h ^ uint32(userID[i])) * 16777619
	}
	return int(h % slots)
}
