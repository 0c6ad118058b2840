#!/usr/bin/env bash
# Installs the SDK's dev dependencies (TypeScript) exactly as locked.
# The Makefile runs it before the SDK's tests; run it by hand once too.
set -euo pipefail
cd "$(dirname "$0")"
npm ci --no-audit --no-fund --loglevel=error
