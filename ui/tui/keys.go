package tui

import (
	"time"

	"jarvis/crypto"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"
)

// captureKey is the application-wide key handler. It runs on the UI
// goroutine before any widget sees the key.
func (u *UI) captureKey(ev *tcell.EventKey) *tcell.EventKey {
	if u.locked {
		return u.lockKey(ev)
	}
	switch ev.Key() {
	case tcell.KeyCtrlQ:
		u.quit()
		return nil
	case tcell.KeyCtrlC:
		u.confirmQuit()
		return nil
	case tcell.KeyCtrlL:
		u.redraw()
		return nil
	}
	if u.main == nil { // create and unlock screens
		return ev
	}
	if u.dialog != "" {
		if ev.Key() == tcell.KeyEsc {
			u.closeDialog()
			return nil
		}
		return ev
	}
	return u.mainKey(ev)
}

// pasteGap is the time between two keys below which they came from a
// paste, not from fingers: a terminal writes a paste in one go, so its
// keys are parsed microseconds apart, while even a script's keys (tmux
// send-keys, one process per call) come milliseconds apart.
const pasteGap = 2 * time.Millisecond

// pasteSettle is how long the keys must stop after an Enter inside a
// paste before that Enter counts as the end of it: only then does sending
// ask about the lines. A script sending line after line (tmux send-keys
// in a loop) pauses for milliseconds between lines, not for this long; a
// question asked while its keys still came would swallow them.
const pasteSettle = 300 * time.Millisecond

// enterWindow is how soon a key must follow a fast Enter to make it a
// line break: within a paste, any key before it settles.
func (mv *mainView) enterWindow() time.Duration {
	if mv.input.burst {
		return pasteSettle
	}
	return pasteGap
}

// enterThenKey decides a fast Enter when the next key arrives (at when):
// close behind, it was a line break inside a paste (its lines stay in one
// message, asked about on sending); later, it was Enter.
func (u *UI) enterThenKey(when time.Time) {
	mv := u.main
	if mv.pendingEnter.IsZero() {
		return
	}
	at := mv.pendingEnter
	mv.pendingEnter = time.Time{}
	if when.Sub(at) < mv.enterWindow() {
		mv.input.pastedBreak()
		return
	}
	u.submit()
}

// enterThenQuiet decides a fast Enter that no key has followed: once its
// window has passed, it was Enter. The window starts when the UI handled
// the Enter, not when the terminal read it: a UI running behind (a busy
// phone) still has the paste's next keys queued, and they must decide.
func (u *UI) enterThenQuiet(now time.Time) {
	mv := u.main
	if mv.pendingEnter.IsZero() {
		return
	}
	if due := mv.pendingSeen.Add(mv.enterWindow()); now.Before(due) {
		u.expireAt(due)
		return
	}
	mv.pendingEnter = time.Time{}
	u.submit()
}

// redraw repaints the whole terminal (Ctrl+L, as in every shell and IRC
// client), after another program or a resize left debris on it.
func (u *UI) redraw() {
	if u.screen != nil {
		u.screen.Sync()
	}
}

func (u *UI) confirmQuit() {
	u.confirm("Quit", "Quit Jarvis? Your contacts will see you go offline.", u.quit)
}

