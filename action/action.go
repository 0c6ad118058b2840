package action

import (
	"context"
	"fmt"
	"io"
	"slices"

	"github.com/drivewayhq/driveway/microsoft"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// Integration is the integration key of every action here, as the Actions
// API lists it (?integrations=onedrive).
const Integration = "onedrive"

// Action is one entry of the catalogue: a stable name, what it does, and
// the JSON Schemas (draft 2020-12) of its parameters and output.
type Action struct {
	// Name is stable: workflows, agents and API callers store it.
	Name        string
	Description string
	// Input is the parameters' schema: an object with additionalProperties
	// false. Output is the schema of a successful result.
	Input, Output Schema
	// Destructive is true when the action deletes or overwrites (MCP's
	// destructiveHint); ReadOnly when it changes nothing.
	Destructive, ReadOnly bool

	run   func(ctx context.Context, c *call) (any, error)
	input *jsonschema.Schema
}

// call is one run of an action: the validated parameters and the user's
// drive client.
type call struct {
	ex     *Executor
	sess   *session
	params map[string]any
	// inline caps the bytes a download returns as base64.
	inline int64
	// stream is SAVE_FILE's content from a multipart part, or nil.
	stream io.Reader
}

func (c *call) drive() *microsoft.DriveClient { return c.sess.client }

// Catalogue is the set of actions, in a stable order.
type Catalogue struct {
	list   []*Action
	byName map[string]*Action
}

// NewCatalogue returns the OneDrive actions with every schema compiled.
// It fails only on a programming error in a schema.
func NewCatalogue() (*Catalogue, error) {
	c := &Catalogue{byName: map[string]*Action{}}
	for _, a := range definitions() {
		sch, err := compile(a.Name, a.Input)
		if err != nil {
			return nil, err
		}
		if _, err := compile(a.Name+".output", a.Output); err != nil {
			return nil, err
		}
		a.input = sch
		if c.byName[a.Name] != nil {
			return nil, fmt.Errorf("action %s defined twice", a.Name)
		}
		c.byName[a.Name] = a
		c.list = append(c.list, a)
	}
	return c, nil
}

// Actions returns every action, in catalogue order. Do not modify them.
func (c *Catalogue) Actions() []*Action { return slices.Clone(c.list) }

// Lookup returns the action called name, or nil.
func (c *Catalogue) Lookup(name string) *Action { return c.byName[name] }

// Function is an action as an OpenAI-style function tool, the shape of
// the Actions API listing.
type Function struct {
	Type     string       `json:"type"`
	Function FunctionSpec `json:"function"`
}

// FunctionSpec is the function of a Function tool.
type FunctionSpec struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	Parameters  Schema `json:"parameters"`
}

// Functions lists the catalogue as function tools.
func (c *Catalogue) Functions() []Function {
	out := make([]Function, 0, len(c.list))
	for _, a := range c.list {
		out = append(out, Function{Type: "function", Function: FunctionSpec{Name: a.Name, Description: a.Description, Parameters: a.Input}})
	}
	return out
}

// ActionSchemas returns the input and output schemas of the action called
// name (workflow.ActionCatalog: workflows are validated against them when
// saved). Do not modify them.
func (c *Catalogue) ActionSchemas(name string) (input, output Schema, ok bool) {
	a := c.byName[name]
	if a == nil {
		return nil, nil, false
	}
	return a.Input, a.Output, true
}

// ActionNames lists the actions' names, in catalogue order.
func (c *Catalogue) ActionNames() []string {
	out := make([]string, 0, len(c.list))
	for _, a := range c.list {
		out = append(out, a.Name)
	}
	return out
}
