-- File content passed between the steps of a run (a download's bytes),
-- sealed, kept only while the run runs: UpdateRun deletes a run's rows when
-- it ends, and the purge job deletes any left behind. Step runs record a
-- reference in its place.
CREATE TABLE run_content (
	project_id text COLLATE "C" NOT NULL,
	run_id     text COLLATE "C" NOT NULL,
	key        text COLLATE "C" NOT NULL,
	content    text NOT NULL, -- sealed: the step's whole output (JSON)
	created_at timestamptz NOT NULL,
	PRIMARY KEY (project_id, run_id, key),
	FOREIGN KEY (project_id, run_id) REFERENCES workflow_runs (project_id, id) ON DELETE CASCADE
);

-- Retention deletes events by age across projects.
CREATE INDEX events_created ON events (created_at);
