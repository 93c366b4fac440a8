package tui

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gdamore/tcell/v2"

	"jarvis/app"
	"jarvis/crypto"
)

// sendingCore is a fakeCore that stores what is sent under IDs 1, 2, …
// and, like the real core, reports it queued before Send returns.
type sendingCore struct {
	*fakeCore
	mu   sync.Mutex
	sent []crypto.MessageID
}

func (c *sendingCore) Send(ctx context.Context, conv app.ConversationID, _ string) (crypto.MessageID, error) {
	c.mu.Lock()
	id := crypto.MessageID{byte(len(c.sent) + 1)}
	c.sent = append(c.sent, id)
	c.mu.Unlock()
	select {
	case c.events <- app.MessageStatus{Conversation: conv, ID: id, State: app.StateQueued}:
	case <-ctx.Done():
	}
	return id, nil
}

// awaitSent waits until Send has returned n IDs, and returns them.
func (c *sendingCore) awaitSent(t *testing.T, n int) []crypto.MessageID {
	t.Helper()
	for deadline := time.Now().Add(waitFor); ; time.Sleep(10 * time.Millisecond) {
		c.mu.Lock()
		ids := append([]crypto.MessageID(nil), c.sent...)
		c.mu.Unlock()
		if len(ids) >= n {
			return ids
		}
		if time.Now().After(deadline) {
			t.Fatalf("the UI sent %d messages, want %d", len(ids), n)
		}
	}
}

// chatAndGroup is Alice with a contact Bob and a group #Team of the two:
// Alt+1 opens #Team, Alt+2 the chat with Bob.
func chatAndGroup(t *testing.T) (*screenUI, *sendingCore) {
	me, bob := crypto.ID{1}, crypto.ID{2}
	now := time.Now()
	core := &sendingCore{fakeCore: &fakeCore{
		self:     app.Self{ID: me, Name: "Alice"},
		contacts: []app.Contact{{ID: bob, Name: "Bob", State: app.ContactAccepted, LastActivity: now.Add(-time.Hour)}},
		groups: []app.Group{{ID: crypto.GroupID{9}, Name: "Team", State: app.GroupActive, MyRole: crypto.RoleOwner, LastActivity: now,
			Members: []app.GroupMember{{ID: me, Name: "Alice", Self: true, Role: crypto.RoleOwner}, {ID: bob, Name: "Bob"}}}},
		events: make(chan app.Event),
		names: fakeResolver{convs: map[string][]app.ConversationID{
			"b": {app.ContactChat(bob), app.ContactChat(crypto.ID{3})},
		}},
	}}
	s := startWithCore(t, core, 100, 30)
	s.wait("#Team")
	s.wait("Bob")
	return s, core
}

// ownLines are the lines of the screen that show Alice's text.
func ownLines(s *screenUI, text string) []string {
	var out []string
	for _, l := range strings.Split(s.contents(), "\n") {
		if strings.Contains(l, "Alice: "+text) {
			out = append(out, l)
		}
	}
	return out
}

// waitOwnLines waits until Alice's lines with text end with marks, in
// that order.
func waitOwnLines(t *testing.T, s *screenUI, text string, marks ...string) {
	t.Helper()
	for deadline := time.Now().Add(waitFor); ; time.Sleep(10 * time.Millisecond) {
		lines := ownLines(s, text)
		ok := len(lines) == len(marks)
		for i := 0; ok && i < len(lines); i++ {
			ok = strings.HasSuffix(strings.TrimRight(lines[i], " │"), marks[i])
		}
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("want %d lines of %q ending %q; the screen shows:\n%s", len(marks), text, marks, s.contents())
		}
	}
}

