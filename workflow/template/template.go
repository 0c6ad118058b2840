// Package template evaluates the `{{ expr }}` templates of workflow
// definitions with expr-lang (github.com/expr-lang/expr).
//
// The flow:
//
//	Render(value, env, field) ─ walks maps and lists; every string goes to
//	  Eval(s, env) ─ parse "{{ … }}" segments ─ compile each (cached) ─ run with limits
//	    "{{ x }}" alone   → x's value with its type (array, map, number, bool, nil)
//	    "a {{ x }} b"     → a string; non-string values are written as JSON
//	Refs(s)             ─ the step ids a string's expressions name (steps.<id>), for validation
//
// The environment is plain data (maps, lists, strings, numbers): trigger,
// steps.<id>.output, user, secrets, item. Expressions have no side effects:
// expr-lang has no I/O, the environment carries no methods, and the
// builtins that read the clock (now) or build large strings (repeat) are
// disabled.
// Evaluation is bounded: expression length (MaxExprLen), syntax tree size
// (maxNodes), expr-lang's memory budget, a wall-clock timeout and the size of
// the result (MaxOutput).
package template

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/vm"
)

// Limits bound evaluation.
const (
	// MaxExprLen is the longest expression between "{{" and "}}", in bytes.
	MaxExprLen = 2000
	// MaxOutput is the largest result of one string field, in bytes of JSON.
	MaxOutput = 1 << 20
	// Timeout is the longest one string's expressions may run, in wall
	// time. maxNodes and memoryBudget already bound the work an expression
	// can do; this is the last net, wide enough that a busy machine's
	// scheduling delay never fails a trivial {{ item }} (100 ms did).
	Timeout = time.Second
	// maxNodes bounds an expression's syntax tree.
	maxNodes = 500
	// memoryBudget bounds expr-lang's allocations for ranges and builders.
	memoryBudget = 100_000
)

// disabled are builtins that read the clock (results would differ between
// a run and its retry) or make huge values from small expressions.
var disabled = []string{"now", "repeat"}

// Error is a template error; Field names the field (set by Render).
type Error struct {
	Field string
	Msg   string
}

func (e *Error) Error() string {
	if e.Field == "" {
		return e.Msg
	}
	return e.Field + ": " + e.Msg
}

// segment is literal text or an expression.
type segment struct {
	text   string
	expr   string
	isExpr bool
}

// parse splits s into segments. An unclosed "{{" is an error.
func parse(s string) ([]segment, error) {
	var out []segment
	for {
		i := strings.Index(s, "{{")
		if i < 0 {
			if s != "" {
				out = append(out, segment{text: s})
			}
			return out, nil
		}
		if i > 0 {
			out = append(out, segment{text: s[:i]})
		}
		j := strings.Index(s[i+2:], "}}")
		if j < 0 {
			return nil, errors.New(`"{{" without a closing "}}"`)
		}
		code := strings.TrimSpace(s[i+2 : i+2+j])
		if code == "" {
			return nil, errors.New(`empty expression "{{ }}"`)
		}
		if len(code) > MaxExprLen {
			return nil, fmt.Errorf("expression longer than %d bytes", MaxExprLen)
		}
		out = append(out, segment{expr: code, isExpr: true})
		s = s[i+2+j+2:]
	}
}

// HasTemplate reports whether s contains a "{{".
func HasTemplate(s string) bool { return strings.Contains(s, "{{") }

// cache holds compiled programs by source; it is cleared when full.
var cache = struct {
	sync.Mutex
	m map[string]*vm.Program
}{m: map[string]*vm.Program{}}

const cacheSize = 4096

