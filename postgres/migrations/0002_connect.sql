-- The install flow (OAuth states, install sessions), events, leases, and the
-- index that finds idle credentials to refresh.

CREATE TABLE oauth_states (
	id            text COLLATE "C" PRIMARY KEY, -- hex SHA-256 of the state value
	project_id    text COLLATE "C" NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
	user_id       text COLLATE "C" NOT NULL,
	credential_id text COLLATE "C" NOT NULL,
	verifier      text NOT NULL, -- sealed
	redirect_uri  text NOT NULL,
	origin        text NOT NULL,
	session_id    text NOT NULL,
	created_at    timestamptz NOT NULL,
	expires_at    timestamptz NOT NULL
);
CREATE INDEX oauth_states_expiry ON oauth_states (expires_at);

CREATE TABLE install_sessions (
	project_id    text COLLATE "C" NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
	user_id       text COLLATE "C" NOT NULL,
	id            text COLLATE "C" NOT NULL,
	credential_id text NOT NULL,
	error         text NOT NULL,
	created_at    timestamptz NOT NULL,
	expires_at    timestamptz,
	PRIMARY KEY (project_id, user_id, id)
);

CREATE TABLE events (
	project_id    text COLLATE "C" NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
	id            text COLLATE "C" NOT NULL,
	kind          text NOT NULL,
	user_id       text COLLATE "C" NOT NULL,
	credential_id text COLLATE "C" NOT NULL,
	data          jsonb NOT NULL,
	created_at    timestamptz NOT NULL,
	PRIMARY KEY (project_id, id)
);
CREATE INDEX events_recent ON events (project_id, created_at);
CREATE INDEX events_credential ON events (project_id, credential_id, created_at);

CREATE TABLE leases (
	name       text COLLATE "C" PRIMARY KEY,
	holder     text NOT NULL,
	expires_at timestamptz NOT NULL
);

-- Postgres needs the expression in its own parentheses.
CREATE INDEX credentials_refresh ON credentials (status, (coalesce(last_refresh_at, created_at)));
