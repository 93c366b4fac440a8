package tui

import (
	"testing"
	"time"
)

// The pump gets one due time at a time, and it is the earliest asked for:
// a later notice must not push back a typing indicator's expiry.
func TestExpireAtKeepsTheEarliestDueTime(t *testing.T) {
	u := &UI{expiry: make(chan time.Time, 1)}
	now := time.Now()
	u.expireAt(now.Add(10 * time.Second))
	u.expireAt(now.Add(6 * time.Second))
	u.expireAt(now.Add(8 * time.Second))
	select {
	case got := <-u.expiry:
		if !got.Equal(now.Add(6 * time.Second)) {
			t.Fatalf("due at +%v, want +6s", got.Sub(now))
		}
	default:
		t.Fatal("no due time for the pump")
	}
	(&UI{}).expireAt(now) // before the core starts there is no pump: no block, no panic
}
