package sockets

import (
	"context"
	"os/exec"
	"testing"
	"time"

	"netdx/internal/netlab"
	"netdx/internal/testkit"
)

func nsPath(n *netlab.Node) string { return "/run/netns/" + n.Namespace() }

// start runs a long-lived command inside n until the lab ends.
func start(t *testing.T, n *netlab.Node, name string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := n.Command(context.Background(), name, args...)
	if err := n.Start(cmd); err != nil {
		t.Fatal(err)
	}
	return cmd
}

// waitFor polls cond until it holds or 10 s have passed.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	testkit.WaitFor(t, what, 50*time.Millisecond, cond)
}
