package action

import (
	"errors"

	"encoding/json"
	"github.com/drivewayhq/driveway/microsoft"
	"math"
)

// The parameters have passed their schema, so types are known; these
// helpers still tolerate absent values.

func stringParam(p map[string]any, name string) string {
	s, _ := p[name].(string)
	return s
}

func boolParam(p map[string]any, name string, def bool) bool {
	if b, ok := p[name].(bool); ok {
		return b
	}
	return def
}

func intParam(p map[string]any, name string, def int64) int64 {
	switch v := p[name].(type) {
	case float64:
		return int64(v)
	case int:
		return int64(v)
	case int64:
		return v
	case json.Number:
		if n, err := v.Int64(); err == nil {
			return n
		}
		if f, err := v.Float64(); err == nil && f == math.Trunc(f) {
			return int64(f)
		}
	}
	return def
}

func asTransport(err error, target **microsoft.TransportError) bool { return errors.As(err, target) }
