package tui

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gdamore/tcell/v2"

	"jarvis/app"
	"jarvis/crypto"
)

// phoneSizes are a phone in portrait (Termux) and a small window.
var phoneSizes = [][2]int{{42, 24}, {60, 20}}

// frame is a dialog's border as drawn: its corners' cells.
type frame struct{ left, top, right, bottom int }

// screenCells is the last screen drawn: one string per cell, "" for the
// second half of a wide character.
func screenCells(s *screenUI) [][]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cells
}

// checkFrame finds the focused (double) frame on the screen and checks
// it is whole: four corners, both sides on every row, a blank column
// outside each side, title in the top row and tail inside.
func checkFrame(t *testing.T, s *screenUI, title, tail string) {
	t.Helper()
	rows := screenCells(s)
	f := frame{-1, -1, -1, -1}
	for y, row := range rows {
		for x, c := range row {
			switch c {
			case "╔":
				f.left, f.top = x, y
			case "╝":
				f.right, f.bottom = x, y
			}
		}
	}
	text := func(y, from, to int) string { return strings.Join(rows[y][from:to], "") }
	dump := func() string {
		var b strings.Builder
		for y := range rows {
			b.WriteString(text(y, 0, len(rows[y])) + "\n")
		}
		return b.String()
	}
	if f.left < 0 || f.right < 0 || f.right <= f.left || f.bottom <= f.top {
		t.Fatalf("no whole frame for %q:\n%s", title, dump())
	}
	if rows[f.top][f.right] != "╗" || rows[f.bottom][f.left] != "╚" {
		t.Fatalf("the frame of %q is cut:\n%s", title, dump())
	}
	if !strings.Contains(text(f.top, f.left, f.right+1), title) {
		t.Errorf("the title %q is cut:\n%s", title, dump())
	}
	found := false
	for y := f.top + 1; y < f.bottom; y++ {
		if rows[y][f.left] != "║" || rows[y][f.right] != "║" {
			t.Fatalf("row %d of %q has no border:\n%s", y, title, dump())
		}
		for _, x := range []int{f.left - 1, f.right + 1} {
			if x >= 0 && x < len(rows[y]) && rows[y][x] != " " {
				t.Fatalf("row %d of %q: %q beside the border, which a wide character would spill over:\n%s",
					y, title, rows[y][x], dump())
			}
		}
		found = found || strings.Contains(text(y, f.left, f.right+1), tail)
		if inside := text(y, f.left+1, f.right); strings.ContainsAny(inside, "漢字かな") {
			t.Fatalf("row %d of %q shows the chat under it: %q\n%s", y, title, inside, dump())
		}
	}
	if !found {
		t.Errorf("%q does not show %q whole:\n%s", title, tail, dump())
	}
}

// cjkCore is teamCore with a chat full of wide characters under every
// dialog, and a link code.
func cjkCore() *fakeCore {
	core, bob, _ := teamCore()
	core.self.Code = "jarvis://" + strings.Repeat("abcdefgh23", 15)
	core.contacts[0].SafetyNumber = strings.TrimSpace(strings.Repeat("12345 ", 12))
	at := time.Now()
	var msgs []app.Message
	for i := range 40 {
		msgs = append(msgs, app.Message{ID: crypto.MessageID{byte(i + 1)}, Conversation: app.ContactChat(bob), Author: bob,
			Text: strings.Repeat("漢字かな", 12), At: at, SentAt: at, Cursor: int64(i + 1)})
	}
	core.history[app.ContactChat(bob)] = msgs
	return core
}

