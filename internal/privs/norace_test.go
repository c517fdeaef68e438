//go:build !race

package privs

const raceBuild = false
