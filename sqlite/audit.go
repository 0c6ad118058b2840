package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/drivewayhq/driveway"
)

const auditColumns = `seq, at, actor_type, actor_id, project_id, action, target, before_json, after_json, request_id, address, prev_hash, hash`

func scanAudit(row interface{ Scan(...any) error }) (*driveway.AuditEntry, error) {
	e := &driveway.AuditEntry{}
	err := row.Scan(&e.Seq, timeCol{&e.At}, &e.ActorType, &e.ActorID, &e.ProjectID, &e.Action, &e.Target,
		&e.Before, &e.After, &e.RequestID, &e.Address, &e.PrevHash, &e.Hash)
	return e, err
}

// AppendAudit extends the chain. SQLite has one writer and its write
// transactions begin IMMEDIATE, so reading the head and inserting after it
// cannot interleave with another appender.
func (q *queries) AppendAudit(ctx context.Context, e *driveway.AuditEntry) error {
	return q.write(ctx, func(q *queries) error {
		var seq int64
		var prev []byte
		err := q.w.QueryRowContext(ctx, `SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1`).Scan(&seq, &prev)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("audit head: %w", err)
		}
		e.Seq, e.PrevHash, e.At = seq+1, prev, e.At.Truncate(time.Microsecond).UTC()
		if e.PrevHash == nil {
			e.PrevHash = []byte{}
		}
		e.Hash = e.ChainHash()
		_, err = q.w.ExecContext(ctx, `INSERT INTO audit_log (`+auditColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			e.Seq, e.At.UnixMicro(), e.ActorType, e.ActorID, e.ProjectID, e.Action, e.Target,
			e.Before, e.After, e.RequestID, e.Address, e.PrevHash, e.Hash)
		return mapErr(err, "audit entry")
	})
}

// ListAudit returns up to limit entries matching f, in seq order.
func (q *queries) ListAudit(ctx context.Context, f driveway.AuditFilter, limit int) ([]*driveway.AuditEntry, error) {
	where := []string{`seq > ?`}
	args := []any{f.After}
	add := func(cond string, v any) { where = append(where, cond); args = append(args, v) }
	if f.ProjectID != "" {
		add(`project_id = ?`, f.ProjectID)
	}
	if f.Action != "" {
		add(`substr(action, 1, length(?)) = ?`, f.Action)
		args = append(args, f.Action)
	}
	if f.ActorID != "" {
		add(`actor_id = ?`, f.ActorID)
	}
	if f.Before > 0 {
		add(`seq < ?`, f.Before)
	}
	order := `seq`
	if f.Newest {
		order = `seq DESC`
	}
	if !f.Since.IsZero() {
		add(`at >= ?`, f.Since.UnixMicro())
	}
	if !f.Until.IsZero() {
		add(`at < ?`, f.Until.UnixMicro())
	}
	args = append(args, limit)
	rows, err := q.r.QueryContext(ctx, `SELECT `+auditColumns+` FROM audit_log WHERE `+strings.Join(where, " AND ")+
		` ORDER BY `+order+` LIMIT ?`, args...)
	if err != nil {
		return nil, mapErr(err, "list audit")
	}
	return collect(rows, scanAudit, "list audit")
}

// DeleteAuditBefore deletes entries older than t, except the newest.
func (q *queries) DeleteAuditBefore(ctx context.Context, t time.Time) (int, error) {
	res, err := q.w.ExecContext(ctx, `DELETE FROM audit_log WHERE at < ? AND seq < (SELECT max(seq) FROM audit_log)`, t.UnixMicro())
	if err != nil {
		return 0, mapErr(err, "delete audit")
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// AuditCursor returns the consumer's last seq, 0 when none.
func (q *queries) AuditCursor(ctx context.Context, name string) (int64, error) {
	var seq int64
	err := q.r.QueryRowContext(ctx, `SELECT seq FROM audit_cursors WHERE name = ?`, name).Scan(&seq)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return seq, mapErr(err, "audit cursor")
}

// SetAuditCursor records the consumer's last seq.
func (q *queries) SetAuditCursor(ctx context.Context, name string, seq int64) error {
	_, err := q.w.ExecContext(ctx, `INSERT INTO audit_cursors (name, seq) VALUES (?, ?)
		ON CONFLICT (name) DO UPDATE SET seq = max(audit_cursors.seq, excluded.seq)`, name, seq)
	return mapErr(err, "audit cursor")
}
