//go:build !linux

package trace

import (
	"context"
	"errors"
)

func open(_ context.Context, cfg Config) (transport, Config, error) {
	return nil, cfg, errors.New("trace: only supported on linux")
}
