-- Trigger subscriptions name the drive they watch and the file types they
-- keep (issue 19). drive_id '' keeps every drive of the user's
-- credentials; file_types is a JSON array of extensions, [] keeps all.
ALTER TABLE trigger_subscriptions ADD COLUMN drive_id TEXT NOT NULL DEFAULT '';
ALTER TABLE trigger_subscriptions ADD COLUMN file_types TEXT NOT NULL DEFAULT '[]';
