package main

import (
	"context"
	"encoding/json"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/drivewayhq/driveway/e2e/cluster"
	"github.com/drivewayhq/driveway/storetest"
)

// The caches of the SDK authentication and the proxy (package authcache)
// must never outlive a change: on the node that made it, the next request
// sees it; on another node, within 2 s (the change notification). Each
// test warms every node's caches first, then changes one thing through
// node A's API, then checks A at once and polls the other nodes, logging
// how long they took.

func TestCachesFollowChangesOnSQLite(t *testing.T) {
	t.Parallel()
	c := startCluster(t, "", 1)
	checkCacheChanges(t, c)
}

func TestCachesFollowChangesAcrossTwoServeProcessesOnPostgres(t *testing.T) {
	t.Parallel()
	dbURL, _ := storetest.PostgresSchema(t)
	c := startCluster(t, dbURL, 2)
	checkCacheChanges(t, c)
}

var (
	clusterBinOnce sync.Once
	clusterBin     string
	clusterBinErr  error
)

// startCluster runs an emulator and n `driveway serve` processes of a
// binary built once for the package's tests.
func startCluster(t *testing.T, dbURL string, n int) *cluster.Cluster {
	t.Helper()
	clusterBinOnce.Do(func() {
		dir, err := os.MkdirTemp("", "driveway-bin")
		if err != nil {
			clusterBinErr = err
			return
		}
		clusterBin, clusterBinErr = cluster.Build(context.Background(), dir)
	})
	if clusterBinErr != nil {
		t.Fatal(clusterBinErr)
	}
	c, err := cluster.Start(t.Context(), cluster.Options{Bin: clusterBin, Dir: t.TempDir(), PostgresURL: dbURL, Nodes: n})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// world is one cache test's view of a cluster.
type world struct {
	t   *testing.T
	c   *cluster.Cluster
	tok string
}

func (w *world) sdk(node string) string { return node + "/projects/" + w.c.ProjectID + "/sdk" }

// proxyStatus is the status of a proxied GET of the user's drive.
func (w *world) proxyStatus(node string, hdr ...string) int {
	return w.status("GET", w.sdk(node)+"/proxy/onedrive/me/drive", w.tok, hdr...)
}

func (w *world) status(method, u, tok string, hdr ...string) int {
	w.t.Helper()
	status, _, body, err := cluster.Do(w.t.Context(), method, u, tok, nil, hdr...)
	if err != nil {
		w.t.Fatalf("%s %s: %v", method, u, err)
	}
	if status >= 500 {
		w.t.Fatalf("%s %s: %d %s", method, u, status, body)
	}
	return status
}

func (w *world) admin(method, path string, body any) []byte {
	w.t.Helper()
	key := w.c.APIKey
	if path == "" {
		key = w.c.InstanceKey
	}
	var raw []byte
	if body != nil {
		raw, _ = json.Marshal(body)
	}
	status, _, out, err := cluster.Do(w.t.Context(), method, w.c.Nodes[0]+"/api/v1/projects/"+w.c.ProjectID+path, key, raw)
	if err != nil || status/100 != 2 {
		w.t.Fatalf("%s %s: %d %s %v", method, path, status, out, err)
	}
	return out
}

// expect checks that probe gives want on node A at once and on every
// other node within 10 s (logging the delay; the target is 2 s).
func (w *world) expect(what string, want int, probe func(node string) int) {
	w.t.Helper()
	if got := probe(w.c.Nodes[0]); got != want {
		w.t.Fatalf("%s: node A answered %d right after the change, want %d", what, got, want)
	}
	start := time.Now()
	for _, n := range w.c.Nodes[1:] {
		for got := probe(n); got != want; got = probe(n) {
			if time.Since(start) > 10*time.Second {
				w.t.Fatalf("%s: node %s still answers %d after 10 s, want %d", what, n, got, want)
			}
			time.Sleep(20 * time.Millisecond)
		}
		w.t.Logf("%s: node %s followed after %v", what, n, time.Since(start).Round(time.Millisecond))
	}
}

// warm makes every node answer probe with want (twice: the second answer
// comes from the caches).
func (w *world) warm(what string, want int, probe func(node string) int) {
	w.t.Helper()
	for _, n := range w.c.Nodes {
		for range 2 {
			if got := probe(n); got != want {
				w.t.Fatalf("before %s: node %s answered %d, want %d", what, n, got, want)
			}
		}
	}
}
