package workflow

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/drivewayhq/driveway"
)

// TestListRunsPages pages through runs that share one creation time (the
// cursor breaks ties by id), filters by time, and redacts secrets.
func TestListRunsPages(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, db *testDB) {
		ctx := t.Context()
		q := db.newQueue(t, jobs0())
		e, err := New(Config{Store: db.store, Queue: q, Registry: NewRegistry(nil, nil)})
		if err != nil {
			t.Fatal(err)
		}
		project(t, db.store, "prj_1", "u1")
		save(t, e, "prj_1", `{"id": "w", "name": "W", "trigger": {"type": "request"}, "steps": [{"id": "r", "type": "response"}]}`)
		if err := db.store.PutProjectSecret(ctx, &driveway.ProjectSecret{ProjectID: "prj_1", Name: "k", Value: "sekrit-value"}); err != nil {
			t.Fatal(err)
		}
		tie := time.Now().UTC().Truncate(time.Second).Add(-time.Hour)
		for i, at := range []time.Time{tie.Add(time.Minute), tie, tie, tie, tie, tie.Add(-time.Minute)} {
			r := &driveway.WorkflowRun{ProjectID: "prj_1", ID: "run_" + string(rune('a'+i)), WorkflowID: "w", Version: 1, UserID: "u1",
				Status: driveway.RunFailed, Trigger: json.RawMessage(`{"token": "sekrit-value"}`), Response: json.RawMessage("null"),
				Error: "failed with sekrit-value", CreatedAt: at}
			if err := db.store.CreateRun(ctx, r); err != nil {
				t.Fatal(err)
			}
		}
		want := []string{"run_a", "run_e", "run_d", "run_c", "run_b", "run_f"} // newest first, ties by id descending
		var got []string
		cursor := ""
		for pages := 0; pages < 10; pages++ {
			page, err := e.ListRuns(ctx, "prj_1", RunQuery{Limit: 2, Cursor: cursor})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range page.Runs {
				got = append(got, r.ID)
				if strings.Contains(r.Error+string(r.Trigger), "sekrit") {
					t.Fatalf("run %s shows the secret: %s %s", r.ID, r.Error, r.Trigger)
				}
			}
			if cursor = page.Next; cursor == "" {
				break
			}
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("pages (-want +got):\n%s", diff)
		}
		page, err := e.ListRuns(ctx, "prj_1", RunQuery{Since: tie, Until: tie.Add(time.Minute)})
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, r := range page.Runs {
			ids = append(ids, r.ID)
		}
		if diff := cmp.Diff([]string{"run_e", "run_d", "run_c", "run_b"}, ids); diff != "" {
			t.Fatalf("since/until (-want +got):\n%s", diff)
		}
		for _, bad := range []RunQuery{{Status: "nope"}, {Limit: 201}, {Cursor: "!!"}} {
			if _, err := e.ListRuns(ctx, "prj_1", bad); driveway.ErrorCode(err) != driveway.EINVALID {
				t.Fatalf("ListRuns(%+v) = %v, want EINVALID", bad, err)
			}
		}
		d, err := e.RunDetail(ctx, "prj_1", "run_b")
		if err != nil || d.Run.Error != "failed with [redacted]" || string(d.Run.Trigger) != `{"token":"[redacted]"}` {
			t.Fatalf("RunDetail = %+v, %v; want the secret redacted", d, err)
		}
		if _, err := e.RunDetail(ctx, "prj_other", "run_b"); driveway.ErrorCode(err) != driveway.ENOTFOUND {
			t.Fatalf("another project's run: %v, want ENOTFOUND", err)
		}
	})
}
