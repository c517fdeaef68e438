package sockets

import (
	"encoding/binary"
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"netdx/internal/fixture"
)

// ssSocket is one line of "ss -Htuan -e".
type ssSocket struct {
	proto, state, local, remote, inode string
}

func loadSS(t *testing.T) map[string]ssSocket {
	t.Helper()
	b, err := os.ReadFile("testdata/ss.txt")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]ssSocket{}
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		f := strings.Fields(line)
		s := ssSocket{proto: f[0], state: f[1], local: f[4], remote: f[5]}
		for _, x := range f[6:] {
			if v, ok := strings.CutPrefix(x, "ino:"); ok {
				s.inode = v
			}
		}
		out[s.inode] = s
	}
	return out
}

// ssForm writes an address the way ss does: port 0 as "*".
func ssForm(a string) string {
	if p, ok := strings.CutSuffix(a, ":0"); ok {
		return p + ":*"
	}
	return a
}

func ssState(s string) string {
	switch s {
	case "ESTABLISHED":
		return "ESTAB"
	case "FIN_WAIT1", "FIN_WAIT2":
		return "FIN-WAIT-" + s[len(s)-1:]
	}
	return strings.ReplaceAll(s, "_", "-")
}

// TestParseInetDiagMatchesSS decodes the kernel's sock_diag answers and
// checks each socket against what ss printed for the same inode.
func TestParseInetDiagMatchesSS(t *testing.T) {
	want := loadSS(t)
	seen := 0
	for _, f := range []struct{ file, proto string }{
		{"inet_diag_tcp4.hex", "tcp"}, {"inet_diag_tcp6.hex", "tcp"},
		{"inet_diag_udp4.hex", "udp"}, {"inet_diag_udp6.hex", "udp"},
	} {
		for _, m := range fixture.ReadHex(t, "testdata/"+f.file) {
			r, err := parseInetDiag(m)
			if err != nil {
				t.Fatalf("%s: %v", f.file, err)
			}
			s := newSocket(f.proto, r, nil, userNames{0: "root"})
			w, ok := want[itoa(r.Inode)]
			if !ok {
				if r.Inode != 0 {
					t.Errorf("%s: inode %d not in ss output", f.file, r.Inode)
				}
				continue
			}
			seen++
			got := ssSocket{proto: s.Proto, state: ssState(s.State), local: ssForm(s.Local), remote: ssForm(s.Remote), inode: itoa(s.Inode)}
			if got != w {
				t.Errorf("decoded %+v, ss says %+v", got, w)
			}
			if f.proto == "tcp" && r.Info == nil {
				t.Errorf("%s: tcp socket %d without tcp_info", f.file, r.Inode)
			}
			if s.LocalAddr.Port() == 23 && s.Cleartext != "telnet" {
				t.Errorf("socket on 23 not flagged telnet: %+v", s)
			}
		}
	}
	if seen != len(want) {
		t.Errorf("matched %d sockets, ss shows %d", seen, len(want))
	}
}

func itoa(n uint32) string { return strconv.FormatUint(uint64(n), 10) }

