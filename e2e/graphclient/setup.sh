#!/usr/bin/env bash
# Installs the pinned npm packages of e2e/graphclient (package-lock.json).
# Then: node --test   (starts e2e/cmd/proxyserver with `go run`, or the
# binary named by DRIVEWAY_PROXY_SERVER).
set -euo pipefail
cd "$(dirname "$0")"
npm ci --no-audit --no-fund --loglevel=error
