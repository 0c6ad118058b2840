package dashboard_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// The operator types a definition with a misspelled action input and a
// template reading an output field that does not exist into the workflow
// editor in Chromium, saves, and sees each refused with the step and the
// field, beside the step in the picture; the fixed definition saves.
func TestBrowserWorkflowValidation(t *testing.T) {
	t.Parallel()
	ctx := newBrowser(t)
	b := setup(t)
	var broken atomic.Bool
	serveWithWorkflows(t, b, &broken)
	const good = `{"id": "archive", "name": "Archive", "trigger": {"type": "file_change"}, "steps": [
  {"id": "getFile", "type": "onedrive_action", "input": {"action": "ONEDRIVE_GET_FILE_BY_ID", "input": {"fileId": "{{ trigger.item.id }}"}}},
  {"id": "save", "type": "onedrive_action", "input": {"action": "ONEDRIVE_SAVE_FILE",
    "input": {"path": "/Archive/{{ steps.getFile.output.name }}", "content": "{{ steps.getFile.output.size }} bytes"}}}]}`
	err := chromedp.Do(ctx,
		chromedp.Navigate(b.srv.URL+b.projectPath("/new-workflow")),
		chromedp.WaitVisible(chromedp.ID("password")),
		chromedp.SendKeys(chromedp.ID("password"), testPassword),
		chromedp.Click(chromedp.CSS(`button.primary[type=submit]`)),
		chromedp.WaitVisible(chromedp.ID("definition")), // the login returns to the editor
	)
	if err != nil {
		t.Fatalf("log in and open the editor: %v", err)
	}
	for _, tc := range []struct{ from, to, want string }{
		{`"fileId": "{{ trigger.item.id }}"`, `"fileID": "{{ trigger.item.id }}"`,
			`step "getFile" (steps[0]), field input.input.fileID: "fileID" is not an input of ONEDRIVE_GET_FILE_BY_ID`},
		{`{{ steps.getFile.output.size }}`, `{{ steps.getFile.output.bytes }}`,
			`step "save" (steps[1]), field input.input.content: in {{ steps.getFile.output.bytes }}: the output of step "getFile" has no field "bytes"`},
	} {
		bad := strings.Replace(good, tc.from, tc.to, 1)
		run(t, ctx, chromedp.Evaluate[bool](`window.beforeSave = true`)) // gone once the answer loads
		err := chromedp.Do(ctx,
			chromedp.SetValue(chromedp.ID("definition"), bad),
			chromedp.Click(chromedp.CSS(`form button.primary[type=submit]`)),
		)
		if err != nil {
			t.Fatalf("save %q: %v", tc.to, err)
		}
		// The answer is the editor again, with the text as sent.
		waitFor(t, ctx, `!window.beforeSave && document.getElementById('invalid') !== null && document.getElementById('definition').value.includes(`+jsString(tc.to)+`)`)
		msg := run(t, ctx, chromedp.Evaluate[string](`document.getElementById('invalid').textContent`))
		boxed := run(t, ctx, chromedp.Evaluate[string](`document.querySelector('.card.once .field-error').textContent`))
		if !strings.Contains(msg, tc.want) || !strings.Contains(boxed, tc.want) {
			t.Fatalf("save %q: message %q, beside the step %q; want %q", tc.to, msg, boxed, tc.want)
		}
	}
	err = chromedp.Do(ctx,
		chromedp.SetValue(chromedp.ID("definition"), good),
		chromedp.Click(chromedp.CSS(`form button.primary[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`h2 .badge`)),
	)
	if err != nil {
		t.Fatalf("save the fixed definition: %v", err)
	}
	if heading := run(t, ctx, chromedp.Text(chromedp.CSS("h2"))); !strings.Contains(heading, "Archive") || !strings.Contains(heading, "version 1") {
		t.Fatalf("after saving the fixed definition the page shows %q", heading)
	}
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// waitFor evaluates cond until it is true, across the navigation a form
// submission starts (an evaluation the navigation interrupts is retried).
func waitFor(t *testing.T, ctx context.Context, cond string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](cond))
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: still false (%v)", cond, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
