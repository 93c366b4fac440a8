package tui

import (
	"testing"

	"jarvis/app"
)

// A burst of core events is applied in one batch, up to the cap, in order,
// so the UI renders once for it instead of once per event.
func TestNextEventsTakesWhatIsQueuedUpToTheCap(t *testing.T) {
	tests := []struct {
		name          string
		queued, limit int
		closed        bool
		want          int
	}{
		{"nothing queued", 0, 8, false, 1},
		{"all queued", 5, 8, false, 6},
		{"capped", 20, 8, false, 8},
		{"closed after the queued", 3, 8, true, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			events := make(chan app.Event, tt.queued)
			for i := range tt.queued {
				events <- app.Failure{Op: string(rune('a' + i))}
			}
			if tt.closed {
				close(events)
			}
			got := nextEvents(app.Failure{Op: "first"}, events, tt.limit)
			if len(got) != tt.want {
				t.Fatalf("batch of %d, want %d", len(got), tt.want)
			}
			if got[0].(app.Failure).Op != "first" {
				t.Fatalf("batch starts with %v", got[0])
			}
			for i, ev := range got[1:] {
				if op := ev.(app.Failure).Op; op != string(rune('a'+i)) {
					t.Fatalf("event %d is %q: out of order", i+1, op)
				}
			}
			if left := len(events); left != max(0, tt.queued-(tt.want-1)) {
				t.Fatalf("%d left queued", left)
			}
		})
	}
}
