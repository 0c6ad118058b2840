-- API key scopes and the audit trail.
--
-- Keys made before this migration keep the power they had: role admin on
-- every surface ('' lists no surface: all of them), of the instance or of
-- their project as before, and no expiry.

ALTER TABLE api_keys ADD COLUMN role text NOT NULL DEFAULT 'admin';
ALTER TABLE api_keys ADD COLUMN surfaces text NOT NULL DEFAULT ''; -- comma-separated; '' = every surface
ALTER TABLE api_keys ADD COLUMN expires_at timestamptz;
-- The key that made this one through the API ('' when an operator, the CLI
-- or dev did): revoking a key revokes every key it made, so that a stolen
-- key cannot leave a copy of itself behind.
ALTER TABLE api_keys ADD COLUMN parent_id text COLLATE "C" NOT NULL DEFAULT '';
CREATE INDEX api_keys_parent ON api_keys (parent_id);
ALTER TABLE api_keys ADD COLUMN last_used_addr text NOT NULL DEFAULT '';

-- The audit trail: one hash chain over every row in seq order (package
-- audit). AppendAudit serializes appenders of every node with an advisory
-- transaction lock. project_id is no foreign key: the record outlives its
-- project. before_json/after_json are JSON text hashed byte for byte as
-- stored (jsonb would reorder keys), '' when none.
CREATE TABLE audit_log (
	seq         bigint PRIMARY KEY,
	at          timestamptz NOT NULL,
	actor_type  text NOT NULL,
	actor_id    text NOT NULL,
	project_id  text COLLATE "C" NOT NULL,
	action      text NOT NULL,
	target      text NOT NULL,
	before_json text NOT NULL,
	after_json  text NOT NULL,
	request_id  text NOT NULL,
	address     text NOT NULL,
	prev_hash   bytea NOT NULL,
	hash        bytea NOT NULL
);
CREATE INDEX audit_log_project ON audit_log (project_id, seq);
CREATE INDEX audit_log_at ON audit_log (at);

-- Append-only: rows are never updated. Retention deletes the oldest rows;
-- the chain reveals any other deletion or edit (even with this trigger
-- dropped).
CREATE FUNCTION driveway_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'audit_log is append-only';
END;
$$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
	FOR EACH ROW EXECUTE FUNCTION driveway_audit_append_only();

-- How far each consumer of the trail got (the SIEM webhook stream).
CREATE TABLE audit_cursors (
	name text COLLATE "C" PRIMARY KEY,
	seq  bigint NOT NULL
);
