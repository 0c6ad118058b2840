// Package wake lets goroutines wait for a keyed event: a waiter watches a
// key, and Wake(key) wakes every waiter of that key. A wake-up is a hint
// to look again, never data: a waiter that was busy when it came finds it
// waiting (one is kept), and several wake-ups may arrive as one.
package wake

import "sync"

// Hub holds the waiters by key. The zero value is ready; it is safe for
// concurrent use.
type Hub struct {
	mu      sync.Mutex
	waiters map[string]map[chan struct{}]struct{}
}

// Watch returns a channel that receives after each Wake of key (or
// WakeAll) from now on, and the function that stops watching.
func (h *Hub) Watch(key string) (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	h.mu.Lock()
	if h.waiters == nil {
		h.waiters = map[string]map[chan struct{}]struct{}{}
	}
	if h.waiters[key] == nil {
		h.waiters[key] = map[chan struct{}]struct{}{}
	}
	h.waiters[key][ch] = struct{}{}
	h.mu.Unlock()
	return ch, func() {
		h.mu.Lock()
		delete(h.waiters[key], ch)
		if len(h.waiters[key]) == 0 {
			delete(h.waiters, key)
		}
		h.mu.Unlock()
	}
}

// Wake wakes the waiters of key; it never blocks.
func (h *Hub) Wake(key string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for ch := range h.waiters[key] {
		poke(ch)
	}
}

// WakeAll wakes every waiter (after events may have been missed).
func (h *Hub) WakeAll() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, set := range h.waiters {
		for ch := range set {
			poke(ch)
		}
	}
}

// Len is the number of waiters.
func (h *Hub) Len() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, set := range h.waiters {
		n += len(set)
	}
	return n
}

func poke(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}
