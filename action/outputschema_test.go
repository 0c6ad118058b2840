package action_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/drivewayhq/driveway/action"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// TestOutputsMatchSchemas runs every action against the emulator and
// checks its output against the action's Output schema: it validates,
// and names no field the schema leaves out. Workflows are typed by these
// schemas at save (a template reading a field they lack is refused), so
// a field missing from a schema would refuse a working workflow.
func TestOutputsMatchSchemas(t *testing.T) {
	t.Parallel()
	cat, err := action.NewCatalogue()
	must(t, "catalogue", err)
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			b := newBundle(t, mode, opts{})
			tr := b.tree(t)
			for _, c := range successCases() {
				out := b.mustRun(t, c.name, c.params(tr))
				_, schema, ok := cat.ActionSchemas(c.name)
				if !ok {
					t.Fatalf("%s: no schemas", c.name)
				}
				validateOutput(t, c.name, schema, out)
				for _, extra := range undeclared(c.name+".output", out, schema) {
					t.Errorf("%s is in the output, not in the output schema", extra)
				}
			}
		})
	}
}

func validateOutput(t *testing.T, name string, schema action.Schema, out map[string]any) {
	t.Helper()
	sraw, _ := json.Marshal(schema)
	doc, err := jsonschema.UnmarshalJSON(strings.NewReader(string(sraw)))
	must(t, "schema", err)
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	must(t, "add", c.AddResource("urn:out:"+name, doc))
	sch, err := c.Compile("urn:out:" + name)
	must(t, "compile", err)
	oraw, _ := json.Marshal(out)
	v, err := jsonschema.UnmarshalJSON(strings.NewReader(string(oraw)))
	must(t, "output", err)
	if err := sch.Validate(v); err != nil {
		t.Errorf("%s output %s does not match its schema: %v", name, oraw, err)
	}
}

// undeclared lists the fields of v that an object schema with properties
// does not name (open objects, like a Graph answer's body, are skipped).
func undeclared(path string, v any, s map[string]any) []string {
	var out []string
	switch x := v.(type) {
	case map[string]any:
		props, ok := s["properties"].(map[string]any)
		if !ok {
			return nil
		}
		for k, e := range x {
			sub, known := props[k].(map[string]any)
			if !known {
				if _, open := s["additionalProperties"].(map[string]any); !open {
					out = append(out, path+"."+k)
				}
				continue
			}
			out = append(out, undeclared(path+"."+k, e, sub)...)
		}
	case []any:
		items, _ := s["items"].(map[string]any)
		for i, e := range x {
			out = append(out, undeclared(fmt.Sprintf("%s[%d]", path, i), e, items)...)
		}
	}
	return out
}
