package dashboard

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/drivewayhq/driveway/internal/signals"
)

// Chart sizes, in SVG user units.
const chartWidth, chartHeight = 240.0, 40.0

// chart is one signal drawn for the home page: a polyline over the last
// signals.Window (no script: the strict CSP allows none).
type chart struct {
	Title, Unit string
	// Points is the polyline's points attribute, "" with fewer than two.
	Points string
	// Latest and Peak are the newest and the largest value, formatted.
	Latest, Peak string
	Samples      int
}

// chartsOf draws each signal on a 24-hour axis ending at now, scaled to
// its own largest value (a flat zero line sits at the bottom).
func chartsOf(sigs []signals.Signal, now time.Time) []chart {
	out := make([]chart, 0, len(sigs))
	for _, s := range sigs {
		c := chart{Title: s.Title, Unit: s.Unit, Samples: len(s.Points)}
		if len(s.Points) > 0 {
			peak := 0.0
			for _, p := range s.Points {
				peak = max(peak, p.Value)
			}
			c.Latest, c.Peak = number(s.Points[len(s.Points)-1].Value), number(peak)
			if len(s.Points) > 1 {
				c.Points = polyline(s.Points, peak, now)
			}
		}
		out = append(out, c)
	}
	return out
}

func polyline(ps []signals.Point, peak float64, now time.Time) string {
	var b strings.Builder
	start := now.Add(-signals.Window)
	for i, p := range ps {
		x := chartWidth * p.At.Sub(start).Seconds() / signals.Window.Seconds()
		y := chartHeight
		if peak > 0 {
			y = chartHeight - (chartHeight-2)*max(p.Value, 0)/peak
		}
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%.1f,%.1f", x, y)
	}
	return b.String()
}

// number formats a value with at most one decimal.
func number(v float64) string {
	if v == float64(int64(v)) {
		return strconv.FormatInt(int64(v), 10)
	}
	return strconv.FormatFloat(v, 'f', 1, 64)
}
