package workflow

import (
	"fmt"
	"slices"
	"strings"

	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/parser"
)

// scope is what an expression of one step may read, with its shapes.
type scope struct {
	trigger Schema
	// steps are the steps that ran before, by id.
	steps map[string]visibleStep
	// item is a fan out's element shape; inFanOut says item and index exist.
	item     Schema
	inFanOut bool
}

// visibleStep is a step an expression may read.
type visibleStep struct {
	output Schema
	// branchOf is the conditional whose branch holds the step, when the
	// reader comes after that conditional: the step may not have run.
	branchOf string
}

// typeError is an expression's reference to something that does not
// exist; the caller adds the field.
type typeError struct{ msg string }

func (e *typeError) Error() string { return e.msg }

// exprType checks every variable the expression code reads against sc and
// returns the shape of its value (nil when not known).
func exprType(code string, sc *scope) (Schema, error) {
	tree, err := parser.Parse(code)
	if err != nil {
		return nil, nil // template.Check reports syntax errors
	}
	c := &checker{sc: sc, declared: map[string]bool{}}
	ast.Walk(&tree.Node, declarations(c.declared))
	ast.Walk(&tree.Node, c)
	if c.err != nil {
		return nil, c.err
	}
	return c.typeOf(tree.Node), nil
}

// checker resolves every member chain of an expression (ast.Walk visits
// children first, so the innermost wrong name is reported).
type checker struct {
	sc  *scope
	err error
	// declared are the expression's own variables (let).
	declared map[string]bool
}

func (c *checker) Visit(n *ast.Node) {
	if c.err != nil {
		return
	}
	switch x := (*n).(type) {
	case *ast.MemberNode:
		_, c.err = c.member(x)
	case *ast.IdentifierNode:
		c.err = c.variable(x.Value)
	}
}

// variable fails for a name that is neither one of the run's variables
// nor declared by the expression: it would be nil when the step runs.
func (c *checker) variable(name string) error {
	if _, known := c.ident(name); known || name == "steps" || c.declared[name] || strings.HasPrefix(name, "$") {
		return nil
	}
	vars := "trigger, steps, user, secrets"
	if c.sc.inFanOut {
		vars += ", item, index"
	} else if name == "item" || name == "index" {
		return &typeError{fmt.Sprintf("%s exists only inside a fan_out step's steps", name)}
	}
	return &typeError{fmt.Sprintf("unknown variable %q (the variables are %s)", name, vars)}
}

// declarations records the names an expression declares with let.
type declarations map[string]bool

func (d declarations) Visit(n *ast.Node) {
	if v, ok := (*n).(*ast.VariableDeclaratorNode); ok {
		d[v.Name] = true
	}
}

// typeOf is the shape of node's value, nil when not known. Member chains
// were checked by Visit.
func (c *checker) typeOf(node ast.Node) Schema {
	switch n := node.(type) {
	case *ast.IdentifierNode:
		s, _ := c.ident(n.Value)
		return s
	case *ast.MemberNode:
		s, _ := c.member(n)
		return s
	case *ast.ChainNode:
		return c.typeOf(n.Node)
	case *ast.IntegerNode:
		return typed("integer")
	case *ast.FloatNode:
		return typed("number")
	case *ast.StringNode:
		return typed("string")
	case *ast.BoolNode:
		return typed("boolean")
	case *ast.ArrayNode:
		return typed("array")
	case *ast.MapNode:
		return openObject()
	case *ast.UnaryNode:
		return c.unaryType(n)
	case *ast.BinaryNode:
		return c.binaryType(n)
	case *ast.ConditionalNode:
		return same(c.typeOf(n.Exp1), c.typeOf(n.Exp2))
	case *ast.BuiltinNode:
		return c.builtinType(n)
	}
	return nil
}

func (c *checker) unaryType(n *ast.UnaryNode) Schema {
	switch n.Operator {
	case "!", "not":
		return typed("boolean")
	case "-", "+":
		return numeric(c.typeOf(n.Node))
	}
	return nil
}

