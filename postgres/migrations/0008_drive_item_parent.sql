-- File Change reads a deleted folder's descendants by parent (each delta
-- round reads only the entries it needs, not the whole index).

CREATE INDEX drive_items_parent ON drive_items (project_id, credential_id, parent_id);
