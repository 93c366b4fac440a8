package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"jarvis/app"
)

// cmdPair pairs with a device on this network by short code while Jarvis
// is not running here: with no code it shows one and waits for the other
// device; with a code it finds the device showing it.
func cmdPair(o *options, code string, stdout io.Writer) error {
	s, err := openSession(o)
	if err != nil {
		return err
	}
	defer s.close()
	tc, err := o.torConfig(s.dir.path)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := s.unlock(ctx, o); err != nil {
		return err
	}
	core, err := app.NewCore(o.coreConfig(s, tc))
	if err != nil {
		return listenHint(err, o)
	}
	defer core.Close()
	core.Start()
	if code != "" {
		fmt.Fprintf(stdout, "Looking for the device showing %s…\n", code)
		c, err := core.JoinPairing(ctx, code)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Paired with %s (%s): a verified contact now.\n", c.Name, c.ID.Short())
		return nil
	}
	offer, err := core.StartPairing()
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Pairing code: %s\nOn the other device type /pair %s (or run jarvis pair %s).\nIt works once, for 2 minutes. Ctrl+C gives up.\n",
		offer.Code, offer.Code, offer.Code)
	return awaitPaired(ctx, core, stdout)
}

func awaitPaired(ctx context.Context, core *app.Core, stdout io.Writer) error {
	for {
		select {
		case <-ctx.Done():
			return errors.New("pairing cancelled")
		case ev, ok := <-core.Events():
			if !ok {
				return errors.New("pairing stopped")
			}
			switch ev := ev.(type) {
			case app.Paired:
				fmt.Fprintf(stdout, "Paired with %s (%s): a verified contact now.\n", ev.Contact.Name, ev.Contact.ID.Short())
				return nil
			case app.PairFailed:
				return ev.Err
			}
		}
	}
}
