package main

import (
	"encoding/json"
	"strings"
	"testing"

	"netdx/internal/netlab"
)

// TestIntegrationLinkCommand runs "netdx link" against a namespace where
// tcpdump sniffs eth0: exit 2 (CRITICAL), the JSON names tcpdump's pid.
func TestIntegrationLinkCommand(t *testing.T) {
	l := netlab.New(t)
	a, b := l.Node("a"), l.Node("b")
	l.Connect(a, b, netlab.LinkConfig{})
	code, out, errOut := runNetdx(t, "link", "--netns", a.Namespace(), "--json")
	if code != exitOK {
		t.Errorf("quiet namespace: exit %d, stderr %q\n%s", code, errOut, out)
	}
	td := a.StartTcpdump("-i", "eth0", "-n", "-w", "/dev/null")
	type doc struct {
		Links []struct {
			Name        string `json:"name"`
			PromiscFlag bool   `json:"promisc_flag"`
			Promiscuity int    `json:"promiscuity"`
		} `json:"links"`
		TCP            map[string]any `json:"tcp"`
		CaptureSockets []struct {
			PID       int    `json:"pid"`
			Process   string `json:"process"`
			Interface string `json:"interface"`
			Promisc   bool   `json:"promisc"`
		} `json:"capture_sockets"`
	}
	// StartTcpdump returned once tcpdump listens: its socket is open.
	var d doc
	code, out, errOut = runNetdx(t, "link", "--netns", a.Namespace(), "--json", "eth0")
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		t.Fatalf("not one JSON document: %v\n%s", err, out)
	}
	if code != exitCritical {
		t.Errorf("exit %d, want %d for a sniffer; stderr %q", code, exitCritical, errOut)
	}
	if len(d.Links) != 1 || d.Links[0].Name != "eth0" || d.Links[0].PromiscFlag || d.Links[0].Promiscuity != 1 {
		t.Errorf("links %+v", d.Links)
	}
	if len(d.CaptureSockets) != 1 || d.CaptureSockets[0].PID != td.Process.Pid || d.CaptureSockets[0].Process != "tcpdump" || !d.CaptureSockets[0].Promisc {
		t.Errorf("capture sockets %+v, want tcpdump[%d]", d.CaptureSockets, td.Process.Pid)
	}
	if _, ok := d.TCP["retrans_ratio"]; !ok {
		t.Errorf("tcp %v has no retrans_ratio", d.TCP)
	}
	code, out, _ = runNetdx(t, "link", "--netns", a.Namespace(), "--interval", "200ms")
	if code != exitCritical || !strings.Contains(out, "! sniffer (critical): tcpdump[") || !strings.Contains(out, "rates over 0.2 s") {
		t.Errorf("text (exit %d):\n%s", code, out)
	}
	code, _, errOut = runNetdx(t, "link", "--netns", a.Namespace(), "nosuch0")
	if code != exitUnknown || !strings.Contains(errOut, "nosuch0") {
		t.Errorf("unknown interface: exit %d, stderr %q", code, errOut)
	}
}
