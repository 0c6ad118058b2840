package workflow

import "sort"

// Schema is a JSON Schema as a JSON object. The validator reads the
// keywords the action catalogue uses: type, properties, required,
// additionalProperties, items, enum, minLength, pattern, minimum, maximum.
// A nil Schema is an unknown shape: anything goes.
type Schema = map[string]any

// ActionCatalog describes the OneDrive actions for validation at save: a
// definition may name only an action it knows, with an input its Input
// schema accepts; expressions reading the step's output are typed by the
// Output schema. The actions catalogue (action.Catalogue) implements it.
type ActionCatalog interface {
	// ActionSchemas returns the input and output schemas of the action
	// called name; ok is false for an unknown name.
	ActionSchemas(name string) (input, output Schema, ok bool)
	// ActionNames lists the actions, for error messages.
	ActionNames() []string
}

// requestActionName is the catalogue's name of the OneDrive Request action,
// whose schemas the onedrive_request step uses.
const requestActionName = "ONEDRIVE_REQUEST"

// SetActions makes Validate check onedrive_action and onedrive_request
// steps against c. Without it, only their structure is checked (the
// workflow package's own tests run fake actions). Every server and
// `driveway workflows apply` set it.
func (r *Registry) SetActions(c ActionCatalog) { r.catalog = c }

func obj(props map[string]any, required ...string) Schema {
	s := Schema{"type": "object", "properties": props, "additionalProperties": false}
	if len(required) > 0 {
		s["required"] = required
	}
	return s
}

func typed(t string) Schema { return Schema{"type": t} }

// stringMap is an object whose values are strings, with any keys.
func stringMap() Schema {
	return Schema{"type": "object", "additionalProperties": typed("string")}
}

// openObject is an object with any keys and values.
func openObject() Schema { return Schema{"type": "object"} }

// triggerSchema is the shape of the trigger payload of each trigger type;
// nil where the payload is the caller's (an App Event's payload).
func triggerSchema(t Trigger) Schema {
	switch t.Type {
	case TriggerRequest:
		return obj(map[string]any{"body": Schema{}, "query": stringMap(), "headers": stringMap()}, "body", "query", "headers")
	case TriggerSchedule:
		return obj(map[string]any{"scheduledAt": Schema{"type": "string", "format": "date-time"}}, "scheduledAt")
	case TriggerIntegrationEnabled:
		return obj(map[string]any{"integration": typed("string"), "credentialId": typed("string")}, "integration", "credentialId")
	case TriggerFileChange:
		return fileChangeSchema()
	}
	return nil
}

// fileChangeSchema is filechange.Change.Payload with its credentialId: a
// test in this package's external tests compares it with a real change.
func fileChangeSchema() Schema {
	item := obj(map[string]any{
		"id": typed("string"), "name": typed("string"), "path": typed("string"), "folder": typed("boolean"),
		"parentId": typed("string"), "size": typed("integer"), "mimeType": typed("string"),
		"quickXorHash": typed("string"), "sha1Hash": typed("string"), "sha256Hash": typed("string"),
		"eTag": typed("string"), "cTag": typed("string"), "modifiedBy": typed("string"),
		"modifiedAt": Schema{"type": "string", "format": "date-time"}, "webUrl": typed("string"),
	}, "id", "name", "folder", "size")
	previous := obj(map[string]any{"name": typed("string"), "parentId": typed("string"), "path": typed("string")}, "name")
	return obj(map[string]any{
		"id":           typed("string"),
		"type":         Schema{"type": "string", "enum": []any{"created", "updated", "renamed", "moved", "deleted"}},
		"kind":         typed("string"),
		"credentialId": typed("string"),
		"driveId":      typed("string"),
		"userId":       typed("string"),
		"item":         item,
		"previous":     previous,
	}, "id", "type", "kind", "credentialId", "userId", "item")
}

// TriggerSchema is the schema of t's trigger payload as validation reads
// it (nil: any payload), for tools such as an editor's variable menu.
func TriggerSchema(t Trigger) Schema { return triggerSchema(t) }

// OutputSchema is the schema of s's output as validation reads it (nil:
// not known).
func (r *Registry) OutputSchema(s *Step) Schema { return r.outputSchema(s) }

// userSchema is the run's user variable.
func userSchema() Schema {
	return obj(map[string]any{"id": typed("string"), "metadata": openObject()}, "id", "metadata")
}

// outputSchema is the output shape of s: its action's Output schema for a
// onedrive_action, the engine's own shape for the built-in steps, nil when
// not known. A step with continueOnError may also output {"error"}.
func (r *Registry) outputSchema(s *Step) Schema {
	out := r.builtinOutput(s)
	if s.ContinueOnError && out != nil {
		if props, ok := out["properties"].(map[string]any); ok && out["type"] == "object" {
			out = cloneSchema(out)
			p := cloneSchema(props)
			p["error"] = typed("string")
			out["properties"], out["required"] = p, nil
			delete(out, "required")
		} else {
			out = nil
		}
	}
	return out
}

func (r *Registry) builtinOutput(s *Step) Schema {
	switch s.Type {
	case StepConditional:
		return obj(map[string]any{"branch": Schema{"type": "string", "enum": []any{"then", "else"}}, "output": Schema{}}, "branch")
	case StepFanOut:
		return typed("array")
	case StepDelay:
		return obj(map[string]any{"until": Schema{"type": "string", "format": "date-time"}}, "until")
	case StepResponse: // headers as the step's input gave them, if it did
		return obj(map[string]any{"status": typed("integer"), "headers": openObject(), "body": Schema{}}, "status")
	case StepHTTPRequest:
		return obj(map[string]any{"status": typed("integer"), "headers": stringMap(), "body": Schema{}}, "status", "headers")
	case StepOneDriveRequest:
		return r.actionOutput(requestActionName)
	case StepOneDriveAction:
		name, _ := s.Input["action"].(string)
		return r.actionOutput(name)
	}
	return nil
}

func (r *Registry) actionOutput(name string) Schema {
	if r.catalog == nil {
		return nil
	}
	_, out, ok := r.catalog.ActionSchemas(name)
	if !ok {
		return nil
	}
	return out
}

func cloneSchema(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// propNames lists an object schema's properties, sorted.
func propNames(s Schema) []string {
	props, _ := s["properties"].(map[string]any)
	names := make([]string, 0, len(props))
	for k := range props {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}
