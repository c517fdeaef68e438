package icmpmsg

import (
	"net/netip"
	"testing"
)

// What the lab recorder of the external fixtures needs: it is an external
// test (external_capture_test.go) because it imports netlab, whose forger
// imports icmpmsg (through packettest), which an internal test cannot.

// ExternalFixture is one external message as the recorder needs it.
type ExternalFixture struct {
	File, Source, About string
	// Relabel is external.relabel.
	Relabel func(t testing.TB, from, to, target netip.Addr) []byte
}

// ExternalFixtures are the external messages.
func ExternalFixtures() []ExternalFixture {
	var out []ExternalFixture
	for _, x := range externals {
		out = append(out, ExternalFixture{File: x.file, Source: x.source, About: x.about, Relabel: x.relabel})
	}
	return out
}

// Update is the -update flag.
var Update = update
