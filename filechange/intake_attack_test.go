package filechange

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/drivewayhq/driveway"
)

// countingStore is the real store, counting the watch lookups of intake.
type countingStore struct {
	driveway.Store
	lookups atomic.Int64
}

func (s *countingStore) FindDriveWatch(ctx context.Context, id string) (*driveway.DriveWatch, error) {
	s.lookups.Add(1)
	return s.Store.FindDriveWatch(ctx, id)
}

func (s *countingStore) FindDriveWatches(ctx context.Context, ids []string) ([]*driveway.DriveWatch, error) {
	s.lookups.Add(1)
	return s.Store.FindDriveWatches(ctx, ids)
}

func countingDB(t *testing.T) (*testDB, *countingStore) {
	db := sqliteDB(t)
	cs := &countingStore{Store: db.store}
	db.store = cs
	return db, cs
}

// forgedBody is a notification of n made-up subscription ids, plus the
// genuine entries given.
func forgedBody(n int, genuine ...map[string]any) []byte {
	var v []any
	for i := range n {
		v = append(v, map[string]any{"subscriptionId": fmt.Sprintf("%08d-0000-0000-0000-000000000000", i),
			"changeType": "updated", "resource": "/me/drive/root", "tenantId": "t", "clientState": "guess"})
	}
	for _, g := range genuine {
		v = append(v, g)
	}
	b, _ := json.Marshal(map[string]any{"value": v})
	return b
}

// hostileBody is n made-up entries in as few bytes as JSON allows.
func hostileBody(n int) []byte {
	var b strings.Builder
	b.WriteString(`{"value":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"subscriptionId":"%d","clientState":"g"}`, i)
	}
	b.WriteString(`]}`)
	return []byte(b.String())
}

func genuineEntry(w *driveway.DriveWatch) map[string]any {
	return map[string]any{"subscriptionId": w.SubscriptionID, "changeType": "updated",
		"resource": "/me/drive/root", "tenantId": "t", "clientState": w.ClientState}
}

// The attack of issue 11: 90,000 made-up ids in 4 MiB cost 90,000 lookups
// and got a 202. Now it is refused before any database work.
func TestIntakeRefusesAHostileBodyBeforeTheDatabase(t *testing.T) {
	t.Parallel()
	db, cs := countingDB(t)
	e := newEnv(t, db, Options{})
	body := hostileBody(90000)
	if len(body) < 3<<20 || len(body) > 4<<20 {
		t.Fatalf("hostile body is %d bytes, want about 4 MiB", len(body))
	}
	for _, path := range []string{NotifyPath, LifecyclePath} {
		resp, _ := post(t, e.intake.URL+path, body)
		if resp.StatusCode != http.StatusRequestEntityTooLarge {
			t.Fatalf("%s: status %d, want 413", path, resp.StatusCode)
		}
	}
	if n := cs.lookups.Load(); n != 0 {
		t.Fatalf("%d watch lookups for a refused body, want 0", n)
	}
}

func TestIntakeRefusesTooManyEntriesOrBytes(t *testing.T) {
	t.Parallel()
	db, cs := countingDB(t)
	e := newEnv(t, db, Options{})
	resp, _ := post(t, e.intake.URL+NotifyPath, forgedBody(MaxNotificationEntries+1))
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("%d entries: status %d, want 413", MaxNotificationEntries+1, resp.StatusCode)
	}
	// One entry padded past the byte limit (a field intake ignores).
	pad := `{"value":[{"subscriptionId":"x","clientState":"y","resourceData":{"pad":"` +
		strings.Repeat("a", MaxNotificationBody) + `"}}]}`
	resp, _ = post(t, e.intake.URL+NotifyPath, []byte(pad))
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("%d-byte body: status %d, want 413", len(pad), resp.StatusCode)
	}
	if n := cs.lookups.Load(); n != 0 {
		t.Fatalf("%d watch lookups for refused bodies, want 0", n)
	}
}

// A full batch costs one lookup, and its one genuine entry is taken.
func TestIntakeLooksUpAFullBatchOnce(t *testing.T) {
	t.Parallel()
	db, cs := countingDB(t)
	e := newEnv(t, db, Options{})
	e.watchReady()
	w := e.watch()
	before := cs.lookups.Load()
	resp, _ := post(t, e.intake.URL+NotifyPath, forgedBody(MaxNotificationEntries-1, genuineEntry(w)))
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("status %d, want 202", resp.StatusCode)
	}
	if n := cs.lookups.Load() - before; n != 1 {
		t.Fatalf("%d watch lookups for one POST of %d entries, want 1", n, MaxNotificationEntries)
	}
	if got := e.watch(); got.NotifySeq <= w.NotifySeq {
		t.Fatalf("the genuine entry of the batch was not taken (notify seq %d)", got.NotifySeq)
	}
}

// A source that keeps sending forged entries is refused at once with 429;
// another source with genuine notifications, however many, is not.
func TestIntakeLimitsForgingSourcesOnly(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sqliteDB(t), Options{})
	e.watchReady()
	w := e.watch()
	attacker, graph := clientFrom(t, "127.0.0.2"), clientFrom(t, "127.0.0.3")
	forged := forgedBody(MaxNotificationEntries)
	var status int
	for i := 0; i < 10 && status != http.StatusTooManyRequests; i++ {
		resp := postFrom(t, attacker, e.intake.URL+NotifyPath, forged)
		status = resp.StatusCode
		if status == http.StatusTooManyRequests && resp.Header.Get("Retry-After") == "" {
			t.Fatal("429 without Retry-After")
		}
	}
	if status != http.StatusTooManyRequests {
		t.Fatalf("after 10 POSTs of %d forged entries: status %d, want 429", MaxNotificationEntries, status)
	}
	genuine := forgedBody(0, slicesRepeat(genuineEntry(w), MaxNotificationEntries)...)
	for i := range 5 { // 5,000 genuine entries: more than the forged budget
		if resp := postFrom(t, graph, e.intake.URL+NotifyPath, genuine); resp.StatusCode != http.StatusAccepted {
			t.Fatalf("genuine POST %d from another source: status %d, want 202", i, resp.StatusCode)
		}
	}
	if got := e.watch(); got.NotifySeq <= w.NotifySeq {
		t.Fatal("genuine notifications were not taken")
	}
}

func slicesRepeat(m map[string]any, n int) []map[string]any {
	out := make([]map[string]any, n)
	for i := range out {
		out[i] = m
	}
	return out
}

// clientFrom is an HTTP client whose connections come from a loopback
// address of its own (Linux routes all of 127.0.0.0/8 to lo).
func clientFrom(t *testing.T, ip string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	tr := &http.Transport{DialContext: d.DialContext}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

func postFrom(t *testing.T, c *http.Client, u string, body []byte) *http.Response {
	t.Helper()
	resp, err := c.Post(u, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}
