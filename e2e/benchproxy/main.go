// Command benchproxy measures the Graph proxy as users get it (issue 12):
// the real `driveway serve` (on SQLite, and on Postgres when
// DRIVEWAY_TEST_POSTGRES_URL is set), a user connected through the real
// install flow against `driveway emulator`, and proxied GETs of a
// driveItem with a real user token over HTTP at 1, 16 and 64 connections,
// interleaved round by round with a bare httputil.ReverseProxy (its own
// process), nginx (when installed) and direct calls in front of the same
// emulator. It then sends a long run of proxied GETs and reports the
// node's resident memory across it, and profiles the node under load.
//
//	go run ./e2e/benchproxy            (make bench-proxy)
//
// Figures are noisy on a shared machine: read the ratios of one run.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/drivewayhq/driveway/e2e/cluster"
)

type options struct {
	rounds   int
	conns    []int
	requests int // per mode, round and connection count (×4 at 16 and 64)
	memory   int // proxied requests of the memory run
	profile  time.Duration
	engines  string
}

func main() {
	if os.Getenv(envBare) != "" {
		if err := serveBare(); err != nil {
			fmt.Fprintln(os.Stderr, "bare proxy:", err)
			os.Exit(1)
		}
		return
	}
	var o options
	flag.IntVar(&o.rounds, "rounds", 5, "interleaved rounds per connection count")
	flag.IntVar(&o.requests, "requests", 2000, "GETs per mode and round at 1 connection (4x at 16 and 64)")
	flag.IntVar(&o.memory, "memory", 1_000_000, "proxied GETs of the memory run (0: none)")
	flag.DurationVar(&o.profile, "profile", 10*time.Second, "CPU profile of the node under load (0: none)")
	flag.StringVar(&o.engines, "engines", "sqlite,postgres", "engines to measure (postgres needs DRIVEWAY_TEST_POSTGRES_URL)")
	flag.Parse()
	o.conns = []int{1, 16, 64}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "benchproxy:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, o options) error {
	dir, err := os.MkdirTemp("", "benchproxy")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	bin, err := cluster.Build(ctx, dir)
	if err != nil {
		return err
	}
	fmt.Printf("benchproxy: %s, load average %s\n", time.Now().UTC().Format(time.RFC3339), loadAverage())
	for _, engine := range strings.Split(o.engines, ",") {
		pg := ""
		if engine == "postgres" {
			if pg = os.Getenv("DRIVEWAY_TEST_POSTGRES_URL"); pg == "" {
				fmt.Println("\npostgres: skipped, DRIVEWAY_TEST_POSTGRES_URL is not set")
				continue
			}
			if pg, err = freshSchema(ctx, pg); err != nil {
				return err
			}
		}
		if err := bench(ctx, o, bin, dir, engine, pg); err != nil {
			return fmt.Errorf("%s: %w", engine, err)
		}
	}
	return nil
}

func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	return strings.Join(f[:3], " ")
}
