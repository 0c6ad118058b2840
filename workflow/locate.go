package workflow

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"

	"github.com/drivewayhq/driveway"
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

// NameStep returns err with the id of the step its field is about in
// front of the message (`step "save": …`), for answers that show the
// message apart from the definition (the admin API). Other errors are
// returned as they are.
func NameStep(d *Definition, err error) error {
	var de *driveway.Error
	if !errors.As(err, &de) || de.Code != driveway.EINVALID {
		return err
	}
	step, _, _ := Locate(d, de.Field)
	if step == nil {
		return err
	}
	return &driveway.Error{Code: de.Code, Field: de.Field, Message: fmt.Sprintf("step %q: %s", step.ID, de.Message)}
}
