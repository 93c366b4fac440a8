package tui

import (
	"jarvis/crypto"
	"testing"
	"time"

	"jarvis/app"
)

func TestMergeLinesPlacesSystemLinesByTimeAndKeepsEchoes(t *testing.T) {
	t0 := time.Unix(1000, 0)
	msg := func(id byte, cursor int64, at time.Duration) app.Message {
		return app.Message{ID: crypto.MessageID{id}, Cursor: cursor, At: t0.Add(at)}
	}
	page := []app.Message{msg(1, 10, 0), msg(2, 11, 2*time.Second)}
	old := []line{
		{system: "ann added bob", msg: app.Message{At: t0.Add(time.Second)}},
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
		if l.system != "" {
			name = "sys"
		}
		if name != want[i] {
			t.Fatalf("line %d is %s, want %s", i, name, want[i])
		}
	}
}
