package filechange

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"net/http"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/postgres"
)

// benchDB opens the engine a benchmark names.
func benchDB(b *testing.B, engine string) *testDB {
	if engine == "postgres" {
		return postgresDB(b)
	}
	return sqliteDB(b)
}

var benchEngines = []string{"sqlite", "postgres"}

// BenchmarkIntakeBurst sends 1,000 genuine notifications from 10 or 50
// concurrent senders (Graph's bursts) to the intake on loopback while delta
// workers run, and reports the acknowledgement latency percentiles.
func BenchmarkIntakeBurst(b *testing.B) {
	for _, engine := range benchEngines {
		for _, senders := range []int{10, 50} {
			b.Run(fmt.Sprintf("%s/senders=%d", engine, senders), func(b *testing.B) { benchBurst(b, engine, senders) })
		}
	}
}

func benchBurst(b *testing.B, engine string, senders int) {
	{
		{
			e := newEnv(b, benchDB(b, engine), Options{})
			e.watchReady()
			w := e.watch()
			body := notifyBody(w.SubscriptionID, w.ClientState)
			var lat []time.Duration
			for b.Loop() {
				lat = append(lat, burst(b, e.intake.URL+NotifyPath, body, 1000, senders)...)
			}
			slices.Sort(lat)
			pct := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000 }
			b.ReportMetric(pct(0.5), "p50-ms")
			b.ReportMetric(pct(0.99), "p99-ms")
			b.ReportMetric(float64(lat[len(lat)-1].Microseconds())/1000, "max-ms")
		}
	}
}

func burst(b *testing.B, u string, body []byte, n, senders int) []time.Duration {
	out := make([]time.Duration, n)
	var wg sync.WaitGroup
	next := make(chan int, n)
	for i := range n {
		next <- i
	}
	close(next)
	for range senders {
		wg.Go(func() {
			for i := range next {
				start := time.Now()
				resp, err := http.Post(u, "application/json", bytes.NewReader(body))
				if err != nil {
					b.Error(err)
					return
				}
				resp.Body.Close()
				out[i] = time.Since(start)
				if resp.StatusCode != http.StatusAccepted {
					b.Errorf("status %d", resp.StatusCode)
				}
			}
		})
	}
	wg.Wait()
	return out
}

// BenchmarkDeltaItems times one delta round that names 2,000 changed files
// (delta paged by 200 over loopback, diff, one commit with 2,000 index rows
// and 2,000 events) and reports items per second.
func BenchmarkDeltaItems(b *testing.B) {
	const n = 2000
	for _, engine := range benchEngines {
		b.Run(engine, func(b *testing.B) {
			e := newEnvPage(b, benchDB(b, engine), Options{Polling: true}, 200)
			e.watchReady()
			round := 0
			var total time.Duration
			for b.Loop() {
				b.StopTimer()
				round++
				for i := range n {
					if _, err := e.emu.WriteFile(e.user.ID, fmt.Sprintf("/d/f%04d.txt", i), []byte(fmt.Sprint(round))); err != nil {
						b.Fatal(err)
					}
				}
				b.StartTimer()
				start := time.Now()
				if _, err := e.svc.Sync(b.Context(), pid, cred); err != nil {
					b.Fatal(err)
				}
				total += time.Since(start)
			}
			b.ReportMetric(float64(n*round)/total.Seconds(), "items/s")
		})
	}
}

