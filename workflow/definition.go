package workflow

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/workflow/template"
	"go.yaml.in/yaml/v3"
)

// Definition is a workflow as its author writes it (JSON, stored as
// versioned JSON by the store).
//
//	{"id": "save-report", "name": "Save a report",
//	 "trigger": {"type": "request"},
//	 "steps": [
//	   {"id": "folder", "type": "onedrive_action", "input": {"action": "ONEDRIVE_CREATE_FOLDER", "input": {"name": "{{ trigger.body.folder }}"}}},
//	   {"id": "reply", "type": "response", "input": {"body": "{{ steps.folder.output }}"}}]}
//
// action is a name of the actions catalogue (docs/actions.md) and its
// input the action's parameters; Registry.Validate refuses anything else.
type Definition struct {
	ID      string  `json:"id"`
	Name    string  `json:"name"`
	Trigger Trigger `json:"trigger"`
	// DefaultEnabled is whether users who never chose have the workflow
	// enabled. Default true.
	DefaultEnabled *bool  `json:"defaultEnabled,omitempty"`
	Steps          []Step `json:"steps"`
}

// Trigger types.
const (
	TriggerRequest            = "request"
	TriggerAppEvent           = "app_event"
	TriggerSchedule           = "schedule"
	TriggerIntegrationEnabled = "integration_enabled"
	TriggerFileChange         = "file_change"
)

// Trigger says what starts a run.
type Trigger struct {
	Type string `json:"type"`
	// Event is the app event name (app_event).
	Event string `json:"event,omitempty"`
	// Cron is the schedule (schedule): 5 fields (minute hour day-of-month
	// month day-of-week) or 6 with seconds first.
	Cron string `json:"cron,omitempty"`
	// TimeZone is the IANA zone the cron is read in. Default UTC.
	TimeZone string `json:"timeZone,omitempty"`
	// Filter narrows a file_change trigger (filter.go); nil keeps all.
	Filter *FileChangeFilter `json:"filter,omitempty"`
}

// Step is one step. Input is the step type's input; any string in it may
// hold {{ }} templates.
type Step struct {
	ID    string         `json:"id"`
	Type  string         `json:"type"`
	Input map[string]any `json:"input,omitempty"`
	// Retry makes a failed step run again; nil: one attempt.
	Retry *Retry `json:"retry,omitempty"`
	// ContinueOnError lets the run go on when the step finally fails; its
	// output is then {"error": message}.
	ContinueOnError bool `json:"continueOnError,omitempty"`
	// Timeout bounds one attempt. Default and maximum: Config.StepTimeout.
	Timeout Duration `json:"timeout,omitempty"`
	// Then and Else are a conditional's branches.
	Then []Step `json:"then,omitempty"`
	Else []Step `json:"else,omitempty"`
	// Steps are a fan out's body, run once per item.
	Steps []Step `json:"steps,omitempty"`
}

// Retry is a step's retry policy.
type Retry struct {
	// Attempts is the most attempts, 1 to 5 (counting the first).
	Attempts int `json:"attempts"`
	// Backoff is the wait before each retry; the last value repeats.
	// Default 10s, 20s, 30s, 50s, 80s.
	Backoff []Duration `json:"backoff,omitempty"`
}

// DefaultBackoff is the wait before the 1st, 2nd, … retry.
var DefaultBackoff = []time.Duration{10 * time.Second, 20 * time.Second, 30 * time.Second, 50 * time.Second, 80 * time.Second}

// MaxAttempts is the most attempts a step may have.
const MaxAttempts = 5

// Duration is a time.Duration written as a string ("10s", "1m30s").
type Duration time.Duration

// MarshalJSON writes d as a string.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// UnmarshalJSON reads a string ("10s") or a number of seconds.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		var secs float64
		if err := json.Unmarshal(b, &secs); err != nil {
			return fmt.Errorf("duration: want a string like \"10s\" or seconds")
		}
		*d = Duration(secs * float64(time.Second))
		return nil
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("duration %q: %w", s, err)
	}
	*d = Duration(v)
	return nil
}

// Enabled reports the default enablement.
func (d *Definition) Enabled() bool { return d.DefaultEnabled == nil || *d.DefaultEnabled }

