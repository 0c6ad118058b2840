package postgres

import (
	"context"
	"encoding/json"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
)

// Changes receives the changes other nodes (and this one) commit
// (authcache.Feed implements it).
type Changes interface {
	// Bump records a change of the project (userID "") or of its user.
	Bump(projectID, userID string)
	// SetLive is false while changes may be missed, true once they are
	// heard again.
	SetLive(live bool)
}

// changeChannel is the channel of migration 0012's triggers.
const changeChannel = "driveway_changes"

// WatchChanges listens on its own connection for the change notifications
// of migration 0012 in this store's schema and hands them to c until ctx
// is done. While the connection is down, c is not live; it reconnects
// after a second (a notification sent meanwhile is lost, which is why c
// is told).
func (s *Store) WatchChanges(ctx context.Context, c Changes, logger *slog.Logger) {
	for ctx.Err() == nil {
		err := s.listen(ctx, c)
		c.SetLive(false)
		if ctx.Err() != nil {
			return
		}
		logger.Warn("postgres: change notifications lost; caches are off until they are back", "err", err)
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
}

// listen runs one LISTEN session: it returns when the connection fails or
// ctx is done.
func (s *Store) listen(ctx context.Context, c Changes) error {
	conn, err := pgx.ConnectConfig(ctx, s.pool.Config().ConnConfig.Copy())
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var schema string
	if err := conn.QueryRow(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		return err
	}
	if _, err := conn.Exec(ctx, "LISTEN "+changeChannel); err != nil {
		return err
	}
	c.SetLive(true)
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		var ch struct{ S, P, U string }
		if json.Unmarshal([]byte(n.Payload), &ch) == nil && ch.S == schema {
			c.Bump(ch.P, ch.U)
		}
	}
}
