package probe

import (
	"testing"

	"golang.org/x/net/bpf"
	"golang.org/x/net/icmp"
	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"
)

// TestEchoIDFilter runs the socket filter in x/net's BPF machine over the
// bytes a raw socket hands it: echo replies pass only with the socket's
// id, errors always (icmpmsg decides whose they are), short messages never;
// an IPv4 header with options moves the ICMP header and the filter with
// it.
func TestEchoIDFilter(t *testing.T) {
	const id = 0xbeef
	msg := func(v6 bool, typ icmp.Type, body icmp.MessageBody) []byte {
		b, err := (&icmp.Message{Type: typ, Body: body}).Marshal(nil)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	ipHeader := func(words int) []byte {
		h := make([]byte, 4*words)
		h[0] = 0x40 | byte(words)
		h[9] = 1
		return h
	}
	quote := append(ipHeader(5), msg(false, ipv4.ICMPTypeEcho, &icmp.Echo{ID: id, Seq: 1})...)
	for _, tc := range []struct {
		name string
		v6   bool
		data []byte
		keep bool
	}{
		{"v4 reply, our id", false, msg(false, ipv4.ICMPTypeEchoReply, &icmp.Echo{ID: id, Seq: 1, Data: []byte("x")}), true},
		{"v4 reply, another id", false, msg(false, ipv4.ICMPTypeEchoReply, &icmp.Echo{ID: id + 1, Seq: 1}), false},
		{"v4 reply, id 0", false, msg(false, ipv4.ICMPTypeEchoReply, &icmp.Echo{ID: 0, Seq: 1}), false},
		{"v4 time exceeded", false, msg(false, ipv4.ICMPTypeTimeExceeded, &icmp.TimeExceeded{Data: quote}), true},
		{"v4 unreachable", false, msg(false, ipv4.ICMPTypeDestinationUnreachable, &icmp.DstUnreach{Data: quote}), true},
		{"v4 short reply", false, []byte{0, 0, 0, 0}, false},
		{"v6 reply, our id", true, msg(true, ipv6.ICMPTypeEchoReply, &icmp.Echo{ID: id, Seq: 1}), true},
		{"v6 reply, another id", true, msg(true, ipv6.ICMPTypeEchoReply, &icmp.Echo{ID: 7, Seq: 1}), false},
		{"v6 time exceeded", true, msg(true, ipv6.ICMPTypeTimeExceeded, &icmp.TimeExceeded{Data: make([]byte, 48)}), true},
		{"v6 packet too big", true, msg(true, ipv6.ICMPTypePacketTooBig, &icmp.PacketTooBig{MTU: 1280, Data: make([]byte, 48)}), true},
		{"v6 short reply", true, []byte{129, 0, 0, 0}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := tc.data
			if !tc.v6 {
				data = append(ipHeader(5), data...)
			}
			check(t, tc.v6, data, tc.keep)
			if !tc.v6 && len(tc.data) >= 8 {
				// With 8 bytes of IP options the ICMP header moves.
				check(t, false, append(ipHeader(7), tc.data...), tc.keep)
			}
		})
	}
}

func check(t *testing.T, v6 bool, data []byte, keep bool) {
	t.Helper()
	vm, err := bpf.NewVM(echoIDFilter(v6, 0xbeef))
	if err != nil {
		t.Fatal(err)
	}
	n, err := vm.Run(data)
	if err != nil {
		t.Fatal(err)
	}
	if got := n > 0; got != keep {
		t.Errorf("% x: kept %v (%d bytes), want %v", data, got, n, keep)
	}
	if keep && n < len(data) {
		t.Errorf("kept %d of %d bytes", n, len(data))
	}
}
