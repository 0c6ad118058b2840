// Package tracing gives Driveway OpenTelemetry traces: a span per HTTP
// request it serves, per job attempt (a child of the span that inserted the
// job, across nodes and restarts), and per call to Microsoft, with
// traceparent on outgoing webhooks.
//
//	incoming request ──▶ server span "GET /projects/{projectId}/sdk/proxy/..."
//	  ├─ Microsoft call ──▶ client span "GET graph /v1.0/me/drive/items/{id}"
//	  └─ job inserted ──▶ traceparent in the job's metadata
//	                        └─ job attempt ──▶ consumer span "job webhook.deliver"
//	                             └─ webhook POST (traceparent header)
//
// It is off unless the standard OTEL_* variables ask for it (Enabled);
// while off every hook returns at once, so the proxy pays nothing. No
// attribute holds a token, a secret, a query string or an item's name:
// Microsoft's paths are reduced to templates (GraphRoute).
package tracing

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// instrumentation is the tracer's name.
const instrumentation = "github.com/drivewayhq/driveway"

// on is whether Setup installed a tracer provider.
var on atomic.Bool

// propagator reads and writes traceparent and tracestate (W3C).
var propagator = propagation.TraceContext{}

func tracer() trace.Tracer { return otel.Tracer(instrumentation) }

// Enabled reports whether the environment asks for traces: OTEL_TRACES_EXPORTER
// is "otlp" (the one exporter built in), or an OTLP endpoint is set and
// OTEL_TRACES_EXPORTER does not say "none"; never when OTEL_SDK_DISABLED
// is "true".
func Enabled(getenv func(string) string) bool {
	if strings.EqualFold(getenv("OTEL_SDK_DISABLED"), "true") {
		return false
	}
	switch strings.ToLower(getenv("OTEL_TRACES_EXPORTER")) {
	case "otlp":
		return true
	case "none":
		return false
	}
	return getenv("OTEL_EXPORTER_OTLP_ENDPOINT") != "" || getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") != ""
}

// Setup installs the global tracer provider when Enabled (exporting with
// OTLP over HTTP, which reads the OTEL_EXPORTER_OTLP_* variables itself)
// and returns the function that flushes and stops it. exporter, when not
// nil, replaces OTLP and is called synchronously (tests read an in-memory
// exporter as soon as a request returns).
func Setup(ctx context.Context, getenv func(string) string, version string, exporter sdktrace.SpanExporter) (func(context.Context) error, error) {
	if exporter == nil && !Enabled(getenv) {
		return func(context.Context) error { return nil }, nil
	}
	res, err := resource.New(ctx, resource.WithFromEnv(), resource.WithTelemetrySDK(),
		resource.WithAttributes(attribute.String("service.version", version)))
	if err != nil {
		return nil, fmt.Errorf("tracing resource: %w", err)
	}
	if getenv("OTEL_SERVICE_NAME") == "" {
		res, _ = resource.Merge(res, resource.NewSchemaless(attribute.String("service.name", "driveway")))
	}
	opts := []sdktrace.TracerProviderOption{sdktrace.WithResource(res)}
	if exporter != nil {
		opts = append(opts, sdktrace.WithSyncer(exporter))
	} else {
		otlp, err := otlptracehttp.New(ctx)
		if err != nil {
			return nil, fmt.Errorf("OTLP trace exporter: %w", err)
		}
		opts = append(opts, sdktrace.WithBatcher(otlp))
	}
	tp := sdktrace.NewTracerProvider(opts...)
	otel.SetTracerProvider(tp)
	otel.SetTextMapPropagator(propagator)
	on.Store(true)
	return func(ctx context.Context) error {
		on.Store(false)
		return tp.Shutdown(ctx)
	}, nil
}
