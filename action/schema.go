package action

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/drivewayhq/driveway"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// Schema is a JSON Schema (draft 2020-12) as a JSON object.
type Schema = map[string]any

// object builds an object schema that allows only props. required lists
// the property names that must be present.
func object(props map[string]any, required ...string) Schema {
	s := Schema{"type": "object", "properties": props, "additionalProperties": false}
	if len(required) > 0 {
		s["required"] = required
	}
	return s
}

func str(desc string) Schema { return Schema{"type": "string", "description": desc} }

func nonEmpty(desc string) Schema {
	return Schema{"type": "string", "minLength": 1, "description": desc}
}

func enum(desc string, values ...string) Schema {
	return Schema{"type": "string", "enum": values, "description": desc}
}

func integer(desc string, minimum, maximum int) Schema {
	return Schema{"type": "integer", "minimum": minimum, "maximum": maximum, "description": desc}
}

func boolean(desc string) Schema { return Schema{"type": "boolean", "description": desc} }

func arrayOf(desc string, items Schema) Schema {
	return Schema{"type": "array", "items": items, "description": desc}
}

// withDrive adds the optional drive selectors every action takes.
func withDrive(props map[string]any) map[string]any {
	props["driveId"] = nonEmpty("The drive to use: a drive id (any OneDrive or SharePoint document library). Default: the user's own OneDrive (/me/drive).")
	props["siteId"] = nonEmpty("A SharePoint site id: use the site's default document library. Set driveId or siteId, not both.")
	return props
}

// compile compiles one schema as draft 2020-12.
func compile(name string, s Schema) (*jsonschema.Schema, error) {
	doc, err := roundTrip(s)
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	url := "urn:driveway:action:" + name
	if err := c.AddResource(url, doc); err != nil {
		return nil, fmt.Errorf("add schema %s: %w", name, err)
	}
	sch, err := c.Compile(url)
	if err != nil {
		return nil, fmt.Errorf("compile schema %s: %w", name, err)
	}
	return sch, nil
}

// roundTrip turns v into the generic JSON value the validator reads
// (numbers as json.Number).
func roundTrip(v any) (any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode: %w", err)
	}
	return jsonschema.UnmarshalJSON(strings.NewReader(string(b)))
}

// validate checks params against sch and returns an EINVALID
// *driveway.Error whose Field names the first wrong parameter.
func validate(sch *jsonschema.Schema, params map[string]any) *driveway.Error {
	doc, err := roundTrip(params)
	if err != nil {
		return driveway.Invalid("parameters", "the parameters are not valid JSON")
	}
	err = sch.Validate(doc)
	var ve *jsonschema.ValidationError
	if err == nil {
		return nil
	}
	if !errors.As(err, &ve) {
		return driveway.Invalid("parameters", "the parameters do not match the action's schema")
	}
	leaf := firstLeaf(ve)
	field := strings.Join(leaf.InstanceLocation, ".")
	switch k := leaf.ErrorKind.(type) {
	case *kind.Required:
		field = joinField(field, k.Missing[0])
		return driveway.Invalid(field, "%s is required", field)
	case *kind.AdditionalProperties:
		field = joinField(field, k.Properties[0])
		return driveway.Invalid(field, "%s is not a parameter of this action", field)
	}
	if field == "" {
		field = "parameters"
	}
	return driveway.Invalid(field, "%s: %s", field, leaf.ErrorKind.LocalizedString(printer))
}

func firstLeaf(e *jsonschema.ValidationError) *jsonschema.ValidationError {
	for len(e.Causes) > 0 {
		e = e.Causes[0]
	}
	return e
}

func joinField(parent, name string) string {
	if parent == "" {
		return name
	}
	return parent + "." + name
}

var printer = message.NewPrinter(language.English)
