package main

import (
	"flag"
	"path/filepath"
	"testing"

	"netdx/internal/testkit"
)

var update = flag.Bool("update", false, "write golden files again")

// goldenAt compares got with testdata/dir/name, or rewrites it with
// -update.
func goldenAt(t *testing.T, dir, name, got string) {
	t.Helper()
	testkit.Golden(t, filepath.Join("testdata", dir, name), got, *update)
}
