package tui

import (
	"strings"
	"testing"

	"github.com/gdamore/tcell/v2"

	"jarvis/app"
)

func TestANoticeWrapsOnAPhoneAndLeavesRoomForTyping(t *testing.T) {
	core, bob, _ := teamCore()
	s := startWithCore(t, core, 42, 24)
	s.wait("#Team")
	s.screen.InjectKey(tcell.KeyRune, '2', tcell.ModAlt) // Bob
	s.wait("Bob")
	s.enter("/kik Bob")
	s.wait("Did you mean") // the notice's start…
	s.wait("with /.")      // …and its end, wrapped, not cut
	core.events <- app.Typing{Contact: bob, Active: true}
	s.wait("Bob is typing…")
	if !strings.Contains(s.contents(), "with /.") {
		t.Fatalf("the typing line hid the notice:\n%s", s.contents())
	}
	s.quit()
}

func TestANoticeBelongsToItsConversation(t *testing.T) {
	core, bob, team := teamCore()
	s := startWithCore(t, core, 100, 30)
	s.wait("#Team")
	s.screen.InjectKey(tcell.KeyRune, '1', tcell.ModAlt) // #Team
	s.wait("#Team · 2 members")
	s.enter("/topic")
	s.wait("Usage: /topic")
	s.screen.InjectKey(tcell.KeyRune, '2', tcell.ModAlt) // Bob
	s.waitGone("Usage: /topic")                          // cleared on switching

	// A command's outcome that lands while another conversation is open
	// waits for its own.
	s.do(func(u *UI) { u.noticeIn(app.GroupChat(team), "Removed Carol from the group.") })
	s.do(func(u *UI) { u.noticeIn(app.ContactChat(bob), "Renamed to Bobby B.") })
	s.wait("Renamed to Bobby B.")
	if strings.Contains(s.contents(), "Removed Carol") {
		t.Fatalf("a group's notice shows in a chat:\n%s", s.contents())
	}
	s.screen.InjectKey(tcell.KeyRune, '1', tcell.ModAlt)
	s.wait("Removed Carol from the group.")
	s.quit()
}
