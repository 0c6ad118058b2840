#!/usr/bin/env bash
# Runs the conformance suites: Microsoft's own Graph clients, and rclone (an
# independent client), against the Driveway emulator. Exits non-zero if any
# suite fails.
#
#   conformance/run.sh          all suites
#   conformance/run.sh js       only @microsoft/microsoft-graph-client (node --test)
#   conformance/run.sh go       only github.com/microsoftgraph/msgraph-sdk-go (go test)
#   conformance/run.sh rclone   only rclone: its fstests suite and the rclone command
#
# Needs go, node >= 20, npm and the rclone command (Debian's package). DRIVEWAY_CONFORMANCE_STRICT=1 also runs the Go
# tests of known emulator deviations (they fail until the emulator is fixed).
set -uo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
which="${1:-all}"
status=0

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

run_js() {
	echo "== conformance/js: @microsoft/microsoft-graph-client (node --test)"
	local bin="$tmp/emulatorserver"
	(cd "$root" && go build -o "$bin" ./conformance/cmd/emulatorserver) || return 1
	(cd "$root/conformance/js" && npm ci --no-audit --no-fund --loglevel=error) || return 1
	(cd "$root/conformance/js" && DRIVEWAY_EMULATOR_SERVER="$bin" node --test --test-reporter=spec)
}

run_go() {
	echo "== conformance/gosdk: github.com/microsoftgraph/msgraph-sdk-go (go test)"
	# -v lists each test (and the skipped known deviations); === lines are noise.
	(cd "$root/conformance/gosdk" && go test -count=1 -v ./... | grep -v '^=== ')
}

run_rclone() {
	echo "== conformance/rclone: rclone's fstests (Go module) and the rclone command"
	(cd "$root/conformance/rclone" && go test -count=1 -v -timeout 60m ./... | grep -v '^=== ')
}

if [[ "$which" == all || "$which" == js ]]; then
	start=$SECONDS
	run_js || status=1
	echo "== conformance/js finished in $((SECONDS - start))s (exit status so far: $status)"
fi
if [[ "$which" == all || "$which" == go ]]; then
	start=$SECONDS
	run_go || status=1
	echo "== conformance/gosdk finished in $((SECONDS - start))s (exit status so far: $status)"
fi
if [[ "$which" == all || "$which" == rclone ]]; then
	start=$SECONDS
	run_rclone || status=1
	echo "== conformance/rclone finished in $((SECONDS - start))s (exit status so far: $status)"
fi
exit $status
