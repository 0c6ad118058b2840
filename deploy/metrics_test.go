// Package deploy_test checks the example deployments and the operator's
// files against the code: the alert rules and dashboard use only metrics
// and labels the code registers, and the compose file, systemd unit and
// images set only variables the binary reads.
package deploy_test

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"go.yaml.in/yaml/v3"
)

// metric is one metric the code registers.
type metric struct {
	labels    []string
	histogram bool
	pkg       string // directory of the registering file
}

// exportedMetrics finds every driveway_* metric registered in the module's
// non-test Go files: the Name of a prometheus.*Opts literal passed to a
// constructor (with the label list after it), or the first argument of
// prometheus.NewDesc (labels third).
func exportedMetrics(t *testing.T) map[string]metric {
	t.Helper()
	out := map[string]metric{}
	walkGo(t, func(path string, f *ast.File) {
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok || !strings.HasPrefix(sel.Sel.Name, "New") || len(call.Args) == 0 {
				return true
			}
			name, labelArg := metricName(sel.Sel.Name, call.Args)
			if !strings.HasPrefix(name, "driveway_") {
				return true
			}
			m := metric{histogram: strings.Contains(sel.Sel.Name, "Histogram"), pkg: filepath.Dir(path)}
			if labelArg >= 0 && labelArg < len(call.Args) {
				m.labels = stringList(call.Args[labelArg])
			}
			out[name] = m
			return true
		})
	})
	return out
}

// metricName returns the metric name a constructor call registers and the
// index of its label argument.
func metricName(fn string, args []ast.Expr) (string, int) {
	if fn == "NewDesc" {
		return stringLit(args[0]), 2
	}
	lit, ok := args[0].(*ast.CompositeLit)
	if !ok {
		return "", -1
	}
	for _, e := range lit.Elts {
		if kv, ok := e.(*ast.KeyValueExpr); ok {
			if id, ok := kv.Key.(*ast.Ident); ok && id.Name == "Name" {
				return stringLit(kv.Value), 1
			}
		}
	}
	return "", -1
}

func stringLit(e ast.Expr) string {
	if b, ok := e.(*ast.BasicLit); ok && b.Kind == token.STRING {
		s, _ := strconv.Unquote(b.Value)
		return s
	}
	return ""
}

func stringList(e ast.Expr) []string {
	lit, ok := e.(*ast.CompositeLit)
	if !ok {
		return nil
	}
	var out []string
	for _, el := range lit.Elts {
		out = append(out, stringLit(el))
	}
	return out
}

// walkGo calls fn with every non-test Go file of the module (outside
// node_modules and testdata) and its path relative to the module root.
func walkGo(t *testing.T, fn func(path string, f *ast.File)) {
	t.Helper()
	parseOnce.Do(func() { parsed, parseErr = parseModule() })
	if parseErr != nil {
		t.Fatal(parseErr)
	}
	for _, p := range parsed {
		fn(p.path, p.file)
	}
}

type parsedFile struct {
	path string
	file *ast.File
}

var (
	parseOnce sync.Once
	parsed    []parsedFile
	parseErr  error
)

func parseModule() ([]parsedFile, error) {
	fset := token.NewFileSet()
	var out []parsedFile
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "node_modules" || d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".") && path != "..") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel("..", path)
		out = append(out, parsedFile{rel, f})
		return nil
	})
	return out, err
}

// packageStrings returns every string literal of the non-test files in dir.
func packageStrings(t *testing.T, dir string) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	walkGo(t, func(path string, f *ast.File) {
		if filepath.Dir(path) != dir {
			return
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if s := stringLit(asExpr(n)); s != "" {
				out[s] = true
			}
			return true
		})
	})
	return out
}

func asExpr(n ast.Node) ast.Expr {
	if e, ok := n.(ast.Expr); ok {
		return e
	}
	return nil
}

var (
	selectorRE = regexp.MustCompile(`\b(driveway_[a-z0-9_]+)(\{[^}]*\})?`)
	matcherRE  = regexp.MustCompile(`([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"([^"]*)"`)
	groupingRE = regexp.MustCompile(`\b(?:by|without)\s*\(([^)]*)\)`)
)

