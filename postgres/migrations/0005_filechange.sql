-- File Change: one drive watch per credential (Graph subscription and delta
-- state), the drive item index, and trigger subscriptions.

CREATE TABLE drive_watches (
	project_id      text NOT NULL,
	credential_id   text NOT NULL,
	user_id         text NOT NULL,
	subscription_id text,
	client_state    text, -- sealed
	status          text NOT NULL,
	reason          text NOT NULL,
	expires_at      timestamptz,
	renew_at        timestamptz,
	delta_link      text NOT NULL,
	notify_seq      bigint NOT NULL,
	done_seq        bigint NOT NULL,
	last_delta_at   timestamptz,
	version         bigint NOT NULL,
	created_at      timestamptz NOT NULL,
	updated_at      timestamptz NOT NULL,
	PRIMARY KEY (project_id, credential_id),
	FOREIGN KEY (project_id, credential_id) REFERENCES credentials (project_id, id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX drive_watches_subscription ON drive_watches (subscription_id);
CREATE INDEX drive_watches_renew ON drive_watches (renew_at);

CREATE TABLE drive_items (
	project_id    text NOT NULL,
	credential_id text NOT NULL,
	item_id       text NOT NULL,
	parent_id     text NOT NULL,
	name          text NOT NULL,
	folder        boolean NOT NULL,
	root          boolean NOT NULL,
	etag          text NOT NULL,
	ctag          text NOT NULL,
	PRIMARY KEY (project_id, credential_id, item_id),
	FOREIGN KEY (project_id, credential_id) REFERENCES drive_watches (project_id, credential_id) ON DELETE CASCADE
);

CREATE TABLE trigger_subscriptions (
	project_id   text NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
	id           text NOT NULL,
	trigger      text NOT NULL,
	user_id      text NOT NULL,
	path_prefix  text NOT NULL,
	item_type    text NOT NULL,
	name_pattern text NOT NULL,
	change_types jsonb NOT NULL,
	created_at   timestamptz NOT NULL,
	updated_at   timestamptz NOT NULL,
	PRIMARY KEY (project_id, id)
);
