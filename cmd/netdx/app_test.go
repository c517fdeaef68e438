package main

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"
)

// runNetdx runs the CLI in-process and returns its exit code and outputs.
func runNetdx(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), append([]string{"netdx"}, args...), &out, &errb)
	return code, out.String(), errb.String()
}

func TestHelpListsCommands(t *testing.T) {
	code, out, _ := runNetdx(t, "--help")
	if code != exitOK {
		t.Fatalf("--help exit %d", code)
	}
	for _, cmd := range []string{"ping", "trace", "link", "sockets", "diagnose", "watch"} {
		if !strings.Contains(out, "\n   "+cmd+" ") {
			t.Errorf("--help does not list %q:\n%s", cmd, out)
		}
	}
	for _, cmd := range []string{"ping", "trace", "link", "sockets", "diagnose", "watch"} {
		code, out, errOut := runNetdx(t, cmd, "--help")
		if code != exitOK || !strings.Contains(out, "netdx "+cmd) || errOut != "" {
			t.Errorf("%s --help: exit %d, stderr %q, stdout:\n%s", cmd, code, errOut, out)
		}
	}
}

// Bad input is one line on stderr and UNKNOWN, never help text or a trace.
func TestBadInputIsOneLineAndUnknown(t *testing.T) {
	cases := [][]string{
		{"--no-such-flag"},
		{"no-such-command"},
		{"ping", "--no-such-flag"},
		{"trace", "--no-such-flag", "x"},
		{"link", "--no-such-flag"},
		{"sockets", "--no-such-flag"},
		{"diagnose", "--no-such-flag"},
		{"watch", "--no-such-flag"},
		{"completion", "fish"},
	}
	for _, args := range cases {
		code, out, errOut := runNetdx(t, args...)
		if code != exitUnknown {
			t.Errorf("%v: exit %d, want %d", args, code, exitUnknown)
		}
		if out != "" {
			t.Errorf("%v: wrote to stdout: %q", args, out)
		}
		if lines := strings.Count(errOut, "\n"); lines != 1 || !strings.HasPrefix(errOut, "netdx") {
			t.Errorf("%v: stderr should be one line starting with netdx, got %q", args, errOut)
		}
		if strings.Contains(errOut, "goroutine") || strings.Contains(errOut, "panic") {
			t.Errorf("%v: stack trace on stderr: %q", args, errOut)
		}
	}
}

func TestVersion(t *testing.T) {
	code, out, _ := runNetdx(t, "--version")
	if code != exitOK || !strings.HasPrefix(out, "netdx version ") || !strings.Contains(out, "go1.") {
		t.Errorf("--version: exit %d, %q", code, out)
	}
}

func TestManAndCompletion(t *testing.T) {
	code, out, _ := runNetdx(t, "man")
	if code != exitOK || !strings.Contains(out, ".TH netdx") {
		t.Fatalf("man: exit %d:\n%.200s", code, out)
	}
	for _, cmd := range []string{"ping", "trace", "link", "sockets", "diagnose", "watch"} {
		if !strings.Contains(out, "\n.SH COMMANDS") || !strings.Contains(out, "\n.SH "+cmd) && !strings.Contains(out, cmd+"\n") {
			t.Errorf("man page does not describe %s", cmd)
		}
	}
	for _, shell := range []string{"bash", "zsh"} {
		code, out, _ := runNetdx(t, "completion", shell)
		if code != exitOK || !strings.Contains(out, "--generate-bash-completion") {
			t.Errorf("completion %s: exit %d:\n%s", shell, code, out)
		}
	}
	// The completion scripts ask netdx itself for candidates; urfave/cli
	// looks for the request in os.Args.
	oldArgs := os.Args
	os.Args = []string{"netdx", "--generate-bash-completion"}
	t.Cleanup(func() { os.Args = oldArgs })
	code, out, _ = runNetdx(t, "--generate-bash-completion")
	if code != exitOK || !strings.Contains(out, "ping") || !strings.Contains(out, "diagnose") {
		t.Errorf("completion candidates: exit %d: %q", code, out)
	}
}

func TestPermuteArgs(t *testing.T) {
	app := &cli.App{Name: "netdx", Commands: []*cli.Command{{
		Name: "ping",
		Flags: []cli.Flag{
			&cli.IntFlag{Name: "count", Aliases: []string{"c"}},
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}},
		},
	}}}
	cases := []struct{ in, want string }{
		{"netdx ping host -c 3", "netdx ping -c 3 host"},
		{"netdx --json ping a -q b -c 2", "netdx --json ping -q -c 2 a b"},
		{"netdx ping -c=2 a", "netdx ping -c=2 a"},
		{"netdx ping a -- -c 2", "netdx ping a -- -c 2"},
		{"netdx unknown a -c 2", "netdx unknown a -c 2"},
		{"netdx ping", "netdx ping"},
		{"netdx ping -c3 host", "netdx ping -c 3 host"},
		{"netdx ping host -qc2", "netdx ping -qc2 host"}, // not a value flag: left to the parser
		{"netdx ping -c=3 host", "netdx ping -c=3 host"},
	}
	for _, tc := range cases {
		got := strings.Join(permuteArgs(app, strings.Fields(tc.in)), " ")
		if got != tc.want {
			t.Errorf("permuteArgs(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestExitCodeMapping(t *testing.T) {
	var errb bytes.Buffer
	if c := report(&errb, nil); c != exitOK || errb.Len() != 0 {
		t.Errorf("nil: %d %q", c, errb.String())
	}
	if c := report(&errb, withCode(exitCritical, nil)); c != exitCritical || errb.Len() != 0 {
		t.Errorf("critical without message: %d %q", c, errb.String())
	}
	if c := report(&errb, context.Canceled); c != exitUnknown || errb.String() != "netdx: context canceled\n" {
		t.Errorf("plain error: %d %q", c, errb.String())
	}
}
