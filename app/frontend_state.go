package app

import (
	"context"
	"fmt"
)

// maxFrontendState caps what a frontend may keep between runs: drafts and
// a few names, not a second history.
const maxFrontendState = 256 << 10

// SaveFrontendState keeps a frontend's state (its drafts, the
// conversation last open) sealed in the store until the next run. The
// core does not read it.
func (c *Core) SaveFrontendState(ctx context.Context, state []byte) error {
	if len(state) > maxFrontendState {
		return fmt.Errorf("save frontend state: %d bytes, more than %d", len(state), maxFrontendState)
	}
	if err := c.account.store.PutFrontendState(ctx, state); err != nil {
		return fmt.Errorf("save frontend state: %w", err)
	}
	return nil
}

// FrontendState returns what SaveFrontendState kept; nil for nothing.
func (c *Core) FrontendState(ctx context.Context) ([]byte, error) {
	state, err := c.account.store.FrontendState(ctx)
	if err != nil {
		return nil, fmt.Errorf("read frontend state: %w", err)
	}
	return state, nil
}