// BenchmarkRenewal measures one subscription renewal end to end (token,
// PATCH /subscriptions on the emulator over loopback, one store
// transaction).
func BenchmarkRenewal(b *testing.B) {
	e := newEnv(b, sqliteDB(b), Options{})
	e.watchReady()
	for b.Loop() {
		if err := e.svc.Renew(b.Context(), pid, cred); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTenThousandWatches puts 10,000 subscribed credentials in the
// store and measures what the sweep costs: the heap the list of every watch
// takes, and RenewDue marking all 10,000 due (one transaction and one
// unique renewal job each). The Graph side of a renewal is
// BenchmarkRenewal's; 10,000 emulator users are not needed for this part.
func BenchmarkTenThousandWatches(b *testing.B) {
	const n = 10000
	db := sqliteDB(b)
	e := newEnv(b, db, Options{})
	e.stopQueue(e.queue) // renewal jobs are inserted, not run
	ctx := b.Context()
	for i := range n {
		id := fmt.Sprintf("cred_%05d", i)
		must(b, db.store.CreateCredential(ctx, &driveway.Credential{ID: id, ProjectID: pid, UserID: "u1",
			Integration: driveway.IntegrationOneDrive, Status: driveway.CredentialValid, AccessToken: "x", RefreshToken: "y"}))
		must(b, db.store.CreateDriveWatch(ctx, &driveway.DriveWatch{ProjectID: pid, CredentialID: id, UserID: "u1",
			SubscriptionID: "sub-" + id, ClientState: newClientState(), Status: driveway.WatchActive,
			ExpiresAt: e.clock.Now().Add(DefaultLifetime), RenewAt: e.svc.renewAt(e.clock.Now().Add(DefaultLifetime)),
			DeltaLink: "https://graph.microsoft.com/v1.0/me/drive/root/delta?token=" + id}))
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	ws, err := db.store.ListDriveWatches(ctx, "")
	must(b, err)
	runtime.ReadMemStats(&after)
	perWatch := float64(after.TotalAlloc-before.TotalAlloc) / float64(len(ws))
	e.clock.Advance(DefaultLifetime)
	var renewals int
	var took time.Duration
	for b.Loop() {
		start := time.Now()
		got, err := e.svc.RenewDue(ctx)
		must(b, err)
		took += time.Since(start)
		renewals += got
	}
	if renewals < n {
		b.Fatalf("renewals marked = %d, want %d", renewals, n)
	}
	b.ReportMetric(float64(took.Microseconds())/float64(renewals), "µs/renewal-scheduled")
	b.ReportMetric(perWatch, "B/watch-listed")
}

// BenchmarkSmallRoundOnLargeDrive measures what a delta round of 10
// changed items costs before it writes, on a drive of 50,000 indexed items:
// reading the whole index (as every round did before) against reading the
// entries the round needs (readIndex), side by side, on each engine. It
// reports both times, their ratio and the entries each read.
//
//	go test ./filechange -run '^$' -bench SmallRoundOnLargeDrive -benchtime 20x
func BenchmarkSmallRoundOnLargeDrive(b *testing.B) {
	for _, engine := range benchEngines {
		b.Run(engine, func(b *testing.B) {
			db := benchDB(b, engine)
			ctx := b.Context()
			w := seedLargeDrive(b, db.store, 50_000)
			if pg, ok := db.store.(*postgres.Store); ok { // as autovacuum would soon after a baseline
				_, err := pg.Pool().Exec(ctx, "ANALYZE drive_items")
				must(b, err)
			}
			items := randomDelta(indexOf(b, db.store, w), []string{"root"}, rand.New(rand.NewPCG(1, 2)), 10)
			var whole, partial time.Duration
			var readWhole, readPartial int
			for b.Loop() {
				began := time.Now()
				all, err := readIndex(ctx, db.store, w, items, true)
				must(b, err)
				diff(w, all, items, false)
				whole += time.Since(began)
				began = time.Now()
				some, err := readIndex(ctx, db.store, w, items, false)
				must(b, err)
				diff(w, some, items, false)
				partial += time.Since(began)
				readWhole, readPartial = len(all), len(some)
			}
			b.ReportMetric(float64(whole.Microseconds())/float64(b.N)/1000, "whole-ms/round")
			b.ReportMetric(float64(partial.Microseconds())/float64(b.N)/1000, "partial-ms/round")
			b.ReportMetric(float64(whole)/float64(partial), "whole/partial")
			b.ReportMetric(float64(readWhole), "whole-entries")
			b.ReportMetric(float64(readPartial), "partial-entries")
			b.ReportMetric(0, "ns/op")
		})
	}
}

// seedLargeDrive indexes n items (a folder of files every 50) for a new
// watch and returns it.
func seedLargeDrive(b *testing.B, s driveway.Store, n int) *driveway.DriveWatch {
	ctx := b.Context()
	w := &driveway.DriveWatch{ProjectID: "prj_big", CredentialID: "cred_big", UserID: "u1", Status: driveway.WatchPolling}
	must(b, s.CreateProject(ctx, &driveway.Project{ID: w.ProjectID, Name: "big"}))
	must(b, s.UpsertConnectedUser(ctx, &driveway.ConnectedUser{ProjectID: w.ProjectID, ID: w.UserID}))
	must(b, s.CreateCredential(ctx, &driveway.Credential{ID: w.CredentialID, ProjectID: w.ProjectID, UserID: w.UserID,
		Integration: driveway.IntegrationOneDrive, Status: driveway.CredentialValid, AccessToken: "x", RefreshToken: "x"}))
	must(b, s.CreateDriveWatch(ctx, w))
	entries := []*driveway.DriveItemEntry{{ProjectID: w.ProjectID, CredentialID: w.CredentialID, ItemID: "root", Folder: true, Root: true}}
	folder := "root"
	for i := range n {
		e := &driveway.DriveItemEntry{ProjectID: w.ProjectID, CredentialID: w.CredentialID, ItemID: fmt.Sprintf("i%06d", i),
			ParentID: folder, Name: fmt.Sprint("item ", i), ETag: "e0"}
		if i%50 == 0 {
			e.Folder, e.ParentID, folder = true, "root", e.ItemID
		}
		entries = append(entries, e)
	}
	for len(entries) > 0 {
		k := min(len(entries), 5000)
		must(b, s.PutDriveItems(ctx, entries[:k]))
		entries = entries[k:]
	}
	return w
}

func indexOf(b *testing.B, s driveway.Store, w *driveway.DriveWatch) map[string]*driveway.DriveItemEntry {
	all, err := s.ListDriveItems(b.Context(), w.ProjectID, w.CredentialID)
	must(b, err)
	index := map[string]*driveway.DriveItemEntry{}
	for _, e := range all {
		index[e.ItemID] = e
	}
	return index
}
