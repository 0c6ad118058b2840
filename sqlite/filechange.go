package sqlite

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/drivewayhq/driveway"
)

const watchColumns = `project_id, credential_id, user_id, subscription_id, client_state, status, reason, expires_at,
	renew_at, delta_link, notify_seq, done_seq, last_delta_at, version, created_at, updated_at`

// watchRow is the sealed row key of a drive watch's client_state.
func watchRow(projectID, credentialID string) string { return projectID + "/" + credentialID }

func (q *queries) scanWatch(row interface{ Scan(...any) error }) (*driveway.DriveWatch, error) {
	w := &driveway.DriveWatch{}
	var sub, cs *string
	err := row.Scan(&w.ProjectID, &w.CredentialID, &w.UserID, &sub, &cs, &w.Status, &w.Reason, timeCol{&w.ExpiresAt},
		timeCol{&w.RenewAt}, &w.DeltaLink, &w.NotifySeq, &w.DoneSeq, timeCol{&w.LastDeltaAt}, &w.Version,
		timeCol{&w.CreatedAt}, timeCol{&w.UpdatedAt})
	if err != nil {
		return nil, err
	}
	if sub != nil {
		w.SubscriptionID = *sub
	}
	if cs != nil {
		if w.ClientState, err = q.open(*cs, "drive_watches", "client_state", watchRow(w.ProjectID, w.CredentialID)); err != nil {
			return nil, err
		}
	}
	return w, nil
}

func (q *queries) sealClientState(w *driveway.DriveWatch) (any, error) {
	if w.ClientState == "" {
		return nil, nil
	}
	return q.seal(w.ClientState, "drive_watches", "client_state", watchRow(w.ProjectID, w.CredentialID))
}

// CreateDriveWatch inserts w with Version 1.
func (q *queries) CreateDriveWatch(ctx context.Context, w *driveway.DriveWatch) error {
	cs, err := q.sealClientState(w)
	if err != nil {
		return err
	}
	nowIfZero(&w.CreatedAt)
	w.UpdatedAt, w.Version = w.CreatedAt, 1
	_, err = q.w.ExecContext(ctx, `INSERT INTO drive_watches (`+watchColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		w.ProjectID, w.CredentialID, w.UserID, nullString(w.SubscriptionID), cs, w.Status, w.Reason, dbTime(w.ExpiresAt),
		dbTime(w.RenewAt), w.DeltaLink, w.NotifySeq, w.DoneSeq, dbTime(w.LastDeltaAt), w.Version,
		dbTime(w.CreatedAt), dbTime(w.UpdatedAt))
	return mapErr(err, "drive watch")
}

// GetDriveWatch returns a credential's watch.
func (q *queries) GetDriveWatch(ctx context.Context, projectID, credentialID string) (*driveway.DriveWatch, error) {
	w, err := q.scanWatch(q.r.QueryRowContext(ctx, `SELECT `+watchColumns+` FROM drive_watches
		WHERE project_id = ? AND credential_id = ?`, projectID, credentialID))
	return w, mapErr(err, "drive watch")
}

// FindDriveWatch finds a watch by Graph subscription id.
func (q *queries) FindDriveWatch(ctx context.Context, subscriptionID string) (*driveway.DriveWatch, error) {
	if subscriptionID == "" {
		return nil, driveway.Errorf(driveway.ENOTFOUND, "drive watch not found")
	}
	w, err := q.scanWatch(q.r.QueryRowContext(ctx, `SELECT `+watchColumns+` FROM drive_watches
		WHERE subscription_id = ?`, subscriptionID))
	return w, mapErr(err, "drive watch")
}

// ListDriveWatches lists a project's watches, or every project's.
func (q *queries) ListDriveWatches(ctx context.Context, projectID string) ([]*driveway.DriveWatch, error) {
	return q.listWatches(ctx, `SELECT `+watchColumns+` FROM drive_watches
		WHERE ? = '' OR project_id = ? ORDER BY project_id, credential_id`, projectID, projectID)
}

