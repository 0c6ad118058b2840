package template

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func testEnv() map[string]any {
	return map[string]any{
		"trigger": map[string]any{"name": "report", "n": 3},
		"steps": map[string]any{
			"list": map[string]any{"output": map[string]any{
				"value": []any{map[string]any{"name": "a.txt"}, map[string]any{"name": "b.txt"}},
			}},
		},
		"user":    map[string]any{"id": "u1", "metadata": map[string]any{"plan": "pro"}},
		"secrets": map[string]any{"token": "s3cret"},
		"item":    map[string]any{"name": "a.txt"},
	}
}

func TestEval(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want any
	}{
		{"plain", "plain"},
		{"{{ steps.list.output.value }}", []any{map[string]any{"name": "a.txt"}, map[string]any{"name": "b.txt"}}},
		{"{{ trigger.n + 1 }}", 4},
		{"{{ trigger.n > 2 }}", true},
		{"{{trigger.missing}}", nil},
		{"/folders/{{ trigger.name }}/{{ item.name }}", "/folders/report/a.txt"},
		{"n={{ trigger.n }} u={{ user.metadata }}", `n=3 u={"plan":"pro"}`},
		{"{{ map(steps.list.output.value, .name) }}", []any{"a.txt", "b.txt"}},
		{"Bearer {{ secrets.token }}", "Bearer s3cret"},
		{"{{ len(steps.list.output.value) }}", 2},
		{"{{ date('2026-01-02T03:04:05Z').Year() }}", 2026},
	} {
		got, err := Eval(tc.in, testEnv())
		if err != nil {
			t.Fatalf("Eval(%q): %v", tc.in, err)
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Fatalf("Eval(%q) (-want +got):\n%s", tc.in, diff)
		}
	}
}

func TestEvalErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"{{ trigger.name", `without a closing`},
		{"{{ }}", "empty expression"},
		{"{{ 1 + }}", "in {{ 1 + }}"},
		{"{{ now() }}", "now"},
		{"{{ repeat('a', 100000000) }}", "repeat"},
		{"{{ " + strings.Repeat("1+", MaxExprLen) + "1 }}", "longer than"},
		{"{{ map(1..1000000, #) }}", "memory budget"},
	} {
		_, err := Eval(tc.in, testEnv())
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Fatalf("Eval(%.40q) = %v, want an error containing %q", tc.in, err, tc.want)
		}
	}
}

func TestRender(t *testing.T) {
	t.Parallel()
	in := map[string]any{
		"path":  "/{{ trigger.name }}",
		"items": "{{ steps.list.output.value }}",
		"list":  []any{"{{ user.id }}", 5.0},
	}
	got, err := Render(in, testEnv(), "steps[1].input")
	if err != nil {
		t.Fatalf("Render: %v", err)
	}
	want := map[string]any{
		"path":  "/report",
		"items": []any{map[string]any{"name": "a.txt"}, map[string]any{"name": "b.txt"}},
		"list":  []any{"u1", 5.0},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("Render (-want +got):\n%s", diff)
	}
	_, err = Render(map[string]any{"a": []any{"ok", "{{ 1 +* 2 }}"}}, testEnv(), "steps[0].input")
	if err == nil || !strings.HasPrefix(err.Error(), "steps[0].input.a[1]: ") {
		t.Fatalf("Render error = %v, want one naming steps[0].input.a[1]", err)
	}
}

func TestCheckRefs(t *testing.T) {
	t.Parallel()
	var got []string
	err := Check(map[string]any{"p": "{{ steps.a.output.x + steps['b'].output }} {{ item }}"}, "in",
		func(field, id string) error { got = append(got, field+"="+id); return nil })
	if err != nil {
		t.Fatalf("Check: %v", err)
	}
	if diff := cmp.Diff([]string{"in.p=a", "in.p=b"}, got); diff != "" {
		t.Fatalf("refs (-want +got):\n%s", diff)
	}
}

// FuzzEval: no input crashes Eval. (Eval bounds how long an input runs with
// Timeout, maxNodes and memoryBudget; a wall-clock check here failed on a
// loaded machine, not on a slow expression.)
func FuzzEval(f *testing.F) {
	for _, s := range []string{"{{ trigger.n }}", "a{{ map(steps.list.output.value, .name) }}b",
		"{{ 1..10 | filter(# > 2) }}", "{{ user.metadata?.plan ?? 'x' }}", "{{", "}}{{}}",
		"{{ reduce(1..100, #acc + #) }}", "{{ toJSON(trigger) }}", "{{ split('a,b', ',') }}"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		Eval(s, testEnv())
	})
}

// TestNormalizeLeavesItsInputAlone: results may be values other runs read
// at the same time (a compiled constant, a step's output), so normalize
// returns new slices and maps instead of rewriting them.
func TestNormalizeLeavesItsInputAlone(t *testing.T) {
	in := []any{[]string{"a"}, map[string]any{"k": []int{1}}}
	out := normalize(in).([]any)
	if _, ok := in[0].([]string); !ok {
		t.Fatalf("normalize rewrote its input slice: %#v", in)
	}
	if _, ok := in[1].(map[string]any)["k"].([]int); !ok {
		t.Fatalf("normalize rewrote its input map: %#v", in)
	}
	if _, ok := out[0].([]any); !ok {
		t.Fatalf("normalize(%#v)[0] = %#v, want []any", in, out[0])
	}
}
