package secret_test

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/secret"
)

// memSealed holds sealed values in memory, with the ListSealed and
// ReplaceSealed contract of driveway.Queries. The stores run the same
// rotation end to end in storetest.
type memSealed struct {
	driveway.Queries // nil: only the two methods below are used
	mu               sync.Mutex
	vals             map[driveway.SealedRef]string
}

func refLess(a, b driveway.SealedRef) int {
	return cmp.Or(cmp.Compare(a.Table, b.Table), cmp.Compare(a.Column, b.Column), cmp.Compare(a.Row, b.Row))
}

func (m *memSealed) ListSealed(ctx context.Context, after driveway.SealedRef, limit int) ([]driveway.SealedValue, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []driveway.SealedValue
	for r, c := range m.vals {
		if refLess(r, after) > 0 {
			out = append(out, driveway.SealedValue{Ref: r, Ciphertext: c})
		}
	}
	slices.SortFunc(out, func(a, b driveway.SealedValue) int { return refLess(a.Ref, b.Ref) })
	return out[:min(limit, len(out))], ctx.Err()
}

func (m *memSealed) ReplaceSealed(ctx context.Context, v driveway.SealedValue, next string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.vals[v.Ref] != v.Ciphertext {
		return false, ctx.Err()
	}
	m.vals[v.Ref] = next
	return true, ctx.Err()
}

func fill(t *testing.T, ring *secret.Keyring, n int) *memSealed {
	m := &memSealed{vals: map[driveway.SealedRef]string{}}
	for i := range n {
		at := driveway.SealedRef{Table: "credentials", Column: []string{"access_token", "refresh_token"}[i%2], Row: fmt.Sprintf("cred_%03d", i)}
		ct, err := ring.Seal([]byte("plain-"+at.Row), at)
		if err != nil {
			t.Fatal(err)
		}
		m.vals[at] = ct
	}
	return m
}

func TestRotateResumable(t *testing.T) {
	t.Parallel()
	oldKey, newKey := newKey(t), newKey(t)
	old := mustRing(t, oldKey)
	ring := mustRing(t, newKey+","+oldKey)
	m := fill(t, old, 95)

	// Interrupt after the second page.
	ctx, cancel := context.WithCancel(t.Context())
	var calls int
	res, err := secret.Rotate(ctx, m, ring, 10, func(done, total int) {
		calls++
		if total != 95 {
			t.Errorf("total = %d, want 95", total)
		}
		if calls == 2 {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted Rotate: err = %v, want context.Canceled", err)
	}
	if res.Resealed != 20 {
		t.Fatalf("interrupted Rotate resealed %d, want 20", res.Resealed)
	}

	var last [2]int
	res, err = secret.Rotate(t.Context(), m, ring, 10, func(done, total int) { last = [2]int{done, total} })
	if err != nil {
		t.Fatalf("Rotate: %v", err)
	}
	if res.Resealed != 75 || res.Scanned != 95 || res.Skipped != 0 {
		t.Fatalf("Rotate = %+v, want 75 resealed of 95", res)
	}
	if last != [2]int{75, 75} {
		t.Fatalf("last progress = %v, want [75 75]", last)
	}
	newOnly := mustRing(t, newKey)
	for at, ct := range m.vals {
		if !ring.Current(ct) {
			t.Fatalf("%v not current after Rotate", at)
		}
		plain, err := newOnly.Open(ct, at)
		want := "plain-" + at.Row
		if err != nil || string(plain) != want {
			t.Fatalf("Open %v = %q, %v, want %q", at, plain, err, want)
		}
	}
	res, err = secret.Rotate(t.Context(), m, ring, 0, nil)
	if err != nil || res.Resealed != 0 {
		t.Fatalf("third Rotate = %+v, %v, want nothing to do", res, err)
	}
}

// A value rewritten between ListSealed and ReplaceSealed is skipped.
type racingStore struct{ *memSealed }

func (r racingStore) ReplaceSealed(ctx context.Context, v driveway.SealedValue, next string) (bool, error) {
	r.mu.Lock()
	r.vals[v.Ref] = "v1.other.written.meanwhile"
	r.mu.Unlock()
	return r.memSealed.ReplaceSealed(ctx, v, next)
}

func TestRotateSkipsConcurrentWrites(t *testing.T) {
	t.Parallel()
	oldKey := newKey(t)
	m := fill(t, mustRing(t, oldKey), 3)
	res, err := secret.Rotate(t.Context(), racingStore{m}, mustRing(t, newKey(t)+","+oldKey), 2, nil)
	if err != nil {
		t.Fatalf("Rotate: %v", err)
	}
	if res.Skipped != 3 || res.Resealed != 0 {
		t.Fatalf("Rotate = %+v, want 3 skipped", res)
	}
}

func TestRotateUnopenable(t *testing.T) {
	t.Parallel()
	m := fill(t, mustRing(t, newKey(t)), 3)
	_, err := secret.Rotate(t.Context(), m, mustRing(t, newKey(t)), 2, nil)
	if err == nil {
		t.Fatalf("Rotate with a missing key succeeded")
	}
}
