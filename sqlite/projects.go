package sqlite

import (
	"context"
	"database/sql"

	"github.com/drivewayhq/driveway"
)

const projectColumns = `id, name, allowed_origins, created_at, updated_at`

func scanProject(row interface{ Scan(...any) error }) (*driveway.Project, error) {
	p := &driveway.Project{}
	err := row.Scan(&p.ID, &p.Name, jsonCol{&p.AllowedOrigins}, timeCol{&p.CreatedAt}, timeCol{&p.UpdatedAt})
	return p, err
}

// CreateProject inserts p; ECONFLICT if the id exists. Zero CreatedAt and
// UpdatedAt are set to now.
func (q *queries) CreateProject(ctx context.Context, p *driveway.Project) error {
	nowIfZero(&p.CreatedAt)
	nowIfZero(&p.UpdatedAt)
	origins, err := dbJSON(p.AllowedOrigins)
	if err != nil {
		return err
	}
	_, err = q.w.ExecContext(ctx, `INSERT INTO projects (`+projectColumns+`) VALUES (?, ?, ?, ?, ?)`,
		p.ID, p.Name, origins, dbTime(p.CreatedAt), dbTime(p.UpdatedAt))
	return mapErr(err, "project")
}

// GetProject returns the project; ENOTFOUND if there is none.
func (q *queries) GetProject(ctx context.Context, id string) (*driveway.Project, error) {
	p, err := scanProject(q.cachedQueryRow(ctx, `SELECT `+projectColumns+` FROM projects WHERE id = ?`, id))
	if err != nil {
		return nil, mapErr(err, "project")
	}
	return p, nil
}

// ListProjects lists every project, oldest first.
func (q *queries) ListProjects(ctx context.Context) ([]*driveway.Project, error) {
	rows, err := q.r.QueryContext(ctx, `SELECT `+projectColumns+` FROM projects ORDER BY created_at, id`)
	if err != nil {
		return nil, mapErr(err, "list projects")
	}
	return collect(rows, scanProject, "list projects")
}

// UpdateProject replaces the name and allowed origins and sets UpdatedAt
// (now, when zero); ENOTFOUND if there is no such project.
func (q *queries) UpdateProject(ctx context.Context, p *driveway.Project) error {
	nowIfZero(&p.UpdatedAt)
	origins, err := dbJSON(p.AllowedOrigins)
	if err != nil {
		return err
	}
	res, err := q.w.ExecContext(ctx, `UPDATE projects SET name = ?, allowed_origins = ?, updated_at = ? WHERE id = ?`,
		p.Name, origins, dbTime(p.UpdatedAt), p.ID)
	return affected(res, err, "project")
}

// DeleteProject deletes the project and, by cascade, everything that belongs
// to it; ENOTFOUND if there is no such project.
func (q *queries) DeleteProject(ctx context.Context, id string) error {
	res, err := q.w.ExecContext(ctx, `DELETE FROM projects WHERE id = ?`, id)
	return affected(res, err, "project")
}

// collect scans every row with scan.
func collect[T any](rows *sql.Rows, scan func(interface{ Scan(...any) error }) (T, error), what string) ([]T, error) {
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, mapErr(err, what)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, mapErr(err, what)
	}
	return out, nil
}
