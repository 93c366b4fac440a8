package tui

import (
	"context"
	"log/slog"
	"os/exec"
	"strings"
	"sync/atomic"
	"time"
)

// notifier calls a desktop notification tool (notify-send on desktops,
// termux-notification in Termux) without ever blocking the UI: one call at
// a time on a worker goroutine, others dropped while it runs.
type notifier struct {
	tool    string // path of the tool; "" when disabled or absent
	termux  bool
	running atomic.Bool
	log     *slog.Logger
}

func newNotifier(enabled bool, log *slog.Logger) *notifier {
	n := &notifier{log: log}
	if !enabled {
		return n
	}
	if p, err := exec.LookPath("termux-notification"); err == nil {
		n.tool, n.termux = p, true
	} else if p, err := exec.LookPath("notify-send"); err == nil {
		n.tool = p
	}
	return n
}

// args builds the command line; title and body are already free of
// control characters, and are passed as arguments, never through a shell.
// notify-send's servers read the body (and some the title) as markup, so
// a peer's "<a href=…>" or "<img src=…>" would become a link or fetch an
// image: there both are escaped. termux-notification shows plain text.
func (n *notifier) args(title, body string) []string {
	if n.termux {
		return []string{"--group", "jarvis", "--title", title, "--content", body}
	}
	return []string{"--app-name=Jarvis", "--", markupEscaper.Replace(title), markupEscaper.Replace(body)}
}

// markupEscaper escapes the characters the notification markup (a subset
// of XML) gives meaning to, with entities every server knows.
var markupEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&#39;")

func (n *notifier) notify(u *UI, title, body string) {
	if n.tool == "" || !n.running.CompareAndSwap(false, true) {
		return
	}
	args := n.args(title, body)
	u.async(func(ctx context.Context) func() {
		defer n.running.Store(false)
		ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		if err := exec.CommandContext(ctx, n.tool, args...).Run(); err != nil {
			n.log.Debug("notification failed", "err", err)
		}
		return nil
	})
}
