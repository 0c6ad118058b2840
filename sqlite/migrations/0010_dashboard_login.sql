-- The dashboard's login limiter and logout revocations live in the
-- database, so that they hold across every node behind a load balancer.
-- Times are Unix microseconds (Postgres: timestamptz).

CREATE TABLE login_failures (
	client       TEXT PRIMARY KEY,
	failures     INTEGER NOT NULL,
	window_start INTEGER NOT NULL
) STRICT;
CREATE INDEX login_failures_window ON login_failures (window_start);

CREATE TABLE revoked_sessions (
	id         TEXT PRIMARY KEY,
	expires_at INTEGER NOT NULL
) STRICT;
CREATE INDEX revoked_sessions_expiry ON revoked_sessions (expires_at);
