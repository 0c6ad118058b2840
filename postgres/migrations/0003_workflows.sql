-- Workflows: definitions with their versions, per-user enablement, runs and
-- step runs, and project secrets. JSON documents are text, not jsonb, so
-- that they read back byte for byte as saved (as on SQLite).

CREATE TABLE workflows (
	project_id      text COLLATE "C" NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
	id              text COLLATE "C" NOT NULL,
	name            text NOT NULL,
	version         integer NOT NULL,
	trigger_type    text NOT NULL,
	event_name      text NOT NULL,
	default_enabled boolean NOT NULL,
	definition      text NOT NULL,
	created_at      timestamptz NOT NULL,
	updated_at      timestamptz NOT NULL,
	PRIMARY KEY (project_id, id)
);
CREATE INDEX workflows_trigger ON workflows (trigger_type, event_name);

CREATE TABLE workflow_versions (
	project_id  text COLLATE "C" NOT NULL,
	workflow_id text COLLATE "C" NOT NULL,
	version     integer NOT NULL,
	name        text NOT NULL,
	definition  text NOT NULL,
	created_at  timestamptz NOT NULL,
	PRIMARY KEY (project_id, workflow_id, version),
	FOREIGN KEY (project_id, workflow_id) REFERENCES workflows (project_id, id) ON DELETE CASCADE
);

CREATE TABLE workflow_enablement (
	project_id  text COLLATE "C" NOT NULL,
	workflow_id text COLLATE "C" NOT NULL,
	user_id     text COLLATE "C" NOT NULL,
	enabled     boolean NOT NULL,
	updated_at  timestamptz NOT NULL,
	PRIMARY KEY (project_id, workflow_id, user_id),
	FOREIGN KEY (project_id, workflow_id) REFERENCES workflows (project_id, id) ON DELETE CASCADE
);
CREATE INDEX workflow_enablement_user ON workflow_enablement (project_id, user_id);

CREATE TABLE workflow_runs (
	project_id   text COLLATE "C" NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
	id           text COLLATE "C" NOT NULL,
	workflow_id  text COLLATE "C" NOT NULL,
	version      integer NOT NULL,
	user_id      text COLLATE "C" NOT NULL,
	status       text NOT NULL,
	trigger      text NOT NULL,
	response     text NOT NULL,
	has_response boolean NOT NULL,
	error        text NOT NULL,
	created_at   timestamptz NOT NULL,
	updated_at   timestamptz NOT NULL,
	finished_at  timestamptz,
	PRIMARY KEY (project_id, id)
);
CREATE INDEX workflow_runs_recent ON workflow_runs (project_id, created_at);
CREATE INDEX workflow_runs_status ON workflow_runs (project_id, status, user_id);

CREATE TABLE step_runs (
	project_id  text COLLATE "C" NOT NULL,
	run_id      text COLLATE "C" NOT NULL,
	key         text COLLATE "C" NOT NULL,
	step_id     text NOT NULL,
	path        text NOT NULL,
	status      text NOT NULL,
	input       text NOT NULL,
	output      text NOT NULL,
	attempts    integer NOT NULL,
	error       text NOT NULL,
	started_at  timestamptz NOT NULL,
	finished_at timestamptz,
	PRIMARY KEY (project_id, run_id, key),
	FOREIGN KEY (project_id, run_id) REFERENCES workflow_runs (project_id, id) ON DELETE CASCADE
);

CREATE TABLE project_secrets (
	project_id text COLLATE "C" NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
	name       text COLLATE "C" NOT NULL,
	value      text NOT NULL, -- sealed
	created_at timestamptz NOT NULL,
	updated_at timestamptz NOT NULL,
	PRIMARY KEY (project_id, name)
);