func TestAChatAndAGroupShowOwnMessagesAndTheirStatesAlike(t *testing.T) {
	s, core := chatAndGroup(t)
	for i, tc := range []struct {
		name   string
		open   rune // #Team stays on top once written to
		header string
		conv   app.ConversationID
	}{
		{"group", '1', "#Team · 2 members", app.GroupChat(crypto.GroupID{9})},
		{"chat", '2', "Bob unverified", app.ContactChat(crypto.ID{2})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s.screen.InjectKey(tcell.KeyRune, tc.open, tcell.ModAlt)
			s.wait(tc.header)
			// The same text twice: two messages, each settled by its own ID.
			s.enter("same words")
			s.enter("same words")
			ids := core.awaitSent(t, 2*(i+1))[2*i:]
			waitOwnLines(t, s, "same words", "◷", "◷")
			status := func(id crypto.MessageID, st app.MessageState) {
				core.events <- app.MessageStatus{Conversation: tc.conv, ID: id, State: st}
			}
			status(ids[1], app.StateSent)
			waitOwnLines(t, s, "same words", "◷", "✓")
			status(ids[0], app.StateRead)
			waitOwnLines(t, s, "same words", "✓✓ read", "✓")
			status(ids[1], app.StateFailed)
			waitOwnLines(t, s, "same words", "✓✓ read", "✗ failed")
		})
	}
}

func TestAnAmbiguousNameShowsTheCoresError(t *testing.T) {
	s, _ := chatAndGroup(t)
	s.screen.InjectKey(tcell.KeyRune, '1', tcell.ModAlt) // #Team
	s.wait("#Team · 2 members")
	s.enter("/kick b")
	s.wait(`more than one member matches "b"; use the ID`)
	s.key(tcell.KeyCtrlU)
	s.enter("/info b")
	s.wait(`more than one contact or group matches "b"; use the ID`)
}

func TestAnEchoIsSettledByIDWhicheverArrivesFirst(t *testing.T) {
	for _, kind := range []app.ConversationID{app.ContactChat(crypto.ID{2}), app.GroupChat(crypto.GroupID{9})} {
		conv := &conversation{id: kind}
		echo1, echo2 := crypto.MessageID{0xe1}, crypto.MessageID{0xe2}
		for _, echo := range []crypto.MessageID{echo1, echo2} {
			conv.add(app.Message{ID: echo, Outgoing: true, Text: "same", State: app.StateQueued})
		}
		stored1, stored2 := crypto.MessageID{1}, crypto.MessageID{2}
		conv.setState(stored2, app.StateSent) // the status beats Send's answer
		conv.settle(echo2, stored2, nil)
		conv.settle(echo1, stored1, nil)
		conv.setState(stored1, app.StateDelivered)
		got := []app.MessageState{conv.lines[0].msg.State, conv.lines[1].msg.State}
		if conv.lines[0].msg.ID != stored1 || conv.lines[1].msg.ID != stored2 ||
			got[0] != app.StateDelivered || got[1] != app.StateSent {
			t.Errorf("%v: lines %v %v in states %v", kind, conv.lines[0].msg.ID, conv.lines[1].msg.ID, got)
		}
		conv.add(app.Message{ID: crypto.MessageID{0xe3}, Outgoing: true, Text: "lost"})
		conv.settle(crypto.MessageID{0xe3}, crypto.MessageID{}, errors.New("closed"))
		if st := conv.lines[2].msg.State; st != app.StateFailed {
			t.Errorf("%v: a failed send shows %v", kind, st)
		}
	}
}

func TestAnEchoAlreadyLoadedFromHistoryIsNotShownTwice(t *testing.T) {
	conv := &conversation{id: app.GroupChat(crypto.GroupID{9})}
	echo, stored := crypto.MessageID{0xe1}, crypto.MessageID{1}
	conv.add(app.Message{ID: echo, Outgoing: true, Text: "hi", State: app.StateQueued})
	conv.lines = mergeLines([]app.Message{{ID: stored, Outgoing: true, Text: "hi", Cursor: 5}}, conv.lines)
	conv.settle(echo, stored, nil)
	if len(conv.lines) != 1 || conv.lines[0].msg.ID != stored {
		t.Fatalf("window holds %d lines, want the stored message once", len(conv.lines))
	}
}
