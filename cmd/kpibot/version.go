package main

import (
	"runtime/debug"
	"strings"
)

// Version is the build's version: the one set with -ldflags "-X
// main.version=…", else what the Go toolchain recorded, the module version
// for `go install …@v1.2.3` and the VCS revision for a build in a
// checkout, with "+dirty" for uncommitted changes.
func Version() string {
	if version != "dev" {
		return version
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return version
	}
	return versionFrom(info)
}

func versionFrom(info *debug.BuildInfo) string {
	// Since Go 1.24 a build in a checkout is stamped with a pseudo-version
	// too; "(devel)" is what is left when there was nothing to stamp.
	if v := info.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	rev, dirty, _ := strings.Cut(revisionFrom(info), "+")
	if rev == "" {
		return version
	}
	if dirty != "" {
		dirty = "+" + dirty
	}
	return "dev-" + rev[:min(len(rev), 12)] + dirty
}

// revision is set at build time with -ldflags "-X main.revision=…", where
// the toolchain sees no checkout (the image build leaves .git out).
var revision = ""

// Revision is the build's VCS revision: the one set with -ldflags, else
// the one the Go toolchain recorded, with "+dirty" for uncommitted
// changes, else "" (a build outside a checkout, or with -buildvcs=false).
func Revision() string {
	if revision != "" {
		return revision
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	return revisionFrom(info)
}

func revisionFrom(info *debug.BuildInfo) string {
	var rev, dirty string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				dirty = "+dirty"
			}
		}
	}
	if rev == "" {
		return ""
	}
	return rev + dirty
}
