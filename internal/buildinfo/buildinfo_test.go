package buildinfo

import (
	"runtime/debug"
	"testing"
)

func TestVersion(t *testing.T) {
	rev := debug.BuildSetting{Key: "vcs.revision", Value: "0123456789abcdef0123"}
	for _, tc := range []struct {
		bi   debug.BuildInfo
		want string
	}{
		{debug.BuildInfo{GoVersion: "go1.26.7"}, "(devel) go1.26.7"},
		{debug.BuildInfo{GoVersion: "go1.26.7", Main: debug.Module{Version: "v1.2.0"}, Settings: []debug.BuildSetting{rev}},
			"v1.2.0 0123456789ab go1.26.7"},
		{debug.BuildInfo{GoVersion: "go1.26.7", Settings: []debug.BuildSetting{rev, {Key: "vcs.modified", Value: "true"}}},
			"(devel) 0123456789ab-dirty go1.26.7"},
		{debug.BuildInfo{GoVersion: "go1.26.7", Settings: []debug.BuildSetting{{Key: "vcs.modified", Value: "true"}}},
			"(devel) go1.26.7"},
	} {
		if got := version(&tc.bi); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.bi, got, tc.want)
		}
	}
}
