package sqlite

import (
	"cmp"
	"context"
	"strings"

	"github.com/drivewayhq/driveway"
)

// sealedColumn is one column that holds sealed values, with the SQL
// expression of its row key and the key columns that expression joins.
type sealedColumn struct {
	table, column string
	rowExpr       string
	keys          []string
}

// sealedColumns lists every sealed column, in (table, column) order.
var sealedColumns = []sealedColumn{
	{"credentials", "access_token", "project_id || '/' || id", []string{"project_id", "id"}},
	{"credentials", "refresh_token", "project_id || '/' || id", []string{"project_id", "id"}},
	{"drive_watches", "client_state", "project_id || '/' || credential_id", []string{"project_id", "credential_id"}},
	{"integration_client_secrets", "value", "project_id || '/' || id", []string{"project_id", "id"}},
	{"integrations", "cert_private_key", "project_id", []string{"project_id"}},
	{"oauth_states", "code", "id", []string{"id"}},
	{"oauth_states", "verifier", "id", []string{"id"}},
	{"project_secrets", "value", "project_id || '/' || name", []string{"project_id", "name"}},
	{"run_content", "content", "project_id || '/' || run_id || '/' || key", []string{"project_id", "run_id", "key"}},
	{"url_codes", "token", "id", []string{"id"}},
	{"webhook_endpoint_secrets", "value", "project_id || '/' || endpoint_id || '/' || id", []string{"project_id", "endpoint_id", "id"}},
}

func findSealedColumn(ref driveway.SealedRef) (sealedColumn, bool) {
	for _, c := range sealedColumns {
		if c.table == ref.Table && c.column == ref.Column {
			return c, true
		}
	}
	return sealedColumn{}, false
}

// ListSealed returns up to limit sealed values after the cursor, ordered by
// table, column and row (byte order).
func (q *queries) ListSealed(ctx context.Context, after driveway.SealedRef, limit int) ([]driveway.SealedValue, error) {
	if limit <= 0 {
		limit = defaultLimit
	}
	var out []driveway.SealedValue
	for _, c := range sealedColumns {
		order := cmp.Or(cmp.Compare(c.table, after.Table), cmp.Compare(c.column, after.Column))
		if order < 0 {
			continue
		}
		rowAfter := ""
		if order == 0 {
			rowAfter = after.Row
		}
		page, err := q.listSealedColumn(ctx, c, rowAfter, limit-len(out))
		if err != nil {
			return nil, mapErr(err, "list sealed values")
		}
		out = append(out, page...)
		if len(out) == limit {
			break
		}
	}
	return out, nil
}

// listSealedColumn lists one column's values with row keys after rowAfter
// (all of them for "", which no row key equals).
func (q *queries) listSealedColumn(ctx context.Context, c sealedColumn, rowAfter string, limit int) ([]driveway.SealedValue, error) {
	rows, err := q.r.QueryContext(ctx, `SELECT `+c.rowExpr+`, `+c.column+` FROM `+c.table+`
		WHERE `+c.column+` IS NOT NULL AND `+c.rowExpr+` > ? ORDER BY 1 LIMIT ?`, rowAfter, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []driveway.SealedValue
	for rows.Next() {
		v := driveway.SealedValue{Ref: driveway.SealedRef{Table: c.table, Column: c.column}}
		if err := rows.Scan(&v.Ref.Row, &v.Ciphertext); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// ReplaceSealed sets the value at v.Ref to next if it still holds
// v.Ciphertext, and reports whether it did. EINVALID if v.Ref names no
// sealed column.
func (q *queries) ReplaceSealed(ctx context.Context, v driveway.SealedValue, next string) (bool, error) {
	c, ok := findSealedColumn(v.Ref)
	if !ok {
		return false, driveway.Invalid("ref", "%s.%s is not a sealed column", v.Ref.Table, v.Ref.Column)
	}
	keys := strings.SplitN(v.Ref.Row, "/", len(c.keys))
	if len(keys) != len(c.keys) {
		return false, nil
	}
	where := make([]string, len(c.keys))
	args := []any{next}
	for i, k := range c.keys {
		where[i] = k + " = ?"
		args = append(args, keys[i])
	}
	args = append(args, v.Ciphertext)
	res, err := q.w.ExecContext(ctx, `UPDATE `+c.table+` SET `+c.column+` = ? WHERE `+strings.Join(where, " AND ")+
		` AND `+c.column+` = ?`, args...)
	if err != nil {
		return false, mapErr(err, "replace sealed value")
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, mapErr(err, "replace sealed value")
	}
	return n == 1, nil
}
