// Package soak holds Driveway's soak (issue 13): real processes, faults
// arriving together, and a verdict computed from the emulator's record of
// changes and the app's record of webhook deliveries. `make soak` runs it
// (DURATION=3m in CI, DURATION=30m for the long one); without
// DRIVEWAY_SOAK_DURATION the test skips and says so.
//
// The map (one engine):
//
//	go test (this package; SQLite and Postgres side by side)
//	  ├─ driveway emulator      tenant, N users (each /soak/a, /soak/b), the app
//	  ├─ store setup            project, OneDrive settings, signing key, API key
//	  ├─ driveway serve × 1|2   same database (SQLite: 1 node; Postgres: 2),
//	  │                         DRIVEWAY_ALLOW_LOOPBACK, safety delta every minute
//	  ├─ balancer               Driveway's public URL on loopback: round robin,
//	  │                         the other node when one refuses the connection
//	  ├─ receiver               the app's webhook endpoint: records every request
//	  ├─ users                  trigger subscription on /soak, install flow
//	  │                         (build-oauth → emulator sign-in → /oauth), baseline
//	  ├─ workload               create / rename / move / delete at RATE per second
//	  │                         (an item at most every 10 s) + Graph proxy calls
//	  ├─ faults                 Graph 429 (5 %) and 503 (2 %), 10 % of notifications
//	  │                         dropped, kill -9 of node A every minute (restarted),
//	  │                         receiver 500 for a minute from D/4, delta 410 for one
//	  │                         drive at D/3, refresh token revoked at D/2 (then the
//	  │                         user reconnects), Postgres restarted at 2D/3
//	  │                         (DRIVEWAY_SOAK_PG_RESTART, a shell command)
//	  └─ drain + verdict        faults off; wait (≤ 4 min) until nothing is missing
//
// The verdict (verdict_test.go): every change delivered, or coalesced by
// delta into a later state of the same item; no item's last state lost;
// no change delivered under two event ids; the revoked credential's
// INVALID event delivered once; node B's resident memory within ±15 % of
// its mean over the last half (node A restarts every minute, so it is
// reported, not judged); every proxy answer a success or a Graph error.
// The first violation of each kind is named.
package soak
