package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

// TestTracesFollowRequestsAcrossJobsAndMicrosoft runs driveway dev with
// tracing on (an in-memory exporter in place of OTLP) and checks the spans
// a user's actions leave: a proxied call is a server span with a client
// span to Graph under it; a workflow run continues the caller's trace
// through its step jobs to Microsoft; a webhook delivery job continues the
// dispatch job that found the event (events wait in an outbox, so the
// request that caused one is not in that trace), and the app receives the
// delivery's traceparent. No attribute holds the user token, a query string
// or a file's name.
func TestTracesFollowRequestsAcrossJobsAndMicrosoft(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	dir := t.TempDir()
	r := startMain(t, &Main{Getenv: func(string) string { return "" }, TraceExporter: exp},
		"dev", "--addr", "127.0.0.1:0", "--data-dir", dir, "--emulator-auto-consent")
	info, err := readDevInfo(dir)
	if err != nil {
		t.Fatal(err)
	}
	parents := make(chan string, 64)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		io.Copy(io.Discard, req.Body)
		parents <- req.Header.Get("traceparent")
	}))
	defer receiver.Close()
	d := newDevClient(t, r, info, dir, "u-traced")
	if s, _ := d.admin("POST", "/api/v1/projects/"+info.ProjectID+"/webhook-endpoints", `{"url":"`+receiver.URL+`/hooks"}`); s != 201 {
		t.Fatalf("webhook endpoint: %d", s)
	}
	applyGuideWorkflow(t, info, dir)
	d.connect()

	t.Run("webhook", func(t *testing.T) {
		var parent string
		select {
		case parent = <-parents:
		case <-time.After(time.Minute):
			t.Fatal("no webhook delivery within a minute of connecting")
		}
		sc := parseTraceparent(t, parent)
		spans := waitSpans(t, exp, sc.TraceID(), "job webhook.deliver", "job webhook.dispatch")
		deliver, dispatch := spans["job webhook.deliver"], spans["job webhook.dispatch"]
		if deliver.SpanKind != trace.SpanKindConsumer || deliver.Parent.SpanID() != dispatch.SpanContext.SpanID() {
			t.Fatalf("the delivery job's span: kind %v, parent %v, not the dispatch job's", deliver.SpanKind, deliver.Parent)
		}
		if sc.SpanID() != deliver.SpanContext.SpanID() {
			t.Fatalf("the webhook's traceparent names span %s, not the delivery job's", sc.SpanID())
		}
	})
	t.Run("proxy", func(t *testing.T) {
		tid := "4bf92f3577b34da6a3ce929d0e0e4736"
		if s, body := tracedCall(t, d, "GET", "/projects/"+info.ProjectID+"/sdk/proxy/onedrive/me/drive/root/children?$top=5", "", tid); s != 200 {
			t.Fatalf("proxy: %d %s", s, body)
		}
		spans := waitSpans(t, exp, traceID(t, tid), "GET graph /v1.0/me/drive/root/children")
		graph := spans["GET graph /v1.0/me/drive/root/children"]
		if graph.SpanKind != trace.SpanKindClient || attr(graph, "http.response.status_code") != "200" ||
			attr(graph, "driveway.microsoft.request_id") == "" {
			t.Fatalf("the Graph call's span: %v %v", graph.SpanKind, graph.Attributes)
		}
	})
	t.Run("workflow", func(t *testing.T) {
		tid := "0af7651916cd43dd8448eb211c80319c"
		s, body := tracedCall(t, d, "POST", "/projects/"+info.ProjectID+"/sdk/triggers/save-report",
			`{"folder": "Traced", "file": "secret-plan.txt", "content": "hello"}`, tid)
		if s != 200 {
			t.Fatalf("trigger: %d %s", s, body)
		}
		spans := waitSpans(t, exp, traceID(t, tid), "job workflow_step", "POST graph /v1.0/me/drive/root/children")
		if spans["job workflow_step"].SpanKind != trace.SpanKindConsumer {
			t.Fatal("the step job's span is not a consumer span")
		}
	})
	for _, s := range exp.GetSpans() {
		for _, a := range s.Attributes {
			v := a.Value.Emit()
			if strings.Contains(v, d.tok) || strings.Contains(v, "?") || strings.Contains(v, "secret-plan") || strings.Contains(v, "Welcome") {
				t.Fatalf("span %q attribute %s = %q", s.Name, a.Key, v)
			}
		}
	}
}

// tracedCall is devClient.user with a caller's traceparent (trace tid).
func tracedCall(t *testing.T, d *devClient, method, path, body, tid string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, d.r.base+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+d.tok)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("traceparent", "00-"+tid+"-00f067aa0ba902b7-01")
	resp, err := d.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// waitSpans waits until the trace holds a span of each name and returns
// them by name.
func waitSpans(t *testing.T, exp *tracetest.InMemoryExporter, tid trace.TraceID, names ...string) map[string]tracetest.SpanStub {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		got := map[string]tracetest.SpanStub{}
		for _, s := range exp.GetSpans() {
			if s.SpanContext.TraceID() == tid {
				got[s.Name] = s
			}
		}
		missing := ""
		for _, n := range names {
			if _, ok := got[n]; !ok {
				missing = n
			}
		}
		if missing == "" {
			return got
		}
		if time.Now().After(deadline) {
			have := make([]string, 0, len(got))
			for n := range got {
				have = append(have, n)
			}
			t.Fatalf("trace %s has no span %q; it has %q", tid, missing, have)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func attr(s tracetest.SpanStub, key string) string {
	for _, a := range s.Attributes {
		if string(a.Key) == key {
			return a.Value.Emit()
		}
	}
	return ""
}

func traceID(t *testing.T, hex string) trace.TraceID {
	t.Helper()
	id, err := trace.TraceIDFromHex(hex)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// parseTraceparent reads a W3C traceparent header.
func parseTraceparent(t *testing.T, h string) trace.SpanContext {
	t.Helper()
	parts := strings.Split(h, "-")
	if len(parts) != 4 {
		t.Fatalf("traceparent %q", h)
	}
	sid, err := trace.SpanIDFromHex(parts[2])
	if err != nil {
		t.Fatalf("traceparent %q: %v", h, err)
	}
	return trace.NewSpanContext(trace.SpanContextConfig{TraceID: traceID(t, parts[1]), SpanID: sid})
}
