package audit

import "context"

type pendingKey struct{}

// WithPending returns a context that collects Notes into the returned
// event: the admin API's route wrapper records it after the handler
// succeeds.
func WithPending(ctx context.Context) (context.Context, *Event) {
	ev := &Event{}
	return context.WithValue(ctx, pendingKey{}, ev), ev
}

// Note enriches the one entry the admin API records for the current
// request: each field of ev that is set replaces the wrapper's default
// (Action: the route, ProjectID: the path's project, Target: the path).
// Outside an admin API request Note does nothing; use Recorder.Record.
func Note(ctx context.Context, ev Event) {
	p, ok := ctx.Value(pendingKey{}).(*Event)
	if !ok {
		return
	}
	if ev.Action != "" {
		p.Action = ev.Action
	}
	if ev.ProjectID != "" {
		p.ProjectID = ev.ProjectID
	}
	if ev.Target != "" {
		p.Target = ev.Target
	}
	if ev.Before != nil {
		p.Before = ev.Before
	}
	if ev.After != nil {
		p.After = ev.After
	}
}
