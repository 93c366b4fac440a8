package tui

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"
	"github.com/rivo/uniseg"
)

// lineEdit is a one-line text editor. tview v0.42's InputField corrupts
// its text when SetText follows typing (stale characters reappear), and
// drafts and password prompts depend on SetText, so Jarvis uses this small
// editor instead: readline-style keys, horizontal scrolling, an optional
// mask. A masked field holds a passphrase: its runes are zeroed when they
// are replaced or taken, and it never turns them into a string.
type lineEdit struct {
	*tview.Box
	label         string
	text          []rune
	cursor        int // index into text
	offset        int // first visible rune
	mask          rune
	selected      bool // the whole text is selected: typing replaces it
	multiline     bool // a paste keeps its line breaks, Alt+Enter adds one
	burst         bool // a line break came from a paste the terminal did not mark
	done          func(tcell.Key)
	changed       func(string)
	secretChanged func(pass []byte) // masked fields: called instead of changed
}

func newLineEdit(label string) *lineEdit {
	return &lineEdit{Box: tview.NewBox(), label: label}
}

func (e *lineEdit) SetMask(r rune) *lineEdit                     { e.mask = r; return e }
func (e *lineEdit) SetDoneFunc(f func(tcell.Key)) *lineEdit      { e.done = f; return e }
func (e *lineEdit) SetChangedFunc(f func(text string)) *lineEdit { e.changed = f; return e }
func (e *lineEdit) GetText() string                              { return string(e.text) }

// SetSecretChangedFunc is SetChangedFunc for a masked field: f sees the
// text as bytes that are zeroed as soon as it returns.
func (e *lineEdit) SetSecretChangedFunc(f func(pass []byte)) *lineEdit {
	e.secretChanged = f
	return e
}

// SetText replaces the text and puts the cursor at its end.
func (e *lineEdit) SetText(s string) *lineEdit {
	e.selected, e.burst = false, false
	e.replace([]rune(s))
	e.cursor = len(e.text)
	e.offset = 0
	e.notify()
	return e
}

// selectAll marks the whole text selected, the cursor at its end: shown
// reversed, it is replaced by the next character typed or pasted, and kept
// (for editing) by any other key. The input line does this with a command
// that failed, so the next attempt is never appended to it.
func (e *lineEdit) selectAll() {
	e.selected = len(e.text) > 0
	e.cursor = len(e.text)
}

// SetMultiline lets the text hold line breaks (shown as ↵): a bracketed
// paste keeps its own, and Alt+Enter adds one.
func (e *lineEdit) SetMultiline(on bool) *lineEdit { e.multiline = on; return e }

// pastedBreak adds a line break that arrived as an Enter key in the middle
// of a paste the terminal did not bracket; burst remembers it, so sending
// asks first.
func (e *lineEdit) pastedBreak() {
	e.dropSelected()
	e.insert([]rune{'\n'})
	e.burst = true
}

// empty reports whether the field holds no text.
func (e *lineEdit) empty() bool { return len(e.text) == 0 }

// sameText reports whether two fields hold the same text, without
// copying either.
func (e *lineEdit) sameText(o *lineEdit) bool { return slices.Equal(e.text, o.text) }

// takeSecret returns the text as UTF-8 bytes, for the caller to zero
// after use, and wipes the field.
func (e *lineEdit) takeSecret() []byte {
	b := e.secret()
	e.replace(nil)
	e.cursor, e.offset = 0, 0
	e.notify()
	return b
}

// secret encodes the text into one buffer of exactly the right size, so
// no partial copy is left behind by a growing slice.
func (e *lineEdit) secret() []byte {
	n := 0
	for _, r := range e.text {
		n += utf8.RuneLen(r)
	}
	b := make([]byte, 0, n)
	for _, r := range e.text {
		b = utf8.AppendRune(b, r)
	}
	return b
}

// replace makes text the field's text. A masked field zeroes the old
// backing array first, so a passphrase does not linger in memory after
// each keystroke.
func (e *lineEdit) replace(text []rune) {
	if e.mask != 0 {
		clear(e.text[:cap(e.text)])
	}
	e.text = text
}

func (e *lineEdit) notify() {
	if e.mask != 0 {
		if e.secretChanged != nil {
			b := e.secret()
			e.secretChanged(b)
			clear(b)
		}
		return
	}
	if e.changed != nil {
		e.changed(string(e.text))
	}
}

// dropSelected empties the field if its text is selected.
func (e *lineEdit) dropSelected() {
	if e.selected {
		e.selected = false
		e.replace(nil)
		e.cursor, e.offset = 0, 0
	}
}

func (e *lineEdit) insert(rs []rune) {
	text := make([]rune, 0, len(e.text)+len(rs))
	text = append(append(append(text, e.text[:e.cursor]...), rs...), e.text[e.cursor:]...)
	e.replace(text)
	e.cursor += len(rs)
	e.notify()
}

func (e *lineEdit) cut(from, to int) {
	if from >= to {
		return
	}
	text := make([]rune, 0, len(e.text)-(to-from))
	text = append(append(text, e.text[:from]...), e.text[to:]...)
	e.replace(text)
	e.cursor = from
	e.notify()
}