// ListDriveWatchesToRenew returns watches due for renewal, earliest first.
func (q *queries) ListDriveWatchesToRenew(ctx context.Context, before time.Time, limit int) ([]*driveway.DriveWatch, error) {
	if limit <= 0 {
		limit = defaultLimit
	}
	return q.listWatches(ctx, `SELECT `+watchColumns+` FROM drive_watches
		WHERE renew_at IS NOT NULL AND renew_at < ? ORDER BY renew_at LIMIT ?`, dbTime(before), limit)
}

func (q *queries) listWatches(ctx context.Context, query string, args ...any) ([]*driveway.DriveWatch, error) {
	rows, err := q.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, mapErr(err, "list drive watches")
	}
	defer rows.Close()
	var out []*driveway.DriveWatch
	for rows.Next() {
		w, err := q.scanWatch(rows)
		if err != nil {
			return nil, mapErr(err, "list drive watches")
		}
		out = append(out, w)
	}
	return out, mapErr(rows.Err(), "list drive watches")
}

// UpdateDriveWatch writes w (but NotifySeq) if its version is current.
func (q *queries) UpdateDriveWatch(ctx context.Context, w *driveway.DriveWatch) error {
	cs, err := q.sealClientState(w)
	if err != nil {
		return err
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	res, err := q.w.ExecContext(ctx, `UPDATE drive_watches SET user_id = ?, subscription_id = ?, client_state = ?,
		status = ?, reason = ?, expires_at = ?, renew_at = ?, delta_link = ?, done_seq = ?, last_delta_at = ?,
		version = version + 1, updated_at = ? WHERE project_id = ? AND credential_id = ? AND version = ?`,
		w.UserID, nullString(w.SubscriptionID), cs, w.Status, w.Reason, dbTime(w.ExpiresAt), dbTime(w.RenewAt),
		w.DeltaLink, w.DoneSeq, dbTime(w.LastDeltaAt), dbTime(now), w.ProjectID, w.CredentialID, w.Version)
	if err := affected(res, err, "drive watch"); err != nil {
		if driveway.ErrorCode(err) == driveway.ENOTFOUND {
			return driveway.Errorf(driveway.ECONFLICT, "drive watch changed since it was read")
		}
		return err
	}
	w.Version++
	w.UpdatedAt = now
	return nil
}

// BumpDriveWatch adds one to NotifySeq and reports whether a round was
// already owed.
func (q *queries) BumpDriveWatch(ctx context.Context, projectID, credentialID string) (bool, error) {
	var notify, done int64
	err := q.w.QueryRowContext(ctx, `UPDATE drive_watches SET notify_seq = notify_seq + 1
		WHERE project_id = ? AND credential_id = ? RETURNING notify_seq, done_seq`,
		projectID, credentialID).Scan(&notify, &done)
	if err != nil {
		return false, mapErr(err, "drive watch")
	}
	return notify-1 > done, nil
}

// DeleteDriveWatch deletes the watch and (by cascade) its item index.
func (q *queries) DeleteDriveWatch(ctx context.Context, projectID, credentialID string) error {
	res, err := q.w.ExecContext(ctx, `DELETE FROM drive_watches WHERE project_id = ? AND credential_id = ?`,
		projectID, credentialID)
	return affected(res, err, "drive watch")
}

// ListDriveItems returns a credential's item index.
func (q *queries) ListDriveItems(ctx context.Context, projectID, credentialID string) ([]*driveway.DriveItemEntry, error) {
	return q.driveItems(ctx, projectID, credentialID, "", nil)
}

// GetDriveItems returns the entries of those item ids.
func (q *queries) GetDriveItems(ctx context.Context, projectID, credentialID string, itemIDs []string) ([]*driveway.DriveItemEntry, error) {
	if len(itemIDs) == 0 {
		return nil, nil
	}
	return q.driveItems(ctx, projectID, credentialID, "item_id", itemIDs)
}

// ListDriveItemChildren returns the entries whose parent is one of parentIDs.
func (q *queries) ListDriveItemChildren(ctx context.Context, projectID, credentialID string, parentIDs []string) ([]*driveway.DriveItemEntry, error) {
	if len(parentIDs) == 0 {
		return nil, nil
	}
	return q.driveItems(ctx, projectID, credentialID, "parent_id", parentIDs)
}

// driveItems reads a credential's entries: all of them, or those whose
// column (item_id or parent_id) is one of ids, ordered by item id. The ids
// go in IN lists of at most maxInList placeholders, which SQLite answers
// from an index (an IN over json_each scanned the credential's index).
func (q *queries) driveItems(ctx context.Context, projectID, credentialID, column string, ids []string) ([]*driveway.DriveItemEntry, error) {
	if column == "" {
		return q.driveItemRows(ctx, `SELECT item_id, parent_id, name, folder, root, etag, ctag FROM drive_items
			WHERE project_id = ? AND credential_id = ? ORDER BY item_id`, projectID, credentialID)
	}
	var out []*driveway.DriveItemEntry
	for chunk := range slices.Chunk(slices.Compact(slices.Sorted(slices.Values(ids))), maxInList) {
		args := []any{projectID, credentialID}
		for _, id := range chunk {
			args = append(args, id)
		}
		got, err := q.driveItemRows(ctx, `SELECT item_id, parent_id, name, folder, root, etag, ctag FROM drive_items
			WHERE project_id = ? AND credential_id = ? AND `+column+` IN (`+placeholders(len(chunk))+`)`, args...)
		if err != nil {
			return nil, err
		}
		out = append(out, got...)
	}
	slices.SortFunc(out, func(a, b *driveway.DriveItemEntry) int { return strings.Compare(a.ItemID, b.ItemID) })
	return out, nil
}

// maxInList bounds the placeholders of one IN list (SQLite allows 32,766
// parameters in all).
const maxInList = 500

func (q *queries) driveItemRows(ctx context.Context, query string, args ...any) ([]*driveway.DriveItemEntry, error) {
	projectID, credentialID := args[0].(string), args[1].(string)
	rows, err := q.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, mapErr(err, "list drive items")
	}
	defer rows.Close()
	var out []*driveway.DriveItemEntry
	for rows.Next() {
		e := &driveway.DriveItemEntry{ProjectID: projectID, CredentialID: credentialID}
		if err := rows.Scan(&e.ItemID, &e.ParentID, &e.Name, &e.Folder, &e.Root, &e.ETag, &e.CTag); err != nil {
			return nil, mapErr(err, "list drive items")
		}
		out = append(out, e)
	}
	return out, mapErr(rows.Err(), "list drive items")
}

