package soak

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/drivewayhq/driveway/secret"
	"github.com/drivewayhq/driveway/storetest"
)

// settings are the soak's knobs (environment variables).
type settings struct {
	duration time.Duration // DRIVEWAY_SOAK_DURATION: the workload phase
	users    int           // DRIVEWAY_SOAK_USERS, default 50
	rate     float64       // DRIVEWAY_SOAK_RATE: changes per second, default 3
}

func readSettings(t *testing.T) settings {
	s := settings{users: 50, rate: 3}
	d, err := time.ParseDuration(os.Getenv("DRIVEWAY_SOAK_DURATION"))
	if err != nil || d < time.Minute {
		t.Skip("the soak runs with DRIVEWAY_SOAK_DURATION set to 1m or more (make soak DURATION=3m)")
	}
	s.duration = d
	if v, err := strconv.Atoi(os.Getenv("DRIVEWAY_SOAK_USERS")); err == nil && v > 0 {
		s.users = v
	}
	if v, err := strconv.ParseFloat(os.Getenv("DRIVEWAY_SOAK_RATE"), 64); err == nil && v > 0 {
		s.rate = v
	}
	return s
}

// TestSoak runs the soak on SQLite (one node) and on Postgres (two nodes;
// it fails without DRIVEWAY_TEST_POSTGRES_URL), side by side, and
// fails when the verdict names a violation. DRIVEWAY_SOAK_ENGINES picks
// one ("sqlite" or "postgres").
func TestSoak(t *testing.T) {
	s := readSettings(t)
	t.Cleanup(func() {
		if builtBin != "" {
			os.RemoveAll(filepath.Dir(builtBin))
		}
	})
	engines := strings.Split(envOr("DRIVEWAY_SOAK_ENGINES", "sqlite,postgres"), ",")
	for _, engine := range engines {
		t.Run(engine, func(t *testing.T) {
			t.Parallel() // mostly waiting (the drain): side by side halves the wall time
			w := &world{t: t, engine: engine, http: &http.Client{Timeout: 60 * time.Second,
				CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
			dsn := ""
			nodes := 1
			switch engine {
			case "sqlite":
				_, dsn = sqliteDSN(t.TempDir())
			case "postgres":
				if os.Getenv("DRIVEWAY_TEST_POSTGRES_URL") == "" {
					t.Fatal("the Postgres soak needs DRIVEWAY_TEST_POSTGRES_URL")
				}
				dsn, _ = storetest.PostgresSchema(t)
				nodes = 2
			default:
				t.Fatalf("unknown engine %q", engine)
			}
			soak(w, s, dsn, nodes)
		})
	}
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// soak sets the world up, runs the workload with the faults, drains, and
// judges.
func soak(w *world, s settings, dsn string, nodes int) {
	t := w.t
	bin := buildDriveway(t)
	keySpec, err := secret.GenerateKey()
	w.must(err)
	lbPort := freePort(t)
	w.public = "http://localhost:" + lbPort
	w.startEmulator(bin, s.users, w.public+"/oauth")
	w.setupProject(strings.TrimPrefix(dsn, "sqlite:"), keySpec)
	emuPort := strings.TrimPrefix(w.emuBase, "http://localhost:")
	newBalancer(t, lbPort, w.startNodes(bin, nodes, dsn, keySpec, emuPort))
	w.rc = newReceiver(t)
	w.must(w.call("POST", w.public+"/api/v1/projects/"+w.projectID+"/webhook-endpoints", w.apiKey, map[string]string{"url": w.rc.URL}, nil))
	w.saveWorkflows()
	began := time.Now()
	w.connectAll()
	t.Logf("%s: %d users connected and watched in %s", w.engine, len(w.users), time.Since(began).Round(time.Second))

	log := &faultLog{began: time.Now()}
	mem := newMemory(w.nodes)
	l := newWorkload(w, 10*time.Second)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() { l.run(s.rate, stop) })
	wg.Go(func() { mem.sample(stop) })
	w.faults(s.duration, log)
	close(stop)
	wg.Wait()
	w.bg.Wait()
	w.clearFaults(log)
	w.rc.failing.Store(false)

	v := w.drain(l)
	w.checkCredential(v)
	mem.check(v, w.nodes, s.duration)
	l.check(v)
	wf := w.checkWorkflows(v, l.snapshot())
	report := fmt.Sprintf("soak %s, %d node(s), %d users, %s at %.1f changes/s\nfaults:\n%s\n%s\nmemory: %s\nproxy: %s\n%s\n%s",
		w.engine, nodes, len(w.users), s.duration, s.rate, log, figures(l.snapshot()), mem, l.proxySummary(), wf, v)
	t.Log("\n" + report)
	if out := os.Getenv("DRIVEWAY_SOAK_REPORT"); out != "" {
		w.writeRecords(out, report, l.snapshot())
	}
	if !v.ok() {
		t.Fatalf("soak %s: verdict FAIL (see the report above)", w.engine)
	}
}

// connectAll gives every user a trigger subscription on /soak, connects
// them through the install flow, and waits until each watch has its
// baseline.
func (w *world) connectAll() {
	for _, u := range w.users {
		w.must(w.call("POST", w.public+"/projects/"+w.projectID+"/trigger-subscriptions", u.Token, map[string]string{"pathPrefix": "/soak"}, nil))
		w.must(w.connect(u))
	}
	deadline := time.Now().Add(5 * time.Minute)
	for _, u := range w.users {
		for {
			var st struct {
				Status      string
				LastDeltaAt *time.Time // null until the baseline
			}
			err := w.call("GET", w.public+"/projects/"+w.projectID+"/trigger-subscriptions/status/"+u.CredID, u.Token, nil, &st)
			if err == nil && st.Status == "active" && st.LastDeltaAt != nil {
				break
			}
			if time.Now().After(deadline) {
				w.t.Fatalf("watch of %s not active with a baseline: %+v %v", u.Sub, st, err)
			}
			time.Sleep(200 * time.Millisecond) // poll interval
		}
	}
}

// faults runs the fault schedule over the workload phase d.
func (w *world) faults(d time.Duration, log *faultLog) {
	w.graphFaults(log)
	killed := w.nodes[0] // on Postgres node B is never killed: its memory is measured
	at := map[string]time.Duration{"500": d / 4, "410": d / 3, "revoke": d / 2, "postgres": 2 * d / 3}
	done := map[string]bool{}
	end := time.Now().Add(d)
	nextKill := time.Now().Add(time.Minute)
	for time.Now().Before(end) {
		el := time.Since(log.began)
		switch {
		case time.Now().After(nextKill):
			w.killNode(killed, log)
			nextKill = time.Now().Add(time.Minute)
		case !done["500"] && el >= at["500"]:
			done["500"] = true
			w.rc.failing.Store(true)
			log.add("webhook receiver answers 500 for %s", min(time.Minute, d/4))
			time.AfterFunc(min(time.Minute, d/4), func() { w.rc.failing.Store(false); log.add("webhook receiver answers 200 again") })
		case !done["410"] && el >= at["410"]:
			done["410"] = true
			w.invalidateDelta(w.users[1%len(w.users)], log)
		case !done["revoke"] && el >= at["revoke"]:
			done["revoke"] = true
			u := w.users[2%len(w.users)]
			w.revoked = u.CredID
			w.bg.Go(func() { w.revoke(u, log) })
		case !done["postgres"] && el >= at["postgres"] && w.engine == "postgres":
			done["postgres"] = true
			restartPostgres(log)
		default:
			time.Sleep(200 * time.Millisecond) // schedule tick
		}
	}
}

// drain waits until every change is delivered or coalesced, or 12
// minutes, and returns the verdict. The safety delta runs every minute; a
// delivery that failed twice while the receiver answered 500 is tried
// again 5 minutes later (the Standard Webhooks schedule: 5 s, 5 min, 30
// min...); a drive whose delta job was running on a killed node waits for
// River's rescuer, which leaves a job alone for its worker's Timeout (10
// minutes for filechange.delta) after it started.
func (w *world) drain(l *workload) *verdict {
	deadline := time.Now().Add(12 * time.Minute)
	for {
		v := judge(l.snapshot(), w.rc.deliveries())
		w.t.Logf("drain: %d changes, %d lost so far", v.Changes, len(v.Lost))
		if len(v.Lost) == 0 || time.Now().After(deadline) {
			time.Sleep(5 * time.Second) // late repeats, to count them
			return judge(l.snapshot(), w.rc.deliveries())
		}
		time.Sleep(10 * time.Second) // poll interval
	}
}

// checkCredential: the revoked user's credential went INVALID with one
// credential.status_changed event (deduplicated by event id).
func (w *world) checkCredential(v *verdict) {
	if w.revoked == "" {
		return
	}
	acc, _ := accepted(w.rc.deliveries())
	n := 0
	for _, d := range acc {
		if d.Type == "credential.status_changed" && str(d.Data["credentialId"]) == w.revoked && str(d.Data["status"]) == "INVALID" {
			n++
		}
	}
	if n != 1 {
		v.Other = append(v.Other, fmt.Sprintf("credential %s: %d INVALID status events delivered, want 1", w.revoked, n))
	}
}

// writeRecords writes the report, the record of changes and the
// receiver's record of deliveries (JSON) into dir, for reading directly.
func (w *world) writeRecords(dir, report string, changes []change) {
	write := func(name string, v any) {
		b, err := json.MarshalIndent(v, "", " ")
		if err == nil {
			err = os.WriteFile(filepath.Join(dir, "soak-"+w.engine+"-"+name), b, 0o644)
		}
		if err != nil {
			w.t.Errorf("write %s: %v", name, err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "soak-"+w.engine+".txt"), []byte(report), 0o644); err != nil {
		w.t.Errorf("write the report: %v", err)
	}
	write("changes.json", changes)
	write("deliveries.json", w.rc.deliveries())
	write("watches.json", w.watchStatuses())
	for _, p := range append([]*proc{w.emu}, w.nodes...) {
		name := filepath.Join(dir, "soak-"+w.engine+"-"+strings.ReplaceAll(p.name, " ", "-")+".log")
		if err := os.WriteFile(name, []byte(p.out.String()), 0o644); err != nil {
			w.t.Errorf("write %s: %v", name, err)
		}
	}
}

// watchStatuses is each user's credential and watch status at the end.
func (w *world) watchStatuses() map[string]any {
	out := map[string]any{}
	for _, u := range w.users {
		var cred, watch map[string]any
		errC := w.call("GET", w.public+"/projects/"+w.projectID+"/sdk/credentials?integration=onedrive", u.Token, nil, &cred)
		errW := w.call("GET", w.public+"/projects/"+w.projectID+"/trigger-subscriptions/status/"+u.CredID, u.Token, nil, &watch)
		out[u.Sub] = map[string]any{"credentialStatus": cred["status"], "watch": watch, "errors": fmt.Sprint(errC, errW)}
	}
	return out
}

// TestVerdictOfRecords judges the records a soak wrote (DRIVEWAY_SOAK_RECORDS:
// the path prefix, like /tmp/soak/soak-sqlite-), reading them directly.
func TestVerdictOfRecords(t *testing.T) {
	prefix := os.Getenv("DRIVEWAY_SOAK_RECORDS")
	if prefix == "" {
		t.Skip("DRIVEWAY_SOAK_RECORDS names the records to judge (a soak run with DRIVEWAY_SOAK_REPORT writes them)")
	}
	var changes []change
	var ds []delivery
	for name, v := range map[string]any{"changes.json": &changes, "deliveries.json": &ds} {
		b, err := os.ReadFile(prefix + name)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatal(err)
		}
	}
	v := judge(changes, ds)
	t.Log("\n" + v.String())
	if !v.ok() {
		t.Fail()
	}
}