// drawClusters draws runes from x on, one grapheme cluster per cell run,
// so an emoji with a skin tone or a ZWJ sequence shows as one glyph as it
// does in the chat; it stops before end and returns where it stopped.
func drawClusters(screen tcell.Screen, runes []rune, x, end, y int, style tcell.Style) int {
	state := -1
	rest := string(runes)
	for rest != "" {
		var c string
		var w int
		c, rest, w, state = uniseg.FirstGraphemeClusterInString(rest, state)
		rs := []rune(c)
		if rs[0] == '\n' {
			rs, w = []rune{'↵'}, 1
		}
		if x+w > end {
			break
		}
		screen.SetContent(x, y, rs[0], rs[1:], style)
		x += w
	}
	return x
}

func runeWidth(r rune) int {
	if r == '\n' {
		return 1
	}
	if w := uniseg.StringWidth(string(r)); w > 0 {
		return w
	}
	return 0
}

// Draw draws the label, the visible part of the text and the cursor.
func (e *lineEdit) Draw(screen tcell.Screen) {
	e.DrawForSubclass(screen, e)
	x, y, w, h := e.GetInnerRect()
	if w <= 0 || h <= 0 {
		return
	}
	_, lw := tview.Print(screen, e.label, x, y, w, tview.AlignLeft, tview.Styles.SecondaryTextColor)
	x, w = x+lw, w-lw
	if w <= 1 {
		return
	}
	shown := e.text
	if e.mask != 0 {
		shown = []rune(strings.Repeat(string(e.mask), len(e.text)))
	}
	// Keep the cursor in view.
	if e.cursor < e.offset {
		e.offset = e.cursor
	}
	for {
		width := 0
		for _, r := range shown[e.offset:e.cursor] {
			width += runeWidth(r)
		}
		if width < w || e.offset >= e.cursor {
			break
		}
		e.offset++
	}
	style := tcell.StyleDefault.Foreground(tview.Styles.PrimaryTextColor)
	if e.selected {
		style = style.Reverse(true)
	}
	cursorX := drawClusters(screen, shown[e.offset:max(e.offset, e.cursor)], x, x+w, y, style)
	drawClusters(screen, shown[min(e.cursor, len(shown)):], cursorX, x+w, y, style)
	if e.HasFocus() {
		screen.ShowCursor(cursorX, y)
	}
}

// InputHandler edits the text; Enter, Tab, Backtab and Esc go to done.
func (e *lineEdit) InputHandler() func(event *tcell.EventKey, setFocus func(p tview.Primitive)) {
	return e.WrapInputHandler(func(ev *tcell.EventKey, _ func(p tview.Primitive)) {
		if ev.Key() == tcell.KeyRune {
			e.dropSelected()
		}
		e.selected = false
		switch ev.Key() {
		case tcell.KeyRune:
			e.insert([]rune{ev.Rune()})
		case tcell.KeyEnter:
			if e.multiline && ev.Modifiers()&tcell.ModAlt != 0 {
				e.insert([]rune{'\n'})
			} else if e.done != nil {
				e.done(ev.Key())
			}
		case tcell.KeyBackspace, tcell.KeyBackspace2:
			if e.cursor > 0 {
				e.cut(e.cursor-1, e.cursor)
			}
		case tcell.KeyDelete, tcell.KeyCtrlD:
			if e.cursor < len(e.text) {
				e.cut(e.cursor, e.cursor+1)
			}
		case tcell.KeyLeft, tcell.KeyCtrlB:
			e.cursor = max(0, e.cursor-1)
		case tcell.KeyRight, tcell.KeyCtrlF:
			e.cursor = min(len(e.text), e.cursor+1)
		case tcell.KeyHome, tcell.KeyCtrlA:
			e.cursor = 0
		case tcell.KeyEnd, tcell.KeyCtrlE:
			e.cursor = len(e.text)
		case tcell.KeyCtrlU:
			e.cut(0, e.cursor)
		case tcell.KeyCtrlK:
			e.cut(e.cursor, len(e.text))
		case tcell.KeyCtrlW:
			i := e.cursor
			for i > 0 && unicode.IsSpace(e.text[i-1]) {
				i--
			}
			for i > 0 && !unicode.IsSpace(e.text[i-1]) {
				i--
			}
			e.cut(i, e.cursor)
		case tcell.KeyTab, tcell.KeyBacktab, tcell.KeyEsc:
			if e.done != nil {
				e.done(ev.Key())
			}
		}
	})
}

// PasteHandler inserts pasted text: line breaks are kept in a multiline
// field (one message of several lines; a last one is dropped) and become
// spaces elsewhere.
func (e *lineEdit) PasteHandler() func(text string, setFocus func(p tview.Primitive)) {
	return e.WrapPasteHandler(func(text string, _ func(p tview.Primitive)) {
		text = strings.NewReplacer("\r\n", "\n", "\r", "\n", "\t", " ").Replace(text)
		if e.multiline {
			text = strings.TrimRight(text, "\n")
		} else {
			text = strings.ReplaceAll(text, "\n", " ")
		}
		e.dropSelected()
		e.insert([]rune(text))
	})
}
