package authcache

import (
	"context"

	"github.com/drivewayhq/driveway"
)

// Store is a driveway.Store that bumps Feed after every write that a cache
// of this package depends on: projects (allowed origins, deletion),
// integrations, signing keys, connected users and credentials. Inside
// WithTx the bumps wait for the commit, so that no reader caches what the
// transaction has not yet made visible... and then finds it stale.
type Store struct {
	notifying
	base driveway.Store
}

// Wrap returns s with its writes bumping feed.
func Wrap(s driveway.Store, feed *Feed) *Store {
	return &Store{notifying: notifying{Queries: s, note: feed.Bump}, base: s}
}

// Unwrap returns the decorated store.
func (s *Store) Unwrap() driveway.Store { return s.base }

// WithTx runs fn in a transaction of the decorated store and bumps the
// feed for its writes once it is over (committed or not: a bump is never
// wrong, only a missing one is).
func (s *Store) WithTx(ctx context.Context, fn func(tx driveway.Tx) error) error {
	var pending [][2]string
	defer func() {
		for _, p := range pending {
			s.note(p[0], p[1])
		}
	}()
	return s.base.WithTx(ctx, func(inner driveway.Tx) error {
		tx := &tx{notifying: notifying{Queries: inner, note: func(p, u string) { pending = append(pending, [2]string{p, u}) }}, base: inner}
		return fn(tx)
	})
}

// Ping pings the decorated store.
func (s *Store) Ping(ctx context.Context) error { return s.base.Ping(ctx) }

// Close closes the decorated store.
func (s *Store) Close() error { return s.base.Close() }

type tx struct {
	notifying
	base driveway.Tx
}

func (t *tx) Driver() any { return t.base.Driver() }

// notifying is driveway.Queries with note called after the writes caches
// depend on.
type notifying struct {
	driveway.Queries
	note func(projectID, userID string)
}

func (n notifying) UpdateProject(ctx context.Context, p *driveway.Project) error {
	defer n.note(p.ID, "")
	return n.Queries.UpdateProject(ctx, p)
}

func (n notifying) DeleteProject(ctx context.Context, id string) error {
	defer n.note(id, "")
	return n.Queries.DeleteProject(ctx, id)
}

func (n notifying) PutIntegration(ctx context.Context, in *driveway.Integration) error {
	defer n.note(in.ProjectID, "")
	return n.Queries.PutIntegration(ctx, in)
}

func (n notifying) CreateSigningKey(ctx context.Context, k *driveway.SigningKey) error {
	defer n.note(k.ProjectID, "")
	return n.Queries.CreateSigningKey(ctx, k)
}

func (n notifying) DeleteSigningKey(ctx context.Context, projectID, id string) error {
	defer n.note(projectID, "")
	return n.Queries.DeleteSigningKey(ctx, projectID, id)
}

func (n notifying) UpsertConnectedUser(ctx context.Context, u *driveway.ConnectedUser) error {
	defer n.note(u.ProjectID, u.ID)
	return n.Queries.UpsertConnectedUser(ctx, u)
}

func (n notifying) DeleteConnectedUser(ctx context.Context, projectID, id string) error {
	defer n.note(projectID, id)
	return n.Queries.DeleteConnectedUser(ctx, projectID, id)
}

func (n notifying) CreateCredential(ctx context.Context, c *driveway.Credential) error {
	defer n.note(c.ProjectID, c.UserID)
	return n.Queries.CreateCredential(ctx, c)
}

func (n notifying) UpdateCredential(ctx context.Context, c *driveway.Credential) error {
	defer n.note(c.ProjectID, c.UserID)
	return n.Queries.UpdateCredential(ctx, c)
}

// DeleteCredential bumps the whole project: the credential's user is not
// known here.
func (n notifying) DeleteCredential(ctx context.Context, projectID, id string) error {
	defer n.note(projectID, "")
	return n.Queries.DeleteCredential(ctx, projectID, id)
}

var (
	_ driveway.Store = (*Store)(nil)
	_ driveway.Tx    = (*tx)(nil)
)
