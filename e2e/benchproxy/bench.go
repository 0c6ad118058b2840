package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// bench measures one engine: the interleaved rounds, the profile, the
// memory run.
func bench(ctx context.Context, o options, bin, dir, engine, pg string) error {
	s, err := start(ctx, bin, dir, engine, pg)
	if s != nil {
		defer s.close()
	}
	if err != nil {
		return err
	}
	for _, m := range s.modes {
		drive(ctx, m, 16, 500) // warm the connections and caches
	}
	fmt.Printf("\n### %s (modes: %s; %d rounds, load average %s)\n\n", engine, names(s.modes), o.rounds, loadAverage())
	fmt.Println("| connections | " + strings.Join(columns(s.modes), " | ") + " | driveway ÷ bare | added p50 vs bare |")
	fmt.Println("|---|" + strings.Repeat("---|", len(s.modes)+2))
	for _, conns := range o.conns {
		n := o.requests
		if conns > 1 {
			n *= 4
		}
		fmt.Println(row(rounds(ctx, s.modes, conns, n, o.rounds), s.modes, conns))
	}
	if o.profile > 0 {
		if err := profile(ctx, s, bin, dir, engine, o.profile); err != nil {
			return err
		}
	}
	if o.memory > 0 {
		return memory(ctx, s, o.memory)
	}
	return nil
}

// rounds runs every mode n GETs per round, the order rotated each round
// so that noise hits all alike.
func rounds(ctx context.Context, modes []*mode, conns, n, count int) map[string][]result {
	out := map[string][]result{}
	for r := range count {
		for i := range modes {
			m := modes[(i+r)%len(modes)]
			out[m.name] = append(out[m.name], drive(ctx, m, conns, n))
		}
	}
	return out
}

func row(res map[string][]result, modes []*mode, conns int) string {
	cells := []string{strconv.Itoa(conns)}
	for _, m := range modes {
		var rps, p50 []float64
		var errs int64
		for _, r := range res[m.name] {
			rps, p50 = append(rps, r.rps), append(p50, float64(r.p50.Microseconds()))
			errs += r.errors
		}
		cell := fmt.Sprintf("%.0f req/s, p50 %.0f µs", median(rps), median(p50))
		if errs > 0 {
			cell += fmt.Sprintf(" (%d errors)", errs)
		}
		cells = append(cells, cell)
	}
	var ratio, added []float64
	for i, d := range res["driveway"] {
		b := res["bare"][i]
		ratio = append(ratio, d.rps/b.rps)
		added = append(added, float64((d.p50 - b.p50).Microseconds()))
	}
	cells = append(cells, fmt.Sprintf("**%.2f×** (rounds %s)", median(ratio), spread(ratio, "%.2f")),
		fmt.Sprintf("%+.0f µs (rounds %s)", median(added), spread(added, "%+.0f")))
	return "| " + strings.Join(cells, " | ") + " |"
}

func spread(xs []float64, f string) string {
	lo, hi := xs[0], xs[0]
	for _, x := range xs {
		lo, hi = min(lo, x), max(hi, x)
	}
	return fmt.Sprintf(f+"…"+f, lo, hi)
}

func names(modes []*mode) string { return strings.Join(columns(modes), ", ") }

func columns(modes []*mode) []string {
	var out []string
	for _, m := range modes {
		out = append(out, m.name)
	}
	return out
}

// profile takes a CPU profile of the node while driving it at 64
// connections, and prints its top functions.
func profile(ctx context.Context, s *setup, bin, dir, engine string, d time.Duration) error {
	done := make(chan error, 1)
	file := filepath.Join(os.TempDir(), "bench-proxy-"+engine+".pprof")
	go func() { done <- fetchProfile(ctx, s.pprof, d, file) }()
	var m *mode
	for _, x := range s.modes {
		if x.name == "driveway" {
			m = x
		}
	}
	for {
		select {
		case err := <-done:
			if err != nil {
				return err
			}
			fmt.Printf("\nCPU profile of the node under load (%s, saved as %s):\n\n```\n%s```\n", engine, file, goTool(bin, file))
			return nil
		default:
			drive(ctx, m, 64, 2000)
		}
	}
}

func fetchProfile(ctx context.Context, base string, d time.Duration, file string) error {
	req, _ := http.NewRequestWithContext(ctx, "GET", fmt.Sprintf("%s/debug/pprof/profile?seconds=%d", base, int(d.Seconds())), nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(f, resp.Body)
	return err
}

// memory sends total proxied GETs at 16 connections and samples the
// node's resident memory every tenth of them.
func memory(ctx context.Context, s *setup, total int) error {
	var m *mode
	for _, x := range s.modes {
		if x.name == "driveway" {
			m = x
		}
	}
	step := total / 10
	var samples []float64
	start := time.Now()
	var errs int64
	for i := 0; i < 10; i++ {
		r := drive(ctx, m, 16, step)
		errs += r.errors
		rss, err := residentKiB(s.nodePID)
		if err != nil {
			return err
		}
		samples = append(samples, float64(rss)/1024)
	}
	first, last := samples[0], samples[len(samples)-1]
	lo, hi := samples[0], samples[0]
	for _, x := range samples {
		lo, hi = min(lo, x), max(hi, x)
	}
	fmt.Printf("\nResident memory of the node across %d proxied GETs (%d errors, %s): after %d %.1f MiB, after %d %.1f MiB "+
		"(%+.1f %%); lowest %.1f, highest %.1f MiB after the first tenth (%+.1f %% of the first sample).\n",
		total, errs, time.Since(start).Round(time.Second), step, first, total, last, 100*(last-first)/first, lo, hi, 100*(hi-first)/first)
	fmt.Printf("Samples (MiB): %s\n", fmtSamples(samples))
	return nil
}

func fmtSamples(xs []float64) string {
	var out []string
	for _, x := range xs {
		out = append(out, fmt.Sprintf("%.1f", x))
	}
	return strings.Join(out, " ")
}

// residentKiB reads VmRSS of a process.
func residentKiB(pid int) (int, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			return strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
		}
	}
	return 0, fmt.Errorf("no VmRSS for %d", pid)
}
