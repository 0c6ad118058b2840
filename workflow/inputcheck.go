package workflow

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/workflow/template"
)

// inputCheck checks a step's input value against a schema, treating each
// "{{ }}" string as the type its expression yields: a whole-string
// expression its value's type, a string mixing text and expressions a
// string. owner names the schema's owner in messages
// ("ONEDRIVE_SAVE_FILE", "a http_request step").
type inputCheck struct {
	sc    *scope
	owner string
}

func (ic *inputCheck) value(v any, s Schema, field string) error {
	switch x := v.(type) {
	case string:
		if template.HasTemplate(x) {
			return ic.template(x, s, field)
		}
	case map[string]any:
		if err := ic.wantType(v, s, field); err != nil {
			return err
		}
		return ic.object(x, s, field)
	case []any:
		if err := ic.wantType(v, s, field); err != nil {
			return err
		}
		items, _ := s["items"].(map[string]any)
		for i, e := range x {
			if err := ic.value(e, items, fmt.Sprintf("%s[%d]", field, i)); err != nil {
				return err
			}
		}
		return nil
	}
	if err := ic.wantType(v, s, field); err != nil {
		return err
	}
	return ic.literal(v, s, field)
}

// object checks required and unknown keys, then each value.
func (ic *inputCheck) object(m map[string]any, s Schema, field string) error {
	props, _ := s["properties"].(map[string]any)
	for _, k := range sortedKeys(m) {
		if _, known := props[k]; !known && s["additionalProperties"] == false {
			return driveway.Invalid(field+"."+k, "%q is not an input of %s (it takes %s)", k, ic.owner, strings.Join(propNames(s), ", "))
		}
	}
	for _, name := range requiredOf(s) {
		if _, ok := m[name]; !ok {
			return driveway.Invalid(field+"."+name, "is required by %s", ic.owner)
		}
	}
	for _, k := range sortedKeys(m) {
		sub, known := props[k].(map[string]any)
		if extra, ok := s["additionalProperties"].(map[string]any); ok && !known {
			sub = extra
		}
		if err := ic.value(m[k], sub, field+"."+k); err != nil {
			return err
		}
	}
	return nil
}

// template checks the expressions of s and the type the string yields.
func (ic *inputCheck) template(s string, want Schema, field string) error {
	exprs, whole, err := template.Exprs(s)
	if err != nil {
		return nil // template.Check reports it
	}
	var got Schema
	for _, code := range exprs {
		t, err := exprType(code, ic.sc)
		if err != nil {
			return driveway.Invalid(field, "in {{ %s }}: %s", shortExpr(code), err.Error())
		}
		got = t
	}
	if !whole {
		got = typed("string")
	}
	if !compatible(typeName(got), want) {
		return driveway.Invalid(field, "%q yields %s, but %s takes %s here", s, article(typeName(got)), ic.owner, article(wantTypes(want)))
	}
	return nil
}

// wantType fails when v's JSON type is not one s allows.
func (ic *inputCheck) wantType(v any, s Schema, field string) error {
	got := jsonType(v)
	if compatible(got, s) {
		return nil
	}
	if got == "number" && wantTypes(s) == "integer" {
		return driveway.Invalid(field, "%s takes a whole number here, not %v", ic.owner, v)
	}
	return driveway.Invalid(field, "%s takes %s here, not %s", ic.owner, article(wantTypes(s)), article(got))
}

// literal checks a constant against enum, minLength, pattern, minimum and
// maximum.
func (ic *inputCheck) literal(v any, s Schema, field string) error {
	if enum, ok := s["enum"].([]any); ok && !slices.Contains(enum, v) {
		return driveway.Invalid(field, "%s takes one of %s, not %v", ic.owner, enumList(enum), quoteIf(v))
	}
	if enum, ok := s["enum"].([]string); ok {
		if str, _ := v.(string); !slices.Contains(enum, str) {
			return driveway.Invalid(field, "%s takes one of %s, not %v", ic.owner, enumList(toAny(enum)), quoteIf(v))
		}
	}
	switch x := v.(type) {
	case string:
		if n, ok := number(s["minLength"]); ok && float64(utf8.RuneCountInString(x)) < n {
			return driveway.Invalid(field, "%s needs at least %v characters here", ic.owner, n)
		}
		if p, ok := s["pattern"].(string); ok {
			if re, err := regexp.Compile(p); err == nil && !re.MatchString(x) {
				return driveway.Invalid(field, "%q does not match %s's pattern %s", x, ic.owner, p)
			}
		}
	case float64:
		if n, ok := number(s["minimum"]); ok && x < n {
			return driveway.Invalid(field, "%s takes at least %v here, not %v", ic.owner, n, x)
		}
		if n, ok := number(s["maximum"]); ok && x > n {
			return driveway.Invalid(field, "%s takes at most %v here, not %v", ic.owner, n, x)
		}
	}
	return nil
}

// jsonType is the JSON Schema type of a decoded JSON value.
func jsonType(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case float64:
		if x == math.Trunc(x) {
			return "integer"
		}
		return "number"
	case int, int64:
		return "integer"
	case map[string]any:
		return "object"
	case []any:
		return "array"
	}
	return ""
}

// compatible reports whether a value of JSON type got may be given where
// s is expected; an unknown type ("") or schema always is.
func compatible(got string, s Schema) bool {
	want := wantTypes(s)
	if got == "" || want == "" {
		return true
	}
	for _, w := range strings.Split(want, " or ") {
		if w == got || (w == "number" && got == "integer") || (w == "integer" && got == "number") {
			return true
		}
	}
	return false
}

// wantTypes is s's type ("string", "string or null"), "" when any.
func wantTypes(s Schema) string {
	switch t := s["type"].(type) {
	case string:
		return t
	case []any:
		var out []string
		for _, e := range t {
			out = append(out, fmt.Sprint(e))
		}
		return strings.Join(out, " or ")
	case []string:
		return strings.Join(t, " or ")
	}
	return ""
}

func requiredOf(s Schema) []string {
	switch r := s["required"].(type) {
	case []string:
		return r
	case []any:
		out := make([]string, 0, len(r))
		for _, e := range r {
			out = append(out, fmt.Sprint(e))
		}
		return out
	}
	return nil
}

func number(v any) (float64, bool) {
	switch x := v.(type) {
	case int:
		return float64(x), true
	case float64:
		return x, true
	}
	return 0, false
}

func enumList(enum []any) string {
	out := make([]string, 0, len(enum))
	for _, e := range enum {
		out = append(out, fmt.Sprint(quoteIf(e)))
	}
	return strings.Join(out, ", ")
}

func quoteIf(v any) any {
	if s, ok := v.(string); ok {
		return fmt.Sprintf("%q", s)
	}
	return v
}

func toAny(list []string) []any {
	out := make([]any, len(list))
	for i, s := range list {
		out[i] = s
	}
	return out
}

func shortExpr(code string) string {
	if len(code) > 60 {
		return code[:60] + "…"
	}
	return code
}