func (c *checker) binaryType(n *ast.BinaryNode) Schema {
	l, r := c.typeOf(n.Left), c.typeOf(n.Right)
	switch n.Operator {
	case "==", "!=", "<", ">", "<=", ">=", "and", "or", "&&", "||", "in", "not in",
		"matches", "contains", "startsWith", "endsWith":
		return typed("boolean")
	case "+":
		if typeName(l) == "string" || typeName(r) == "string" {
			return typed("string")
		}
		return arith(l, r)
	case "-", "*", "%":
		return arith(l, r)
	case "/", "**", "^":
		if numeric(l) != nil && numeric(r) != nil {
			return typed("number")
		}
	case "??":
		return same(l, r)
	case "..":
		return Schema{"type": "array", "items": typed("integer")}
	}
	return nil
}

// builtinResult is the type of builtins whose result does not depend on
// their arguments.
var builtinResult = map[string]string{
	"len": "integer", "count": "integer", "int": "integer", "float": "number",
	"upper": "string", "lower": "string", "trim": "string", "trimPrefix": "string", "trimSuffix": "string",
	"string": "string", "toJSON": "string", "toBase64": "string", "fromBase64": "string", "join": "string",
	"replace": "string", "all": "boolean", "any": "boolean", "none": "boolean", "one": "boolean",
	"hasPrefix": "boolean", "hasSuffix": "boolean", "split": "array", "keys": "array", "values": "array",
	"map": "array", "sort": "array", "sortBy": "array", "reverse": "array", "uniq": "array", "flatten": "array",
	"indexOf": "integer", "lastIndexOf": "integer",
}

func (c *checker) builtinType(n *ast.BuiltinNode) Schema {
	switch n.Name {
	case "filter":
		if len(n.Arguments) > 0 {
			if s := c.typeOf(n.Arguments[0]); typeName(s) == "array" {
				return s
			}
		}
		return typed("array")
	case "first", "last", "find", "findLast":
		if len(n.Arguments) > 0 {
			if s := c.typeOf(n.Arguments[0]); typeName(s) == "array" {
				items, _ := s["items"].(map[string]any)
				return items
			}
		}
		return nil
	}
	if t, ok := builtinResult[n.Name]; ok {
		return typed(t)
	}
	return nil
}

// ident is the shape of a variable; known is false for a name that is
// not one of the environment's (a let or closure variable).
func (c *checker) ident(name string) (s Schema, known bool) {
	switch name {
	case "trigger":
		return c.sc.trigger, true
	case "user":
		return userSchema(), true
	case "secrets":
		return stringMap(), true
	case "item":
		if c.sc.inFanOut {
			return c.sc.item, true
		}
	case "index":
		if c.sc.inFanOut {
			return typed("integer"), true
		}
	}
	return nil, false
}

// member resolves base.property: the shape of a step's output, a field
// of the trigger, or an element of an array. It fails for a field that a
// known closed object does not have.
func (c *checker) member(m *ast.MemberNode) (Schema, error) {
	if id, ok := m.Node.(*ast.IdentifierNode); ok && id.Value == "steps" {
		return c.step(m)
	}
	if inner, ok := m.Node.(*ast.MemberNode); ok {
		if id, ok := inner.Node.(*ast.IdentifierNode); ok && id.Value == "steps" {
			return c.stepOutput(inner, m)
		}
	}
	base := c.typeOf(m.Node)
	if base == nil {
		return nil, nil
	}
	if !m.Optional && c.mayBeAbsent(m.Node) {
		return nil, &typeError{fmt.Sprintf("%s is not always set, so reading a field of it can fail: read it with ?. (%s?.…)",
			describe(m.Node), describe(m.Node))}
	}
	switch p := m.Property.(type) {
	case *ast.StringNode:
		return c.field(base, p.Value, m)
	case *ast.IntegerNode:
		if typeName(base) == "array" {
			items, _ := base["items"].(map[string]any)
			return items, nil
		}
	}
	return nil, nil
}

// mayBeAbsent reports whether node reads an object or array field that
// its parent's schema does not require (trigger.previous, or an output
// field of a step with continueOnError): a member of it fails when it is
// absent.
func (c *checker) mayBeAbsent(node ast.Node) bool {
	m, ok := node.(*ast.MemberNode)
	if !ok {
		return false
	}
	p, ok := m.Property.(*ast.StringNode)
	if !ok {
		return false
	}
	parent := c.typeOf(m.Node)
	props, _ := parent["properties"].(map[string]any)
	field, ok := props[p.Value].(map[string]any)
	if !ok || slices.Contains(requiredOf(parent), p.Value) {
		return false
	}
	t := typeName(field)
	return t == "object" || t == "array"
}