func compile(code string) (*vm.Program, error) {
	cache.Lock()
	p, ok := cache.m[code]
	cache.Unlock()
	if ok {
		return p, nil
	}
	opts := []expr.Option{expr.MaxNodes(maxNodes)}
	for _, name := range disabled {
		opts = append(opts, expr.DisableBuiltin(name))
	}
	p, err := expr.Compile(code, opts...)
	if err != nil {
		return nil, fmt.Errorf("in {{ %s }}: %s", short(code), firstLine(err.Error()))
	}
	cache.Lock()
	if len(cache.m) >= cacheSize {
		clear(cache.m)
	}
	cache.m[code] = p
	cache.Unlock()
	return p, nil
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

func short(code string) string {
	if len(code) > 60 {
		return code[:60] + "…"
	}
	return code
}

// run compiles and runs code on env before deadline. A run past the
// deadline is abandoned (its goroutine ends when expr-lang's own budgets
// stop it).
func run(code string, env map[string]any, deadline time.Time) (any, error) {
	type result struct {
		v   any
		err error
	}
	done := make(chan result, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				done <- result{err: fmt.Errorf("panic: %v", r)}
			}
		}()
		p, err := compile(code)
		if err != nil {
			done <- result{err: err}
			return
		}
		m := vm.VM{MemoryBudget: memoryBudget}
		v, err := m.Run(p, env)
		if err != nil {
			err = fmt.Errorf("in {{ %s }}: %s", short(code), firstLine(err.Error()))
		}
		done <- result{v, err}
	}()
	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
	select {
	case r := <-done:
		return r.v, r.err
	case <-timer.C:
		return nil, fmt.Errorf("in {{ %s }}: evaluation took longer than %s", short(code), Timeout)
	}
}

// Eval evaluates the templates in s over env, all of them within Timeout. A string that is exactly one
// "{{ expr }}" yields the expression's value with its type; otherwise the
// result is a string in which each expression's value is written as text
// (strings as is, nil as "", others as JSON). A string without "{{" is
// returned unchanged.
func Eval(s string, env map[string]any) (any, error) {
	if !HasTemplate(s) {
		return s, nil
	}
	segs, err := parse(s)
	if err != nil {
		return nil, err
	}
	deadline := time.Now().Add(Timeout)
	if len(segs) == 1 && segs[0].isExpr {
		v, err := run(segs[0].expr, env, deadline)
		if err != nil {
			return nil, err
		}
		v = normalize(v)
		if err := checkSize(v); err != nil {
			return nil, err
		}
		return v, nil
	}
	var b strings.Builder
	for _, sg := range segs {
		if !sg.isExpr {
			b.WriteString(sg.text)
			continue
		}
		v, err := run(sg.expr, env, deadline)
		if err != nil {
			return nil, err
		}
		if err := writeText(&b, v); err != nil {
			return nil, err
		}
		if b.Len() > MaxOutput {
			return nil, fmt.Errorf("result larger than %d bytes", MaxOutput)
		}
	}
	return b.String(), nil
}

// writeText writes v into b as template text.
func writeText(b *strings.Builder, v any) error {
	switch x := v.(type) {
	case nil:
	case string:
		b.WriteString(x)
	default:
		j, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("value cannot be written as text: %w", err)
		}
		b.Write(j)
	}
	return nil
}

// checkSize fails when v's JSON is larger than MaxOutput.
func checkSize(v any) error {
	if s, ok := v.(string); ok {
		if len(s) > MaxOutput {
			return fmt.Errorf("result larger than %d bytes", MaxOutput)
		}
		return nil
	}
	j, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("result is not data: %w", err)
	}
	if len(j) > MaxOutput {
		return fmt.Errorf("result larger than %d bytes", MaxOutput)
	}
	return nil
}

// normalize turns expr-lang's results into JSON-shaped values ([]any,
// map[string]any, float64 or int, string, bool, nil) where it can. It
// returns new slices and maps: a result may be a value of the environment
// (a step's output) or of a cached definition, which other runs read at
// the same time.
func normalize(v any) any {
	switch x := v.(type) {
	case []any:
		out := make([]any, len(x))
		for i := range x {
			out[i] = normalize(x[i])
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k := range x {
			out[k] = normalize(x[k])
		}
		return out
	case []string, []int, []float64, []map[string]any:
		j, err := json.Marshal(x)
		if err != nil {
			return v
		}
		var out any
		if json.Unmarshal(j, &out) != nil {
			return v
		}
		return out
	}
	return v
}