// mainKey handles keys on the main screen.
func (u *UI) mainKey(ev *tcell.EventKey) *tcell.EventKey {
	mv := u.main
	alt := ev.Modifiers()&tcell.ModAlt != 0
	prev := mv.lastKey
	mv.lastKey = ev.When()
	u.enterThenKey(ev.When())
	if ev.Key() != tcell.KeyTab {
		mv.completion = nil
	}
	if mv.pick.sel != (crypto.MessageID{}) && u.selectionKey(ev) {
		return nil
	}
	switch ev.Key() {
	case tcell.KeyCtrlN:
		u.step(1)
	case tcell.KeyCtrlP:
		u.step(-1)
	case tcell.KeyDown:
		if !alt {
			u.walkHistory(1)
			break
		}
		u.step(1)
	case tcell.KeyUp:
		if !alt {
			// Up on an empty line selects the newest message; with text
			// on the line (or with Ctrl) it walks back through what was sent.
			if ev.Modifiers()&tcell.ModCtrl != 0 || !mv.input.empty() || !u.selectNewest() {
				u.walkHistory(-1)
			}
			break
		}
		u.step(-1)
	case tcell.KeyPgUp:
		_, _, _, h := mv.chat.GetInnerRect()
		u.scrollChat(-max(1, h-2))
	case tcell.KeyPgDn:
		_, _, _, h := mv.chat.GetInnerRect()
		u.scrollChat(max(1, h-2))
	case tcell.KeyEnd:
		if !alt && !mv.input.empty() {
			return ev // the end of the line
		}
		u.jumpToNewest()
	case tcell.KeyF1:
		u.showHelp()
	case tcell.KeyF2:
		u.toggleList()
		u.renderHeader()
	case tcell.KeyCtrlF:
		u.openSearch("", false)
	case tcell.KeyEnter:
		if alt || mv.input.empty() || ev.When().Sub(prev) >= pasteGap && !mv.input.burst {
			return ev // Alt+Enter: a line break; Enter: send
		}
		// No finger types this fast: a paste the terminal did not
		// bracket, or a script (tmux send-keys); or the Enter after such a
		// paste. Which one, the next key or the quiet after it tells.
		mv.pendingEnter = ev.When()
		mv.pendingSeen = time.Now()
		u.expireAt(mv.pendingSeen.Add(mv.enterWindow()))
	case tcell.KeyTab:
		u.complete()
	case tcell.KeyEsc:
		u.cancelPick() // a reply or an edit under way; otherwise the draft stays
	case tcell.KeyRune:
		return u.runeKey(ev, alt)
	default:
		return ev
	}
	if u.dialog == "" { // F1 may have opened one, which keeps the focus
		u.app.SetFocus(mv.input)
	}
	return nil
}

func (u *UI) runeKey(ev *tcell.EventKey, alt bool) *tcell.EventKey {
	r := ev.Rune()
	switch {
	case alt && r >= '1' && r <= '9':
		u.openIndex(int(r - '1'))
	case alt && (r == 'a' || r == 'A'):
		u.hotlist()
	case alt && (r == 'l' || r == 'L'):
		u.toggleList()
	case alt && (r == 'k' || r == 'K'):
		u.lockScreen()
	case alt:
		return nil // unbound Alt chords must not type letters
	default:
		if u.app.GetFocus() != u.main.input {
			u.app.SetFocus(u.main.input)
		}
		return ev
	}
	return nil
}

// captureMouse keeps the input focused: the wheel scrolls the message
// view from anywhere on it, clicks on the list open conversations, and
// nothing behind a dialog or the lock screen can be clicked.
func (u *UI) captureMouse(ev *tcell.EventMouse, action tview.MouseAction) (*tcell.EventMouse, tview.MouseAction) {
	if ev == nil {
		return ev, action // tview's own follow-up of a click (a double-click window ending)
	}
	if u.locked || u.main == nil {
		if u.dialog != "" || u.main == nil {
			return ev, action
		}
		return nil, action
	}
	mv := u.main
	x, y := ev.Position()
	if u.dialog != "" {
		if mv.list.InRect(x, y) || mv.chat.InRect(x, y) {
			return nil, action
		}
		return ev, action
	}
	if mv.chat.InRect(x, y) {
		switch action {
		case tview.MouseMove:
			// Passed on: swallowing it would swallow the button press
			// that came in the same event, and the view ignores moves.
			return ev, action
		case tview.MouseLeftDown: // the up is swallowed below, so no click follows
			u.clickChat(y)
		case tview.MouseScrollUp:
			u.scrollChat(-3)
		case tview.MouseScrollDown:
			u.scrollChat(3)
		}
		return nil, action
	}
	if mv.list.InRect(x, y) {
		if action == tview.MouseScrollUp || action == tview.MouseScrollDown {
			return nil, action // the wheel would only move the selection
		}
		return ev, action
	}
	if mv.input.InRect(x, y) {
		return ev, action
	}
	return nil, action // header, notice and status bar take no focus
}
