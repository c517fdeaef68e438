package diagnose

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// TestHostFixtures applies the host rules to snapshots and tables recorded
// in lab namespaces (testdata/host, see fixture_test.go): each host
// scenario of "netdx diagnose", and the traps — a bridge port, an allowed
// DHCP client, a loopback-only cleartext listener, counters that only rose
// before the interval, a counter reset.
func TestHostFixtures(t *testing.T) {
	cases := []struct {
		fixture string
		cfg     Config
		// want: "kind iface-or-process severity", in the rules' order.
		want   []string
		status Status
	}{
		{"clean", DefaultConfig(), nil, StatusOK},
		{"tcpdump", DefaultConfig(), []string{"sniffer eth0 tcpdump critical"}, StatusCritical},
		// Allowed, tcpdump still explains the counter: no hidden sniffer.
		{"tcpdump", withConfig(func(c *Config) { c.AllowedCapture = []string{"tcpdump"} }), nil, StatusOK},
		{"promisc-flag", DefaultConfig(), []string{"promiscuous eth0 warning"}, StatusWarning},
		{"lossy-transfer", DefaultConfig(), []string{"retransmits - warning"}, StatusWarning},
		{"lossy-transfer", withConfig(func(c *Config) { c.MaxRetransPct = 50 }), nil, StatusOK},
		{"cleartext", DefaultConfig(), []string{"cleartext_service ncat warning", "cleartext_service ncat warning", "cleartext_service ncat info"}, StatusWarning},
		{"deleted-exe", DefaultConfig(), []string{"deleted_executable implant critical"}, StatusCritical},
		{"flapping", DefaultConfig(), []string{"interface_flapping eth0 warning"}, StatusWarning},
		{"flapping", withConfig(func(c *Config) { c.FlapChanges = 1000 }), []string{"interface_flapping eth0 info"}, StatusOK},
		{"time-wait", DefaultConfig(), []string{"time_wait_pileup - critical"}, StatusCritical},
		{"bridge-port", DefaultConfig(), nil, StatusOK},
		{"dhclient-capture", withConfig(func(c *Config) { c.AllowedCapture = []string{"dhclient"} }), nil, StatusOK},
		{"dhclient-capture", DefaultConfig(), []string{"sniffer eth0 dhclient critical"}, StatusCritical},
		{"drops-now", DefaultConfig(), []string{"interface_errors eth0 warning"}, StatusWarning},
		{"drops-now", withConfig(func(c *Config) { c.MinDrops = 1000 }), nil, StatusOK},
		{"since-boot", DefaultConfig(), nil, StatusOK},
		{"since-boot-once", DefaultConfig(), []string{"interface_flapping eth0 info", "interface_errors eth0 info"}, StatusOK},
		{"counter-reset", DefaultConfig(), []string{"interface_errors eth0 info"}, StatusOK},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%s %+v", tc.fixture, tc.cfg), func(t *testing.T) {
			f := loadFixture(t, tc.fixture)
			fs := Host(f.Snapshot, f.Table, tc.cfg)
			var got []string
			for _, x := range fs {
				who := x.Interface
				if who == "" {
					who = x.Process
				}
				if x.Interface != "" && x.Process != "" {
					who += " " + x.Process
				}
				if who == "" {
					who = "-"
				}
				got = append(got, fmt.Sprintf("%s %s %s", x.Kind, who, x.Severity))
				if pid, ok := f.Extra[x.Process]; ok && x.PID != pid {
					t.Errorf("%s names pid %d, the lab's %s was %d", x.Kind, x.PID, x.Process, pid)
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("findings\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(tc.want, "\n  "))
			}
			if s := Overall(fs, false); s != tc.status {
				t.Errorf("status %s, want %s", s, tc.status)
			}
		})
	}
}

// TestHostFixtureEvidence checks what the findings of the host indicators
// say, beyond their kind and severity.
func TestHostFixtureEvidence(t *testing.T) {
	one := func(t *testing.T, fixture string, kind Kind) Finding {
		t.Helper()
		f := loadFixture(t, fixture)
		for _, x := range Host(f.Snapshot, f.Table, DefaultConfig()) {
			if x.Kind == kind {
				return x
			}
		}
		t.Fatalf("%s: no %s finding", fixture, kind)
		return Finding{}
	}
	t.Run("deleted executable", func(t *testing.T) {
		x := one(t, "deleted-exe", KindDeletedExecutable)
		exe, _ := x.Evidence["exe"].(string)
		if !strings.HasPrefix(exe, "/tmp/") || !strings.HasSuffix(exe, "/implant") || x.Evidence["socket_count"] != 2 ||
			!strings.Contains(x.Summary, "deleted from disk") || !strings.Contains(x.Summary, "tcp LISTEN 0.0.0.0:4444") {
			t.Errorf("%s %v", x.Summary, x.Evidence)
		}
	})
	t.Run("flapping", func(t *testing.T) {
		x := one(t, "flapping", KindInterfaceFlapping)
		if n, _ := x.Evidence["carrier_changes_interval"].(uint32); n < 2 || x.Evidence["interval_ms"] == nil {
			t.Errorf("%s %v", x.Summary, x.Evidence)
		}
	})
	t.Run("time wait", func(t *testing.T) {
		x := one(t, "time-wait", KindTimeWaitPileup)
		for k, v := range map[string]any{"tcp_tw_reuse": 0, "ip_local_port_range": "40000 40199", "local_ports": 200,
			"top_endpoint": "198.18.0.2:8080", "top_remote": "198.18.0.2"} {
			if fmt.Sprint(x.Evidence[k]) != fmt.Sprint(v) {
				t.Errorf("evidence %s = %v, want %v", k, x.Evidence[k], v)
			}
		}
		for _, s := range []string{"tcp_tw_reuse 0", "ip_local_port_range 40000 40199", "tcp_max_tw_buckets", "EADDRNOTAVAIL"} {
			if !strings.Contains(x.Summary, s) {
				t.Errorf("summary lacks %q: %s", s, x.Summary)
			}
		}
	})
	t.Run("cleartext", func(t *testing.T) {
		x := one(t, "cleartext", KindCleartextService)
		if x.Evidence["secure_port"] != uint16(22) || x.Evidence["service"] != "telnet" || !strings.Contains(x.Summary, "use ssh on 22") {
			t.Errorf("%s %v", x.Summary, x.Evidence)
		}
	})
}
