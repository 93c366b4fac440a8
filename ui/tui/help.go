package tui

import (
	"fmt"
	"strings"

	"github.com/rivo/tview"
	"github.com/rivo/uniseg"
)

const helpKeys = `[::b]Keys[::-]
  Enter            send the message or run the command
  ↑ (empty line)   select a message (a click does too)
  ↑ ↓  Esc         move the selection; back to typing
  r e d + c i      reply edit delete react copy info
  1 … 6            quick reactions; Enter opens a quote
  ↑ ↓ on text      what you sent here (Ctrl+↑ ↓ always)
  Ctrl+N / Ctrl+P  next / previous conversation (also Alt+↓ / Alt+↑)
  Alt+1 … Alt+9    open conversation 1 … 9
  Alt+A            next conversation with unread messages or an invite
  PgUp / PgDn      scroll the messages (mouse wheel too)
  End or Alt+End   jump to the newest message (End on an empty line)
  Ctrl+F           search all conversations; again: only this one
                   (↑/↓ pick a result, Enter opens it, Esc returns)
  Tab              complete a command, contact or member name
  F2 or Alt+L      show / hide the conversation list
  F1               this help (also /help)
  Esc              close a dialog (your draft stays)
  Ctrl+L           redraw the screen
  Alt+K            lock the screen (also /lock)
  Ctrl+Q           quit   (Ctrl+C asks first)
`

const helpMarks = `[::b]Marks[::-]
  ◷ queued  ✓ sent  ✓✓ delivered  ✓✓ read  ✗ failed
  ● online  ○ offline  ? request  … waiting for them  ✔ verified
  #group: ● all members reachable  ◐ some  ○ none (grey: no one else, or
          the network is down)  ? invite  × you left
  Tor (bar): tor 45% connecting  onion ready  direct only (--tor off)
          no tor / tor unavailable: /status says why`

// helpText is the help dialog: the keys, then every command of the table
// once, in its section, then the marks.
func (t commandTable) helpText() string {
	var b strings.Builder
	b.WriteString(helpKeys)
	b.WriteString("\n[::b]Commands[::-]\n")
	t.writeSection(&b, general)
	helpLine(&b, "//text", "send a message that starts with /")
	b.WriteString("\n[::b]Groups[::-]\n")
	t.writeSection(&b, groups)
	b.WriteString("\n" + helpMarks)
	return b.String()
}

func (t commandTable) writeSection(b *strings.Builder, s section) {
	for _, c := range t {
		if c.section != s {
			continue
		}
		use := strings.TrimSpace(c.name + " " + c.usage)
		help := c.help
		if len(c.aliases) > 0 {
			help += " (also " + strings.Join(c.aliases, ", ") + ")"
		}
		helpLine(b, use, help)
	}
}

// helpLine writes one "  usage   help" line, the help aligned in a column.
func helpLine(b *strings.Builder, use, help string) {
	pad := max(1, 17-uniseg.StringWidth(use))
	if pad == 1 && uniseg.StringWidth(use) > 16 {
		pad = 2
	}
	fmt.Fprintf(b, "  %s%s%s\n", tview.Escape(use), strings.Repeat(" ", pad), help)
}

func (u *UI) showHelp() {
	u.helpSeen = true
	if u.main != nil {
		u.renderStatus()
	}
	u.showDialog("help", "Help — Esc closes (↓ / PgDn scrolls)", textBody(u.commands.helpText()), 78)
}
