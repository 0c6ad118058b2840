package workflow

import "testing"

func TestLocate(t *testing.T) {
	t.Parallel()
	d, err := Parse([]byte(`{"id": "w", "name": "W", "trigger": {"type": "request"}, "steps": [
		{"id": "a", "type": "echo"},
		{"id": "c", "type": "conditional", "input": {"condition": true},
		 "then": [{"id": "t0", "type": "echo"}], "else": [{"id": "e0", "type": "echo"}, {"id": "e1", "type": "fan_out", "steps": [{"id": "f0", "type": "echo"}]}]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ field, id, path, rest string }{
		{"steps[0].input.x", "a", "steps[0]", "input.x"},
		{"steps[1].then[0].type", "t0", "steps[1].then[0]", "type"},
		{"steps[1].else[1].steps[0].input.items", "f0", "steps[1].else[1].steps[0]", "input.items"},
		{"steps[1].else[1]", "e1", "steps[1].else[1]", ""},
		{"trigger.cron", "", "", "trigger.cron"},
		{"steps[9].id", "", "", "steps[9].id"},
		{"steps", "", "", "steps"},
	} {
		s, path, rest := Locate(d, c.field)
		id := ""
		if s != nil {
			id = s.ID
		}
		if id != c.id || path != c.path || rest != c.rest {
			t.Errorf("Locate(%q) = %q %q %q, want %q %q %q", c.field, id, path, rest, c.id, c.path, c.rest)
		}
	}
}
