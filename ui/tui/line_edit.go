package tui

import (
	"strings"
	"unicode"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"
	"github.com/rivo/uniseg"
)

// lineEdit is a one-line text editor. tview v0.42's InputField corrupts
// its text when SetText follows typing (stale characters reappear), and
// drafts and password prompts depend on SetText, so Jarvis uses this small
// editor instead: readline-style keys, horizontal scrolling, an optional
// mask.
type lineEdit struct {
	*tview.Box
	label   string
	text    []rune
	cursor  int // index into text
	offset  int // first visible rune
	mask    rune
	done    func(tcell.Key)
	changed func(string)
}

func newLineEdit(label string) *lineEdit {
	return &lineEdit{Box: tview.NewBox(), label: label}
}

func (e *lineEdit) SetMask(r rune) *lineEdit                     { e.mask = r; return e }
func (e *lineEdit) SetDoneFunc(f func(tcell.Key)) *lineEdit      { e.done = f; return e }
func (e *lineEdit) SetChangedFunc(f func(text string)) *lineEdit { e.changed = f; return e }
func (e *lineEdit) GetText() string                              { return string(e.text) }

// SetText replaces the text and puts the cursor at its end.
func (e *lineEdit) SetText(s string) *lineEdit {
	e.text = []rune(s)
	e.cursor = len(e.text)
	e.offset = 0
	e.notify()
	return e
}

func (e *lineEdit) notify() {
	if e.changed != nil {
		e.changed(string(e.text))
	}
}

func (e *lineEdit) insert(s string) {
	rs := []rune(s)
	e.text = append(e.text[:e.cursor], append(rs, e.text[e.cursor:]...)...)
	e.cursor += len(rs)
	e.notify()
}

func (e *lineEdit) cut(from, to int) {
	if from >= to {
		return
	}
	e.text = append(e.text[:from], e.text[to:]...)
	e.cursor = from
	e.notify()
}

func runeWidth(r rune) int {
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
	cx := x
	for i := e.offset; i < len(shown); i++ {
		rw := runeWidth(shown[i])
		if cx+rw > x+w {
			break
		}
		if i == e.cursor {
			break
		}
		screen.SetContent(cx, y, shown[i], nil, style)
		cx += rw
	}
	cursorX := cx
	for i := e.cursor; i < len(shown); i++ {
		rw := runeWidth(shown[i])
		if cx+rw > x+w {
			break
		}
		screen.SetContent(cx, y, shown[i], nil, style)
		cx += rw
	}
	if e.HasFocus() {
		screen.ShowCursor(cursorX, y)
	}
}

// InputHandler edits the text; Enter, Tab, Backtab and Esc go to done.
func (e *lineEdit) InputHandler() func(event *tcell.EventKey, setFocus func(p tview.Primitive)) {
	return e.WrapInputHandler(func(ev *tcell.EventKey, _ func(p tview.Primitive)) {
		switch ev.Key() {
		case tcell.KeyRune:
			e.insert(string(ev.Rune()))
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
			e.text = e.text[:e.cursor]
			e.notify()
		case tcell.KeyCtrlW:
			i := e.cursor
			for i > 0 && unicode.IsSpace(e.text[i-1]) {
				i--
			}
			for i > 0 && !unicode.IsSpace(e.text[i-1]) {
				i--
			}
			e.cut(i, e.cursor)
		case tcell.KeyEnter, tcell.KeyTab, tcell.KeyBacktab, tcell.KeyEsc:
			if e.done != nil {
				e.done(ev.Key())
			}
		}
	})
}

// PasteHandler inserts pasted text, flattening line breaks.
func (e *lineEdit) PasteHandler() func(text string, setFocus func(p tview.Primitive)) {
	return e.WrapPasteHandler(func(text string, _ func(p tview.Primitive)) {
		text = strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ", "\t", " ").Replace(text)
		e.insert(text)
	})
}
