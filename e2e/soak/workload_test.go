package soak

import (
	"encoding/json"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"
)

// change is one change the emulator made and confirmed (its answer to the
// control call): the record the verdict checks deliveries against.
type change struct {
	Seq    int
	User   string // sub
	ItemID string
	Type   string // created, renamed, moved, deleted
	Name   string // after the change
	Path   string // after the change ("" for deleted)
	At     time.Time
}

// item is a live file of a user's drive, as the generator last left it.
type item struct {
	id, path string
	last     time.Time
}

// workload makes changes in the users' drives through the emulator's
// control API and calls the proxy, at a steady rate.
type workload struct {
	w       *world
	gap     time.Duration // least time between two changes of one item
	mu      sync.Mutex
	seq     int
	changes []change
	live    map[string][]*item // by user sub
	proxy   proxyTally
	pings   requestTally // the Request-triggered workflow's answers
	errs    []string     // control calls that failed (not a verdict failure: the emulator refused)
}

// proxyTally counts the proxy's answers; bad holds answers that were
// neither a success nor a Graph error.
type proxyTally struct {
	calls, ok, graphErrors int
	noNode                 int // no node was up to answer (the lone SQLite node restarting)
	byStatus               map[int]int
	bad                    []string
}

func newWorkload(w *world, gap time.Duration) *workload {
	return &workload{w: w, gap: gap, live: map[string][]*item{}, proxy: proxyTally{byStatus: map[int]int{}},
		pings: requestTally{byStatus: map[int]int{}}}
}

// run makes changes at rate per second until stop is closed.
func (l *workload) run(rate float64, stop <-chan struct{}) {
	tick := time.NewTicker(time.Duration(float64(time.Second) / rate))
	defer tick.Stop()
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		select {
		case <-stop:
			return
		case <-tick.C:
			u := l.w.users[mrand.IntN(len(l.w.users))]
			wg.Go(func() { l.step(u) })
			if mrand.IntN(2) == 0 {
				wg.Go(func() { l.callProxy(l.w.users[mrand.IntN(len(l.w.users))]) })
			}
			if mrand.IntN(4) == 0 {
				wg.Go(func() { l.w.callPing(l.w.users[mrand.IntN(len(l.w.users))], &l.pings) })
			}
		}
	}
}

// step makes one change in u's drive: a new file, or a rename, move or
// delete of a file not changed for gap.
func (l *workload) step(u *user) {
	l.mu.Lock()
	l.seq++
	seq := l.seq
	var pick *item
	for _, it := range l.live[u.Sub] {
		if time.Since(it.last) >= l.gap && mrand.IntN(2) == 0 {
			pick = it
			break
		}
	}
	if pick != nil {
		pick.last = time.Now() // claimed: no other step takes it meanwhile
	}
	l.mu.Unlock()
	if pick == nil || len(l.liveOf(u)) < 3 && mrand.IntN(2) == 0 {
		l.create(u, seq, pick)
		return
	}
	switch mrand.IntN(3) {
	case 0:
		l.apply(u, seq, pick, "renamed", "/rename", map[string]string{"path": pick.path, "name": fmt.Sprintf("r-%05d.txt", seq)})
	case 1:
		to := "/soak/b"
		if path.Dir(pick.path) == "/soak/b" {
			to = "/soak/a"
		}
		l.apply(u, seq, pick, "moved", "/move", map[string]string{"path": pick.path, "parent": to})
	default:
		l.apply(u, seq, pick, "deleted", "/delete", map[string]string{"path": pick.path})
	}
}

func (l *workload) liveOf(u *user) []*item {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.live[u.Sub]
}

// create writes a new file; a picked item is released untouched.
func (l *workload) create(u *user, seq int, release *item) {
	if release != nil {
		l.mu.Lock()
		release.last = time.Time{}
		l.mu.Unlock()
	}
	var info struct{ ID, Name, Path string }
	err := l.w.control("POST", "/users/"+u.UPN+"/files", map[string]string{
		"path": fmt.Sprintf("/soak/a/f-%05d.txt", seq), "content": fmt.Sprintf("file %d of %s", seq, u.Sub)}, &info)
	l.mu.Lock()
	defer l.mu.Unlock()
	if err != nil {
		l.errs = append(l.errs, err.Error())
		return
	}
	l.live[u.Sub] = append(l.live[u.Sub], &item{id: info.ID, path: info.Path, last: time.Now()})
	l.changes = append(l.changes, change{Seq: seq, User: u.Sub, ItemID: info.ID, Type: "created", Name: info.Name, Path: info.Path, At: time.Now()})
}

