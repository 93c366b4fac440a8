package tui

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"

	"jarvis/app"
	"jarvis/crypto"
)

func TestUpAndDownWalkWhatWasSentInThisConversation(t *testing.T) {
	core, _, _ := teamCore()
	s := startWithCore(t, core, 100, 30)
	s.wait("#Team")
	s.screen.InjectKey(tcell.KeyRune, '1', tcell.ModAlt) // #Team
	s.wait("#Team · 2 members")
	s.enter("/topic") // fails: not remembered, kept on the line
	s.key(tcell.KeyCtrlU)
	s.enter("/nick Al") // runs
	s.wait("You are now Al")
	s.screen.InjectKey(tcell.KeyRune, '2', tcell.ModAlt) // Bob: a history of its own
	s.typeText("half typed")
	s.key(tcell.KeyUp)
	s.wait("> half typed") // nothing sent here yet
	s.key(tcell.KeyCtrlU)
	s.screen.InjectKey(tcell.KeyRune, '1', tcell.ModAlt)
	s.typeText("draft")
	s.key(tcell.KeyUp)
	s.wait("> /nick Al")
	s.key(tcell.KeyUp) // the oldest: stays
	s.wait("> /nick Al")
	s.key(tcell.KeyDown)
	s.wait("> draft")
	s.quit()
}

func TestAQuestionMarkAloneIsAMessageAndCtrlLDoesNotLock(t *testing.T) {
	core, _, _ := teamCore()
	s := startWithCore(t, core, 100, 30)
	s.wait("#Team")
	s.typeText("?")
	s.wait("> ?")
	s.key(tcell.KeyCtrlL)
	s.key(tcell.KeyF1)
	s.wait("Help — Esc closes")
	if s.seen("Jarvis is locked") {
		t.Fatal("Ctrl+L locked the screen")
	}
	s.key(tcell.KeyEsc)
	s.wait("> ?") // the draft stays
	s.quit()
}

func TestMultiLineTextIsOneMessage(t *testing.T) {
	core, _, _ := teamCore()
	core.sendCh = make(chan string, 8)
	s := startWithCore(t, core, 100, 30)
	s.wait("#Team")
	s.screen.InjectKey(tcell.KeyRune, '2', tcell.ModAlt) // Bob

	// A bracketed paste keeps its lines.
	s.screen.PostEvent(tcell.NewEventPaste(true))
	s.typeText("one")
	s.screen.InjectKey(tcell.KeyEnter, 0, tcell.ModNone)
	s.typeText("two")
	s.screen.InjectKey(tcell.KeyEnter, 0, tcell.ModNone)
	s.screen.PostEvent(tcell.NewEventPaste(false))
	s.wait("> one↵two")
	s.key(tcell.KeyEnter)
	if got := <-core.sendCh; got != "one\ntwo" {
		t.Fatalf("sent %q, want one message of two lines", got)
	}
	s.wait("Alice: one")

	// Alt+Enter adds a line break.
	s.typeText("three")
	s.screen.InjectKey(tcell.KeyEnter, 0, tcell.ModAlt)
	s.typeText("four")
	s.wait("> three↵four")
	s.key(tcell.KeyEnter)
	if got := <-core.sendCh; got != "three\nfour" {
		t.Fatalf("sent %q", got)
	}

	// A paste the terminal did not mark: Enter keys faster than fingers,
	// the first followed at once by more (a line break), the last not.
	s.typeText("five")
	s.screen.InjectKey(tcell.KeyEnter, 0, tcell.ModNone)
	s.typeText("six")
	s.screen.InjectKey(tcell.KeyEnter, 0, tcell.ModNone)
	s.wait("Send these 2 lines as one message?")
	s.key(tcell.KeyEnter)
	if got := <-core.sendCh; got != "five\nsix" {
		t.Fatalf("sent %q", got)
	}

	// A script types as fast as a paste, but nothing follows its Enter.
	s.typeText("seven")
	s.screen.InjectKey(tcell.KeyEnter, 0, tcell.ModNone)
	if got := <-core.sendCh; got != "seven" {
		t.Fatalf("sent %q", got)
	}
	s.quit()
}