var idPattern = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_-]{0,63}$`)

// Parse decodes a definition written in JSON or YAML (anything that does
// not start with "{"), rejecting unknown fields.
func Parse(b []byte) (*Definition, error) {
	if t := bytes.TrimSpace(b); len(t) > 0 && t[0] != '{' {
		j, err := yamlToJSON(t)
		if err != nil {
			return nil, driveway.Invalid("definition", "not valid YAML: %v", err)
		}
		b = j
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var d Definition
	if err := dec.Decode(&d); err != nil {
		return nil, driveway.Invalid("definition", "not a valid workflow definition: %v", err)
	}
	return &d, nil
}

// stepRef is where a step sits: its field path and whether it is visible
// (ran before) from a place.
type stepRef struct {
	field string
	order int
}

// validator checks a definition against the registry.
type validator struct {
	reg     *Registry
	steps   map[string]stepRef // every step id
	order   int
	trigger Schema
}

// Validate checks d: ids, trigger, step types, every template (syntax,
// and that steps.<id> names a step that runs before on every path), and
// each step's input against its schema (an action's input schema for a
// onedrive_action step, once SetActions gave the catalogue), typing each
// template by the trigger's payload and the earlier steps' output
// schemas. The error is an EINVALID *driveway.Error whose Field names the
// step and field ("steps[2].input.path").
func (r *Registry) Validate(d *Definition) error {
	if !idPattern.MatchString(d.ID) {
		return driveway.Invalid("id", "must be 1 to 64 letters, digits, _ or -, starting with a letter")
	}
	if strings.TrimSpace(d.Name) == "" {
		return driveway.Invalid("name", "is required")
	}
	if err := validateTrigger(d.Trigger); err != nil {
		return err
	}
	if len(d.Steps) == 0 {
		return driveway.Invalid("steps", "a workflow needs at least one step")
	}
	v := &validator{reg: r, steps: map[string]stepRef{}, trigger: triggerSchema(d.Trigger)}
	if err := v.collect(d.Steps, "steps"); err != nil {
		return err
	}
	v.order = 0
	return v.checkSeq(d.Steps, "steps", map[string]visibleStep{}, nil)
}

func validateTrigger(t Trigger) error {
	if err := t.Filter.validate(t.Type); err != nil {
		return err
	}
	switch t.Type {
	case TriggerRequest, TriggerIntegrationEnabled, TriggerFileChange:
	case TriggerAppEvent:
		if strings.TrimSpace(t.Event) == "" {
			return driveway.Invalid("trigger.event", "an app_event trigger needs an event name")
		}
	case TriggerSchedule:
		if _, err := ParseCron(t.Cron); err != nil {
			return driveway.Invalid("trigger.cron", "%v", err)
		}
		if _, err := time.LoadLocation(t.TimeZone); err != nil {
			return driveway.Invalid("trigger.timeZone", "unknown time zone %q", t.TimeZone)
		}
	default:
		return driveway.Invalid("trigger.type", "unknown trigger %q (request, app_event, schedule, integration_enabled, file_change)", t.Type)
	}
	return nil
}

// collect records every step id with its place, in document order.
func (v *validator) collect(steps []Step, field string) error {
	for i := range steps {
		s := &steps[i]
		f := fmt.Sprintf("%s[%d]", field, i)
		if !idPattern.MatchString(s.ID) {
			return driveway.Invalid(f+".id", "must be 1 to 64 letters, digits, _ or -, starting with a letter")
		}
		if prev, dup := v.steps[s.ID]; dup {
			return driveway.Invalid(f+".id", "step id %q is already used by %s", s.ID, prev.field)
		}
		v.order++
		v.steps[s.ID] = stepRef{field: f, order: v.order}
		for _, sub := range []struct {
			name  string
			steps []Step
		}{{"then", s.Then}, {"else", s.Else}, {"steps", s.Steps}} {
			if err := v.collect(sub.steps, f+"."+sub.name); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkSeq checks a sequence; before holds the steps that ran before it.
// fanOut is the enclosing fan out's scope, nil at the top.
func (v *validator) checkSeq(steps []Step, field string, before map[string]visibleStep, fanOut *scope) error {
	seen := clone(before)
	for i := range steps {
		s := &steps[i]
		f := fmt.Sprintf("%s[%d]", field, i)
		if err := v.checkStep(s, f, seen, fanOut); err != nil {
			return err
		}
		seen[s.ID] = visibleStep{output: v.reg.outputSchema(s)}
		// A branch's steps may be read after the conditional, with ?.
		// (they are absent when the other branch ran).
		for _, sub := range [][]Step{s.Then, s.Else} {
			for _, b := range flatten(sub) {
				seen[b.ID] = visibleStep{output: v.reg.outputSchema(&b), branchOf: s.ID}
			}
		}
	}
	return nil
}

func (v *validator) checkStep(s *Step, f string, seen map[string]visibleStep, fanOut *scope) error {
	kind, ok := v.reg.kinds[s.Type]
	if !ok {
		return driveway.Invalid(f+".type", "unknown step type %q (%s)", s.Type, strings.Join(v.reg.Keys(), ", "))
	}
	if s.Retry != nil && (s.Retry.Attempts < 1 || s.Retry.Attempts > MaxAttempts) {
		return driveway.Invalid(f+".retry.attempts", "must be between 1 and %d", MaxAttempts)
	}
	if s.Timeout < 0 {
		return driveway.Invalid(f+".timeout", "must be positive")
	}
	if kind.control == "" && (len(s.Then)+len(s.Else)+len(s.Steps)) > 0 {
		return driveway.Invalid(f, "a %s step has no then, else or steps", s.Type)
	}
	if err := v.checkRefs(s, f, seen); err != nil {
		return err
	}
	if kind.validate != nil {
		if err := kind.validate(s, f); err != nil {
			return err
		}
	}
	sc := &scope{trigger: v.trigger, steps: seen}
	if fanOut != nil {
		sc.item, sc.inFanOut = fanOut.item, true
	}
	if err := v.reg.checkInput(s, f, sc); err != nil {
		return err
	}
	switch s.Type {
	case StepConditional:
		if err := v.checkSeq(s.Then, f+".then", seen, fanOut); err != nil {
			return err
		}
		return v.checkSeq(s.Else, f+".else", seen, fanOut)
	case StepFanOut:
		if len(s.Steps) == 0 {
			return driveway.Invalid(f+".steps", "a fan_out needs steps to run for each item")
		}
		return v.checkSeq(s.Steps, f+".steps", seen, &scope{item: itemSchema(s.Input["items"], sc)})
	}
	return nil
}

// checkRefs checks the templates' syntax and that each steps.<id> names a
// step that ran before.
func (v *validator) checkRefs(s *Step, f string, seen map[string]visibleStep) error {
	err := template.Check(anyMap(s.Input), f+".input", func(field, id string) error {
		ref, ok := v.steps[id]
		_, before := seen[id]
		switch {
		case !ok:
			return driveway.Invalid(field, "unknown step %q", id)
		case id == s.ID:
			return driveway.Invalid(field, "step %q refers to its own output", id)
		case !before:
			return driveway.Invalid(field, "step %q (%s) does not run before this one", id, ref.field)
		}
		return nil
	})
	var te *template.Error
	if err != nil && asTemplateError(err, &te) {
		return driveway.Invalid(te.Field, "%s", te.Msg)
	}
	return err
}

// itemSchema is the element shape of a fan out's items, when its
// expression's type says.
func itemSchema(items any, sc *scope) Schema {
	code, ok := items.(string)
	if !ok {
		return nil
	}
	exprs, whole, err := template.Exprs(code)
	if err != nil || !whole {
		return nil
	}
	t, err := exprType(exprs[0], sc)
	if err != nil || typeName(t) != "array" {
		return nil
	}
	el, _ := t["items"].(map[string]any)
	return el
}

func clone(m map[string]visibleStep) map[string]visibleStep {
	out := make(map[string]visibleStep, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// flatten lists steps and every nested step.
func flatten(steps []Step) []Step {
	var out []Step
	for _, s := range steps {
		out = append(out, s)
		out = append(out, flatten(s.Then)...)
		out = append(out, flatten(s.Else)...)
		out = append(out, flatten(s.Steps)...)
	}
	return out
}

func anyMap(m map[string]any) any {
	if m == nil {
		return nil
	}
	return m
}

// yamlToJSON converts a YAML document to JSON (maps with string keys).
func yamlToJSON(b []byte) ([]byte, error) {
	var v any
	if err := yaml.Unmarshal(b, &v); err != nil {
		return nil, err
	}
	return json.Marshal(v)
}