// TestParsePacketDiag checks the packet_diag answers against
// /proc/net/packet of the same moment, and finds the one promiscuous
// socket (tcpdump on eth0) and the one that is not (tcpdump -p on lo).
func TestParsePacketDiag(t *testing.T) {
	b, err := os.ReadFile("testdata/proc_net_packet")
	if err != nil {
		t.Fatal(err)
	}
	proc, err := ParseProcPacket(b)
	if err != nil {
		t.Fatal(err)
	}
	byInode := map[uint32]PacketSocket{}
	for _, p := range proc {
		byInode[p.Inode] = p
		if p.Protocol != "all" || p.Type != "raw" || p.PromiscKnown {
			t.Errorf("/proc/net/packet entry %+v", p)
		}
	}
	msgs := fixture.ReadHex(t, "testdata/packet_diag.hex")
	if len(msgs) != len(proc) || len(msgs) != 2 {
		t.Fatalf("%d packet_diag answers, %d /proc/net/packet lines, want 2", len(msgs), len(proc))
	}
	promisc := 0
	for _, m := range msgs {
		p, err := parsePacketDiag(m)
		if err != nil {
			t.Fatal(err)
		}
		w, ok := byInode[p.Inode]
		if !ok || w.IfIndex != p.IfIndex || w.Protocol != p.Protocol || w.Type != p.Type || w.UID != p.UID {
			t.Errorf("packet_diag %+v, /proc/net/packet %+v", p, w)
		}
		if p.Promisc {
			promisc++
			if p.PromiscIfIndex != p.IfIndex || p.IfIndex == 1 {
				t.Errorf("promiscuous socket %+v: want eth0's, not lo's", p)
			}
		}
	}
	if promisc != 1 {
		t.Errorf("%d promiscuous sockets, want 1", promisc)
	}
}

func TestParseTruncated(t *testing.T) {
	m := fixture.ReadHex(t, "testdata/inet_diag_tcp4.hex")[0]
	if _, err := parseInetDiag(m[:40]); !errors.Is(err, ErrTruncated) {
		t.Errorf("inet_diag cut short: %v", err)
	}
	if _, err := parseInetDiag(m[:len(m)-8]); !errors.Is(err, ErrTruncated) { // inside the last attribute
		t.Errorf("inet_diag cut in an attribute: %v", err)
	}
	p := fixture.ReadHex(t, "testdata/packet_diag.hex")[0]
	if _, err := parsePacketDiag(p[:10]); !errors.Is(err, ErrTruncated) {
		t.Errorf("packet_diag cut short: %v", err)
	}
	if _, err := ParseProcPacket([]byte("sk RefCnt\n0 3 3 0003\n")); err == nil {
		t.Error("short /proc/net/packet line accepted")
	}
}

// nlmsg builds one netlink message.
func nlmsg(typ, flags uint16, seq uint32, body []byte) []byte {
	b := make([]byte, 16+len(body))
	binary.NativeEndian.PutUint32(b[0:], uint32(len(b)))
	binary.NativeEndian.PutUint16(b[4:], typ)
	binary.NativeEndian.PutUint16(b[6:], flags)
	binary.NativeEndian.PutUint32(b[8:], seq)
	copy(b[16:], body)
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return b
}

func TestWalkMessages(t *testing.T) {
	errno := make([]byte, 4)
	e := -int32(unix.ENOENT)
	binary.NativeEndian.PutUint32(errno, uint32(e))
	var got []string
	collect := func(b []byte) error { got = append(got, string(b)); return nil }
	read := append(append(nlmsg(sockDiagByFamily, 0, 7, []byte("one")), nlmsg(sockDiagByFamily, 0, 6, []byte("old"))...),
		nlmsg(sockDiagByFamily, unix.NLM_F_DUMP_INTR, 7, []byte("two"))...)
	done, intr, err := walkMessages(read, 7, collect)
	if done || !intr || err != nil || strings.Join(got, ",") != "one,two" {
		t.Errorf("done %v intr %v err %v got %q", done, intr, err, got)
	}
	if done, _, err := walkMessages(nlmsg(unix.NLMSG_DONE, 0, 7, make([]byte, 4)), 7, collect); !done || err != nil {
		t.Errorf("DONE: done %v err %v", done, err)
	}
	if _, _, err := walkMessages(nlmsg(unix.NLMSG_ERROR, 0, 7, errno), 7, collect); !errors.Is(err, unix.ENOENT) {
		t.Errorf("ERROR: %v, want ENOENT", err)
	}
	bad := nlmsg(sockDiagByFamily, 0, 7, []byte("x"))
	binary.NativeEndian.PutUint32(bad, 100)
	if _, _, err := walkMessages(bad, 7, collect); !errors.Is(err, ErrTruncated) {
		t.Errorf("overlong length: %v", err)
	}
}

