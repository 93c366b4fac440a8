package tui

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/rivo/tview"

	"jarvis/app"
)

// File transfers in the TUI: /send, /get (or /accept), /reject, /cancel,
// /files, and one line per transfer at the bottom of its chat, updated in
// place as progress events arrive.

// maxShownFiles caps the transfer lines a chat keeps on screen.
const maxShownFiles = 5

// handleFileEvent updates the transfer's line in its chat and, for a new
// offer, tells the user how to answer it.
func (u *UI) handleFileEvent(ev app.Event) {
	var t app.Transfer
	switch e := ev.(type) {
	case app.FileOffered:
		t = e.Transfer
	case app.FileProgress:
		t = e.Transfer
	case app.FileDone:
		t = e.Transfer
	case app.FileFailed:
		t = e.Transfer
	}
	k := t.Conversation()
	conv := u.convs[k]
	if conv == nil {
		return
	}
	conv.putFile(t)
	if _, ok := ev.(app.FileOffered); ok && !t.Outgoing {
		what := fmt.Sprintf("%s offers %s (%s)", conv.name(), t.Name, sizeText(t.Size))
		if k.IsGroup() {
			what = fmt.Sprintf("%s (%s) is offered here", t.Name, sizeText(t.Size))
		}
		u.noticeIn(k, what+": /get to save it, /reject to decline.")
		conv.touch(time.Now())
	}
}

// restoreTransfers gives each unfinished transfer its line in its chat
// again; one whose line is already there (an event came first) keeps it.
func (u *UI) restoreTransfers(list []app.Transfer) {
	for _, t := range list {
		conv := u.convs[t.Conversation()]
		if conv == nil || t.State.Final() || conv.hasFile(t.ID) {
			continue
		}
		conv.putFile(t)
	}
}

// hasFile reports whether the chat shows transfer id.
func (c *conversation) hasFile(id app.TransferID) bool { return c.fileIndex(id) >= 0 }

// fileIndex is where the chat shows transfer id, -1 if it does not.
func (c *conversation) fileIndex(id app.TransferID) int {
	return slices.IndexFunc(c.files, func(t app.Transfer) bool { return t.ID == id })
}

// putFile adds or replaces t among the chat's transfers.
func (c *conversation) putFile(t app.Transfer) {
	if i := c.fileIndex(t.ID); i >= 0 {
		c.files[i] = t
		return
	}
	c.files = append(c.files, t)
	if len(c.files) > maxShownFiles {
		c.files = c.files[len(c.files)-maxShownFiles:]
	}
}

// offered is the newest offer to us in this chat still waiting for an answer.
func (c *conversation) offered() *app.Transfer {
	for i := len(c.files) - 1; i >= 0; i-- {
		if t := &c.files[i]; !t.Outgoing && t.State == app.TransferOffered {
			return t
		}
	}
	return nil
}

// running is the newest transfer here that is not over.
func (c *conversation) running() *app.Transfer {
	for i := len(c.files) - 1; i >= 0; i-- {
		if t := &c.files[i]; !t.State.Final() {
			return t
		}
	}
	return nil
}

// transferPieces is the transfer's line: direction, name, size, and a bar
// with rate and time left while it runs, or how it ended.
func (u *UI) transferPieces(t app.Transfer, now time.Time) []piece {
	gray := u.theme.tag("gray")
	arrow := "↓ "
	if t.Outgoing {
		arrow = "↑ "
	}
	ps := []piece{
		{gray, t.Created.Local().Format("15:04") + " "},
		{u.theme.tag("teal"), arrow},
		{"[::b]", plainPeerText(t.Name, false)},
		{gray, " " + sizeText(t.Size) + " "},
	}
	switch t.State {
	case app.TransferOffered:
		if t.Outgoing {
			return append(ps, piece{gray, "offered, waiting for an answer"})
		}
		return append(ps, piece{"", "offered: /get to save, /reject to decline"})
	case app.TransferActive:
		return append(ps, piece{"", progressText(t)})
	case app.TransferDone:
		if t.Outgoing {
			return append(ps, piece{u.theme.tag("green"), "sent"})
		}
		return append(ps, piece{u.theme.tag("green"), "saved to " + plainPeerText(t.Path, false)})
	case app.TransferCancelled:
		return append(ps, piece{gray, "cancelled"})
	case app.TransferRejected:
		return append(ps, piece{gray, "declined"})
	}
	return append(ps, piece{u.theme.tag("red"), "failed: " + plainPeerText(t.Reason, false)})
}

// progressText is "[####······] 42% 118 MB/s 0:07 left".
func progressText(t app.Transfer) string {
	const width = 10
	frac := 1.0
	if t.Size > 0 {
		frac = float64(t.Bytes) / float64(t.Size)
	}
	n := int(frac * width)
	s := "[" + strings.Repeat("#", n) + strings.Repeat("·", width-n) + "] " + fmt.Sprintf("%d%%", int(frac*100))
	if t.Rate > 0 {
		left := time.Duration(float64(t.Size-t.Bytes) / t.Rate * float64(time.Second))
		s += " " + sizeText(int64(t.Rate)) + "/s " + clockText(left) + " left"
	}
	return s
}

