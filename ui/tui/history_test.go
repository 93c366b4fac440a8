package tui

import (
	"testing"
	"time"

	"jarvis/app"
	"jarvis/crypto"
)

func TestMergeLinesPlacesSystemLinesByTimeAndKeepsEchoes(t *testing.T) {
	t0 := time.Unix(1000, 0)
	msg := func(id byte, cursor int64, at time.Duration) app.Message {
		return app.Message{ID: crypto.MessageID{id}, Cursor: cursor, At: t0.Add(at)}
	}
	page := []app.Message{msg(1, 10, 0), msg(2, 11, 2*time.Second)}
	old := []line{
		{msg: app.Message{System: true, Text: "ann added bob", At: t0.Add(time.Second)}},
		{msg: msg(2, 11, 2*time.Second)},                                                    // already in the page
		{msg: app.Message{ID: crypto.MessageID{9}, Outgoing: true, State: app.StateQueued}}, // an echo
		{msg: msg(3, 12, 3*time.Second)},                                                    // newer than the page
	}
	got := mergeLines(page, old)
	want := []string{"1", "sys", "2", "9", "3"}
	if len(got) != len(want) {
		t.Fatalf("got %d lines, want %d", len(got), len(want))
	}
	for i, l := range got {
		name := string('0' + l.msg.ID[0])
		if !l.isMessage() {
			name = "sys"
		}
		if name != want[i] {
			t.Fatalf("line %d is %s, want %s", i, name, want[i])
		}
	}
}

func TestMergeLinesShowsAStoredSystemLineOnceWhenHistoryReloadsAfterTheLiveEvent(t *testing.T) {
	t0 := time.Unix(1000, 0)
	sys := app.Message{ID: crypto.MessageID{7}, Cursor: 11, At: t0, System: true, Text: "ann renamed herself to anna"}
	var c conversation
	c.addSystem(app.GroupSystem{Text: sys.Text, ID: sys.ID, Cursor: sys.Cursor}, t0)
	c.lines = mergeLines([]app.Message{{ID: crypto.MessageID{1}, Cursor: 10, At: t0}, sys}, c.lines)
	c.addSystem(app.GroupSystem{Text: sys.Text, ID: sys.ID, Cursor: sys.Cursor}, t0) // the event, late
	count := 0
	for _, l := range c.lines {
		if !l.isMessage() {
			count++
		}
	}
	if count != 1 || len(c.lines) != 2 {
		t.Fatalf("got %d system lines in %d lines, want 1 in 2", count, len(c.lines))
	}
	if c.oldestCursor() != 10 {
		t.Fatalf("oldest cursor %d, want 10", c.oldestCursor())
	}
}
