-- Outgoing webhooks: endpoints, their sealed signing secrets, the outbox of
-- events not yet fanned out to endpoints, and deliveries.

CREATE TABLE webhook_endpoints (
	project_id  TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
	id          TEXT NOT NULL,
	url         TEXT NOT NULL,
	description TEXT NOT NULL,
	event_types TEXT NOT NULL, -- JSON array
	enabled     INTEGER NOT NULL,
	created_at  INTEGER NOT NULL,
	updated_at  INTEGER NOT NULL,
	PRIMARY KEY (project_id, id)
) STRICT;

CREATE TABLE webhook_endpoint_secrets (
	project_id  TEXT NOT NULL,
	endpoint_id TEXT NOT NULL,
	id          TEXT NOT NULL,
	position    INTEGER NOT NULL,
	value       TEXT NOT NULL, -- sealed
	expires_at  INTEGER,
	created_at  INTEGER NOT NULL,
	PRIMARY KEY (project_id, endpoint_id, id),
	FOREIGN KEY (project_id, endpoint_id) REFERENCES webhook_endpoints (project_id, id) ON DELETE CASCADE
) STRICT;

-- One row per event of a project with an enabled endpoint, written by the
-- trigger below in the transaction of the event itself; the dispatcher
-- deletes it in the transaction that creates the event's deliveries.
CREATE TABLE webhook_outbox (
	seq        INTEGER PRIMARY KEY AUTOINCREMENT,
	project_id TEXT NOT NULL,
	event_id   TEXT NOT NULL,
	UNIQUE (project_id, event_id),
	FOREIGN KEY (project_id, event_id) REFERENCES events (project_id, id) ON DELETE CASCADE
) STRICT;

CREATE TRIGGER events_webhook_outbox AFTER INSERT ON events
WHEN EXISTS (SELECT 1 FROM webhook_endpoints WHERE project_id = NEW.project_id AND enabled = 1)
BEGIN
	INSERT INTO webhook_outbox (project_id, event_id) VALUES (NEW.project_id, NEW.id);
END;

CREATE TABLE webhook_deliveries (
	project_id      TEXT NOT NULL,
	id              TEXT NOT NULL,
	endpoint_id     TEXT NOT NULL,
	event_id        TEXT NOT NULL,
	event_type      TEXT NOT NULL,
	payload         TEXT NOT NULL,
	status          TEXT NOT NULL,
	attempts        INTEGER NOT NULL,
	next_attempt_at INTEGER,
	last_attempt_at INTEGER,
	response_code   INTEGER NOT NULL,
	error           TEXT NOT NULL,
	created_at      INTEGER NOT NULL,
	updated_at      INTEGER NOT NULL,
	PRIMARY KEY (project_id, id),
	UNIQUE (project_id, endpoint_id, event_id),
	FOREIGN KEY (project_id, endpoint_id) REFERENCES webhook_endpoints (project_id, id) ON DELETE CASCADE
) STRICT;
CREATE INDEX webhook_deliveries_recent ON webhook_deliveries (project_id, created_at);
CREATE INDEX webhook_deliveries_status ON webhook_deliveries (project_id, status, created_at);
CREATE INDEX webhook_deliveries_finished ON webhook_deliveries (status, updated_at);
