package tui

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gdamore/tcell/v2"

	"jarvis/app"
	"jarvis/crypto"
)

func (f *fakeCore) Reply(_ context.Context, _ app.ConversationID, text string, to crypto.MessageID) (crypto.MessageID, error) {
	return crypto.MessageID{0xdd}, f.record(fmt.Sprintf("reply %q to %x", text, to[0]))
}

func (f *fakeCore) React(_ context.Context, _ app.ConversationID, id crypto.MessageID, emoji string) error {
	return f.record(fmt.Sprintf("react %s to %x", emoji, id[0]))
}

func (f *fakeCore) Edit(_ context.Context, _ app.ConversationID, id crypto.MessageID, text string) error {
	return f.record(fmt.Sprintf("edit %x to %q", id[0], text))
}

func (f *fakeCore) Delete(_ context.Context, _ app.ConversationID, id crypto.MessageID, everyone bool) error {
	return f.record(fmt.Sprintf("delete %x everyone=%v", id[0], everyone))
}

// waitCall polls until core recorded call.
func waitCall(t *testing.T, s *screenUI, core *fakeCore, call string) {
	t.Helper()
	deadline := time.Now().Add(waitFor)
	for !slices.Contains(core.called(), call) {
		if time.Now().After(deadline) {
			t.Fatalf("core never got %q (got %q); the screen shows:\n%s", call, core.called(), s.contents())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// chatWithBob is teamCore with two messages in the chat with Bob: his,
// then our answer.
func chatWithBob(t *testing.T, w, h int) (*screenUI, *fakeCore, crypto.ID) {
	core, bob, _ := teamCore()
	now := time.Now()
	chat := app.ContactChat(bob)
	core.history[chat] = []app.Message{
		{ID: crypto.MessageID{1}, Conversation: chat, Author: bob, Text: "lunch at noon?", At: now, SentAt: now, Cursor: 1,
			State: app.StateSeen},
		{ID: crypto.MessageID{2}, Conversation: chat, Author: core.self.ID, Outgoing: true, Text: "yes, the usual place",
			At: now, SentAt: now, Cursor: 2, State: app.StateDelivered,
			Reactions: []app.Reaction{{From: bob, Emoji: "👍"}}},
	}
	s := startWithCore(t, core, w, h)
	s.wait("#Team")
	s.screen.InjectKey(tcell.KeyRune, '2', tcell.ModAlt)
	s.wait("the usual place")
	return s, core, bob
}

func TestUpOnAnEmptyLineSelectsAndRepliesQuoteTheOriginal(t *testing.T) {
	s, core, _ := chatWithBob(t, 100, 30)
	s.wait("👍")
	s.key(tcell.KeyUp)
	s.wait("r reply  e edit")
	s.key(tcell.KeyUp) // Bob's message
	s.typeText("r")
	s.wait("Replying to Bob")
	s.enter("see you there")
	waitCall(t, s, core, `reply "see you there" to 1`)
	s.wait("↳ Bob: lunch at noon?")
	s.waitGone("Replying to Bob")
	s.quit()
}

func TestUpWithTextOnTheLineStillWalksWhatWasSent(t *testing.T) {
	s, core, _ := chatWithBob(t, 100, 30)
	core.sendCh = make(chan string, 1)
	s.enter("first line")
	<-core.sendCh
	s.typeText("draft")
	s.key(tcell.KeyUp)
	s.wait("> first line")
	s.quit()
}

func TestKeysOnTheSelectedMessageReachTheCore(t *testing.T) {
	typed := func(text string) func(s *screenUI) { return func(s *screenUI) { s.typeText(text) } }
	waits := func(text string) func(s *screenUI) { return func(s *screenUI) { s.wait(text) } }
	press := func(k tcell.Key) func(s *screenUI) { return func(s *screenUI) { s.key(k) } }
	gone := func(text string) func(s *screenUI) { return func(s *screenUI) { s.waitGone(text) } }
	tests := []struct {
		name  string
		steps []func(s *screenUI)
		call  string
	}{
		// The picker is a line, so it fits a phone's 60 columns.
		{"the picker", []func(*screenUI){typed("+"), waits("React: 1"), waits("(again: remove)"), typed("2")}, "react ❤ to 2"},
		{"a quick key", []func(*screenUI){typed("1")}, "react 👍 to 2"},
		{"edit", []func(*screenUI){typed("e"), waits("> yes, the usual place"), typed("!"), press(tcell.KeyEnter)},
			`edit 2 to "yes, the usual place!"`},
		{"edit, cancel, edit", []func(*screenUI){typed("e"), waits("> yes, the usual place"), press(tcell.KeyEsc),
			gone("> yes, the usual place"), press(tcell.KeyUp), waits("r reply"), typed("e"), typed("?"), press(tcell.KeyEnter)},
			`edit 2 to "yes, the usual place?"`},
		{"delete for everyone", []func(*screenUI){typed("d"), waits("Everyone"), press(tcell.KeyBacktab),
			press(tcell.KeyBacktab), press(tcell.KeyEnter)}, "delete 2 everyone=true"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, core, _ := chatWithBob(t, 60, 20)
			s.key(tcell.KeyUp)
			s.wait("r reply")
			for _, step := range tc.steps {
				step(s)
			}
			waitCall(t, s, core, tc.call)
			s.quit()
		})
	}
}

func TestEditsDeletesAndReactionsFromPeersShowOnTheirMessage(t *testing.T) {
	s, core, bob := chatWithBob(t, 100, 30)
	chat := app.ContactChat(bob)
	core.events <- app.MessageEdited{Conversation: chat, ID: crypto.MessageID{1}, Text: "lunch at one?", EditedAt: time.Now()}
	s.wait("lunch at one? (edited)")
	core.events <- app.ReactionSet{Conversation: chat, ID: crypto.MessageID{1}, From: bob, Emoji: "😂"}
	s.wait("😂")
	core.events <- app.MessageDeleted{Conversation: chat, ID: crypto.MessageID{2}}
	s.wait("message deleted")
	s.waitGone("the usual place")
	s.quit()
}

func TestAClickSelectsAMessageAndInfoShowsItsReactions(t *testing.T) {
	s, _, _ := chatWithBob(t, 60, 20)
	clickOn(t, s, "yes, the usual")
	s.wait("r reply")
	s.typeText("i")
	s.wait("Reactions")
	checkFrame(t, s, "Message", "Reactions")
	s.quit()
}

// TestAQuoteLeadsToTheMessageItAnswers: Enter on a selected reply, and a
// click on its quote, select the message it quotes.
func TestAQuoteLeadsToTheMessageItAnswers(t *testing.T) {
	for _, how := range []string{"enter", "click"} {
		t.Run(how, func(t *testing.T) {
			core, bob, _ := teamCore()
			now := time.Now()
			chat := app.ContactChat(bob)
			orig := app.Message{ID: crypto.MessageID{1}, Conversation: chat, Author: bob, Text: "which train?", At: now,
				SentAt: now, Cursor: 1, State: app.StateSeen}
			// Bob quoting a message of ours: the quote names us as we are named now.
			mine := app.Message{ID: crypto.MessageID{9}, Conversation: chat, Author: bob, Text: "ok", At: now, SentAt: now,
				State: app.StateSeen, ReplyTo: crypto.MessageID{8},
				Quote: &app.Quote{Author: core.self.ID, Text: "earlier words"}}
			core.history[chat] = []app.Message{mine, orig,
				{ID: crypto.MessageID{2}, Conversation: chat, Author: core.self.ID, Outgoing: true, Text: "the 8:15",
					At: now, SentAt: now, Cursor: 2, State: app.StateRead, ReplyTo: orig.ID,
					Quote: &app.Quote{Author: bob, AuthorName: "Bob", Text: orig.Text}}}
			s := startWithCore(t, core, 60, 20)
			s.wait("#Team")
			s.screen.InjectKey(tcell.KeyRune, '2', tcell.ModAlt)
			s.wait("↳ Bob: which train?")
			s.wait("↳ Alice: earlier words")
			if how == "enter" {
				s.key(tcell.KeyUp)
				s.wait("r reply")
				s.key(tcell.KeyEnter)
			} else {
				clickOn(t, s, "↳ Bob")
			}
			s.wait("r reply")
			s.typeText("i")
			s.wait("From      Bob") // the original, not our reply
			s.quit()
		})
	}
}

// clickOn clicks where text starts on the screen.
func clickOn(t *testing.T, s *screenUI, text string) {
	t.Helper()
	x, y := findCells(t, s, text)
	s.screen.InjectMouse(x, y, tcell.Button1, tcell.ModNone)
	s.screen.InjectMouse(x, y, tcell.ButtonNone, tcell.ModNone)
}

// findCells returns where text starts on the screen.
func findCells(t *testing.T, s *screenUI, text string) (int, int) {
	t.Helper()
	for y, row := range screenCells(s) {
		for x := range row {
			if strings.HasPrefix(strings.Join(row[x:], ""), text) {
				return x, y
			}
		}
	}
	t.Fatalf("%q is not on the screen:\n%s", text, s.contents())
	return 0, 0
}

// TestAnEditSetsTheDraftAsideAndEscGivesItBack: a click selects with a
// draft on the line; e takes the line for the edit, Esc gives it back.
func TestAnEditSetsTheDraftAsideAndEscGivesItBack(t *testing.T) {
	s, _, _ := chatWithBob(t, 60, 20)
	s.typeText("half a thought")
	clickOn(t, s, "yes, the usual")
	s.wait("r reply")
	s.typeText("e")
	s.wait("> yes, the usual place")
	s.key(tcell.KeyEsc)
	s.wait("> half a thought")
	s.quit()
}

// The details of our chat message say when the contact stored it and when
// they read it.
func TestInfoTellsWhenOurMessageWasDeliveredAndRead(t *testing.T) {
	core, bob, _ := teamCore()
	chat := app.ContactChat(bob)
	sent := time.Date(2026, 12, 1, 9, 0, 0, 0, time.Local)
	core.history[chat] = []app.Message{{ID: crypto.MessageID{3}, Conversation: chat, Author: core.self.ID,
		Outgoing: true, Text: "on my way", At: sent, SentAt: sent, Cursor: 1, State: app.StateRead,
		DeliveredAt: sent.Add(2 * time.Second), ReadAt: sent.Add(time.Minute)}}
	s := startWithCore(t, core, 60, 20)
	s.wait("#Team")
	s.screen.InjectKey(tcell.KeyRune, '2', tcell.ModAlt)
	s.wait("on my way")
	s.key(tcell.KeyUp)
	s.wait("r reply")
	s.typeText("i")
	s.wait("Delivered 2026-12-01 09:00:02")
	s.wait("Read      2026-12-01 09:01:00")
	s.quit()
}