// checkExpr fails t for a metric, label or outcome in expr that the code
// does not export. Outcome values are string constants in the registering
// package or the root package, so they are checked too; statuses and states are computed
// (strconv, River), so only their label names are.
func checkExpr(t *testing.T, where, expr string, metrics map[string]metric) {
	t.Helper()
	sels := selectorRE.FindAllStringSubmatch(expr, -1)
	if len(sels) == 0 {
		t.Errorf("%s: no driveway_ metric in %q", where, expr)
	}
	known := []string{"le"}
	for _, s := range sels {
		name, m := resolve(s[1], metrics)
		if name == "" {
			t.Errorf("%s: %s is not a metric the code registers", where, s[1])
			continue
		}
		known = append(known, m.labels...)
		for _, mt := range matcherRE.FindAllStringSubmatch(s[2], -1) {
			if !slices.Contains(m.labels, mt[1]) {
				t.Errorf("%s: %s has no label %q (it has %v)", where, name, mt[1], m.labels)
			}
			if mt[1] == "outcome" {
				consts := packageStrings(t, m.pkg)
				maps.Copy(consts, packageStrings(t, ".")) // the vocabulary: driveway.DeliveryDead...
				checkValues(t, where, name, mt[3], consts)
			}
		}
	}
	for _, g := range groupingRE.FindAllStringSubmatch(expr, -1) {
		for _, l := range strings.Split(g[1], ",") {
			if l = strings.TrimSpace(l); l != "" && !slices.Contains(known, l) {
				t.Errorf("%s: grouping by %q, a label none of its metrics has", where, l)
			}
		}
	}
}

// resolve maps a series name to its metric (histograms export _bucket,
// _sum and _count).
func resolve(series string, metrics map[string]metric) (string, metric) {
	if m, ok := metrics[series]; ok {
		return series, m
	}
	for _, suffix := range []string{"_bucket", "_sum", "_count"} {
		if m, ok := metrics[strings.TrimSuffix(series, suffix)]; ok && m.histogram && strings.HasSuffix(series, suffix) {
			return strings.TrimSuffix(series, suffix), m
		}
	}
	return "", metric{}
}

func checkValues(t *testing.T, where, name, values string, consts map[string]bool) {
	t.Helper()
	for _, v := range strings.Split(values, "|") {
		if !consts[v] {
			t.Errorf("%s: %s never has outcome %q", where, name, v)
		}
	}
}

// TestAlertsUseExportedMetrics parses deploy/prometheus/alerts.yaml and
// checks every rule: a known metric and labels, a severity, a summary, and
// a runbook link to a heading of docs/operations.md.
func TestAlertsUseExportedMetrics(t *testing.T) {
	metrics := exportedMetrics(t)
	if len(metrics) < 10 {
		t.Fatalf("found only %d registered metrics: is the parser still finding them?", len(metrics))
	}
	var file struct {
		Groups []struct {
			Rules []struct {
				Alert, Expr string
				Labels      map[string]string
				Annotations map[string]string
			}
		}
	}
	readYAML(t, "prometheus/alerts.yaml", &file)
	anchors := docAnchors(t)
	n := 0
	for _, g := range file.Groups {
		for _, r := range g.Rules {
			n++
			if r.Alert == "DrivewayDown" {
				continue // the scrape's own up series
			}
			checkExpr(t, r.Alert, r.Expr, metrics)
			if r.Labels["severity"] == "" || r.Annotations["summary"] == "" {
				t.Errorf("%s: needs a severity label and a summary", r.Alert)
			}
			_, anchor, _ := strings.Cut(r.Annotations["runbook_url"], "docs/operations.md#")
			if !anchors[anchor] {
				t.Errorf("%s: runbook_url %q is not a heading of docs/operations.md", r.Alert, r.Annotations["runbook_url"])
			}
		}
	}
	if n < 6 {
		t.Fatalf("alerts.yaml has %d rules", n)
	}
}

// TestDashboardUsesExportedMetrics parses deploy/grafana/driveway.json and
// checks every panel's queries.
func TestDashboardUsesExportedMetrics(t *testing.T) {
	metrics := exportedMetrics(t)
	b, err := os.ReadFile("grafana/driveway.json")
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		UID    string
		Panels []struct {
			Type, Title string
			Targets     []struct{ Expr string }
		}
	}
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatalf("driveway.json: %v", err)
	}
	charts := 0
	for _, p := range d.Panels {
		if p.Type == "row" {
			continue
		}
		charts++
		if len(p.Targets) == 0 {
			t.Errorf("panel %q has no query", p.Title)
		}
		for _, q := range p.Targets {
			checkExpr(t, "panel "+p.Title, q.Expr, metrics)
		}
	}
	if d.UID == "" || charts < 8 {
		t.Fatalf("dashboard uid %q with %d charts", d.UID, charts)
	}
}

func readYAML(t *testing.T, path string, out any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, out); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// docAnchors returns the GitHub anchors of docs/operations.md's headings.
func docAnchors(t *testing.T) map[string]bool {
	t.Helper()
	b, err := os.ReadFile("../docs/operations.md")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "#") {
			h := strings.ToLower(strings.TrimSpace(strings.TrimLeft(line, "#")))
			h = regexp.MustCompile(`[^a-z0-9 _-]`).ReplaceAllString(h, "")
			out[strings.ReplaceAll(h, " ", "-")] = true
		}
	}
	return out
}