// sizeText is a byte count for people: 512 B, 3.4 KB, 12 MB, 1.1 GB.
func sizeText(n int64) string {
	const unit = 1000
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	v, suffix := float64(n), "KMGTP"
	i := -1
	for v >= unit && i < len(suffix)-1 {
		v /= unit
		i++
	}
	if v < 10 {
		return fmt.Sprintf("%.1f %cB", v, suffix[i])
	}
	return fmt.Sprintf("%.0f %cB", v, suffix[i])
}

// clockText is a duration as m:ss or h:mm:ss.
func clockText(d time.Duration) string {
	s := int(d.Round(time.Second).Seconds())
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}

// expandPath turns a leading ~ into the home directory.
func expandPath(p string) string {
	if p == "~" || strings.HasPrefix(p, "~/") {
		if home, err := os.UserHomeDir(); err == nil {
			return filepath.Join(home, p[1:])
		}
	}
	return p
}

func sendFile(u *UI, c call) bool {
	if c.arg == "" {
		u.notice("Usage: " + c.usage() + " — the file to offer; Tab completes it.")
		return false
	}
	path := expandPath(c.arg)
	if c.target.IsGroup() {
		g := c.target.Group()
		u.run(func(ctx context.Context, core appCore) (string, error) {
			t, err := core.SendFileToGroup(ctx, g, path)
			if err != nil {
				return "", err
			}
			return fmt.Sprintf("Offered %s (%s) to the group; members fetch it from you or from whoever saved it.",
				t.Name, sizeText(t.Size)), nil
		})
		return true
	}
	to := c.target.Contact()
	u.run(func(ctx context.Context, core appCore) (string, error) {
		t, err := core.SendFile(ctx, to, path)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("Offered %s (%s); it goes when they accept.", t.Name, sizeText(t.Size)), nil
	})
	return true
}

// answerFile accepts or declines the newest offer in the open chat.
func answerFile(accept bool) func(*UI, call) bool {
	return func(u *UI, c call) bool {
		conv := u.convs[c.target]
		t := conv.offered()
		if t == nil {
			u.notice("No file offer waits here. /files lists transfers.")
			return false
		}
		id, name := t.ID, t.Name
		u.run(func(ctx context.Context, core appCore) (string, error) {
			if !accept {
				return "Declined " + name + ".", core.RejectFile(ctx, id)
			}
			return "Fetching " + name + " into " + core.Downloads() + ".", core.AcceptFile(ctx, id)
		})
		return true
	}
}

func cancelFile(u *UI, c call) bool {
	t := u.convs[c.target].running()
	if t == nil {
		u.notice("No transfer is running here. /files lists transfers.")
		return false
	}
	id, name := t.ID, t.Name
	u.run(func(ctx context.Context, core appCore) (string, error) {
		return "Cancelled " + name + ".", core.CancelFile(ctx, id)
	})
	return true
}

// listFiles shows every transfer, newest first, in a dialog.
func listFiles(u *UI, _ call) bool {
	list, err := u.core.Transfers(context.Background())
	if err != nil {
		u.notice(err.Error())
		return false
	}
	u.showDialog("files", "Files", textBody(u.filesText(list)), 64, dialogButton{"Close", u.closeDialog})
	return true
}

func (u *UI) filesText(list []app.Transfer) string {
	if len(list) == 0 {
		return "No file transfers yet. /send PATH in a chat offers a file.\nReceived files land in " + tview.Escape(u.core.Downloads()) + "."
	}
	var b strings.Builder
	for i := len(list) - 1; i >= 0; i-- {
		t := list[i]
		who := t.Peer.String()[:8]
		if conv := u.convs[t.Conversation()]; conv != nil {
			who = conv.name()
		}
		dir := "from"
		if t.Outgoing {
			dir = "to"
		}
		line := fmt.Sprintf("%s %s %s, %s: %s", t.Name, dir, who, sizeText(t.Size), t.State)
		switch {
		case t.State == app.TransferDone && !t.Outgoing:
			line += ", " + t.Path
		case t.State == app.TransferActive:
			line += " " + progressText(t)
		case t.State == app.TransferFailed || t.Reason != "" && t.Reason != "cancelled" && t.Reason != "declined":
			line += ", " + t.Reason
		}
		b.WriteString(plainPeerText(line, false) + "\n")
	}
	b.WriteString("\nReceived files land in " + tview.Escape(u.core.Downloads()) + ".")
	return b.String()
}

// completePath completes the path after /send: the entries of its
// directory that start with what is typed, directories with a slash.
func (t commandTable) completePath(line string) *completion {
	name, arg, ok := strings.Cut(line, " ")
	if !ok || !isCommand(name) {
		return nil
	}
	if cmd := t.lookup(name); cmd == nil || cmd.arg != argPath {
		return nil
	}
	dir, prefix := filepath.Split(arg)
	entries, err := os.ReadDir(expandPath(cmp.Or(dir, ".")))
	if err != nil {
		return nil
	}
	var cands []string
	for _, e := range entries {
		n := e.Name()
		if !strings.HasPrefix(n, prefix) || strings.HasPrefix(n, ".") && !strings.HasPrefix(prefix, ".") {
			continue
		}
		if e.IsDir() {
			n += string(filepath.Separator)
		}
		cands = append(cands, dir+n)
	}
	if len(cands) == 0 {
		return nil
	}
	sort.Strings(cands)
	return &completion{base: name + " ", cands: cands, idx: -1}
}
