-- Driveway schema on Postgres.
-- Times are timestamptz (microseconds); NULL is the zero time. (SQLite stores
-- Unix microseconds.) Lists and maps are jsonb (SQLite: JSON text). Keys are
-- text COLLATE "C" so that ordering and paging by id is byte order, as on
-- SQLite, whatever the database's collation.
-- Sealed columns hold "v1.<kid>.<nonce>.<ciphertext>" from package secret,
-- never plain text.

CREATE TABLE projects (
	id              text COLLATE "C" PRIMARY KEY,
	name            text NOT NULL,
	allowed_origins jsonb NOT NULL,
	created_at      timestamptz NOT NULL,
	updated_at      timestamptz NOT NULL
);

CREATE TABLE integrations (
	project_id       text COLLATE "C" PRIMARY KEY REFERENCES projects (id) ON DELETE CASCADE,
	client_id        text NOT NULL,
	scopes           jsonb NOT NULL,
	tenant           text NOT NULL,
	cloud            text NOT NULL,
	enabled          boolean NOT NULL,
	cert_private_key text,         -- sealed; NULL when there is no certificate
	cert_thumbprint  text NOT NULL,
	cert_expires_at  timestamptz,
	alarm_reason     text,         -- NULL when there is no alarm
	alarm_detail     text NOT NULL,
	alarm_since      timestamptz,
	updated_at       timestamptz NOT NULL
);

CREATE TABLE integration_client_secrets (
	project_id text COLLATE "C" NOT NULL REFERENCES integrations (project_id) ON DELETE CASCADE,
	id         text COLLATE "C" NOT NULL,
	position   integer NOT NULL,
	value      text NOT NULL, -- sealed
	hint       text NOT NULL,
	expires_at timestamptz,
	created_at timestamptz NOT NULL,
	PRIMARY KEY (project_id, id)
);

CREATE TABLE signing_keys (
	project_id text COLLATE "C" NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
	id         text COLLATE "C" NOT NULL,
	alg        text NOT NULL,
	public_key text NOT NULL,
	audience   text NOT NULL,
	created_at timestamptz NOT NULL,
	PRIMARY KEY (project_id, id)
);

CREATE TABLE api_keys (
	id           text COLLATE "C" PRIMARY KEY,
	project_id   text COLLATE "C" REFERENCES projects (id) ON DELETE CASCADE, -- NULL for instance keys
	name         text NOT NULL,
	hash         bytea NOT NULL,
	created_at   timestamptz NOT NULL,
	last_used_at timestamptz,
	revoked_at   timestamptz
);
CREATE INDEX api_keys_project ON api_keys (project_id, created_at);

CREATE TABLE connected_users (
	project_id text COLLATE "C" NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
	id         text COLLATE "C" NOT NULL,
	metadata   jsonb NOT NULL,
	created_at timestamptz NOT NULL,
	updated_at timestamptz NOT NULL,
	PRIMARY KEY (project_id, id)
);

CREATE TABLE credentials (
	project_id              text COLLATE "C" NOT NULL,
	id                      text COLLATE "C" NOT NULL,
	user_id                 text COLLATE "C" NOT NULL,
	integration             text NOT NULL,
	status                  text NOT NULL,
	health_reason           text NOT NULL,
	account_tenant_id       text NOT NULL,
	account_object_id       text NOT NULL,
	account_upn             text NOT NULL,
	account_display_name    text NOT NULL,
	account_email           text NOT NULL,
	drive_id                text NOT NULL,
	drive_type              text NOT NULL,
	access_token            text NOT NULL, -- sealed
	refresh_token           text NOT NULL, -- sealed
	access_token_expires_at timestamptz,
	scopes                  jsonb NOT NULL,
	version                 bigint NOT NULL,
	last_refresh_at         timestamptz,
	refresh_failures        integer NOT NULL,
	created_at              timestamptz NOT NULL,
	updated_at              timestamptz NOT NULL,
	PRIMARY KEY (project_id, id),
	FOREIGN KEY (project_id, user_id) REFERENCES connected_users (project_id, id) ON DELETE CASCADE
);
CREATE INDEX credentials_user ON credentials (project_id, user_id, created_at);
