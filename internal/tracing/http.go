package tracing

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// StartServer starts the span of a request Driveway serves, continuing the
// caller's traceparent. EndServer names it once the route is known.
func StartServer(r *http.Request) (context.Context, trace.Span) {
	if !on.Load() {
		return r.Context(), trace.SpanFromContext(context.Background()) // a no-op span
	}
	ctx := propagator.Extract(r.Context(), propagation.HeaderCarrier(r.Header))
	return tracer().Start(ctx, r.Method, trace.WithSpanKind(trace.SpanKindServer),
		trace.WithAttributes(attribute.String("http.request.method", r.Method)))
}

// EndServer names span by the route pattern that answered ("unmatched"
// when none did: never the raw path), records the status and ends it.
func EndServer(span trace.Span, route, requestID string, status int) {
	if !span.IsRecording() {
		return
	}
	span.SetName(route)
	span.SetAttributes(attribute.String("http.route", route), attribute.Int("http.response.status_code", status),
		attribute.String("driveway.request_id", requestID))
	if status >= 500 {
		span.SetStatus(codes.Error, http.StatusText(status))
	}
	span.End()
}

// Transport traces each round trip of next as a client span named by
// service ("graph", "login" or "download") and path template, with
// Microsoft's request-id and, on 429 or 503, its Retry-After (the
// throttling wait). It keeps next's CloseIdleConnections.
func Transport(next http.RoundTripper) http.RoundTripper { return &transport{next: next} }

type transport struct{ next http.RoundTripper }

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if !on.Load() {
		return t.next.RoundTrip(req)
	}
	service, route := GraphRoute(req.URL.Path)
	ctx, span := tracer().Start(req.Context(), req.Method+" "+service+" "+route, trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(attribute.String("http.request.method", req.Method), attribute.String("server.address", req.URL.Hostname()),
			attribute.String("url.template", route)))
	defer span.End()
	resp, err := t.next.RoundTrip(req.WithContext(ctx))
	if err != nil {
		span.SetStatus(codes.Error, "no response")
		return resp, err
	}
	span.SetAttributes(attribute.Int("http.response.status_code", resp.StatusCode))
	if id := resp.Header.Get("request-id"); id != "" {
		span.SetAttributes(attribute.String("driveway.microsoft.request_id", id))
	}
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
		if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil {
			span.SetAttributes(attribute.Int("driveway.microsoft.retry_after_seconds", s))
		}
	}
	if resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests {
		span.SetStatus(codes.Error, http.StatusText(resp.StatusCode))
	}
	return resp, nil
}

func (t *transport) CloseIdleConnections() {
	if c, ok := t.next.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// Inject writes the context's traceparent into h (an outgoing webhook).
func Inject(ctx context.Context, h http.Header) {
	if on.Load() {
		propagator.Inject(ctx, propagation.HeaderCarrier(h))
	}
}

// collections are Graph path segments whose next segment is an id.
var collections = map[string]bool{"items": true, "drives": true, "users": true, "sites": true, "subscriptions": true,
	"permissions": true, "versions": true, "thumbnails": true, "lists": true, "groups": true, "columns": true,
	"contentTypes": true, "operations": true, "uploadSessions": true}

// GraphRoute reduces a Microsoft URL path to the service it belongs to and a
// template holding no id, name or path: ids after a collection become
// {id}, a path-addressed item (root:/a/b.txt:) becomes {path}, the
// identity platform's tenant becomes {tenant}, and anything that is not a
// Graph or identity path (a pre-authenticated download URL) is {download}.
func GraphRoute(path string) (service, route string) {
	if i := strings.Index(path, ":/"); i >= 0 {
		rest := path[i+2:]
		if j := strings.Index(rest, ":"); j >= 0 {
			path = path[:i] + ":{path}:" + rest[j+1:]
		} else {
			path = path[:i] + ":{path}"
		}
	}
	segs := strings.Split(strings.Trim(path, "/"), "/")
	for k, seg := range segs {
		switch {
		case seg == "v1.0" || seg == "beta":
			return "graph", graphTemplate(segs[k:])
		case seg == "oauth2" && k > 0:
			return "login", "/{tenant}/" + strings.Join(segs[k:], "/")
		}
	}
	return "download", "/{download}"
}

// graphTemplate replaces the ids in segs (starting at the version) and a
// function's arguments (search(q='…')).
func graphTemplate(segs []string) string {
	for i := 1; i < len(segs); i++ {
		if collections[segs[i-1]] && !strings.HasPrefix(segs[i], "root") {
			segs[i] = "{id}"
		} else if p := strings.Index(segs[i], "("); p >= 0 {
			segs[i] = segs[i][:p] + "({args})"
		}
	}
	return "/" + strings.Join(segs, "/")
}
