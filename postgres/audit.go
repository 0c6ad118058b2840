package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/drivewayhq/driveway"
)

const auditColumns = `seq, at, actor_type, actor_id, project_id, action, target, before_json, after_json, request_id, address, prev_hash, hash`

// auditLock is the advisory lock key that serializes audit appenders of
// every node (an arbitrary constant: "dwaudit" in ASCII).
const auditLock = 0x6477617564697400

func scanAudit(row interface{ Scan(...any) error }) (*driveway.AuditEntry, error) {
	e := &driveway.AuditEntry{}
	err := row.Scan(&e.Seq, timeCol{&e.At}, &e.ActorType, &e.ActorID, &e.ProjectID, &e.Action, &e.Target,
		&e.Before, &e.After, &e.RequestID, &e.Address, &e.PrevHash, &e.Hash)
	return e, err
}

// AppendAudit extends the chain under a transaction-scoped advisory lock, so
// that appenders on several nodes take turns: each reads the head the
// previous one committed. (SQLite needs no lock: it has one writer.)
func (q *queries) AppendAudit(ctx context.Context, e *driveway.AuditEntry) error {
	return q.write(ctx, func(q *queries) error {
		if _, err := q.db.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(auditLock)); err != nil {
			return fmt.Errorf("audit lock: %w", err)
		}
		var seq int64
		var prev []byte
		err := q.db.QueryRow(ctx, `SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1`).Scan(&seq, &prev)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("audit head: %w", err)
		}
		e.Seq, e.PrevHash, e.At = seq+1, prev, e.At.Truncate(time.Microsecond).UTC()
		if e.PrevHash == nil {
			e.PrevHash = []byte{}
		}
		e.Hash = e.ChainHash()
		_, err = q.db.Exec(ctx, `INSERT INTO audit_log (`+auditColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
			e.Seq, e.At, e.ActorType, e.ActorID, e.ProjectID, e.Action, e.Target,
			e.Before, e.After, e.RequestID, e.Address, e.PrevHash, e.Hash)
		return mapErr(err, "audit entry")
	})
}

// ListAudit returns up to limit entries matching f, in seq order.
func (q *queries) ListAudit(ctx context.Context, f driveway.AuditFilter, limit int) ([]*driveway.AuditEntry, error) {
	where := []string{`seq > $1`}
	args := []any{f.After}
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, strings.ReplaceAll(cond, "$?", fmt.Sprintf("$%d", len(args))))
	}
	if f.ProjectID != "" {
		add(`project_id = $?`, f.ProjectID)
	}
	if f.Action != "" {
		add(`starts_with(action, $?)`, f.Action)
	}
	if f.ActorID != "" {
		add(`actor_id = $?`, f.ActorID)
	}
	if f.Before > 0 {
		add(`seq < $?`, f.Before)
	}
	order := `seq`
	if f.Newest {
		order = `seq DESC`
	}
	if !f.Since.IsZero() {
		add(`at >= $?`, dbTime(f.Since))
	}
	if !f.Until.IsZero() {
		add(`at < $?`, dbTime(f.Until))
	}
	args = append(args, limit)
	rows, err := q.db.Query(ctx, `SELECT `+auditColumns+` FROM audit_log WHERE `+strings.Join(where, " AND ")+
		fmt.Sprintf(` ORDER BY %s LIMIT $%d`, order, len(args)), args...)
	if err != nil {
		return nil, mapErr(err, "list audit")
	}
	return collect(rows, scanAudit, "list audit")
}

// DeleteAuditBefore deletes entries older than t, except the newest.
func (q *queries) DeleteAuditBefore(ctx context.Context, t time.Time) (int, error) {
	res, err := q.db.Exec(ctx, `DELETE FROM audit_log WHERE at < $1 AND seq < (SELECT max(seq) FROM audit_log)`, dbTime(t))
	if err != nil {
		return 0, mapErr(err, "delete audit")
	}
	return int(res.RowsAffected()), nil
}

// AuditCursor returns the consumer's last seq, 0 when none.
func (q *queries) AuditCursor(ctx context.Context, name string) (int64, error) {
	var seq int64
	err := q.db.QueryRow(ctx, `SELECT seq FROM audit_cursors WHERE name = $1`, name).Scan(&seq)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	}
	return seq, mapErr(err, "audit cursor")
}

// SetAuditCursor records the consumer's last seq.
func (q *queries) SetAuditCursor(ctx context.Context, name string, seq int64) error {
	_, err := q.db.Exec(ctx, `INSERT INTO audit_cursors (name, seq) VALUES ($1, $2)
		ON CONFLICT (name) DO UPDATE SET seq = greatest(audit_cursors.seq, excluded.seq)`, name, seq)
	return mapErr(err, "audit cursor")
}
