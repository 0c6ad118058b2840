package tracing

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// JobMiddleware carries the inserting span's traceparent in each job's
// metadata and runs each attempt in a consumer span that continues it, so
// a job run on another node, or after a restart, stays in the trace of the
// request that caused it.
func JobMiddleware() []rivertype.Middleware {
	return []rivertype.Middleware{river.JobInsertMiddlewareFunc(injectJobs), river.WorkerMiddlewareFunc(workJob)}
}

func injectJobs(ctx context.Context, many []*rivertype.JobInsertParams,
	doInner func(context.Context) ([]*rivertype.JobInsertResult, error)) ([]*rivertype.JobInsertResult, error) {
	if !on.Load() || !trace.SpanContextFromContext(ctx).IsValid() {
		return doInner(ctx)
	}
	carrier := propagation.MapCarrier{}
	propagator.Inject(ctx, carrier)
	for _, p := range many {
		p.Metadata = withTrace(p.Metadata, carrier)
	}
	return doInner(ctx)
}

// withTrace adds carrier's keys to a job's metadata (a JSON object).
func withTrace(metadata []byte, carrier propagation.MapCarrier) []byte {
	m := map[string]any{}
	if len(metadata) > 0 {
		if err := json.Unmarshal(metadata, &m); err != nil {
			return metadata // not an object: left as it is
		}
	}
	for k, v := range carrier {
		m[k] = v
	}
	b, err := json.Marshal(m)
	if err != nil {
		return metadata
	}
	return b
}

func workJob(ctx context.Context, job *rivertype.JobRow, doInner func(context.Context) error) error {
	if !on.Load() {
		return doInner(ctx)
	}
	carrier := propagation.MapCarrier{}
	var m map[string]any
	if json.Unmarshal(job.Metadata, &m) == nil {
		for _, k := range propagator.Fields() {
			if v, ok := m[k].(string); ok {
				carrier[k] = v
			}
		}
	}
	ctx = propagator.Extract(ctx, carrier)
	ctx, span := tracer().Start(ctx, "job "+job.Kind, trace.WithSpanKind(trace.SpanKindConsumer),
		trace.WithAttributes(attribute.String("job.kind", job.Kind), attribute.String("job.id", strconv.FormatInt(job.ID, 10)),
			attribute.Int("job.attempt", job.Attempt)))
	defer span.End()
	err := doInner(ctx)
	var snooze *rivertype.JobSnoozeError
	switch {
	case errors.As(err, &snooze):
		span.SetAttributes(attribute.Bool("job.snoozed", true))
	case err != nil:
		span.SetStatus(codes.Error, "job attempt failed") // the error's text may name URLs: not recorded
	}
	return err
}
