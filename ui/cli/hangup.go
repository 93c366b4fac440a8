package cli

import (
	"log/slog"
	"os"
	"os/signal"
	"syscall"
)

// hangup keeps SIGHUP from killing the screen mid-write. The signal comes
// when the terminal goes away (a closed Termux session, a dropped ssh or
// tmux pane); by default it would end the process with the store open.
// Caught, it does nothing by itself: the terminal is gone, so the screen's
// next read fails, the screen stops and closes the core, and runNode closes
// the store on its way out.
type hangup struct{ ch chan os.Signal }

func catchHangup() hangup {
	h := hangup{ch: make(chan os.Signal, 1)}
	signal.Notify(h.ch, syscall.SIGHUP)
	return h
}

func (h hangup) stop() { signal.Stop(h.ch) }

// excuse turns the screen's "terminal: read: input/output error" after a
// hangup into a clean exit: nobody is left to read the message.
func (h hangup) excuse(err error, log *slog.Logger) error {
	select {
	case <-h.ch:
		log.Info("terminal hung up; closed", "screen", err)
		return nil
	default:
		return err
	}
}
