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

-- A requested erasure of an end user: the erasure job's argument names it
-- by id, so that the job's row (kept by the queue for a while) does not
-- name the user. EraseUserRecords deletes it with the user's records.
CREATE TABLE user_erasures (
	project_id text COLLATE "C" NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
	id         text COLLATE "C" NOT NULL,
	user_id    text COLLATE "C" NOT NULL,
	created_at timestamptz NOT NULL,
	PRIMARY KEY (project_id, id)
);

-- Single-use codes that stand for a user token in a URL (the SDK's popup
-- and portal), so that no token is ever in one. id is the hex SHA-256 of
-- the code; the token is sealed.
CREATE TABLE url_codes (
	id         text COLLATE "C" PRIMARY KEY,
	project_id text COLLATE "C" NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
	user_id    text COLLATE "C" NOT NULL,
	token      text NOT NULL, -- sealed
	expires_at timestamptz NOT NULL
);
CREATE INDEX url_codes_expiry ON url_codes (expires_at);
