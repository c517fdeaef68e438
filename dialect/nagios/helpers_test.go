package nagios

import (
	"flag"
	"path/filepath"
	"testing"

	"netdx/internal/testkit"
)

var update = flag.Bool("update", false, "write the golden files again")

func golden(t *testing.T, name, got string) {
	t.Helper()
	testkit.Golden(t, filepath.Join("testdata", name), got, *update)
}
