package namespace

import (
	"errors"
	"os"
	"testing"

	"github.com/vishvananda/netns"
)

func TestDoInCallersNamespace(t *testing.T) {
	want, err := netns.Get()
	if err != nil {
		t.Skip("no network namespaces here:", err)
	}
	defer want.Close()
	err = Do("", func() error {
		got, err := netns.Get()
		if err != nil {
			return err
		}
		defer got.Close()
		if !got.Equal(want) {
			return errors.New("fn ran in another namespace")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestDoMissingNamespace(t *testing.T) {
	called := false
	err := Do("/nonexistent/netns", func() error { called = true; return nil })
	if err == nil || called || !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("err %v, called %v: want a not-exist error and fn not run", err, called)
	}
}

func TestPath(t *testing.T) {
	for v, want := range map[string]string{"": "", "lab1": "/run/netns/lab1", "/proc/1/ns/net": "/proc/1/ns/net", "./ns": "./ns"} {
		if got := Path(v); got != want {
			t.Errorf("Path(%q) = %q, want %q", v, got, want)
		}
	}
}
