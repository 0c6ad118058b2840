package httpapi_test

import (
	"net/http"
	"testing"
	"time"
)

// mint creates a key with key on path and returns its secret; it fails the
// test unless the status is 201.
func (b *bundle) mint(key, path string, body map[string]any) string {
	b.t.Helper()
	status, out := b.call(key, "POST", path, body)
	if status != http.StatusCreated {
		b.t.Fatalf("create key %v: status %d %v", body, status, out["_raw"])
	}
	return out["secret"].(string)
}

// TestKeyCannotMintAStrongerKey is the escalation attack: a key that may
// create keys tries to create one with more power than its own, by role,
// surface, lifetime or scope. Before scopes existed every one succeeded.
func TestKeyCannotMintAStrongerKey(t *testing.T) {
	t.Parallel()
	b := setup(t)
	keys := "/api/v1/projects/" + b.projA.ID + "/api-keys"
	reader := b.mint(b.keyA, keys, map[string]any{"name": "reader", "role": "read"})
	keysOnly := b.mint(b.keyA, keys, map[string]any{"name": "key manager", "surfaces": []string{"keys"}})
	shortLived := b.mint(b.keyA, keys, map[string]any{"name": "short", "expiresIn": "1h"})
	attacks := []struct {
		name, key, path string
		body            map[string]any
	}{
		{"read key mints an admin key", reader, keys, map[string]any{"role": "admin"}},
		{"read key mints a read key", reader, keys, map[string]any{"role": "read"}},
		{"keys-only key mints an every-surface key", keysOnly, keys, map[string]any{}},
		{"keys-only key mints a workflows key", keysOnly, keys, map[string]any{"surfaces": []string{"workflows"}}},
		{"short-lived key mints a key that never expires", shortLived, keys, map[string]any{}},
		{"short-lived key mints a longer-lived key", shortLived, keys, map[string]any{"expiresIn": "2h"}},
		{"project key mints an instance key", b.keyA, "/api/v1/api-keys", map[string]any{}},
	}
	for _, a := range attacks {
		status, out := b.call(a.key, "POST", a.path, a.body)
		if status != http.StatusForbidden {
			t.Errorf("%s: status %d, want 403: %v", a.name, status, out["_raw"])
		}
		if _, ok := out["secret"]; ok {
			t.Errorf("%s: a secret came back", a.name)
		}
	}
	// What a key does cover, it may mint.
	b.mint(keysOnly, keys, map[string]any{"surfaces": []string{"keys"}, "role": "read"})
	b.mint(shortLived, keys, map[string]any{"expiresIn": "30m"})
	// Nor may a weaker key revoke a stronger one.
	_, list := b.call(b.instance, "GET", keys, nil)
	var full string
	for _, k := range list["data"].([]any) {
		if m := k.(map[string]any); m["name"] == "a" {
			full = m["id"].(string)
		}
	}
	if status, _ := b.call(keysOnly, "DELETE", keys+"/"+full, nil); status != http.StatusForbidden {
		t.Errorf("keys-only key revoking the project's full key: status %d, want 403", status)
	}
}

// TestStolenKeyLeavesNoCopyBehind is the persistence attack: whoever holds
// a project key mints a second key with it, then the first key is revoked.
// Before, the copy kept working; now revoking a key revokes every key it
// made, down the line.
func TestStolenKeyLeavesNoCopyBehind(t *testing.T) {
	t.Parallel()
	b := setup(t)
	a := "/api/v1/projects/" + b.projA.ID
	stolen := b.mint(b.instance, a+"/api-keys", map[string]any{"name": "deploy"})
	copy1 := b.mint(stolen, a+"/api-keys", map[string]any{"name": "innocent-looking"})
	copy2 := b.mint(copy1, a+"/api-keys", map[string]any{"name": "another"})
	other := b.mint(b.instance, a+"/api-keys", map[string]any{"name": "unrelated"})
	_, list := b.call(b.instance, "GET", a+"/api-keys", nil)
	var stolenID string
	for _, k := range list["data"].([]any) {
		if m := k.(map[string]any); m["name"] == "deploy" {
			stolenID = m["id"].(string)
		}
	}
	if status, _ := b.call(b.instance, "DELETE", a+"/api-keys/"+stolenID, nil); status != http.StatusNoContent {
		t.Fatalf("revoke the stolen key: %d", status)
	}
	for name, key := range map[string]string{"the stolen key": stolen, "its copy": copy1, "the copy's copy": copy2} {
		if status, _ := b.call(key, "GET", a, nil); status != http.StatusUnauthorized {
			t.Errorf("%s after revoking the stolen key: status %d, want 401", name, status)
		}
	}
	if status, _ := b.call(other, "GET", a, nil); status != http.StatusOK {
		t.Errorf("an unrelated key after the revocation: status %d", status)
	}
}

