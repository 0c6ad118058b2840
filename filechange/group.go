package filechange

import (
	"context"
	"sync"
)

// batch is the credentials owed a delta round (and those owed a renewal),
// each once, in arrival order.
type batch struct {
	order []watchKey
	seen  map[watchKey]bool
	renew map[watchKey]bool
}

func (b *batch) add(k watchKey, renew bool) {
	if b.seen == nil {
		b.seen, b.renew = map[watchKey]bool{}, map[watchKey]bool{}
	}
	if !b.seen[k] {
		b.seen[k] = true
		b.order = append(b.order, k)
	}
	if renew {
		b.renew[k] = true
	}
}

func (b *batch) merge(o *batch) {
	for _, k := range o.order {
		b.add(k, o.renew[k])
	}
}

// groupCommit merges the batches of concurrent intake requests into one
// transaction: while one commit runs, the requests that arrive wait for
// the next, which carries all of them (a burst of notifications for one
// drive becomes one row update). Each request returns when the commit that
// carried its batch did, with that commit's error.
type groupCommit struct {
	mu      sync.Mutex
	next    *batch
	waiters []chan error
	running bool
}

func (g *groupCommit) commit(ctx context.Context, b *batch, store func(context.Context, *batch) error) error {
	done := make(chan error, 1)
	g.mu.Lock()
	if g.next == nil {
		g.next = &batch{}
	}
	g.next.merge(b)
	g.waiters = append(g.waiters, done)
	if !g.running {
		g.running = true
		go g.loop(context.WithoutCancel(ctx), store)
	}
	g.mu.Unlock()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// loop commits pending batches until none is left.
func (g *groupCommit) loop(ctx context.Context, store func(context.Context, *batch) error) {
	for {
		g.mu.Lock()
		b, waiters := g.next, g.waiters
		g.next, g.waiters = nil, nil
		if len(waiters) == 0 {
			g.running = false
			g.mu.Unlock()
			return
		}
		g.mu.Unlock()
		err := store(ctx, b)
		for _, w := range waiters {
			w <- err
		}
	}
}
