package tui

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gdamore/tcell/v2"

	"jarvis/app"
	"jarvis/crypto"
)

// chatWith gives core a chat with Bob of n incoming messages, "msg 1" to
// "msg n" (cursors 1 to n), the last unread of them unread.
func chatWith(core *fakeCore, bob crypto.ID, n, unread int) {
	at := time.Now().Add(-time.Hour)
	var msgs []app.Message
	for i := 1; i <= n; i++ {
		msgs = append(msgs, app.Message{ID: crypto.MessageID{byte(i), byte(i >> 8)}, Conversation: app.ContactChat(bob),
			Author: bob, Text: fmt.Sprintf("msg %d", i), SentAt: at, At: at, Cursor: int64(i)})
	}
	core.history[app.ContactChat(bob)] = msgs
	core.contacts[0].Unread = unread
}

// lastRead is the newest cursor the core was told was read; 0 for none.
func lastRead(core *fakeCore) int64 {
	var upTo int64
	for _, c := range core.called() {
		if n, ok := strings.CutPrefix(c, "read "); ok {
			upTo, _ = strconv.ParseInt(n, 10, 64)
		}
	}
	return upTo
}

// readSettles is lastRead once it reaches at least want, or when waitFor
// has passed: the UI marks messages read from a worker, after the screen
// showed them.
func readSettles(core *fakeCore, want int64) int64 {
	deadline := time.Now().Add(waitFor)
	for lastRead(core) < want && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	return lastRead(core)
}

func TestAConversationOpensAtTheFirstUnreadAndOnlyWhatWasShownIsRead(t *testing.T) {
	core, bob, _ := teamCore()
	chatWith(core, bob, 300, 250) // msg 51 is the first unread
	s := startWithCore(t, core, 60, 20)
	s.wait("── new messages ──") // the first conversation with unread opens
	s.wait("Bob: msg 51")
	s.wait("new · PgDn or End")
	if upTo := readSettles(core, 51); upTo < 51 || upTo > 70 {
		t.Fatalf("read up to %d on opening; the screen shows msg 51 to about 65", upTo)
	}
	s.key(tcell.KeyPgDn)
	s.wait("Bob: msg 79")
	if upTo := readSettles(core, 70); upTo < 70 || upTo > 90 {
		t.Fatalf("read up to %d after one page down", upTo)
	}

	// A message arriving while scrolled up is counted, not read.
	core.events <- app.MessageReceived{Message: app.Message{ID: crypto.MessageID{0xff, 0xff, 0xff}, Conversation: app.ContactChat(bob),
		Author: bob, Text: "msg 301", SentAt: time.Now(), At: time.Now(), Cursor: 301}}
	s.wait("↓ 222 new")
	if upTo := lastRead(core); upTo > 90 {
		t.Fatalf("read up to %d while scrolled up", upTo)
	}
	s.key(tcell.KeyEnd) // the input line is empty: to the newest
	s.wait("Bob: msg 301")
	s.waitGone("new · PgDn")
	if upTo := readSettles(core, 301); upTo != 301 {
		t.Fatalf("read up to %d at the bottom, want 301", upTo)
	}
	s.quit()
}

func TestAShortChatSitsAtTheBottomAndOnlyTheLastReadSaysRead(t *testing.T) {
	core, bob, _ := teamCore()
	at := time.Now().Add(-time.Minute)
	var msgs []app.Message
	for i, st := range []app.MessageState{app.StateRead, app.StateRead, app.StateDelivered} {
		msgs = append(msgs, app.Message{ID: crypto.MessageID{byte(i + 1)}, Conversation: app.ContactChat(bob),
			Author: core.self.ID, Outgoing: true, Text: fmt.Sprintf("mine %d", i), SentAt: at, At: at, State: st})
	}
	core.history[app.ContactChat(bob)] = msgs
	s := startWithCore(t, core, 100, 30)
	s.wait("#Team")
	s.screen.InjectKey(tcell.KeyRune, '2', tcell.ModAlt)
	s.wait("mine 2 ✓✓")
	rows := strings.Split(s.contents(), "\n")
	// The last message sits right above the notice and input lines.
	if !strings.Contains(rows[len(rows)-5], "mine 2 ✓✓") {
		t.Fatalf("the newest message is not at the bottom:\n%s", s.contents())
	}
	for i, want := range []string{"mine 0 ✓✓", "mine 1 ✓✓ read", "mine 2 ✓✓"} {
		row := rows[len(rows)-7+i]
		if !strings.Contains(row, want) || (i != 1 && strings.Contains(row, "read")) {
			t.Errorf("row %q, want %q (only the last one read says read)", row, want)
		}
	}
	s.quit()
}
