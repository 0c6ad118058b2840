package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/action"
	"github.com/drivewayhq/driveway/netguard"
	"github.com/drivewayhq/driveway/workflow"
)

// errApplyFailed means some workflow files were refused; each was reported.
var errApplyFailed = errors.New("some workflows were not applied")

// workflowsCmd is `driveway workflows apply --project PID DIR`: it
// validates every *.json, *.yaml and *.yml file of DIR (one workflow per
// file) and saves each valid one as the workflow's new version, unless it
// is unchanged. It prints one line per file; a refused file's line names
// the file, the step and the field. The exit status is 1 when any file was
// refused (the valid ones are still saved).
func (m *Main) workflowsCmd(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] != "apply" {
		fmt.Fprintln(m.Stderr, "usage: driveway workflows apply --project PID [--check] DIR")
		return errUsage
	}
	var project string
	var check bool
	var fset *flag.FlagSet
	rest := args[1:]
	var dirs []string
	if len(rest) > 0 && !strings.HasPrefix(rest[0], "-") {
		dirs, rest = rest[:1], rest[1:] // DIR before the flags
	}
	cfg, err := m.config("workflows apply", rest, func(fs *flag.FlagSet) {
		fs.StringVar(&project, "project", "", "the project the workflows belong to (required)")
		fs.BoolVar(&check, "check", false, "validate only; save nothing and open no database")
		fset = fs
	})
	if err != nil {
		return err
	}
	dirs = append(dirs, fset.Args()...)
	if len(dirs) != 1 || (project == "" && !check) {
		fmt.Fprintln(m.Stderr, "usage: driveway workflows apply --project PID [--check] DIR")
		return errUsage
	}
	files, err := workflowFiles(dirs[0])
	if err != nil {
		return err
	}
	reg, err := workflowRegistry()
	if err != nil {
		return err
	}
	if check {
		return m.applyFiles(ctx, files, reg, nil)
	}
	db, _, err := m.openMigrated(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.GetProject(ctx, project); err != nil {
		return fmt.Errorf("project %s: %w", project, err)
	}
	eng, err := workflow.New(workflow.Config{Store: db, Queue: db.queue, Registry: reg, FileChangeConsumers: reconcileFileChange(db.queue)})
	if err != nil {
		return err
	}
	return m.applyFiles(ctx, files, reg, &applyTarget{db: db, engine: eng, project: project})
}

// workflowRegistry has the step types and the action catalogue every
// server registers (see wireWorkflows), for validation.
func workflowRegistry() (*workflow.Registry, error) {
	cat, err := action.NewCatalogue()
	if err != nil {
		return nil, err
	}
	reg := workflow.NewRegistry(nil, &workflow.HTTPRequest{Client: netguard.NewClient(netguard.Config{})})
	reg.SetActions(cat)
	return reg, nil
}

// workflowFiles lists DIR's definition files, sorted.
func workflowFiles(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("read workflows: %w", err)
	}
	var out []string
	for _, e := range entries {
		switch strings.ToLower(filepath.Ext(e.Name())) {
		case ".json", ".yaml", ".yml":
			if !e.IsDir() {
				out = append(out, filepath.Join(dir, e.Name()))
			}
		}
	}
	sort.Strings(out)
	if len(out) == 0 {
		return nil, fmt.Errorf("no *.json, *.yaml or *.yml files in %s", dir)
	}
	return out, nil
}

// applyTarget is where valid definitions are saved.
type applyTarget struct {
	db      *database
	engine  *workflow.Engine
	project string
}

// applyFiles validates every file first (so that two files with one id
// are both refused), then saves the valid ones when t is set.
func (m *Main) applyFiles(ctx context.Context, files []string, reg *workflow.Registry, t *applyTarget) error {
	defs := make([]*workflow.Definition, len(files))
	raws := make([][]byte, len(files))
	errs := make([]error, len(files))
	byID := map[string]int{}
	for i, f := range files {
		raws[i], defs[i], errs[i] = readWorkflowFile(f, reg)
		if errs[i] != nil {
			continue
		}
		if j, dup := byID[defs[i].ID]; dup {
			errs[i] = driveway.Invalid("id", "workflow %q is also defined in %s", defs[i].ID, filepath.Base(files[j]))
			continue
		}
		byID[defs[i].ID] = i
	}
	failed := 0
	for i, f := range files {
		if errs[i] == nil && t != nil {
			errs[i] = m.saveWorkflowFile(ctx, t, defs[i], raws[i], f)
			if errs[i] == nil {
				continue
			}
		}
		if errs[i] != nil {
			failed++
			fmt.Fprintf(m.Stderr, "%s: %s\n", f, describeInvalid(defs[i], errs[i]))
			continue
		}
		fmt.Fprintf(m.Stdout, "%s: %s valid\n", f, defs[i].ID)
	}
	if failed > 0 {
		fmt.Fprintf(m.Stderr, "%d of %d workflow files refused\n", failed, len(files))
		return errApplyFailed
	}
	return nil
}

func readWorkflowFile(path string, reg *workflow.Registry) ([]byte, *workflow.Definition, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	def, err := workflow.Parse(raw)
	if err != nil {
		return nil, nil, err
	}
	if err := reg.Validate(def); err != nil {
		return nil, def, err
	}
	return raw, def, nil
}

// saveWorkflowFile saves def unless the stored head is the same, and
// prints its line.
func (m *Main) saveWorkflowFile(ctx context.Context, t *applyTarget, def *workflow.Definition, raw []byte, file string) error {
	canon, err := json.Marshal(def)
	if err != nil {
		return err
	}
	head, err := t.db.GetWorkflow(ctx, t.project, def.ID)
	switch {
	case err == nil && sameJSON(head.Definition, canon):
		fmt.Fprintf(m.Stdout, "%s: %s unchanged (version %d)\n", file, def.ID, head.Version)
		return nil
	case err != nil && driveway.ErrorCode(err) != driveway.ENOTFOUND:
		return err
	}
	w, err := t.engine.SaveWorkflow(ctx, t.project, raw)
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "%s: %s saved (version %d)\n", file, w.ID, w.Version)
	return nil
}

func sameJSON(a, b []byte) bool {
	var x, y any
	return json.Unmarshal(a, &x) == nil && json.Unmarshal(b, &y) == nil && reflect.DeepEqual(x, y)
}

// describeInvalid writes a validation error with the step it is about:
// `step "save" (steps[1]), field input.path: unknown step "nope"`.
func describeInvalid(def *workflow.Definition, err error) string {
	var de *driveway.Error
	if !errors.As(err, &de) {
		return err.Error() // the operator's own command: say what failed
	}
	if de.Code != driveway.EINVALID || de.Field == "" {
		return driveway.ErrorMessage(err)
	}
	step, path, rest := workflow.Locate(def, de.Field)
	switch {
	case step == nil:
		return fmt.Sprintf("field %s: %s", de.Field, de.Message)
	case rest == "":
		return fmt.Sprintf("step %q (%s): %s", step.ID, path, de.Message)
	}
	return fmt.Sprintf("step %q (%s), field %s: %s", step.ID, path, rest, de.Message)
}
