package workflow

import (
	"sort"
	"strings"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/workflow/template"
)

// checkInput checks s's input against its step type's schema (for a
// onedrive_action, the action's input schema) with sc's variables.
func (r *Registry) checkInput(s *Step, f string, sc *scope) error {
	input := map[string]any{}
	if s.Input != nil {
		input = s.Input
	}
	switch s.Type {
	case StepOneDriveAction:
		return r.checkActionStep(s, f, sc)
	case StepOneDriveRequest:
		in, _, ok := r.schemas(requestActionName)
		if ok {
			return (&inputCheck{sc: sc, owner: "a onedrive_request step"}).value(input, withCredential(in), f+".input")
		}
	}
	ic := &inputCheck{sc: sc, owner: "a " + s.Type + " step"}
	return ic.value(input, builtinInput(s.Type), f+".input")
}

// checkActionStep checks {action, credentialId, input}: the action exists
// and input fits its schema.
func (r *Registry) checkActionStep(s *Step, f string, sc *scope) error {
	name, ok := s.Input["action"].(string)
	if !ok || template.HasTemplate(name) {
		return driveway.Invalid(f+".input.action", "must be the name of an action, like ONEDRIVE_SAVE_FILE")
	}
	wrapper := obj(map[string]any{"action": typed("string"), "credentialId": typed("string"), "input": openObject()}, "action")
	ic := &inputCheck{sc: sc, owner: "a onedrive_action step"}
	if err := ic.value(map[string]any(s.Input), wrapper, f+".input"); err != nil {
		return err
	}
	if r.catalog == nil {
		return nil
	}
	in, _, ok := r.schemas(name)
	if !ok {
		return driveway.Invalid(f+".input.action", "unknown action %q%s (the actions are %s)", name, suggest(name, r.catalog.ActionNames()),
			strings.Join(r.catalog.ActionNames(), ", "))
	}
	params, present := s.Input["input"]
	if !present {
		params = map[string]any{}
	}
	return (&inputCheck{sc: sc, owner: name}).value(params, in, f+".input.input")
}

func (r *Registry) schemas(name string) (in, out Schema, ok bool) {
	if r.catalog == nil {
		return nil, nil, false
	}
	return r.catalog.ActionSchemas(name)
}

// withCredential adds the step's credentialId to an action's input schema.
func withCredential(in Schema) Schema {
	out := cloneSchema(in)
	props, _ := in["properties"].(map[string]any)
	p := cloneSchema(props)
	p["credentialId"] = typed("string")
	out["properties"] = p
	return out
}

// builtinInput is the input schema of the engine's own step types (the
// inputs exec.go and http.go read); nil for registered extensions.
func builtinInput(stepType string) Schema {
	switch stepType {
	case StepConditional:
		return obj(map[string]any{"condition": Schema{}}, "condition")
	case StepFanOut:
		return obj(map[string]any{"items": typed("array"), "parallelism": Schema{"type": "integer", "minimum": 1, "maximum": 50}}, "items")
	case StepDelay:
		return obj(map[string]any{"duration": typed("string")}, "duration")
	case StepResponse:
		return obj(map[string]any{"status": Schema{"type": "integer", "minimum": 100, "maximum": 599}, "body": Schema{}, "headers": openObject()})
	case StepHTTPRequest:
		return obj(map[string]any{"method": typed("string"), "url": typed("string"), "query": openObject(), "headers": openObject(),
			"json": Schema{}, "form": openObject(), "body": Schema{}, "auth": openObject(), "idempotent": typed("boolean")}, "url")
	}
	return nil
}

// suggest is ` (did you mean X?)` for the name closest to a misspelling.
func suggest(name string, names []string) string {
	best, bestD := "", len(name)/2+1
	for _, n := range names {
		if d := distance(strings.ToUpper(name), n); d < bestD {
			best, bestD = n, d
		}
	}
	if best == "" {
		return ""
	}
	return " (did you mean " + best + "?)"
}

// distance is the Levenshtein distance of a and b.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
