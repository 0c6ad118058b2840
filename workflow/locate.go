package workflow

import (
	"regexp"
	"strconv"
)

// fieldStep matches the leading step of a field path: "steps[2]" or a
// nested ".then[0]", ".else[1]", ".steps[3]".
var fieldStep = regexp.MustCompile(`^\.?(steps|then|else)\[(\d+)\]`)

// Locate finds the step a validation error's field names
// ("steps[2].then[0].input.path") in d: it returns the step, its path
// ("steps[2].then[0]") and the rest of the field ("input.path"). The step
// is nil when the field names no step (for example "trigger.cron").
func Locate(d *Definition, field string) (step *Step, path, rest string) {
	if d == nil {
		return nil, "", field
	}
	seq := d.Steps
	for {
		m := fieldStep.FindStringSubmatchIndex(field[len(path):])
		if m == nil {
			break
		}
		sub := field[len(path):][m[2]:m[3]]
		i, _ := strconv.Atoi(field[len(path):][m[4]:m[5]])
		if step != nil {
			switch sub {
			case "then":
				seq = step.Then
			case "else":
				seq = step.Else
			default:
				seq = step.Steps
			}
		} else if sub != "steps" {
			break
		}
		if i >= len(seq) {
			break
		}
		step = &seq[i]
		path += field[len(path):][m[0]:m[1]]
	}
	rest = field[len(path):]
	if len(rest) > 0 && rest[0] == '.' {
		rest = rest[1:]
	}
	return step, path, rest
}
