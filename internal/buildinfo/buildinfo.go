// Package buildinfo says which netdx a binary is: the module version and
// VCS revision it was built from, and the Go that built it, as --version
// prints them. It needs no privileges and is safe for concurrent use.
package buildinfo

import "runtime/debug"

// Version is "VERSION REVISION[-dirty] GOVERSION" ("(devel) 0123456789ab
// go1.26.7"), or "unknown" for a binary without build information.
func Version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	return version(bi)
}

func version(bi *debug.BuildInfo) string {
	v := bi.Main.Version
	if v == "" {
		v = "(devel)"
	}
	var rev, dirty string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				dirty = "-dirty"
			}
		}
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if rev != "" {
		v += " " + rev + dirty
	}
	return v + " " + bi.GoVersion
}
