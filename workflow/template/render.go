package template

import (
	"fmt"
	"sort"

	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/parser"
)

// Render evaluates every string inside v (a JSON-shaped value: maps,
// lists, strings, numbers, bools, nil) and returns a new value; v is not
// changed. field names v in errors ("steps[2].input"); an error is an *Error
// whose Field is the path to the failing string ("steps[2].input.path").
func Render(v any, env map[string]any, field string) (any, error) {
	switch x := v.(type) {
	case string:
		out, err := Eval(x, env)
		if err != nil {
			return nil, &Error{Field: field, Msg: err.Error()}
		}
		return out, nil
	case map[string]any:
		out := make(map[string]any, len(x))
		for _, k := range sortedKeys(x) {
			r, err := Render(x[k], env, field+"."+k)
			if err != nil {
				return nil, err
			}
			out[k] = r
		}
		return out, nil
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			r, err := Render(e, env, fmt.Sprintf("%s[%d]", field, i))
			if err != nil {
				return nil, err
			}
			out[i] = r
		}
		return out, nil
	default:
		return v, nil
	}
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Check parses and compiles every template inside v without evaluating
// it, and calls ref for each step id an expression names (steps.<id> or
// steps["<id>"]) with the field it is in. The first error is an *Error
// naming the field.
func Check(v any, field string, ref func(field, stepID string) error) error {
	switch x := v.(type) {
	case string:
		return checkString(x, field, ref)
	case map[string]any:
		for _, k := range sortedKeys(x) {
			if err := Check(x[k], field+"."+k, ref); err != nil {
				return err
			}
		}
	case []any:
		for i, e := range x {
			if err := Check(e, fmt.Sprintf("%s[%d]", field, i), ref); err != nil {
				return err
			}
		}
	}
	return nil
}

func checkString(s, field string, ref func(field, stepID string) error) error {
	if !HasTemplate(s) {
		return nil
	}
	segs, err := parse(s)
	if err != nil {
		return &Error{Field: field, Msg: err.Error()}
	}
	for _, sg := range segs {
		if !sg.isExpr {
			continue
		}
		if _, err := compile(sg.expr); err != nil {
			return &Error{Field: field, Msg: err.Error()}
		}
		ids, err := Refs(sg.expr)
		if err != nil {
			return &Error{Field: field, Msg: err.Error()}
		}
		for _, id := range ids {
			if err := ref(field, id); err != nil {
				return err
			}
		}
	}
	return nil
}

// Refs returns the step ids that the expression code names as
// steps.<id> or steps["<id>"], in order of appearance.
func Refs(code string) ([]string, error) {
	return members(code, "steps")
}

// members returns the names the expression code reads from the variable
// root, as root.<name> or root["<name>"].
func members(code, root string) ([]string, error) {
	tree, err := parser.Parse(code)
	if err != nil {
		return nil, fmt.Errorf("in {{ %s }}: %s", short(code), firstLine(err.Error()))
	}
	v := &refVisitor{root: root}
	ast.Walk(&tree.Node, v)
	return v.ids, nil
}

// Names returns the names that the expressions inside v (a JSON-shaped
// value) read from the variable root, as root.<name> or root["<name>"]
// ("secrets" → the secrets a step's input uses). Names read with a
// computed key (root[x]) are not seen. Templates that do not parse are
// skipped: Render reports them.
func Names(v any, root string) []string {
	var out []string
	walkStrings(v, func(s string) {
		segs, err := parse(s)
		if err != nil {
			return
		}
		for _, sg := range segs {
			if sg.isExpr {
				ids, _ := members(sg.expr, root)
				out = append(out, ids...)
			}
		}
	})
	return out
}

// walkStrings calls fn with every string holding a template inside v.
func walkStrings(v any, fn func(string)) {
	switch x := v.(type) {
	case string:
		if HasTemplate(x) {
			fn(x)
		}
	case map[string]any:
		for _, e := range x {
			walkStrings(e, fn)
		}
	case []any:
		for _, e := range x {
			walkStrings(e, fn)
		}
	}
}

type refVisitor struct {
	root string
	ids  []string
}

func (v *refVisitor) Visit(n *ast.Node) {
	m, ok := (*n).(*ast.MemberNode)
	if !ok {
		return
	}
	id, ok := m.Node.(*ast.IdentifierNode)
	if !ok || id.Value != v.root {
		return
	}
	if p, ok := m.Property.(*ast.StringNode); ok {
		v.ids = append(v.ids, p.Value)
	}
}

// Exprs returns the expressions of the templates in s, and whether s is
// exactly one "{{ expr }}" (whose value keeps its type; otherwise the
// result is a string). A string without "{{" has none.
func Exprs(s string) (exprs []string, whole bool, err error) {
	if !HasTemplate(s) {
		return nil, false, nil
	}
	segs, err := parse(s)
	if err != nil {
		return nil, false, err
	}
	for _, sg := range segs {
		if sg.isExpr {
			exprs = append(exprs, sg.expr)
		}
	}
	return exprs, len(segs) == 1 && segs[0].isExpr, nil
}
