package soak

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"
)

// faultLog records the faults injected, in order.
type faultLog struct {
	mu    sync.Mutex
	began time.Time
	lines []string
	kills int
}

func (f *faultLog) add(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lines = append(f.lines, fmt.Sprintf("%6s  ", time.Since(f.began).Round(time.Second))+fmt.Sprintf(format, args...))
}

func (f *faultLog) String() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return strings.Join(f.lines, "\n")
}

// graphFaults makes 5 % of Graph calls answer 429 with Retry-After and 2 %
// 503, and drops 10 % of change notifications.
func (w *world) graphFaults(log *faultLog) {
	w.must(w.control("POST", "/faults", map[string]any{"route": "graph", "status": 429, "retryAfter": 1, "fraction": 0.05}, nil))
	w.must(w.control("POST", "/faults", map[string]any{"route": "graph", "status": 503, "fraction": 0.02}, nil))
	w.must(w.control("POST", "/notifications/drop", map[string]any{"Fraction": 0.10}, nil))
	log.add("Graph: 5%% of calls 429 (Retry-After 1), 2%% 503; 10%% of notifications dropped")
}

// clearFaults ends every emulator fault.
func (w *world) clearFaults(log *faultLog) {
	w.must(w.control("DELETE", "/faults", nil, nil))
	w.must(w.control("POST", "/notifications/drop", map[string]any{"Fraction": 0}, nil))
	log.add("faults cleared")
}

// killNode kills a node with SIGKILL and starts it again.
func (w *world) killNode(n *proc, log *faultLog) {
	n.kill()
	log.mu.Lock()
	log.kills++
	log.mu.Unlock()
	log.add("kill -9 %s (pid gone); restarting", n.name)
	n.start(w.t)
}

// invalidateDelta makes one user's delta tokens answer 410.
func (w *world) invalidateDelta(u *user, log *faultLog) {
	if err := w.control("POST", "/drives/"+u.DriveID+"/invalidate-delta", nil, nil); err != nil {
		log.add("invalidate delta of %s: %v", u.Sub, err)
		return
	}
	log.add("delta tokens of %s's drive invalidated (410 resyncRequired)", u.Sub)
}

// revoke revokes u's refresh tokens and expires its access tokens, waits
// for Driveway to mark the credential INVALID, and reconnects.
func (w *world) revoke(u *user, log *faultLog) {
	var revoked struct{ Revoked int }
	w.must(w.control("POST", "/revoke", map[string]any{"User": u.EmuID, "ClientID": w.clientID}, &revoked))
	w.must(w.control("POST", "/expire-tokens", map[string]any{"User": u.EmuID}, nil))
	log.add("%d refresh token(s) of %s revoked, access tokens expired", revoked.Revoked, u.Sub)
	deadline := time.Now().Add(3 * time.Minute)
	for time.Now().Before(deadline) {
		// A proxy call makes Driveway refresh, fail, and mark it INVALID.
		req, _ := newProxyRequest(w, u)
		if resp, err := w.http.Do(req); err == nil {
			resp.Body.Close()
		}
		var c struct{ Status string }
		if w.call("GET", w.public+"/projects/"+w.projectID+"/sdk/credentials?integration=onedrive", u.Token, nil, &c) == nil && c.Status == "INVALID" {
			log.add("credential of %s INVALID", u.Sub)
			break
		}
		time.Sleep(time.Second) // poll interval
	}
	if err := w.connect(u); err != nil {
		log.add("reconnect %s: %v", u.Sub, err)
		return
	}
	log.add("%s reconnected", u.Sub)
}

// restartPostgres runs DRIVEWAY_SOAK_PG_RESTART (a shell command that
// restarts the soak's Postgres server), when set.
func restartPostgres(log *faultLog) {
	cmd := os.Getenv("DRIVEWAY_SOAK_PG_RESTART")
	if cmd == "" {
		log.add("Postgres restart skipped: DRIVEWAY_SOAK_PG_RESTART is not set")
		return
	}
	out, err := exec.Command("sh", "-c", cmd).CombinedOutput()
	if err != nil {
		log.add("Postgres restart failed: %v %s", err, out)
		return
	}
	log.add("Postgres restarted")
}
