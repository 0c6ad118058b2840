package workflow

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Cron is a parsed schedule: second, minute, hour, day of month, month,
// day of week (0 = Sunday), each a set of allowed values.
type Cron struct {
	sets [6]map[int]bool
	// domStar and dowStar record "*" in the day fields: when both are
	// restricted a day matches either (as in Vixie cron).
	domStar, dowStar bool
}

var cronRanges = [6][2]int{{0, 59}, {0, 59}, {0, 23}, {1, 31}, {1, 12}, {0, 6}}

// ParseCron parses 5 fields (minute hour dom month dow; seconds 0) or 6
// (seconds first). Each field is "*", a number, a range "a-b", a step
// "*/n" or "a-b/n", or a comma list of those.
func ParseCron(spec string) (*Cron, error) {
	fields := strings.Fields(spec)
	switch len(fields) {
	case 5:
		fields = append([]string{"0"}, fields...)
	case 6:
	default:
		return nil, fmt.Errorf("cron %q: want 5 or 6 fields, got %d", spec, len(fields))
	}
	c := &Cron{domStar: fields[3] == "*", dowStar: fields[5] == "*"}
	for i, f := range fields {
		set, err := parseCronField(f, cronRanges[i][0], cronRanges[i][1])
		if err != nil {
			return nil, fmt.Errorf("cron %q field %d: %w", spec, i+1, err)
		}
		c.sets[i] = set
	}
	return c, nil
}

func parseCronField(f string, lo, hi int) (map[int]bool, error) {
	set := map[int]bool{}
	for _, part := range strings.Split(f, ",") {
		rng, stepStr, hasStep := strings.Cut(part, "/")
		step := 1
		if hasStep {
			n, err := strconv.Atoi(stepStr)
			if err != nil || n < 1 {
				return nil, fmt.Errorf("bad step %q", stepStr)
			}
			step = n
		}
		from, to := lo, hi
		if rng != "*" {
			a, b, isRange := strings.Cut(rng, "-")
			x, err := strconv.Atoi(a)
			if err != nil {
				return nil, fmt.Errorf("bad value %q", a)
			}
			from, to = x, x
			if isRange {
				if to, err = strconv.Atoi(b); err != nil {
					return nil, fmt.Errorf("bad value %q", b)
				}
			} else if hasStep {
				to = hi
			}
		}
		if from < lo || to > hi || from > to {
			return nil, fmt.Errorf("%q is outside %d-%d", part, lo, hi)
		}
		for v := from; v <= to; v += step {
			set[v] = true
		}
	}
	return set, nil
}

// Next returns the first time strictly after t (in t's location) that the
// schedule matches, or the zero time when none within five years.
func (c *Cron) Next(t time.Time) time.Time {
	t = t.Truncate(time.Second).Add(time.Second)
	limit := t.AddDate(5, 0, 0)
	for t.Before(limit) {
		switch {
		case !c.sets[4][int(t.Month())]:
			t = later(t, time.Date(t.Year(), t.Month()+1, 1, 0, 0, 0, 0, t.Location()))
		case !c.dayMatches(t):
			t = later(t, time.Date(t.Year(), t.Month(), t.Day()+1, 0, 0, 0, 0, t.Location()))
		case !c.sets[2][t.Hour()]:
			t = t.Truncate(time.Hour).Add(time.Hour)
		case !c.sets[1][t.Minute()]:
			t = t.Truncate(time.Minute).Add(time.Minute)
		case !c.sets[0][t.Second()]:
			t = t.Add(time.Second)
		default:
			return t
		}
	}
	return time.Time{}
}

func (c *Cron) dayMatches(t time.Time) bool {
	dom, dow := c.sets[3][t.Day()], c.sets[5][int(t.Weekday())]
	if !c.domStar && !c.dowStar {
		return dom || dow
	}
	return dom && dow
}

// later returns next when it is after t; otherwise (a local time that a
// daylight-saving change skipped, normalised backwards) the next hour.
func later(t, next time.Time) time.Time {
	if next.After(t) {
		return next
	}
	return t.Truncate(time.Hour).Add(time.Hour)
}
