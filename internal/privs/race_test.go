//go:build race

package privs

// raceBuild: the race detector links cgo into the test binary, and the
// runtime of a cgo binary cannot change the credentials of every thread.
const raceBuild = true