// PutDriveItems creates or replaces index entries.
func (q *queries) PutDriveItems(ctx context.Context, items []*driveway.DriveItemEntry) error {
	return q.write(ctx, func(q *queries) error {
		for _, e := range items {
			_, err := q.w.ExecContext(ctx, `INSERT INTO drive_items (project_id, credential_id, item_id, parent_id, name,
				folder, root, etag, ctag) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
				ON CONFLICT (project_id, credential_id, item_id) DO UPDATE SET parent_id = excluded.parent_id,
				name = excluded.name, folder = excluded.folder, root = excluded.root, etag = excluded.etag, ctag = excluded.ctag`,
				e.ProjectID, e.CredentialID, e.ItemID, e.ParentID, e.Name, e.Folder, e.Root, e.ETag, e.CTag)
			if err != nil {
				return mapErr(err, "drive item")
			}
		}
		return nil
	})
}

// DeleteDriveItems deletes index entries.
func (q *queries) DeleteDriveItems(ctx context.Context, projectID, credentialID string, itemIDs []string) error {
	return q.write(ctx, func(q *queries) error {
		for _, id := range itemIDs {
			if _, err := q.w.ExecContext(ctx, `DELETE FROM drive_items WHERE project_id = ? AND credential_id = ? AND item_id = ?`,
				projectID, credentialID, id); err != nil {
				return mapErr(err, "drive item")
			}
		}
		return nil
	})
}

const triggerSubColumns = `project_id, id, trigger, user_id, path_prefix, item_type, name_pattern, change_types, created_at, updated_at,
	drive_id, file_types`

