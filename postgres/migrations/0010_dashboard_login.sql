-- The dashboard's login limiter and logout revocations live in the
-- database, so that they hold across every node behind a load balancer.

CREATE TABLE login_failures (
	client       text PRIMARY KEY,
	failures     integer NOT NULL,
	window_start timestamptz NOT NULL
);
CREATE INDEX login_failures_window ON login_failures (window_start);

CREATE TABLE revoked_sessions (
	id         text PRIMARY KEY,
	expires_at timestamptz NOT NULL
);
CREATE INDEX revoked_sessions_expiry ON revoked_sessions (expires_at);
