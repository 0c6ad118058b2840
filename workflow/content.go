package workflow

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/drivewayhq/driveway"
)

// File content in run history. A step's output field that holds a file's
// bytes (contentFields: ONEDRIVE_DOWNLOAD_FILE's contentBase64,
// ONEDRIVE_REQUEST's bodyBase64) is never recorded: the step run's output
// keeps the rest (the file's metadata) and a reference in its place. The
// whole output is kept sealed (Store.PutRunContent) for the later steps of
// the run, and deleted when the run ends. Wherever else the content shows
// up in what a run records (a later step's input, a Response, an error),
// the reference replaces it too.

// contentFields are the output fields that hold a file's bytes.
var contentFields = map[string]bool{"contentBase64": true, "bodyBase64": true}

// minContentLen is the shortest content value looked for inside other
// strings: a shorter one would match ordinary text by chance. Shorter
// values are still replaced where they are a content field's value.
const minContentLen = 16

// contentRef is a content value seen in this run and what records it.
type contentRef struct {
	value, marker string
}

// contentMarker is what a step run records in place of field's content.
func contentMarker(key, field, value string) string {
	n := len(value)
	if b, err := base64.StdEncoding.DecodeString(value); err == nil {
		n = len(b)
	}
	return fmt.Sprintf("[file content of step %s, %s: %d bytes, kept only while the run ran]", key, field, n)
}

// keep records the content fields of the output val of step key: it
// stores val sealed for the rest of the run and returns the output to
// record, with references in their place; val itself when it has none.
func (x *exec) keep(ctx context.Context, key string, val any) (any, error) {
	m, ok := val.(map[string]any)
	if !ok {
		return val, nil
	}
	var rec map[string]any
	for f, v := range m {
		s, ok := v.(string)
		if !contentFields[f] || !ok || s == "" {
			continue
		}
		if rec == nil {
			rec = make(map[string]any, len(m))
			for k, e := range m {
				rec[k] = e
			}
		}
		rec[f] = contentMarker(key, f, s)
		x.addContent(s, rec[f].(string))
	}
	if rec == nil {
		return val, nil
	}
	full, err := json.Marshal(val)
	if err != nil {
		return nil, fmt.Errorf("keep the content of step %s: %w", key, err)
	}
	if err := x.e.store.PutRunContent(ctx, x.run.ProjectID, x.run.ID, key, full); err != nil {
		return nil, fmt.Errorf("keep the content of step %s: %w", key, err)
	}
	return rec, nil
}

// addContent adds a content value to look for, longest first (a value
// inside another is replaced after it).
func (x *exec) addContent(value, marker string) {
	x.mu.Lock()
	defer x.mu.Unlock()
	for _, c := range x.contents {
		if c.value == value {
			return
		}
	}
	x.contents = append(x.contents, contentRef{value: value, marker: marker})
	sort.SliceStable(x.contents, func(i, j int) bool { return len(x.contents[i].value) > len(x.contents[j].value) })
}

// loadContent reads the run's kept outputs into the steps of env (by step
// key, for top-level steps) and the content values to look for.
func (x *exec) loadContent(ctx context.Context, steps map[string]any) error {
	kept, err := x.e.store.ListRunContent(ctx, x.run.ProjectID, x.run.ID)
	if err != nil {
		return fmt.Errorf("load the content of run %s: %w", x.run.ID, err)
	}
	x.kept = make(map[string]any, len(kept))
	for key, raw := range kept {
		var out any
		if err := json.Unmarshal(raw, &out); err != nil {
			return fmt.Errorf("decode the content of step %s: %w", key, err)
		}
		x.kept[key] = out
		if _, top := steps[key]; top {
			steps[key] = map[string]any{"output": out}
		}
		if m, ok := out.(map[string]any); ok {
			for f, v := range m {
				if s, ok := v.(string); ok && contentFields[f] && s != "" {
					x.addContent(s, contentMarker(key, f, s))
				}
			}
		}
	}
	return nil
}

// scrub returns the JSON raw with every content value of the run replaced
// by its reference.
func (x *exec) scrub(raw json.RawMessage) json.RawMessage {
	x.mu.Lock()
	contents := x.contents
	x.mu.Unlock()
	if len(contents) == 0 || len(raw) == 0 {
		return raw
	}
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return raw
	}
	out, err := json.Marshal(scrubValue(v, contents))
	if err != nil {
		return raw
	}
	return out
}

func scrubValue(v any, contents []contentRef) any {
	switch t := v.(type) {
	case string:
		for _, c := range contents {
			if t == c.value || (len(c.value) >= minContentLen && strings.Contains(t, c.value)) {
				t = strings.ReplaceAll(t, c.value, c.marker)
			}
		}
		return t
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			out[k] = scrubValue(e, contents)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = scrubValue(e, contents)
		}
		return out
	}
	return v
}

// scrubErr returns err with every content value of the run in its message
// replaced by its reference, keeping its domain code.
func (x *exec) scrubErr(err error) error {
	x.mu.Lock()
	contents := x.contents
	x.mu.Unlock()
	if err == nil || len(contents) == 0 {
		return err
	}
	msg := err.Error()
	clean, _ := scrubValue(msg, contents).(string)
	if clean == msg {
		return err
	}
	var de *driveway.Error
	if errors.As(err, &de) {
		field, _ := scrubValue(de.Field, contents).(string)
		m, _ := scrubValue(de.Message, contents).(string)
		return &driveway.Error{Code: de.Code, Field: field, Message: m}
	}
	return errors.New(clean)
}
