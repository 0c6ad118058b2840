-- API key scopes and the audit trail.
--
-- Keys made before this migration keep the power they had: role admin on
-- every surface ('' lists no surface: all of them), of the instance or of
-- their project as before, and no expiry.

ALTER TABLE api_keys ADD COLUMN role TEXT NOT NULL DEFAULT 'admin';
ALTER TABLE api_keys ADD COLUMN surfaces TEXT NOT NULL DEFAULT ''; -- comma-separated; '' = every surface
ALTER TABLE api_keys ADD COLUMN expires_at INTEGER;
-- The key that made this one through the API ('' when an operator, the CLI
-- or dev did): revoking a key revokes every key it made, so that a stolen
-- key cannot leave a copy of itself behind.
ALTER TABLE api_keys ADD COLUMN parent_id TEXT NOT NULL DEFAULT '';
CREATE INDEX api_keys_parent ON api_keys (parent_id);
ALTER TABLE api_keys ADD COLUMN last_used_addr TEXT NOT NULL DEFAULT '';

-- The audit trail: one hash chain over every row in seq order (package
-- audit). project_id is no foreign key: the record outlives its project.
-- before_json/after_json are JSON text hashed as stored ('' when none).
CREATE TABLE audit_log (
	seq         INTEGER PRIMARY KEY, -- 1, 2, ... assigned by AppendAudit
	at          INTEGER NOT NULL,
	actor_type  TEXT NOT NULL,
	actor_id    TEXT NOT NULL,
	project_id  TEXT NOT NULL, -- '' for the instance
	action      TEXT NOT NULL,
	target      TEXT NOT NULL,
	before_json TEXT NOT NULL,
	after_json  TEXT NOT NULL,
	request_id  TEXT NOT NULL,
	address     TEXT NOT NULL,
	prev_hash   BLOB NOT NULL,
	hash        BLOB NOT NULL
) STRICT;
CREATE INDEX audit_log_project ON audit_log (project_id, seq);
CREATE INDEX audit_log_at ON audit_log (at);

-- Append-only: rows are never updated. Retention deletes the oldest rows;
-- the chain reveals any other deletion or edit (even with this trigger
-- dropped).
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
	SELECT RAISE(ABORT, 'audit_log is append-only');
END;

-- How far each consumer of the trail got (the SIEM webhook stream).
CREATE TABLE audit_cursors (
	name TEXT PRIMARY KEY,
	seq  INTEGER NOT NULL
) STRICT;