func TestEveryDialogFitsOnAPhone(t *testing.T) {
	alt := func(r rune) func(s *screenUI) {
		return func(s *screenUI) { s.screen.InjectKey(tcell.KeyRune, r, tcell.ModAlt) }
	}
	enter := func(line string) func(s *screenUI) { return func(s *screenUI) { s.enter(line) } }
	// Select the newest message, wait for the selection's hint, press r.
	onMessage := func(r rune) func(s *screenUI) {
		return func(s *screenUI) {
			s.wait("Bob: ")
			s.key(tcell.KeyUp)
			s.wait("r reply")
			s.typeText(string(r))
		}
	}
	tests := []struct {
		name        string
		open        []func(s *screenUI)
		title, tail string
	}{
		{"help", []func(*screenUI){func(s *screenUI) { s.key(tcell.KeyF1) }}, "Help", "send the message"},
		{"status", []func(*screenUI){enter("/status")}, "You", "Close"},
		{"contact info", []func(*screenUI){alt('2'), enter("/info")}, "Contact", "Close"},
		{"group info", []func(*screenUI){alt('1'), enter("/info")}, "Group", "Bob"},
		{"members", []func(*screenUI){alt('1'), enter("/members")}, "Members of #Team", "Bob"},
		{"quit", []func(*screenUI){alt('2'), func(s *screenUI) { s.key(tcell.KeyCtrlC) }}, "Quit", "Yes"},
		{"leave", []func(*screenUI){alt('1'), enter("/leave")}, "Leave group", "Yes"},
		{"delete", []func(*screenUI){alt('2'), enter("/delete")}, "Remove contact", "Cancel"},
		{"lock", []func(*screenUI){alt('2'), alt('k')}, "Locked", "Type your passphrase"},
		{"pair", []func(*screenUI){alt('2'), enter("/pair")}, "Pair a device", "Expires in"},
		{"backup", []func(*screenUI){alt('2'), enter("/backup ~/jarvis.backup")}, "Backup", "Cancel"},
		{"passwd", []func(*screenUI){alt('2'), enter("/passwd")}, "Change passphrase", "Cancel"},
		{"wipe", []func(*screenUI){alt('2'), enter("/wipe")}, "Wipe this identity", "Cancel"},
		{"search", []func(*screenUI){alt('2'), enter("/search lunch")}, "Search all conversations", "No messages match"},
		{"search here", []func(*screenUI){alt('2'), enter("/search --here lunch")}, "Search in Bob", "indexing 25%"},
		// Message operations (selection.go).
		{"delete message", []func(*screenUI){alt('2'), onMessage('d')}, "Delete message", "Cancel"},
		{"message info", []func(*screenUI){alt('2'), onMessage('i')}, "Message", "Close"},
	}
	for _, size := range phoneSizes {
		for _, tc := range tests {
			t.Run(fmt.Sprintf("%s at %dx%d", tc.name, size[0], size[1]), func(t *testing.T) {
				s := startWithCore(t, cjkCore(), size[0], size[1])
				s.wait("#Team")
				for _, step := range tc.open {
					step(s)
				}
				s.wait(tc.tail)
				checkFrame(t, s, tc.title, tc.tail)
				s.quit()
			})
		}
	}
}

func TestTheLinkCodeShowsWholeAtAnyWidth(t *testing.T) {
	for _, size := range phoneSizes {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			core := cjkCore()
			s := startWithCore(t, core, size[0], size[1])
			s.wait("#Team")
			s.enter("/code")
			s.wait("Copy")
			if size[0] >= 60 {
				checkFrame(t, s, "Your link code", "Send this code")
				s.quit()
				return
			}
			s.wait("Widen the window")
			s.wait("hold Shift and")
			var all strings.Builder
			for _, row := range screenCells(s) {
				line := strings.Join(row, "")
				if strings.Contains(line, "║") || strings.Contains(line, "│") {
					t.Fatalf("a border beside the code: %q", line)
				}
				all.WriteString(strings.TrimSpace(line))
			}
			if !strings.Contains(all.String(), core.self.Code) {
				t.Fatalf("the code is not on the screen whole:\n%s", s.contents())
			}
			s.quit()
		})
	}
}

func TestFirstScreensFitOnAPhone(t *testing.T) {
	for _, size := range phoneSizes {
		t.Run(fmt.Sprintf("create at %dx%d", size[0], size[1]), func(t *testing.T) {
			acc := openAccount(t, t.TempDir())
			t.Cleanup(func() { acc.Close() })
			s := startUI(t, acc, size[0], size[1])
			s.wait("Your name")
			checkFrame(t, s, "Jarvis · new identity", "Ctrl+Q quits.")
			checkFrame(t, s, "Jarvis · new identity", "Enter on the last line creates it.")
			s.quit()
		})
		t.Run(fmt.Sprintf("unlock at %dx%d", size[0], size[1]), func(t *testing.T) {
			dir := t.TempDir()
			acc := openAccount(t, dir)
			if err := acc.Create(context.Background(), "Alice", []byte(testPass)); err != nil {
				t.Fatal(err)
			}
			acc.Close()
			acc = openAccount(t, dir)
			t.Cleanup(func() { acc.Close() })
			s := startUI(t, acc, size[0], size[1])
			s.wait("Passphrase")
			checkFrame(t, s, "Jarvis · unlock", "quits.")
			s.quit()
		})
	}
}
