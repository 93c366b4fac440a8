package store

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"time"
)

// checkpointEvery is how often the background checkpointer copies the WAL
// into the database file.
const checkpointEvery = 500 * time.Millisecond

// checkpointer moves WAL checkpoints off the commit path. By default SQLite
// checkpoints inside whichever commit crosses 1000 WAL pages, and that one
// commit (and the message waiting on it) pays several milliseconds. Here the
// writer never checkpoints; a goroutine owned by the Store runs a PASSIVE
// checkpoint, which never blocks the writer, twice a second on a connection
// of its own. Close stops it; the writer's close does the final checkpoint.
type checkpointer struct {
	db       *sql.DB
	stop     chan struct{}
	done     chan struct{}
	stopOnce sync.Once
}

func startCheckpointer(ctx context.Context, path string, w *sql.DB) (*checkpointer, error) {
	// The writer pool holds one connection for life; should it ever be
	// replaced, the new one checkpoints by itself again, which is slower
	// but still correct.
	if _, err := w.ExecContext(ctx, "PRAGMA wal_autocheckpoint = 0"); err != nil {
		return nil, fmt.Errorf("turn off inline checkpoints: %w", err)
	}
	db, err := openDB(ctx, path, roleCheckpointer)
	if err != nil {
		return nil, err
	}
	c := &checkpointer{db: db, stop: make(chan struct{}), done: make(chan struct{})}
	go c.run()
	return c, nil
}

func (c *checkpointer) run() {
	defer close(c.done)
	t := time.NewTicker(checkpointEvery)
	defer t.Stop()
	for {
		select {
		case <-c.stop:
			return
		case <-t.C:
			// A failed passive checkpoint is retried on the next tick; the
			// WAL just grows a little meanwhile.
			c.db.Exec("PRAGMA wal_checkpoint(PASSIVE)")
		}
	}
}

// close stops the goroutine and closes its connection; safe to repeat.
func (c *checkpointer) close() error {
	c.stopOnce.Do(func() { close(c.stop) })
	<-c.done
	return c.db.Close()
}
