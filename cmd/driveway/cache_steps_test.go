package main

import (
	"encoding/json"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/drivewayhq/driveway/e2e/cluster"
	"github.com/drivewayhq/driveway/usertoken"
)

// checkCacheChanges connects a user, then changes, in turn, each thing
// the caches keep, and checks every node follows.
func checkCacheChanges(t *testing.T, c *cluster.Cluster) {
	ctx := t.Context()
	tok, err := c.Token("u1")
	if err != nil {
		t.Fatal(err)
	}
	w := &world{t: t, c: c, tok: tok}
	for _, upn := range []string{"alex@outlook.com", "bob@outlook.com"} {
		if _, err := c.AddUser(ctx, upn); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Connect(ctx, c.Nodes[0], tok, "alex@outlook.com"); err != nil {
		t.Fatal(err)
	}
	first := w.credentialIDs()
	w.warm("a second account", 200, func(n string) int { return w.proxyStatus(n) })

	// A second account: request() without a credential id is 400.
	if err := c.Connect(ctx, c.Nodes[0], tok, "bob@outlook.com"); err != nil {
		t.Fatal(err)
	}
	w.expect("a second account connected", http.StatusBadRequest, func(n string) int { return w.proxyStatus(n) })

	// Disconnecting it: naming it is 404, and no name picks the first again.
	second := slices.DeleteFunc(w.credentialIDs(), func(id string) bool { return slices.Contains(first, id) })
	if len(second) != 1 {
		t.Fatalf("credentials after the second connect: %v (first %v)", second, first)
	}
	named := func(n string) int { return w.proxyStatus(n, "X-Driveway-Credential", second[0]) }
	w.warm("the disconnect", 200, named)
	if s := w.status("DELETE", w.sdk(c.Nodes[0])+"/integrations/onedrive", tok, "X-Paragon-Credential", second[0]); s != 204 {
		t.Fatalf("disconnect: %d", s)
	}
	w.expect("the second account disconnected (named)", http.StatusNotFound, named)
	w.expect("the second account disconnected (not named)", 200, func(n string) int { return w.proxyStatus(n) })

	checkOrigins(w)
	checkRemovedUser(w)
	checkKeyAndProject(w)
}

func (w *world) credentialIDs() []string {
	w.t.Helper()
	status, _, body, err := cluster.Do(w.t.Context(), "GET", w.sdk(w.c.Nodes[0])+"/credentials", w.tok, nil)
	var creds []struct{ ID string }
	if err != nil || status != 200 || json.Unmarshal(body, &creds) != nil {
		w.t.Fatalf("credentials: %d %s %v", status, body, err)
	}
	var ids []string
	for _, c := range creds {
		ids = append(ids, c.ID)
	}
	return ids
}

// checkOrigins: an origin added to the project is allowed at once, and
// stops being allowed at once when removed.
func checkOrigins(w *world) {
	const origin = "https://app.example.com"
	preflight := func(n string) int {
		return w.status("OPTIONS", w.sdk(n)+"/me", "", "Origin", origin, "Access-Control-Request-Method", "GET")
	}
	w.warm("adding an origin", http.StatusForbidden, preflight)
	w.admin("PUT", "/allowed-origins", map[string]any{"allowedOrigins": []string{origin}})
	w.expect("an origin added", http.StatusNoContent, preflight)
	w.warm("removing an origin", http.StatusNoContent, preflight)
	w.admin("PUT", "/allowed-origins", map[string]any{"allowedOrigins": []string{}})
	w.expect("an origin removed", http.StatusForbidden, preflight)
}

// checkRemovedUser: a user removed from the store (with its credentials)
// is a new user without OneDrive on its next call. No API removes a user,
// so only Postgres, where any writer notifies every node, can show it
// from outside; on SQLite the authcache tests cover it.
func checkRemovedUser(w *world) {
	if w.c.Store == nil {
		return
	}
	w.warm("removing the user", 200, func(n string) int { return w.proxyStatus(n) })
	if err := w.c.Store.DeleteConnectedUser(w.t.Context(), w.c.ProjectID, "u1"); err != nil {
		w.t.Fatal(err)
	}
	start := time.Now()
	for _, n := range w.c.Nodes {
		for got := w.proxyStatus(n); got != http.StatusNotFound; got = w.proxyStatus(n) {
			if time.Since(start) > 10*time.Second {
				w.t.Fatalf("user removed: node %s still answers %d after 10 s, want 404", n, got)
			}
			time.Sleep(20 * time.Millisecond)
		}
		w.t.Logf("user removed: node %s followed after %v", n, time.Since(start).Round(time.Millisecond))
	}
}

// checkKeyAndProject: a revoked signing key is refused at once (a second
// key keeps working), then a deleted project is gone at once.
func checkKeyAndProject(w *world) {
	var gen struct{ ID, PrivateKey string }
	if err := json.Unmarshal(w.admin("POST", "/signing-keys/generate", map[string]string{"alg": "ES256"}), &gen); err != nil {
		w.t.Fatal(err)
	}
	signer, err := usertoken.ParsePrivateKey([]byte(gen.PrivateKey))
	if err != nil {
		w.t.Fatal(err)
	}
	tok2, err := usertoken.Sign(signer, gen.ID, usertoken.Claims{Subject: "u2", ExpiresAt: time.Now().Add(time.Hour)})
	if err != nil {
		w.t.Fatal(err)
	}
	me := func(tok string) func(n string) int {
		return func(n string) int { return w.status("GET", w.sdk(n)+"/me", tok) }
	}
	w.warm("revoking a key", 200, me(w.tok))
	w.warm("revoking a key (second key)", 200, me(tok2))
	w.admin("DELETE", "/signing-keys/"+w.c.KeyID(), nil)
	w.expect("a signing key revoked", http.StatusUnauthorized, me(w.tok))
	w.expect("a signing key revoked (the other key)", 200, me(tok2))
	w.admin("DELETE", "", nil)
	w.expect("the project deleted", http.StatusNotFound, me(tok2))
}
