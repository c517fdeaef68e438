package main

import (
	"context"
	"encoding/json"
	"net/netip"
	"strings"
	"testing"

	"netdx/internal/netlab"
)

// TestIntegrationSocketsCommand runs "netdx sockets" against a namespace
// with a telnet listener: one JSON document naming ncat and the cleartext
// service, exit 1 (WARNING).
func TestIntegrationSocketsCommand(t *testing.T) {
	l := netlab.New(t)
	a, b := l.Node("a"), l.Node("b")
	l.Connect(a, b, netlab.LinkConfig{A: []netip.Prefix{netip.MustParsePrefix("198.18.0.1/24")}})
	cmd := a.Command(context.Background(), "ncat", "-l", "-k", "23")
	if err := a.Start(cmd); err != nil {
		t.Fatal(err)
	}
	a.WaitListening(23)
	code, out, errOut := runNetdx(t, "sockets", "--netns", a.Namespace(), "-p", "--json", "--port", "23")
	if code != exitWarning {
		t.Errorf("exit %d, want %d (cleartext listener); stderr %q", code, exitWarning, errOut)
	}
	var doc struct {
		Sockets []struct {
			Proto, State, Local, Process, Cleartext string
			PID                                     int
		} `json:"sockets"`
	}
	dec := json.NewDecoder(strings.NewReader(out))
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, out)
	}
	if dec.More() {
		t.Error("more than one JSON document")
	}
	if len(doc.Sockets) == 0 {
		t.Fatalf("no sockets in %s", out)
	}
	for _, s := range doc.Sockets {
		if s.State != "LISTEN" || s.PID != cmd.Process.Pid || s.Process != "ncat" || s.Cleartext != "telnet" || !strings.HasSuffix(s.Local, ":23") {
			t.Errorf("socket %+v, want ncat[%d] listening on 23, flagged telnet", s, cmd.Process.Pid)
		}
	}
	code, out, _ = runNetdx(t, "sockets", "--netns", a.Namespace(), "-p")
	if code != exitWarning || !strings.Contains(out, "! cleartext telnet (warning)") || !strings.Contains(out, "ncat[") {
		t.Errorf("text output (exit %d):\n%s", code, out)
	}
}

func TestSocketsBadInput(t *testing.T) {
	for _, args := range [][]string{
		{"sockets", "--proto", "sctp"},
		{"sockets", "--state", "SLEEPING"},
		{"sockets", "--port", "70000"},
		{"sockets", "--allow-gateway", "not-an-ip"},
		{"sockets", "extra"},
		{"link", "--top", "-1"},
	} {
		code, out, errOut := runNetdx(t, args...)
		if code != exitUnknown || out != "" || strings.Count(errOut, "\n") != 1 {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", args, code, out, errOut)
		}
	}
}
