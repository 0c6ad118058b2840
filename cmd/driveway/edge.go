package main

import (
	"net/http"
	"strings"

	"github.com/drivewayhq/driveway/proxy"
)

// metricsOnMain reports whether the main listener serves /metrics: not
// when it has its own listener; in serve only behind a bearer token; in
// dev openly.
func (s *server) metricsOnMain() bool {
	return s.cfg.MetricsAddr == "" && (s.dev || s.cfg.MetricsToken != "")
}

// streaming reports the requests exempt from the body deadline: the Graph
// proxy's uploads, which pass bodies through as they arrive, and in dev the
// emulator's upload sessions behind it.
func (s *server) streaming(r *http.Request) bool {
	return proxy.Matches(r.URL.EscapedPath()) || (s.dev && strings.HasPrefix(r.URL.Path, emulatorPrefix+"/"))
}
