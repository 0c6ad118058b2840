package wake

import "testing"

func TestWakeReachesOnlyItsKey(t *testing.T) {
	t.Parallel()
	var h Hub
	a, stopA := h.Watch("a")
	b, stopB := h.Watch("b")
	h.Wake("a")
	h.Wake("a") // a second wake-up while the first waits merges with it
	select {
	case <-a:
	default:
		t.Fatalf("the waiter of a was not woken")
	}
	select {
	case <-a:
		t.Fatalf("two wake-ups gave two signals; want them merged")
	case <-b:
		t.Fatalf("the waiter of b was woken by a's event")
	default:
	}
	h.WakeAll()
	if len(b) != 1 || len(a) != 1 {
		t.Fatalf("WakeAll: a %d, b %d signals; want one each", len(a), len(b))
	}
	stopA()
	stopB()
	if h.Len() != 0 {
		t.Fatalf("Len after stopping = %d, want 0", h.Len())
	}
	h.Wake("a") // no waiter: nothing blocks
}
