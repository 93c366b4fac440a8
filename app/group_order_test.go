package app

import (
	"context"
	"fmt"
	"testing"
)

// TestGroupMessagesFromWhileAMemberWasAwayComeInOrder: b is stopped while
// a writes to the group, then started while a goes on writing. b must show
// a's messages in the order a wrote them: a live message past the gap
// waits for the sync that fills it instead of being shown first (the soak
// found b showing the live ones, then the missed ones after them).
func TestGroupMessagesFromWhileAMemberWasAwayComeInOrder(t *testing.T) {
	a := newNode(t, "a", t.TempDir(), "")
	b := newNode(t, "b", t.TempDir(), "")
	gid := makeGroup(t, a, b)
	ctx := context.Background()
	send := func(from, to int) {
		for i := from; i < to; i++ {
			if _, err := a.core.Send(ctx, GroupChat(gid), fmt.Sprintf("a %03d", i)); err != nil {
				t.Fatal(err)
			}
		}
	}
	send(0, 5)
	b.waitFor("a 004", isGroupText(gid, "a 004"))
	b.stop()
	send(5, 20)
	b = newNode(t, "b", b.dir, b.listen)
	send(20, 60)
	b.waitFor("a 059", isGroupText(gid, "a 059"))
	var got []string
	eventually(t, "b holds all 60", func() bool {
		hist, err := b.core.History(ctx, GroupChat(gid), 0, 1000)
		if err != nil {
			t.Fatal(err)
		}
		got = got[:0]
		for _, m := range withoutSystem(hist) {
			got = append(got, m.Text)
		}
		return len(got) >= 60
	})
	for i, text := range got {
		if want := fmt.Sprintf("a %03d", i); text != want || len(got) != 60 {
			t.Fatalf("b holds %d messages; #%d is %q, want %q (each once, in order): %q", len(got), i, text, want, got)
		}
	}
}
