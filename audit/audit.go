// Package audit keeps the audit trail: an append-only, hash-chained record
// of every change an operator or an API key makes, and of access to an end
// user's data.
//
// The flow: httpapi's middleware puts the request id and client address in
// the context (WithSource); whoever authenticates the caller adds the actor
// (WithActor: an API key, a dashboard operator, the CLI). A change is then
// recorded either by the admin API's route wrapper (one entry per
// successful non-GET request, which a handler may enrich with Note) or
// directly with Recorder.Record. Store.AppendAudit chains the entry to the
// previous one; Verify walks the chain.
//
// Secrets never enter the record: Before and After pass through Redact,
// which drops every field whose name says secret and every value that looks
// like a credential.
package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/drivewayhq/driveway"
)

// Actor is who acts: Type "key" (ID the key id), "operator" (ID the
// operator's name), "cli" (ID the OS user), "user" (an end user) or
// "system".
type Actor struct {
	Type string
	ID   string
}

// Source is where a request came from.
type Source struct {
	RequestID string
	Address   string
}

type ctxKey int

const (
	actorKey ctxKey = iota
	sourceKey
	noteKey
)

// WithActor returns ctx acting as a.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey, a)
}

// ActorFrom returns ctx's actor: the one set by WithActor, else the end
// user of a user-token request (Type "user"), else Type "system".
func ActorFrom(ctx context.Context) Actor {
	if a, ok := ctx.Value(actorKey).(Actor); ok {
		return a
	}
	if p := driveway.PrincipalFrom(ctx); p != nil {
		return Actor{Type: "user", ID: p.UserID}
	}
	return Actor{Type: "system", ID: "driveway"}
}

// WithSource returns ctx carrying the request's id and client address.
func WithSource(ctx context.Context, s Source) context.Context {
	return context.WithValue(ctx, sourceKey, s)
}

// SourceFrom returns ctx's source, zero when none.
func SourceFrom(ctx context.Context) Source {
	s, _ := ctx.Value(sourceKey).(Source)
	return s
}

// Event is what happened: the Action (a stable string such as
// "api_key.create" or "user.erase"), the project ("" for the instance), the
// Target (the id of what was acted on) and, where meaningful, the states
// Before and After (any JSON-marshalable values; nil for none).
type Event struct {
	Action    string
	ProjectID string
	Target    string
	Before    any
	After     any
}

// Recorder appends events to the trail. Its zero Logger discards. It is
// safe for concurrent use.
type Recorder struct {
	Store  driveway.AuditQueries
	Logger *slog.Logger
	// UserKey keys end users' pseudonyms (DeriveUserKey); an end user is
	// never named in the trail by their id.
	UserKey []byte
	Now     func() time.Time // time.Now when nil
}

// Record appends ev as done by ctx's actor from ctx's source. The caller
// decides whether a failure fails its operation; Record logs it either way.
func (r *Recorder) Record(ctx context.Context, ev Event) error {
	e, err := r.entry(ctx, ev)
	if err == nil {
		err = r.Store.AppendAudit(context.WithoutCancel(ctx), e)
	}
	if err != nil {
		err = fmt.Errorf("audit %s: %w", ev.Action, err)
		if r.Logger != nil {
			r.Logger.ErrorContext(ctx, "audit record failed", "action", ev.Action, "err", err)
		}
	}
	return err
}

func (r *Recorder) entry(ctx context.Context, ev Event) (*driveway.AuditEntry, error) {
	a, src := ActorFrom(ctx), SourceFrom(ctx)
	if a.Type == "user" {
		project := ev.ProjectID
		if p := driveway.PrincipalFrom(ctx); p != nil {
			project = p.ProjectID
		}
		a.ID = r.Pseudonym(project, a.ID)
	}
	before, err := encode(ev.Before)
	if err != nil {
		return nil, err
	}
	after, err := encode(ev.After)
	if err != nil {
		return nil, err
	}
	now := time.Now
	if r.Now != nil {
		now = r.Now
	}
	return &driveway.AuditEntry{At: now().UTC(), ActorType: a.Type, ActorID: a.ID, ProjectID: ev.ProjectID,
		Action: ev.Action, Target: ev.Target, Before: before, After: after,
		RequestID: src.RequestID, Address: src.Address}, nil
}

// encode redacts v and returns it as JSON text, "" for nil.
func encode(v any) (string, error) {
	if v == nil {
		return "", nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("encode audit state: %w", err)
	}
	var generic any
	if err := json.Unmarshal(b, &generic); err != nil {
		return "", fmt.Errorf("encode audit state: %w", err)
	}
	b, err = json.Marshal(Redact(generic))
	return string(b), err
}
