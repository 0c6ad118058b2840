#!/bin/sh
# Installs the pinned @useparagon/connect and esbuild (package-lock.json)
# for connect/paragon_test.go, which bundles and runs the SDK in Chromium.
# CI calls it before `go test`; run it by hand to run that test locally.
set -eu
cd "$(dirname "$0")"
npm ci --no-audit --no-fund --loglevel=error