func TestNumbersStayPutAndOpenTakesAName(t *testing.T) {
	core, bob, _ := teamCore()
	s := startWithCore(t, core, 100, 30)
	s.wait("1 ○ #Team")
	s.wait("2 ○ Bob")
	// Bob writes: he becomes the latest, and keeps his number.
	core.events <- app.MessageReceived{Message: app.Message{ID: crypto.MessageID{7}, Conversation: app.ContactChat(bob),
		Author: bob, Text: "hi", At: time.Now(), SentAt: time.Now(), Cursor: 1}}
	s.waitBar("Act: 2(1)")
	s.wait("2 ○ Bob (1)")
	s.screen.InjectKey(tcell.KeyRune, '1', tcell.ModAlt)
	s.wait("#Team · 2 members")
	s.typeText("/open b")
	s.key(tcell.KeyTab)
	s.wait("> /open Bob")
	s.key(tcell.KeyEnter)
	s.wait("Bob unverified")
	s.enter("/open team")
	s.wait("#Team · 2 members")
	s.quit()
}

// Lines arriving a few milliseconds apart after a paste began (a script
// whose writes the terminal merged): no key is ever swallowed by the
// question, which comes once the keys stop, about every line they brought.
func TestLinesArrivingAfterAPasteAreKeptAndAskedAboutOnce(t *testing.T) {
	core, _, _ := teamCore()
	core.sendCh = make(chan string, 8)
	s := startWithCore(t, core, 100, 30)
	s.wait("#Team")
	s.screen.InjectKey(tcell.KeyRune, '2', tcell.ModAlt) // Bob
	// Events carry the time they were made: made in a tight loop, a line's
	// keys are microseconds apart however slowly the test then posts them.
	keys := func(line string) []tcell.Event {
		var evs []tcell.Event
		for _, r := range line {
			evs = append(evs, tcell.NewEventKey(tcell.KeyRune, r, tcell.ModNone))
		}
		return append(evs, tcell.NewEventKey(tcell.KeyEnter, 0, tcell.ModNone))
	}
	var want []string
	var evs []tcell.Event
	runtime.GC() // no collection pause while the paste's keys are made
	for i := range 6 {
		line := fmt.Sprintf("line %d", i)
		want = append(want, line)
		if i > 1 { // the first two lines came in one write, as a paste
			time.Sleep(5 * time.Millisecond) // the next tmux send-keys
		}
		evs = append(evs, keys(line)...)
	}
	for _, ev := range evs {
		for s.screen.PostEvent(ev) != nil { // the queue is full: wait for the UI
			time.Sleep(time.Millisecond)
		}
	}
	s.wait("Send these 6 lines as one message?")
	s.key(tcell.KeyEnter)
	if got := <-core.sendCh; got != strings.Join(want, "\n") {
		t.Fatalf("sent %q, want every line", got)
	}
	select {
	case got := <-core.sendCh:
		t.Fatalf("a second message %q", got)
	case <-time.After(500 * time.Millisecond):
	}
	s.quit()
}

// A UI running behind (a busy phone) handles a paste's keys long after the
// terminal read them, and the timer deciding a quiet Enter may fire between
// two of them: the quiet is measured from when the UI handled the Enter, so
// the keys already queued behind it still make it a line break.
func TestAPasteHandledLateKeepsItsLines(t *testing.T) {
	core, _, _ := teamCore()
	core.sendCh = make(chan string, 8)
	s := startWithCore(t, core, 100, 30)
	s.wait("#Team")
	s.screen.InjectKey(tcell.KeyRune, '2', tcell.ModAlt) // Bob
	s.wait("Bob unverified")
	var evs []*tcell.EventKey
	for _, line := range []string{"one", "two", "three"} {
		for _, r := range line {
			evs = append(evs, tcell.NewEventKey(tcell.KeyRune, r, tcell.ModNone))
		}
		evs = append(evs, tcell.NewEventKey(tcell.KeyEnter, 0, tcell.ModNone))
	}
	time.Sleep(pasteSettle + 50*time.Millisecond) // read by the terminal this long ago
	s.do(func(u *UI) {
		for _, ev := range evs {
			if ev := u.captureKey(ev); ev != nil {
				u.main.input.InputHandler()(ev, func(p tview.Primitive) { u.app.SetFocus(p) })
			}
			u.tick() // the timer fires before the next queued key
		}
	})
	s.wait("Send these 3 lines as one message?")
	s.key(tcell.KeyEnter)
	if got := <-core.sendCh; got != "one\ntwo\nthree" {
		t.Fatalf("sent %q, want one message of three lines", got)
	}
	s.quit()
}