// apply makes a rename, move or delete of it and records it.
func (l *workload) apply(u *user, seq int, it *item, typ, route string, body map[string]string) {
	var info struct{ ID, Name, Path string }
	err := l.w.control("POST", "/users/"+u.UPN+route, body, &info)
	l.mu.Lock()
	defer l.mu.Unlock()
	if err != nil {
		l.errs = append(l.errs, err.Error())
		return
	}
	c := change{Seq: seq, User: u.Sub, ItemID: it.id, Type: typ, Name: info.Name, Path: info.Path, At: time.Now()}
	it.last = time.Now()
	if typ == "deleted" {
		c.Name = path.Base(it.path)
		l.remove(u.Sub, it)
	} else {
		it.path = info.Path
	}
	l.changes = append(l.changes, c)
}

func (l *workload) remove(sub string, it *item) {
	items := l.live[sub]
	for i, x := range items {
		if x == it {
			l.live[sub] = append(items[:i:i], items[i+1:]...)
			return
		}
	}
}

// callProxy lists u's /soak folder through the Graph proxy and checks the
// answer is a success or a Graph error ({"error": {"code", "message"}}).
func (l *workload) callProxy(u *user) {
	req, _ := newProxyRequest(l.w, u)
	resp, err := l.w.http.Do(req)
	l.mu.Lock()
	defer l.mu.Unlock()
	l.proxy.calls++
	if err != nil {
		l.proxy.bad = append(l.proxy.bad, "transport: "+err.Error())
		return
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.Header.Get(noNodeHeader) != "" {
		l.proxy.noNode++ // no node was up: not an answer of the proxy
		return
	}
	l.proxy.byStatus[resp.StatusCode]++
	if resp.StatusCode/100 == 2 {
		l.proxy.ok++
		return
	}
	var ge struct {
		Error struct{ Code, Message string } `json:"error"`
	}
	if json.Unmarshal(raw, &ge) != nil || ge.Error.Code == "" || ge.Error.Message == "" || resp.StatusCode < 400 ||
		(resp.StatusCode == 429 && resp.Header.Get("Retry-After") == "") {
		l.proxy.bad = append(l.proxy.bad, fmt.Sprintf("%s: %d %.200s", u.Sub, resp.StatusCode, strings.TrimSpace(string(raw))))
		return
	}
	l.proxy.graphErrors++
}

// snapshot returns the changes made so far.
func (l *workload) snapshot() []change {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]change(nil), l.changes...)
}

// newProxyRequest lists u's /soak folder through the Graph proxy.
func newProxyRequest(w *world, u *user) (*http.Request, error) {
	req, err := http.NewRequest("GET", w.public+"/projects/"+w.projectID+"/sdk/proxy/onedrive/me/drive/root:/soak:/children", nil)
	if err == nil {
		req.Header.Set("Authorization", "Bearer "+u.Token)
	}
	return req, err
}

// check adds a violation for each proxy answer that was neither a success
// nor a Graph error.
func (l *workload) check(v *verdict) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for i, b := range l.proxy.bad {
		if i == 5 {
			v.Other = append(v.Other, fmt.Sprintf("... and %d more bad proxy answers", len(l.proxy.bad)-5))
			break
		}
		v.Other = append(v.Other, "proxy answer neither a success nor a Graph error: "+b)
	}
}

func (l *workload) proxySummary() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.pings.mu.Lock()
	defer l.pings.mu.Unlock()
	return fmt.Sprintf("%d calls: %d 2xx, %d Graph errors %v, %d bad, %d with no node up; control calls refused by the emulator: %d; Request workflow answers %v",
		l.proxy.calls, l.proxy.ok, l.proxy.graphErrors, l.proxy.byStatus, len(l.proxy.bad), l.proxy.noNode, len(l.errs), l.pings.byStatus)
}

// figures counts the changes by type.
func figures(cs []change) string {
	n := map[string]int{}
	for _, c := range cs {
		n[c.Type]++
	}
	return fmt.Sprintf("changes made: %d (created %d, renamed %d, moved %d, deleted %d)",
		len(cs), n["created"], n["renamed"], n["moved"], n["deleted"])
}
