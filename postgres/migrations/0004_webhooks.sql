-- Outgoing webhooks: endpoints, their sealed signing secrets, the outbox of
-- events not yet fanned out to endpoints, and deliveries.

CREATE TABLE webhook_endpoints (
	project_id  text COLLATE "C" NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
	id          text COLLATE "C" NOT NULL,
	url         text NOT NULL,
	description text NOT NULL,
	event_types jsonb NOT NULL,
	enabled     boolean NOT NULL,
	created_at  timestamptz NOT NULL,
	updated_at  timestamptz NOT NULL,
	PRIMARY KEY (project_id, id)
);

CREATE TABLE webhook_endpoint_secrets (
	project_id  text COLLATE "C" NOT NULL,
	endpoint_id text COLLATE "C" NOT NULL,
	id          text COLLATE "C" NOT NULL,
	position    integer NOT NULL,
	value       text NOT NULL, -- sealed
	expires_at  timestamptz,
	created_at  timestamptz NOT NULL,
	PRIMARY KEY (project_id, endpoint_id, id),
	FOREIGN KEY (project_id, endpoint_id) REFERENCES webhook_endpoints (project_id, id) ON DELETE CASCADE
);

-- One row per event of a project with an enabled endpoint, written by the
-- trigger below in the transaction of the event itself; the dispatcher
-- deletes it in the transaction that creates the event's deliveries.
CREATE TABLE webhook_outbox (
	seq        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	project_id text COLLATE "C" NOT NULL,
	event_id   text COLLATE "C" NOT NULL,
	UNIQUE (project_id, event_id),
	FOREIGN KEY (project_id, event_id) REFERENCES events (project_id, id) ON DELETE CASCADE
);

-- Postgres needs a function for the trigger body (SQLite writes it inline).
CREATE FUNCTION events_webhook_outbox() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF EXISTS (SELECT 1 FROM webhook_endpoints WHERE project_id = NEW.project_id AND enabled) THEN
		INSERT INTO webhook_outbox (project_id, event_id) VALUES (NEW.project_id, NEW.id);
	END IF;
	RETURN NULL;
END;
$$;
CREATE TRIGGER events_webhook_outbox AFTER INSERT ON events
	FOR EACH ROW EXECUTE FUNCTION events_webhook_outbox();

CREATE TABLE webhook_deliveries (
	project_id      text COLLATE "C" NOT NULL,
	id              text COLLATE "C" NOT NULL,
	endpoint_id     text COLLATE "C" NOT NULL,
	event_id        text COLLATE "C" NOT NULL,
	event_type      text NOT NULL,
	payload         text NOT NULL, -- text, not jsonb: sent byte for byte as stored
	status          text NOT NULL,
	attempts        integer NOT NULL,
	next_attempt_at timestamptz,
	last_attempt_at timestamptz,
	response_code   integer NOT NULL,
	error           text NOT NULL,
	created_at      timestamptz NOT NULL,
	updated_at      timestamptz NOT NULL,
	PRIMARY KEY (project_id, id),
	UNIQUE (project_id, endpoint_id, event_id),
	FOREIGN KEY (project_id, endpoint_id) REFERENCES webhook_endpoints (project_id, id) ON DELETE CASCADE
);
CREATE INDEX webhook_deliveries_recent ON webhook_deliveries (project_id, created_at);
CREATE INDEX webhook_deliveries_status ON webhook_deliveries (project_id, status, created_at);
CREATE INDEX webhook_deliveries_finished ON webhook_deliveries (status, updated_at);