func TestParseSocketLink(t *testing.T) {
	for in, want := range map[string]uint32{"socket:[12345]": 12345, "socket:[0]": 0, "socket:[4294967295]": 4294967295} {
		if got, ok := ParseSocketLink([]byte(in)); !ok || got != want {
			t.Errorf("%s: %d %v", in, got, ok)
		}
	}
	for _, in := range []string{"pipe:[1]", "socket:[]", "socket:[12", "socket:[-1]", "socket:[4294967296]", "/dev/null", "anon_inode:[eventfd]"} {
		if _, ok := ParseSocketLink([]byte(in)); ok {
			t.Errorf("%s accepted", in)
		}
	}
}

func FuzzParseInetDiag(f *testing.F) {
	for _, file := range []string{"inet_diag_tcp4.hex", "inet_diag_tcp6.hex", "inet_diag_udp4.hex"} {
		for _, m := range fixture.ReadHex(f, "testdata/"+file) {
			f.Add(m)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := parseInetDiag(b)
		if err == nil {
			_ = newSocket("tcp", r, nil, userNames{r.UID: "x"})
		}
	})
}

func FuzzParsePacketDiag(f *testing.F) {
	for _, m := range fixture.ReadHex(f, "testdata/packet_diag.hex") {
		f.Add(m)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := parsePacketDiag(b)
		if err == nil && p.Promisc && p.PromiscIfIndex < 0 {
			t.Fatal("negative ifindex")
		}
	})
}

func FuzzParseProcPacket(f *testing.F) {
	b, err := os.ReadFile("testdata/proc_net_packet")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Fuzz(func(t *testing.T, b []byte) { _, _ = ParseProcPacket(b) })
}

func FuzzParseSocketLink(f *testing.F) {
	f.Add([]byte("socket:[12345]"))
	f.Add([]byte("pipe:[1]"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if ino, ok := ParseSocketLink(b); ok && "socket:["+itoa(ino)+"]" != string(b) {
			// Leading zeros and '+' signs are the only other spellings.
			if !strings.Contains(string(b), "[0") && !strings.Contains(string(b), "[+") {
				t.Fatalf("%q parsed as %d", b, ino)
			}
		}
	})
}

// FuzzParseExeLink: whatever the link says, the path and the mark put
// back together give the link again.
func FuzzParseExeLink(f *testing.F) {
	f.Add([]byte("/usr/sbin/sshd"))
	f.Add([]byte("/dev/shm/.x/inetd (deleted)"))
	f.Add([]byte("/memfd:x (deleted) (deleted)"))
	f.Fuzz(func(t *testing.T, b []byte) {
		path, deleted := ParseExeLink(b)
		back := path
		if deleted {
			back += deletedMark
		}
		if back != string(b) {
			t.Fatalf("%q parsed as %q, deleted %v", b, path, deleted)
		}
	})
}

func FuzzParseTimeWaitSysctls(f *testing.F) {
	f.Add([]byte("262144\n"), []byte("2\n"), []byte("32768\t60999\n"))
	f.Fuzz(func(t *testing.T, a, b, c []byte) {
		s, err := ParseTimeWaitSysctls(a, b, c)
		if err == nil && (s.PortLow > s.PortHigh || s.PortHigh > 65535 || s.Ports() < 1 || s.MaxBuckets < 0 || s.Reuse < 0) {
			t.Fatalf("%q %q %q accepted as %+v", a, b, c, s)
		}
	})
}

func FuzzWalkMessages(f *testing.F) {
	for _, m := range fixture.ReadHex(f, "testdata/inet_diag_tcp4.hex") {
		f.Add(nlmsg(sockDiagByFamily, 0, 1, m))
	}
	f.Add(nlmsg(unix.NLMSG_DONE, 0, 1, make([]byte, 4)))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _, _ = walkMessages(b, 1, func(p []byte) error {
			_, _ = parseInetDiag(p)
			return nil
		})
	})
}
