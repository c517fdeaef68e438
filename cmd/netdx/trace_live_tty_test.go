package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"

	"netdx/internal/netlab"
)

// terminalQuery matches what a program writes to ask the terminal
// something and wait for the answer: any OSC (colours: OSC 10/11, the
// clipboard …), any DCS (XTGETTCAP), a device status report (CSI 6n, CSI
// 5n), device attributes (CSI c, CSI > c), a mode request (DECRQM, CSI ?
// 2026 $p) and the kitty keyboard query (CSI ? u).
var terminalQuery = regexp.MustCompile(`\x1b\]|\x1bP|\x1b\[[0-9;?>=]*[nc]|\x1b\[[0-9;?]*\$p|\x1b\[\?u`)

// quietEnv is the environment of a program on an xterm-like terminal:
// TERM says it can answer queries (termenv asks nothing of screen, tmux
// or dumb terminals, nor, for colours, under CI), and nothing says not to
// ask.
func quietEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "TERM", "CI", "NO_COLOR", "COLORFGBG", "TMUX", "STY":
			continue
		}
		env = append(env, kv)
	}
	return append(env, "TERM=xterm-256color")
}

// runOnSilentPTY runs cmd with a new pseudo-terminal as its stdin,
// stdout, stderr and controlling terminal (its session's foreground), a
// terminal that never answers anything: nobody writes to its other side.
// It returns all the program wrote, once the program has ended.
func runOnSilentPTY(t *testing.T, cmd *exec.Cmd) ([]byte, error) {
	t.Helper()
	master, slave := openPTY(t, 80, 24)
	defer master.Close()
	cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
	cmd.Env = quietEnv()
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	if err := cmd.Start(); err != nil {
		slave.Close()
		t.Fatal(err)
	}
	slave.Close()
	var out bytes.Buffer
	drained := make(chan error, 1)
	go func() {
		_, err := io.Copy(&out, master) // EIO once the last holder of the terminal is gone
		drained <- err
	}()
	err := cmd.Wait()
	if derr := <-drained; derr != nil && !errors.Is(derr, syscall.EIO) {
		t.Fatalf("reading the terminal: %v", derr)
	}
	return out.Bytes(), err
}

// openPTY opens a pseudo-terminal pair of cols×rows.
func openPTY(t *testing.T, cols, rows int) (master, slave *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	fd := int(m.Fd())
	unlock := 0
	if _, _, e := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), unix.TIOCSPTLCK, uintptr(unsafe.Pointer(&unlock))); e != 0 {
		m.Close()
		t.Fatalf("unlockpt: %v", e)
	}
	num, err := unix.IoctlGetInt(fd, unix.TIOCGPTN)
	if err != nil {
		m.Close()
		t.Fatalf("ptsname: %v", err)
	}
	if err := unix.IoctlSetWinsize(fd, unix.TIOCSWINSZ, &unix.Winsize{Row: uint16(rows), Col: uint16(cols)}); err != nil {
		m.Close()
		t.Fatalf("winsize: %v", err)
	}
	s, err := os.OpenFile("/dev/pts/"+strconv.Itoa(num), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		m.Close()
		t.Fatal(err)
	}
	return m, s
}

// checkNoQuery fails if out, what netdx wrote to its terminal, asks the
// terminal anything.
func checkNoQuery(t *testing.T, what string, out []byte) {
	t.Helper()
	if loc := terminalQuery.FindIndex(out); loc != nil {
		t.Errorf("%s asks the terminal something (%q at byte %d) and would wait for an answer that never comes; it wrote:\n%q",
			what, out[loc[0]:loc[1]], loc[0], out[:min(len(out), 200)])
	}
}

// TestNoTerminalQuery: a netdx command that draws no screen asks the
// terminal nothing, even when its stdout is a terminal: `netdx --version`,
// a command's help and a refused ping, each on a pseudo-terminal that
// never answers, end with their own output and no query (bubbletea v1's
// init asked every run for the background colour, OSC 11 and a cursor
// report, and waited 5 s for the answer). A hang is caught by the test's
// own timeout.
func TestNoTerminalQuery(t *testing.T) {
	bin := netdxBinary(t)
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--version"}, exitOK, "netdx version "},
		{[]string{"ping", "--help"}, exitOK, "netdx ping"},
		{[]string{"ping", "-c", "0", "198.18.0.9"}, exitUnknown, "netdx ping: -c 0"},
	} {
		out, err := runOnSilentPTY(t, exec.Command(bin, tc.args...))
		code := 0
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatalf("%q: %v", tc.args, err)
		}
		if code != tc.code || !bytes.Contains(out, []byte(tc.want)) {
			t.Errorf("%q on a terminal: exit %d, wrote %q; want exit %d and %q", tc.args, code, out, tc.code, tc.want)
		}
		checkNoQuery(t, strings.Join(tc.args, " "), out)
	}
}

// TestIntegrationNoTerminalQuery: netdx ping and netdx trace, with their
// stdout on a terminal that never answers, probe a lab path, print their
// results and ask the terminal nothing.
func TestIntegrationNoTerminalQuery(t *testing.T) {
	l := netlab.New(t)
	p := l.Chain(netlab.PathConfig{Routers: 1})
	p.Routers[0].NoICMPRateLimit()
	bin := netdxBinary(t)
	dst := p.Target4().String()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"ping", "-c", "2", "-i", "0.2", dst}, "2 packets transmitted, 2 received"},
		{[]string{"trace", "-n", dst}, " 2  " + dst + " "},
	} {
		out, err := runOnSilentPTY(t, p.Src.Command(context.Background(), bin, tc.args...))
		if err != nil || !bytes.Contains(out, []byte(tc.want)) {
			t.Errorf("%q on a terminal: %v, wrote %q; want %q", tc.args, err, out, tc.want)
		}
		checkNoQuery(t, strings.Join(tc.args, " "), out)
	}
}
