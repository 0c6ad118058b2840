-- The install flow (OAuth states, install sessions), events, leases, and the
-- index that finds idle credentials to refresh.

CREATE TABLE oauth_states (
	id            TEXT PRIMARY KEY, -- hex SHA-256 of the state value
	project_id    TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
	user_id       TEXT NOT NULL,
	credential_id TEXT NOT NULL,
	verifier      TEXT NOT NULL, -- sealed
	redirect_uri  TEXT NOT NULL,
	origin        TEXT NOT NULL,
	session_id    TEXT NOT NULL,
	created_at    INTEGER NOT NULL,
	expires_at    INTEGER NOT NULL
) STRICT;
CREATE INDEX oauth_states_expiry ON oauth_states (expires_at);

CREATE TABLE install_sessions (
	project_id    TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
	user_id       TEXT NOT NULL,
	id            TEXT NOT NULL,
	credential_id TEXT NOT NULL,
	error         TEXT NOT NULL,
	created_at    INTEGER NOT NULL,
	expires_at    INTEGER,
	PRIMARY KEY (project_id, user_id, id)
) STRICT;

CREATE TABLE events (
	project_id    TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
	id            TEXT NOT NULL,
	kind          TEXT NOT NULL,
	user_id       TEXT NOT NULL,
	credential_id TEXT NOT NULL,
	data          TEXT NOT NULL, -- JSON object or null
	created_at    INTEGER NOT NULL,
	PRIMARY KEY (project_id, id)
) STRICT;
CREATE INDEX events_recent ON events (project_id, created_at);
CREATE INDEX events_credential ON events (project_id, credential_id, created_at);

CREATE TABLE leases (
	name       TEXT PRIMARY KEY,
	holder     TEXT NOT NULL,
	expires_at INTEGER NOT NULL
) STRICT;

CREATE INDEX credentials_refresh ON credentials (status, coalesce(last_refresh_at, created_at));
