// Command driveway is the one Driveway binary. It reads configuration,
// wires the packages together, and runs a subcommand:
//
//	driveway serve                  run the server (SQLite or Postgres)
//	driveway dev                    run a ready-to-use development server with the emulator
//	driveway emulator               run the Microsoft Graph and identity emulator alone
//	driveway token --sub USER       print a user token for the dev project
//	driveway keys generate          register a new user-token key pair; print the private key
//	driveway migrate                apply database migrations
//	driveway secrets rotate         re-seal every secret under the newest key
//	driveway workflows apply DIR    validate and save the workflow files of a directory
//	driveway backup --to FILE       copy the SQLite database while the server runs
//	driveway healthcheck            exit 0 when the local server's /healthz answers
//	driveway version                print the version
//
// Wiring lives here only; every other package is a library.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/drivewayhq/driveway/internal/tracing"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	m := &Main{Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv}
	os.Exit(m.Run(ctx, os.Args[1:]))
}

// Main runs one invocation of the command. Tests build one with their own
// writers and environment and call Run; Ready, when set, receives the
// listening server's base URL.
type Main struct {
	Stdout, Stderr io.Writer
	Getenv         func(string) string
	// Ready is called once the server listens, with its base URL.
	Ready func(baseURL string)
	// TraceExporter, when set, receives every span (tests), as if the
	// OTEL_* variables had turned tracing on.
	TraceExporter sdktrace.SpanExporter
}

// startTracing turns OpenTelemetry tracing on when the OTEL_* variables
// (or TraceExporter) ask for it, and returns what flushes it at exit.
func (m *Main) startTracing(ctx context.Context) (func(), error) {
	shutdown, err := tracing.Setup(ctx, m.Getenv, buildVersion(), m.TraceExporter)
	if err != nil {
		return nil, err
	}
	return func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = shutdown(sctx) // spans not exported by now are lost, as at any crash
	}, nil
}

// Exit statuses.
const (
	exitOK     = 0
	exitError  = 1
	exitConfig = 2
)

// Run executes args (without the program name) and returns the exit status.
func (m *Main) Run(ctx context.Context, args []string) int {
	if len(args) == 0 {
		m.usage()
		return exitConfig
	}
	cmds := map[string]func(context.Context, []string) error{
		"serve": m.serve, "dev": m.dev, "emulator": m.emulator, "token": m.token,
		"keys": m.keys, "migrate": m.migrate, "secrets": m.secrets, "version": m.printVersion,
		"workflows": m.workflowsCmd, "backup": m.backup, "healthcheck": m.healthcheck, "audit": m.auditCmd,
	}
	cmd, ok := cmds[args[0]]
	if !ok {
		if args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
			m.usage()
			return exitOK
		}
		fmt.Fprintf(m.Stderr, "driveway: unknown command %q\n", args[0])
		m.usage()
		return exitConfig
	}
	err := cmd(ctx, args[1:])
	var ce *configError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &ce):
		fmt.Fprintf(m.Stderr, "driveway: invalid configuration: %s\n", ce.msg)
		return exitConfig
	case errors.Is(err, errUsage):
		return exitConfig
	}
	fmt.Fprintf(m.Stderr, "driveway: %v\n", err)
	return exitError
}

// errUsage means a flag set already printed what was wrong.
var errUsage = errors.New("usage")

func (m *Main) usage() {
	fmt.Fprint(m.Stderr, `usage: driveway <command> [flags]

commands:
  serve              run the server
  dev                run a development server with the Microsoft emulator
  emulator           run the Microsoft Graph and identity emulator alone
  token --sub USER   print a user token for the dev project
  keys generate      register a user-token key pair and print its private key
  keys create        make an admin API key (instance or project, scoped) and print its secret
  keys list|revoke   list or revoke admin API keys
  audit verify       check the audit trail's hash chain (exit 1 when broken)
  audit export       print the audit trail as JSON lines
  migrate            apply database migrations
  secrets rotate     re-seal every secret under the newest key
  workflows apply    validate and save the workflow files of a directory
  backup --to FILE   copy the SQLite database while the server runs
  healthcheck        check the local server's /healthz (for container health checks)
  version            print the version, module version and VCS revision

Run "driveway <command> -h" for a command's flags. Configuration: docs/configuration.md.
`)
}