// TestScopedKeyRefusedOutsideItsScope: a key reaches only its surfaces, at
// its role.
func TestScopedKeyRefusedOutsideItsScope(t *testing.T) {
	t.Parallel()
	b := setup(t)
	a := "/api/v1/projects/" + b.projA.ID
	reader := b.mint(b.keyA, a+"/api-keys", map[string]any{"role": "read", "surfaces": []string{"projects", "keys"}})
	operator := b.mint(b.keyA, a+"/api-keys", map[string]any{"role": "operate", "surfaces": []string{"runs"}})
	cases := []struct {
		key, method, path string
		body              any
		want              int
	}{
		{reader, "GET", a, nil, http.StatusOK},
		{reader, "GET", a + "/signing-keys", nil, http.StatusOK},
		{reader, "PATCH", a, map[string]any{"name": "renamed"}, http.StatusForbidden},
		{reader, "GET", a + "/allowed-origins", nil, http.StatusForbidden},
		{reader, "GET", a + "/webhook-endpoints", nil, http.StatusForbidden},
		{reader, "POST", a + "/signing-keys/generate", map[string]any{}, http.StatusForbidden},
		{reader, "GET", "/api/v1/projects/" + b.projB.ID, nil, http.StatusNotFound},
		{reader, "GET", "/api/v1/audit-log", nil, http.StatusForbidden},
		{operator, "GET", a, nil, http.StatusForbidden},
		{operator, "PATCH", a, map[string]any{"name": "renamed"}, http.StatusForbidden},
		// Past the key check: no workflow engine in this server (503).
		{operator, "POST", a + "/runs/run_x/cancel", nil, http.StatusServiceUnavailable},
		{operator, "GET", a + "/runs", nil, http.StatusServiceUnavailable},
	}
	for _, c := range cases {
		if status, out := b.call(c.key, c.method, c.path, c.body); status != c.want {
			t.Errorf("%s %s: status %d, want %d: %v", c.method, c.path, status, c.want, out["_raw"])
		}
	}
	if _, p := b.call(b.instance, "GET", a, nil); p["name"] != "A" {
		t.Fatalf("a refused change went through: project is now %v", p["name"])
	}
}

// TestExpiredKeyIsRefused: a key stops working at its expiry, and records
// its last use and address before.
func TestExpiredKeyIsRefused(t *testing.T) {
	t.Parallel()
	b := setup(t)
	a := "/api/v1/projects/" + b.projA.ID
	short := b.mint(b.keyA, a+"/api-keys", map[string]any{"name": "short", "expiresIn": "1h"})
	if status, _ := b.call(short, "GET", a, nil); status != http.StatusOK {
		t.Fatalf("fresh key: status %d", status)
	}
	_, list := b.call(b.instance, "GET", a+"/api-keys", nil)
	for _, k := range list["data"].([]any) {
		m := k.(map[string]any)
		if m["name"] == "short" && (m["lastUsedAt"] == nil || m["lastUsedAddress"] != "127.0.0.1" || m["expiresAt"] == nil) {
			t.Fatalf("used key: %v; want lastUsedAt, lastUsedAddress 127.0.0.1 and expiresAt", m)
		}
	}
	b.advance(time.Hour + time.Second)
	status, out := b.call(short, "GET", a, nil)
	if code, _ := errField(out); status != http.StatusUnauthorized || code != "unauthorized" {
		t.Fatalf("expired key: status %d %v, want 401 unauthorized", status, out["_raw"])
	}
	if status, _ := b.call(b.keyA, "GET", a, nil); status != http.StatusOK {
		t.Fatalf("a key without expiry after the clock moved: %d", status)
	}
}
