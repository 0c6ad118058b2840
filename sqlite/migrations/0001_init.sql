-- Driveway schema on SQLite.
-- Times are INTEGER Unix microseconds, UTC; NULL is the zero time. (Postgres
-- uses timestamptz, also microseconds.) Lists and maps are JSON text.
-- Sealed columns hold "v1.<kid>.<nonce>.<ciphertext>" from package secret,
-- never plain text.

CREATE TABLE projects (
	id              TEXT PRIMARY KEY,
	name            TEXT NOT NULL,
	allowed_origins TEXT NOT NULL, -- JSON array
	created_at      INTEGER NOT NULL,
	updated_at      INTEGER NOT NULL
) STRICT;

CREATE TABLE integrations (
	project_id       TEXT PRIMARY KEY REFERENCES projects (id) ON DELETE CASCADE,
	client_id        TEXT NOT NULL,
	scopes           TEXT NOT NULL, -- JSON array
	tenant           TEXT NOT NULL,
	cloud            TEXT NOT NULL,
	enabled          INTEGER NOT NULL,
	cert_private_key TEXT,          -- sealed; NULL when there is no certificate
	cert_thumbprint  TEXT NOT NULL,
	cert_expires_at  INTEGER,
	alarm_reason     TEXT,          -- NULL when there is no alarm
	alarm_detail     TEXT NOT NULL,
	alarm_since      INTEGER,
	updated_at       INTEGER NOT NULL
) STRICT;

CREATE TABLE integration_client_secrets (
	project_id TEXT NOT NULL REFERENCES integrations (project_id) ON DELETE CASCADE,
	id         TEXT NOT NULL,
	position   INTEGER NOT NULL,
	value      TEXT NOT NULL, -- sealed
	hint       TEXT NOT NULL,
	expires_at INTEGER,
	created_at INTEGER NOT NULL,
	PRIMARY KEY (project_id, id)
) STRICT;

CREATE TABLE signing_keys (
	project_id TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
	id         TEXT NOT NULL,
	alg        TEXT NOT NULL,
	public_key TEXT NOT NULL,
	audience   TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	PRIMARY KEY (project_id, id)
) STRICT;

CREATE TABLE api_keys (
	id           TEXT PRIMARY KEY,
	project_id   TEXT REFERENCES projects (id) ON DELETE CASCADE, -- NULL for instance keys
	name         TEXT NOT NULL,
	hash         BLOB NOT NULL,
	created_at   INTEGER NOT NULL,
	last_used_at INTEGER,
	revoked_at   INTEGER
) STRICT;
CREATE INDEX api_keys_project ON api_keys (project_id, created_at);

CREATE TABLE connected_users (
	project_id TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
	id         TEXT NOT NULL,
	metadata   TEXT NOT NULL, -- JSON object or null
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL,
	PRIMARY KEY (project_id, id)
) STRICT;

CREATE TABLE credentials (
	project_id              TEXT NOT NULL,
	id                      TEXT NOT NULL,
	user_id                 TEXT NOT NULL,
	integration             TEXT NOT NULL,
	status                  TEXT NOT NULL,
	health_reason           TEXT NOT NULL,
	account_tenant_id       TEXT NOT NULL,
	account_object_id       TEXT NOT NULL,
	account_upn             TEXT NOT NULL,
	account_display_name    TEXT NOT NULL,
	account_email           TEXT NOT NULL,
	drive_id                TEXT NOT NULL,
	drive_type              TEXT NOT NULL,
	access_token            TEXT NOT NULL, -- sealed
	refresh_token           TEXT NOT NULL, -- sealed
	access_token_expires_at INTEGER,
	scopes                  TEXT NOT NULL, -- JSON array
	version                 INTEGER NOT NULL,
	last_refresh_at         INTEGER,
	refresh_failures        INTEGER NOT NULL,
	created_at              INTEGER NOT NULL,
	updated_at              INTEGER NOT NULL,
	PRIMARY KEY (project_id, id),
	FOREIGN KEY (project_id, user_id) REFERENCES connected_users (project_id, id) ON DELETE CASCADE
) STRICT;
CREATE INDEX credentials_user ON credentials (project_id, user_id, created_at);
