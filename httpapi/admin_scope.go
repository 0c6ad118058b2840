package httpapi

import (
	"strings"

	"github.com/drivewayhq/driveway"
)

// surfaceOf maps the first path segment after /api/v1/projects/{pid}/ (or
// after /api/v1/) to the key surface that guards it. A segment not listed
// is its own surface, so a route added later is guarded by default: only
// keys for every surface reach it until it is listed here.
var surfaceOf = map[string]string{
	"":                   "projects",
	"projects":           "projects",
	"allowed-origins":    "settings",
	"integrations":       "settings",
	"signing-keys":       "keys",
	"api-keys":           "keys",
	"webhook-endpoints":  "webhooks",
	"webhook-deliveries": "webhooks",
	"workflows":          "workflows",
	"secrets":            "workflows",
	"runs":               "runs",
	"users":              "users",
	"audit-log":          "audit",
}

// operateActions are the last path segments of POST routes that act on
// running things without changing any setting: the operate role's reach.
var operateActions = map[string]bool{"cancel": true, "rerun": true, "redeliver": true}

// routeNeeds returns the surface and role a route needs, and whether only
// an instance key may call it (an admin route outside /projects/{pid}/,
// other than listing and creating projects, which check for themselves).
// Reads need the read role; operateActions need operate; every other
// change needs admin.
func routeNeeds(method, pattern string) (surface, role string, instance bool) {
	_, path, _ := strings.Cut(pattern, " ")
	rest, inProject := strings.CutPrefix(path, "/api/v1/projects/{pid}")
	if !inProject {
		rest = strings.TrimPrefix(path, "/api/v1")
		instance = rest != "/projects"
	}
	segs := strings.Split(strings.Trim(rest, "/"), "/")
	surface, ok := surfaceOf[segs[0]]
	if !ok {
		surface = segs[0]
	}
	switch {
	case method == "GET" || method == "HEAD":
		role = driveway.KeyRead
	case method == "POST" && operateActions[segs[len(segs)-1]]:
		role = driveway.KeyOperate
	default:
		role = driveway.KeyAdmin
	}
	return surface, role, instance
}
