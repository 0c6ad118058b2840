-- Change notification for the caches of every node (package authcache): a
-- write that a cached SDK read depends on sends NOTIFY driveway_changes at
-- commit, with {"s": schema, "p": project id, "u": user id or ""}. Channels
-- are database-wide, so the schema lets a node ignore another schema's
-- changes. (SQLite is one node: its writes bump the cache in process.)
-- Credentials notify only when who owns them or whether they are usable
-- changes, not on every token refresh.

CREATE FUNCTION driveway_notify_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
	r record;
	project text;
	usr text := '';
BEGIN
	IF TG_OP = 'DELETE' THEN r := OLD; ELSE r := NEW; END IF;
	IF TG_TABLE_NAME = 'projects' THEN
		project := r.id;
	ELSE
		project := r.project_id;
	END IF;
	IF TG_TABLE_NAME = 'connected_users' THEN
		usr := r.id;
	ELSIF TG_TABLE_NAME = 'credentials' THEN
		usr := r.user_id;
	END IF;
	PERFORM pg_notify('driveway_changes', json_build_object('s', TG_TABLE_SCHEMA, 'p', project, 'u', usr)::text);
	RETURN NULL;
END;
$$;

CREATE TRIGGER projects_notify AFTER UPDATE OR DELETE ON projects
	FOR EACH ROW EXECUTE FUNCTION driveway_notify_change();
CREATE TRIGGER integrations_notify AFTER INSERT OR UPDATE OR DELETE ON integrations
	FOR EACH ROW EXECUTE FUNCTION driveway_notify_change();
CREATE TRIGGER signing_keys_notify AFTER INSERT OR UPDATE OR DELETE ON signing_keys
	FOR EACH ROW EXECUTE FUNCTION driveway_notify_change();
CREATE TRIGGER connected_users_notify AFTER DELETE ON connected_users
	FOR EACH ROW EXECUTE FUNCTION driveway_notify_change();
CREATE TRIGGER credentials_notify_write AFTER INSERT OR DELETE ON credentials
	FOR EACH ROW EXECUTE FUNCTION driveway_notify_change();
CREATE TRIGGER credentials_notify_status AFTER UPDATE ON credentials
	FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.user_id IS DISTINCT FROM NEW.user_id)
	EXECUTE FUNCTION driveway_notify_change();