// step resolves steps.<id> (the step's {output}).
func (c *checker) step(m *ast.MemberNode) (Schema, error) {
	p, ok := m.Property.(*ast.StringNode)
	if !ok {
		return nil, nil
	}
	st, ok := c.sc.steps[p.Value]
	if !ok {
		return nil, nil // the reference check names unknown and later steps
	}
	return obj(map[string]any{"output": st.output}, "output"), nil
}

// stepOutput resolves steps.<id>.<name>: only output exists, and a step
// that ran in a branch must be read with ?.
func (c *checker) stepOutput(stepNode, m *ast.MemberNode) (Schema, error) {
	p, ok := stepNode.Property.(*ast.StringNode)
	name, okName := m.Property.(*ast.StringNode)
	if !ok || !okName {
		return nil, nil
	}
	st, ok := c.sc.steps[p.Value]
	if !ok {
		return nil, nil
	}
	if name.Value != "output" {
		return nil, &typeError{fmt.Sprintf("steps.%s has no field %q: read the step's output as steps.%s.output", p.Value, name.Value, p.Value)}
	}
	if st.branchOf != "" && !m.Optional {
		return nil, &typeError{fmt.Sprintf("step %q runs only in a branch of %q, so it may not have run: read it as steps.%s?.output (with ?? for a fallback)",
			p.Value, st.branchOf, p.Value)}
	}
	return st.output, nil
}

// field resolves base.name for a known base shape.
func (c *checker) field(base Schema, name string, m *ast.MemberNode) (Schema, error) {
	if t := typeName(base); t != "" && t != "object" {
		return nil, &typeError{fmt.Sprintf("%s is %s, which has no field %q", describe(m.Node), article(t), name)}
	}
	props, hasProps := base["properties"].(map[string]any)
	if p, ok := props[name]; ok {
		s, _ := p.(map[string]any)
		return s, nil
	}
	switch extra := base["additionalProperties"].(type) {
	case map[string]any:
		return extra, nil
	case bool:
		if extra {
			return nil, nil
		}
	case nil:
		if !hasProps {
			return nil, nil
		}
	}
	return nil, &typeError{fmt.Sprintf("%s has no field %q (it has %s)", describe(m.Node), name, strings.Join(propNames(base), ", "))}
}

// describe names what an expression reads, for messages: "the output of
// step \"getFile\"", "trigger.item".
func describe(n ast.Node) string {
	path := []string{}
	for {
		switch x := n.(type) {
		case *ast.MemberNode:
			if p, ok := x.Property.(*ast.StringNode); ok {
				path = append([]string{p.Value}, path...)
			} else {
				path = append([]string{"[…]"}, path...)
			}
			n = x.Node
			continue
		case *ast.ChainNode:
			n = x.Node
			continue
		case *ast.IdentifierNode:
			path = append([]string{x.Value}, path...)
		}
		break
	}
	if len(path) >= 3 && path[0] == "steps" && path[2] == "output" {
		rest := strings.Join(path[3:], ".")
		if rest == "" {
			return fmt.Sprintf("the output of step %q", path[1])
		}
		return fmt.Sprintf("the output of step %q (steps.%s.output.%s)", path[1], path[1], rest)
	}
	return strings.Join(path, ".")
}

func typeName(s Schema) string {
	t, _ := s["type"].(string)
	return t
}

func article(t string) string {
	switch t {
	case "integer", "array", "object":
		return "an " + t
	}
	return "a " + t
}

// same is a when a and b have one type, else nil (unknown).
func same(a, b Schema) Schema {
	if typeName(a) != "" && typeName(a) == typeName(b) {
		return a
	}
	return nil
}

func numeric(s Schema) Schema {
	switch typeName(s) {
	case "integer", "number":
		return s
	}
	return nil
}

func arith(l, r Schema) Schema {
	if numeric(l) == nil || numeric(r) == nil {
		return nil
	}
	if typeName(l) == "integer" && typeName(r) == "integer" {
		return typed("integer")
	}
	return typed("number")
}
