-- Workflows: definitions with their versions, per-user enablement, runs and
-- step runs, and project secrets.

CREATE TABLE workflows (
	project_id      TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
	id              TEXT NOT NULL,
	name            TEXT NOT NULL,
	version         INTEGER NOT NULL,
	trigger_type    TEXT NOT NULL,
	event_name      TEXT NOT NULL,
	default_enabled INTEGER NOT NULL,
	definition      TEXT NOT NULL,
	created_at      INTEGER NOT NULL,
	updated_at      INTEGER NOT NULL,
	PRIMARY KEY (project_id, id)
) STRICT;
CREATE INDEX workflows_trigger ON workflows (trigger_type, event_name);

CREATE TABLE workflow_versions (
	project_id  TEXT NOT NULL,
	workflow_id TEXT NOT NULL,
	version     INTEGER NOT NULL,
	name        TEXT NOT NULL,
	definition  TEXT NOT NULL,
	created_at  INTEGER NOT NULL,
	PRIMARY KEY (project_id, workflow_id, version),
	FOREIGN KEY (project_id, workflow_id) REFERENCES workflows (project_id, id) ON DELETE CASCADE
) STRICT;

CREATE TABLE workflow_enablement (
	project_id  TEXT NOT NULL,
	workflow_id TEXT NOT NULL,
	user_id     TEXT NOT NULL,
	enabled     INTEGER NOT NULL,
	updated_at  INTEGER NOT NULL,
	PRIMARY KEY (project_id, workflow_id, user_id),
	FOREIGN KEY (project_id, workflow_id) REFERENCES workflows (project_id, id) ON DELETE CASCADE
) STRICT;
CREATE INDEX workflow_enablement_user ON workflow_enablement (project_id, user_id);

CREATE TABLE workflow_runs (
	project_id   TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
	id           TEXT NOT NULL,
	workflow_id  TEXT NOT NULL,
	version      INTEGER NOT NULL,
	user_id      TEXT NOT NULL,
	status       TEXT NOT NULL,
	trigger      TEXT NOT NULL,
	response     TEXT NOT NULL,
	has_response INTEGER NOT NULL,
	error        TEXT NOT NULL,
	created_at   INTEGER NOT NULL,
	updated_at   INTEGER NOT NULL,
	finished_at  INTEGER,
	PRIMARY KEY (project_id, id)
) STRICT;
CREATE INDEX workflow_runs_recent ON workflow_runs (project_id, created_at);
CREATE INDEX workflow_runs_status ON workflow_runs (project_id, status, user_id);

CREATE TABLE step_runs (
	project_id  TEXT NOT NULL,
	run_id      TEXT NOT NULL,
	key         TEXT NOT NULL,
	step_id     TEXT NOT NULL,
	path        TEXT NOT NULL,
	status      TEXT NOT NULL,
	input       TEXT NOT NULL,
	output      TEXT NOT NULL,
	attempts    INTEGER NOT NULL,
	error       TEXT NOT NULL,
	started_at  INTEGER NOT NULL,
	finished_at INTEGER,
	PRIMARY KEY (project_id, run_id, key),
	FOREIGN KEY (project_id, run_id) REFERENCES workflow_runs (project_id, id) ON DELETE CASCADE
) STRICT;

CREATE TABLE project_secrets (
	project_id TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
	name       TEXT NOT NULL,
	value      TEXT NOT NULL, -- sealed
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL,
	PRIMARY KEY (project_id, name)
) STRICT;
