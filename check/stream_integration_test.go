package check

import (
	"bytes"
	"context"
	"encoding/json"
	"net/netip"
	"os"
	"runtime"
	"testing"
	"time"

	"netdx/diagnose"
	"netdx/internal/netlab"
	"netdx/internal/testkit"
)

// streamChildEnv carries the target to the child test process that runs a
// stream inside a lab namespace (see TestHelperStream).
const streamChildEnv = "NETDX_STREAM_CHILD_TARGET"

// streamChildReport is what the child says of its stream, one JSON
// document on stdout.
type streamChildReport struct {
	Snapshots    int                `json:"snapshots"`
	Rounds       int                `json:"rounds"`
	WindowRounds int                `json:"window_rounds"`
	Echoes       int                `json:"echoes"`
	EchoSent     int                `json:"echo_sent"`
	EchoWindow   int                `json:"echo_window"`
	Findings     []diagnose.Finding `json:"findings"`
	Goroutines   [2]int             `json:"goroutines"` // before Run, after it returned
	Err          string             `json:"err"`
}

// TestIntegrationStream runs a stream on a path that loses a fifth of the
// packets crossing r2 (hop 3 and the target lose, hops 1 and 2 do not),
// long enough for the window to slide: the evidence holds the last Window
// rounds and EchoWindow requests only, diagnose places the loss at hop 3
// from a snapshot, and Run leaves no goroutine behind. A stream opens its
// sockets from two goroutines, which an in-process namespace switch does
// not reach: the test runs itself again inside the lab's src node.
func TestIntegrationStream(t *testing.T) {
	l := netlab.New(t)
	p := l.Chain(netlab.PathConfig{Routers: 3})
	for _, r := range p.Routers {
		r.NoICMPRateLimit()
	}
	p.Dst.NoICMPRateLimit()
	p.Routers[1].Loss(netlab.Forward, netip.Prefix{}, 20)

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := p.Src.Command(ctx, os.Args[0], "-test.run=^TestHelperStream$", "-test.count=1")
	cmd.Env = append(os.Environ(), streamChildEnv+"="+p.Target4().String())
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	var rep streamChildReport
	if err := json.Unmarshal(jsonLine(out), &rep); err != nil {
		t.Fatalf("child said %q: %v", out, err)
	}
	if rep.Err != "" {
		t.Fatalf("stream: %s", rep.Err)
	}
	if rep.Rounds < 150 || rep.WindowRounds != 100 || rep.Snapshots != rep.Rounds {
		t.Errorf("%d rounds, %d snapshots, %d in the window; want the last 100 of at least 150, a snapshot each", rep.Rounds, rep.Snapshots, rep.WindowRounds)
	}
	if rep.EchoSent != rep.EchoWindow || rep.Echoes <= rep.EchoWindow {
		t.Errorf("%d echo requests decided, %d in the window of %d: the window must be full and slide", rep.Echoes, rep.EchoSent, rep.EchoWindow)
	}
	found := false
	for _, f := range rep.Findings {
		if f.Kind == diagnose.KindPathLoss {
			found = true
			if f.Hop != 3 || f.Addr != p.Hop4(3).String() || f.Evidence["inconclusive"] == true || f.Severity != diagnose.Warning {
				t.Errorf("path_loss %+v: want a warning placed exactly at hop 3 (%s)", f, p.Hop4(3))
			}
		}
	}
	if !found {
		t.Errorf("no path_loss in %+v", rep.Findings)
	}
	if rep.Goroutines[1] > rep.Goroutines[0] {
		t.Errorf("%d goroutines after Run, %d before", rep.Goroutines[1], rep.Goroutines[0])
	}
}

// jsonLine is the last line of out that holds a JSON object.
func jsonLine(out []byte) []byte {
	lines := bytes.Split(out, []byte("\n"))
	for i := len(lines) - 1; i >= 0; i-- {
		if bytes.HasPrefix(lines[i], []byte("{")) {
			return lines[i]
		}
	}
	return nil
}

// TestHelperStream is TestIntegrationStream's child, run inside the lab's
// namespace; on its own it skips.
func TestHelperStream(t *testing.T) {
	target := os.Getenv(streamChildEnv)
	if target == "" {
		t.Skip("the child of TestIntegrationStream (runs inside its lab)")
	}
	var rep streamChildReport
	defer func() {
		b, _ := json.Marshal(rep)
		os.Stdout.Write(append([]byte("\n"), append(b, '\n')...))
	}()
	tg := Target{Name: target, Addr: netip.MustParseAddr(target)}
	cfg := DefaultStreamConfig()
	cfg.Window = 100
	cfg = cfg.Paced(20 * time.Millisecond)
	cfg.EchoInterval, cfg.EchoWindow = 5*time.Millisecond, 400 // the 2 s of the 100 rounds
	s, err := NewStream(tg, cfg)
	if err != nil {
		rep.Err = err.Error()
		return
	}
	rep.EchoWindow = s.Config().EchoWindow
	rep.Goroutines[0] = runtime.NumGoroutine()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var last Snapshot
	err = s.Run(ctx, func(sn Snapshot) {
		rep.Snapshots++
		last = sn
		if sn.Rounds >= 150 && sn.Echoes > rep.EchoWindow {
			cancel()
		}
	})
	if err != nil {
		rep.Err = err.Error()
	}
	testkit.WaitGoroutines(t, rep.Goroutines[0]) // failing, the child's output says why
	rep.Goroutines[1] = runtime.NumGoroutine()
	rep.Rounds, rep.WindowRounds, rep.Echoes = last.Rounds, len(last.Evidence.Rounds), last.Echoes
	if last.Evidence.Echo != nil {
		rep.EchoSent = last.Evidence.Echo.Sent
	}
	rep.Findings = diagnose.Path(last.Evidence, diagnose.DefaultConfig())
}
