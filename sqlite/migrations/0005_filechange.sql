-- File Change: one drive watch per credential (Graph subscription and delta
-- state), the drive item index, and trigger subscriptions.

CREATE TABLE drive_watches (
	project_id      TEXT NOT NULL,
	credential_id   TEXT NOT NULL,
	user_id         TEXT NOT NULL,
	subscription_id TEXT,
	client_state    TEXT, -- sealed
	status          TEXT NOT NULL,
	reason          TEXT NOT NULL,
	expires_at      INTEGER,
	renew_at        INTEGER,
	delta_link      TEXT NOT NULL,
	notify_seq      INTEGER NOT NULL,
	done_seq        INTEGER NOT NULL,
	last_delta_at   INTEGER,
	version         INTEGER NOT NULL,
	created_at      INTEGER NOT NULL,
	updated_at      INTEGER NOT NULL,
	PRIMARY KEY (project_id, credential_id),
	FOREIGN KEY (project_id, credential_id) REFERENCES credentials (project_id, id) ON DELETE CASCADE
) STRICT;
CREATE UNIQUE INDEX drive_watches_subscription ON drive_watches (subscription_id);
CREATE INDEX drive_watches_renew ON drive_watches (renew_at);

CREATE TABLE drive_items (
	project_id    TEXT NOT NULL,
	credential_id TEXT NOT NULL,
	item_id       TEXT NOT NULL,
	parent_id     TEXT NOT NULL,
	name          TEXT NOT NULL,
	folder        INTEGER NOT NULL,
	root          INTEGER NOT NULL,
	etag          TEXT NOT NULL,
	ctag          TEXT NOT NULL,
	PRIMARY KEY (project_id, credential_id, item_id),
	FOREIGN KEY (project_id, credential_id) REFERENCES drive_watches (project_id, credential_id) ON DELETE CASCADE
) STRICT;

CREATE TABLE trigger_subscriptions (
	project_id   TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
	id           TEXT NOT NULL,
	trigger      TEXT NOT NULL,
	user_id      TEXT NOT NULL,
	path_prefix  TEXT NOT NULL,
	item_type    TEXT NOT NULL,
	name_pattern TEXT NOT NULL,
	change_types TEXT NOT NULL, -- JSON array
	created_at   INTEGER NOT NULL,
	updated_at   INTEGER NOT NULL,
	PRIMARY KEY (project_id, id)
) STRICT;
