package main

import (
	"context"
	"fmt"
	"runtime/debug"
	"slices"
	"strings"
)

// buildVersion describes the running binary: the version given at link time
// (-ldflags "-X main.version=v1.2.3") or else the module version the Go
// toolchain stamped, then the VCS revision, its time and whether the tree
// had uncommitted changes. A binary built with `go build` from a checkout
// carries all of these; only a build without VCS information (-buildvcs=false,
// or a copied tree without .git) is just "dev".
func buildVersion() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		info = &debug.BuildInfo{}
	}
	if revision != "" && !slices.ContainsFunc(info.Settings, func(s debug.BuildSetting) bool { return s.Key == "vcs.revision" }) {
		info.Settings = append(info.Settings, debug.BuildSetting{Key: "vcs.revision", Value: revision})
	}
	return describeBuild(version, info)
}

// revision is the VCS revision given at link time (-ldflags "-X
// main.revision=..."), for builds from a tree without .git, such as a
// container build context; the toolchain's own stamp wins when present.
var revision = ""

// describeBuild formats linked and the build settings of info.
func describeBuild(linked string, info *debug.BuildInfo) string {
	v := linked
	if v == "dev" && info.Main.Version != "" && info.Main.Version != "(devel)" {
		v = info.Main.Version
	}
	settings := map[string]string{}
	for _, s := range info.Settings {
		settings[s.Key] = s.Value
	}
	var extra []string
	if rev := settings["vcs.revision"]; rev != "" {
		r := "revision " + rev
		if settings["vcs.modified"] == "true" {
			r += " (modified)"
		}
		extra = append(extra, r)
	}
	if t := settings["vcs.time"]; t != "" {
		extra = append(extra, "committed "+t)
	}
	if info.GoVersion != "" {
		extra = append(extra, info.GoVersion)
	}
	if len(extra) == 0 {
		return v
	}
	return v + " (" + strings.Join(extra, ", ") + ")"
}

func (m *Main) printVersion(ctx context.Context, args []string) error {
	fmt.Fprintf(m.Stdout, "driveway %s\n", buildVersion())
	return nil
}
