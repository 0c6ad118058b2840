package workflow

import (
	"strings"
	"testing"
	"time"

	"github.com/drivewayhq/driveway"
)

func TestValidate(t *testing.T) {
	t.Parallel()
	reg := NewRegistry(nil, &HTTPRequest{})
	wrap := func(trigger, steps string) string {
		return `{"id": "wf", "name": "W", "trigger": ` + trigger + `, "steps": ` + steps + `}`
	}
	req := `{"type": "request"}`
	for _, tc := range []struct {
		name, def, field, msg string
	}{
		{"unknown step ref", wrap(req, `[{"id": "list", "type": "onedrive_action", "input": {"action": "a"}},
			{"id": "b", "type": "onedrive_action", "input": {"action": "a"}},
			{"id": "c", "type": "onedrive_action", "input": {"action": "a", "path": "{{ steps.lst.output }}"}}]`),
			"steps[2].input.path", `unknown step "lst"`},
		{"later step", wrap(req, `[{"id": "a", "type": "response", "input": {"body": "{{ steps.b.output }}"}},
			{"id": "b", "type": "response"}]`), "steps[0].input.body", `step "b" (steps[1]) does not run before this one`},
		{"syntax", wrap(req, `[{"id": "a", "type": "response", "input": {"body": {"x": ["{{ 1 + }}"]}}}]`),
			"steps[0].input.body.x[0]", "in {{ 1 + }}"},
		{"unknown type", wrap(req, `[{"id": "a", "type": "nope"}]`), "steps[0].type", `unknown step type "nope"`},
		{"duplicate id", wrap(req, `[{"id": "a", "type": "response"}, {"id": "c", "type": "conditional",
			"input": {"condition": "{{ true }}"}, "then": [{"id": "a", "type": "response"}]}]`),
			"steps[1].then[0].id", `step id "a" is already used by steps[0]`},
		{"fan out body", wrap(req, `[{"id": "f", "type": "fan_out", "input": {"items": "{{ [1] }}"}}]`),
			"steps[0].steps", "needs steps"},
		{"nested ref", wrap(req, `[{"id": "f", "type": "fan_out", "input": {"items": "{{ [1] }}"},
			"steps": [{"id": "x", "type": "response", "input": {"b": "{{ steps.y.output }}"}},
			{"id": "y", "type": "response"}]}]`), "steps[0].steps[0].input.b", `does not run before`},
		{"retry", wrap(req, `[{"id": "a", "type": "http_request", "input": {"url": "http://x"}, "retry": {"attempts": 6}}]`),
			"steps[0].retry.attempts", "between 1 and 5"},
		{"missing input", wrap(req, `[{"id": "a", "type": "http_request"}]`), "steps[0].input.url", "required"},
		{"delay", wrap(req, `[{"id": "a", "type": "delay", "input": {"duration": "soon"}}]`), "steps[0].input.duration", "not a duration"},
		{"event", wrap(`{"type": "app_event"}`, `[{"id": "a", "type": "response"}]`), "trigger.event", "event name"},
		{"cron", wrap(`{"type": "schedule", "cron": "61 * * * *"}`, `[{"id": "a", "type": "response"}]`), "trigger.cron", "outside"},
		{"zone", wrap(`{"type": "schedule", "cron": "* * * * *", "timeZone": "Mars/Base"}`, `[{"id": "a", "type": "response"}]`),
			"trigger.timeZone", "unknown time zone"},
		{"no steps", wrap(req, `[]`), "steps", "at least one"},
		{"unknown field", `{"id": "wf", "name": "W", "trigger": {"type": "request"}, "stpes": []}`, "definition", "unknown field"},
	} {
		def, err := Parse([]byte(tc.def))
		if err == nil {
			err = reg.Validate(def)
		}
		var de *driveway.Error
		if !asTemplateError(err, &de) || de.Code != driveway.EINVALID || de.Field != tc.field || !strings.Contains(de.Message, tc.msg) {
			t.Fatalf("%s: error %v, want EINVALID at %s containing %q", tc.name, err, tc.field, tc.msg)
		}
	}
	ok := wrap(req, `[{"id": "list", "type": "onedrive_action", "input": {"action": "a"}},
		{"id": "c", "type": "conditional", "input": {"condition": "{{ len(steps.list.output.value) > 0 }}"},
		 "then": [{"id": "t", "type": "response", "input": {"body": "{{ steps.list.output }}"}}]},
		{"id": "after", "type": "response", "input": {"body": "{{ steps.t?.output }} {{ steps.c.output }}"}}]`)
	def, err := Parse([]byte(ok))
	if err == nil {
		err = reg.Validate(def)
	}
	if err != nil {
		t.Fatalf("valid definition: %v", err)
	}
}

func TestCron(t *testing.T) {
	t.Parallel()
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skipf("no time zone data: %v", err)
	}
	for _, tc := range []struct {
		spec string
		from time.Time
		want time.Time
	}{
		{"*/15 * * * *", time.Date(2026, 1, 1, 10, 7, 3, 0, time.UTC), time.Date(2026, 1, 1, 10, 15, 0, 0, time.UTC)},
		{"0 9 * * 1-5", time.Date(2026, 1, 2, 9, 0, 0, 0, ny), time.Date(2026, 1, 5, 9, 0, 0, 0, ny)}, // Fri → Mon
		{"*/10 * * * * *", time.Date(2026, 1, 1, 0, 0, 5, 0, time.UTC), time.Date(2026, 1, 1, 0, 0, 10, 0, time.UTC)},
		{"0 0 1 */3 *", time.Date(2026, 2, 10, 0, 0, 0, 0, time.UTC), time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)},
		{"30 2 * * *", time.Date(2026, 3, 8, 0, 0, 0, 0, ny), time.Date(2026, 3, 9, 2, 30, 0, 0, ny)}, // 02:30 is skipped by DST
	} {
		c, err := ParseCron(tc.spec)
		if err != nil {
			t.Fatalf("ParseCron(%q): %v", tc.spec, err)
		}
		if got := c.Next(tc.from); !got.Equal(tc.want) {
			t.Fatalf("%q after %s = %s, want %s", tc.spec, tc.from, got, tc.want)
		}
	}
	for _, bad := range []string{"* * * *", "a * * * *", "*/0 * * * *", "5-1 * * * *"} {
		if _, err := ParseCron(bad); err == nil {
			t.Fatalf("ParseCron(%q) accepted", bad)
		}
	}
}

func TestParseYAML(t *testing.T) {
	t.Parallel()
	y := `
id: hello
name: Hello
trigger: {type: app_event, event: signup}
steps:
  - id: greet
    type: response
    timeout: 10s
    retry: {attempts: 2, backoff: [1s]}
    input:
      body: "Hello {{ trigger.name }}"
`
	def, err := Parse([]byte(y))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if def.Trigger.Event != "signup" || def.Steps[0].Input["body"] != "Hello {{ trigger.name }}" ||
		time.Duration(def.Steps[0].Timeout) != 10*time.Second || def.Steps[0].Retry.Attempts != 2 {
		t.Fatalf("parsed %+v", def)
	}
	if err := NewRegistry(nil, nil).Validate(def); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	if _, err := Parse([]byte("id: [unclosed")); driveway.ErrorCode(err) != driveway.EINVALID {
		t.Fatalf("bad YAML: %v, want EINVALID", err)
	}
}
