package tui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"jarvis/crypto"
)

func TestTypingHintRepeatsRarelyAndStopsOnce(t *testing.T) {
	var told []string
	h := typingHint{tell: func(to crypto.ID, active bool) { told = append(told, fmt.Sprint(to[0], active)) }}
	bob, carol := crypto.ID{2}, crypto.ID{3}
	t0 := time.Now()
	h.stop() // nothing told yet: nothing to stop
	h.typing(bob, t0)
	h.typing(bob, t0.Add(time.Second)) // too soon to repeat
	h.typing(bob, t0.Add(typingRepeat))
	h.typing(carol, t0.Add(typingRepeat)) // switched: Bob hears we stopped
	h.stop()
	h.stop()
	want := "2 true,2 true,2 false,3 true,3 false"
	if got := strings.Join(told, ","); got != want {
		t.Fatalf("told %s, want %s", got, want)
	}
}

func TestIsCommandLeavesDoubleSlashToMessages(t *testing.T) {
	for line, want := range map[string]bool{"/help": true, "/": true, "//help": false, "hi /x": false, "": false} {
		if got := isCommand(line); got != want {
			t.Errorf("isCommand(%q) = %v, want %v", line, got, want)
		}
	}
}