func scanTriggerSub(row interface{ Scan(...any) error }) (*driveway.TriggerSubscription, error) {
	s := &driveway.TriggerSubscription{}
	err := row.Scan(&s.ProjectID, &s.ID, &s.Trigger, &s.UserID, &s.PathPrefix, &s.ItemType, &s.NamePattern,
		jsonCol{&s.ChangeTypes}, timeCol{&s.CreatedAt}, timeCol{&s.UpdatedAt}, &s.DriveID, jsonCol{&s.FileTypes})
	return s, err
}

// CreateTriggerSubscription inserts s.
func (q *queries) CreateTriggerSubscription(ctx context.Context, s *driveway.TriggerSubscription) error {
	types, err := dbJSON(changeTypeList(s.ChangeTypes))
	if err != nil {
		return err
	}
	fileTypes, err := dbJSON(changeTypeList(s.FileTypes))
	if err != nil {
		return err
	}
	nowIfZero(&s.CreatedAt)
	s.UpdatedAt = s.CreatedAt
	_, err = q.w.ExecContext(ctx, `INSERT INTO trigger_subscriptions (`+triggerSubColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, s.ProjectID, s.ID, s.Trigger, s.UserID, s.PathPrefix, s.ItemType,
		s.NamePattern, types, dbTime(s.CreatedAt), dbTime(s.UpdatedAt), s.DriveID, fileTypes)
	return mapErr(err, "trigger subscription")
}

// GetTriggerSubscription returns one trigger subscription.
func (q *queries) GetTriggerSubscription(ctx context.Context, projectID, id string) (*driveway.TriggerSubscription, error) {
	s, err := scanTriggerSub(q.r.QueryRowContext(ctx, `SELECT `+triggerSubColumns+` FROM trigger_subscriptions
		WHERE project_id = ? AND id = ?`, projectID, id))
	if err != nil {
		return nil, mapErr(err, "trigger subscription")
	}
	return s, nil
}

// ListTriggerSubscriptions lists a project's trigger subscriptions.
func (q *queries) ListTriggerSubscriptions(ctx context.Context, projectID string) ([]*driveway.TriggerSubscription, error) {
	rows, err := q.r.QueryContext(ctx, `SELECT `+triggerSubColumns+` FROM trigger_subscriptions
		WHERE project_id = ? ORDER BY created_at, id`, projectID)
	if err != nil {
		return nil, mapErr(err, "list trigger subscriptions")
	}
	defer rows.Close()
	out := []*driveway.TriggerSubscription{}
	for rows.Next() {
		s, err := scanTriggerSub(rows)
		if err != nil {
			return nil, mapErr(err, "list trigger subscriptions")
		}
		out = append(out, s)
	}
	return out, mapErr(rows.Err(), "list trigger subscriptions")
}

// UpdateTriggerSubscription replaces the filters.
func (q *queries) UpdateTriggerSubscription(ctx context.Context, s *driveway.TriggerSubscription) error {
	types, err := dbJSON(changeTypeList(s.ChangeTypes))
	if err != nil {
		return err
	}
	fileTypes, err := dbJSON(changeTypeList(s.FileTypes))
	if err != nil {
		return err
	}
	s.UpdatedAt = time.Now().UTC().Truncate(time.Microsecond)
	res, err := q.w.ExecContext(ctx, `UPDATE trigger_subscriptions SET user_id = ?, path_prefix = ?, item_type = ?,
		name_pattern = ?, change_types = ?, updated_at = ?, drive_id = ?, file_types = ? WHERE project_id = ? AND id = ?`,
		s.UserID, s.PathPrefix, s.ItemType, s.NamePattern, types, dbTime(s.UpdatedAt), s.DriveID, fileTypes, s.ProjectID, s.ID)
	return affected(res, err, "trigger subscription")
}

// DeleteTriggerSubscription deletes one trigger subscription.
func (q *queries) DeleteTriggerSubscription(ctx context.Context, projectID, id string) error {
	res, err := q.w.ExecContext(ctx, `DELETE FROM trigger_subscriptions WHERE project_id = ? AND id = ?`, projectID, id)
	return affected(res, err, "trigger subscription")
}

// changeTypeList returns an empty list for nil, so the column holds [] not null.
func changeTypeList(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
