package tui

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gdamore/tcell/v2"

	"jarvis/app"
	"jarvis/crypto"
	"jarvis/p2p/tor"
)

const testOnion = "vww6ybal4bd7szmgncyruucpgfkqahzddi37ktceo3ah7ngmcopnpyyd.onion:7420"

// bobCore is a fake core with one accepted contact, Bob, reached as c
// says, and our Tor path in st.
func bobCore(bob app.Contact, st app.TorStatus) *fakeCore {
	bob.ID, bob.Name, bob.State = crypto.ID{2}, "Bob", app.ContactAccepted
	return &fakeCore{
		self: app.Self{ID: crypto.ID{1}, Name: "Alice", ListenAddr: "0.0.0.0:7420",
			Addrs: []string{"192.0.2.1:7420", testOnion}, Onion: testOnion},
		tor:      st,
		contacts: []app.Contact{bob},
		events:   make(chan app.Event),
	}
}

// bar is the status bar: the bottom row.
func (s *screenUI) bar() string {
	rows := strings.Split(strings.TrimSuffix(s.contents(), "\n"), "\n")
	return rows[len(rows)-1]
}

// waitBar polls until the status bar, the bottom row, holds every one
// of want.
func (s *screenUI) waitBar(want ...string) {
	s.t.Helper()
	deadline := time.Now().Add(waitFor)
	for {
		bar := s.bar()
		missing := ""
		for _, w := range want {
			if !strings.Contains(bar, w) {
				missing = w
			}
		}
		if missing == "" {
			return
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("status bar never showed %q; it shows %q", missing, bar)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestStatusBarShowsEachTorStateOnAPhoneWideScreen(t *testing.T) {
	core := bobCore(app.Contact{Online: true, Path: app.PathDirect}, app.TorStatus{State: app.TorStateStarting})
	s := startWithCore(t, core, 42, 20)
	s.waitBar("tor starting") // from TorStatus, before any event
	for _, tt := range []struct {
		st   app.TorStatus
		want string
	}{
		{app.TorStatus{State: app.TorStateBootstrapping, Progress: 45}, "tor 45%"},
		{app.TorStatus{State: app.TorStateReady, Progress: 100, Onion: testOnion}, "onion ready"},
		{app.TorStatus{State: app.TorStateUnavailable, Err: tor.ErrNotInstalled}, "no tor: not installed"},
		{app.TorStatus{State: app.TorStateUnavailable, Err: errors.New("tor exited unexpectedly")}, "tor unavailable"},
		{app.TorStatus{State: app.TorStateOff}, "direct only"},
	} {
		core.events <- app.EngineStatus{Up: true, Tor: tt.st}
		// Who is online must stay in view beside Tor at 42 columns.
		s.waitBar("● 1/1 online", tt.want)
	}
	core.events <- app.EngineStatus{Tor: app.TorStatus{State: app.TorStateUnavailable, Err: tor.ErrNotInstalled}}
	s.waitBar("● offline (network down) · no tor") // Tor gives way first
}

func TestStatusBarKeepsNameAndIDWhenThereIsRoom(t *testing.T) {
	core := bobCore(app.Contact{}, app.TorStatus{State: app.TorStateOff})
	s := startWithCore(t, core, 100, 20)
	s.waitBar("Alice · " + crypto.ID{1}.Short() + " · ● offline (network down) · direct only · F1 help")
}

func TestHeaderFollowsHowTheContactIsReached(t *testing.T) {
	core := bobCore(app.Contact{Online: true, Path: app.PathDirect, Remote: "192.0.2.7:7420"},
		app.TorStatus{State: app.TorStateReady, Onion: testOnion})
	s := startWithCore(t, core, 100, 20)
	s.wait("Bob unverified · direct 192.0.2.7:7420 · ")
	now := time.Now()
	seen := time.Date(now.Year(), now.Month(), now.Day(), 14, 2, 0, 0, time.Local)
	bob := crypto.ID{2}
	for _, tt := range []struct {
		ev   app.PeerStatus
		want string
	}{
		{app.PeerStatus{ID: bob, LastSeen: seen}, "Bob unverified · offline (last seen 14:02) · "},
		{app.PeerStatus{ID: bob, Online: true, Path: app.PathOnion, Remote: testOnion}, "Bob unverified · onion · "},
		{app.PeerStatus{ID: bob, Online: true, Path: "lan", Remote: "192.168.1.5:7420"}, "Bob unverified · LAN 192.168.1.5:7420 · "},
		{app.PeerStatus{ID: bob}, "Bob unverified · offline · "},
	} {
		core.events <- tt.ev
		s.wait(tt.want)
	}
}

func TestNarrowHeaderKeepsVerificationAndShortensThePath(t *testing.T) {
	core := bobCore(app.Contact{Online: true, Path: app.PathDirect, Remote: "192.0.2.7:7420"}, app.TorStatus{State: app.TorStateOff})
	s := startWithCore(t, core, 42, 20)
	s.wait(" ● Bob unverified · direct · 1/1 ")
	core.events <- app.PeerStatus{ID: crypto.ID{2}}
	s.wait(" ○ Bob unverified · offline · 1/1 ")
}

func TestInfoSaysHowTheContactIsReached(t *testing.T) {
	core := bobCore(app.Contact{Online: true, Path: app.PathOnion, Remote: "abc.onion:7420"}, app.TorStatus{State: app.TorStateReady})
	s := startWithCore(t, core, 100, 30)
	s.wait("Bob unverified · onion · ")
	s.enter("/info")
	s.wait("Reached  onion abc.onion:7420")
	s.key(tcell.KeyEsc)
	s.waitGone("Reached")
	core.events <- app.PeerStatus{ID: crypto.ID{2}, Online: true, Path: app.PathDirect, Remote: "192.0.2.7:7420"}
	s.wait("direct 192.0.2.7:7420")
	s.enter("/info")
	s.wait("Reached  direct 192.0.2.7:7420")
}

func TestStatusCommandShowsTorInFull(t *testing.T) {
	core := bobCore(app.Contact{}, app.TorStatus{State: app.TorStateUnavailable, Err: tor.ErrNotInstalled})
	s := startWithCore(t, core, 100, 30)
	s.wait("Bob unverified · offline") // opening Bob's chat would replace a line typed before it
	s.waitBar("no tor: not installed")
	s.enter("/status")
	// The core's words, which say what to install.
	s.wait("Tor      unavailable — tor is not installed: install the tor")
	s.wait("apt install tor")
	s.key(tcell.KeyEsc)
	s.waitGone("Tor      ")
	core.events <- app.EngineStatus{Up: true, Tor: app.TorStatus{State: app.TorStateBootstrapping, Progress: 80}}
	s.waitBar("tor 80%")
	s.enter("/status")
	s.wait("Tor      connecting, 80%")
	s.key(tcell.KeyEsc)
	s.waitGone("Tor      ")
	core.events <- app.EngineStatus{Up: true, Tor: app.TorStatus{State: app.TorStateReady, Onion: testOnion}}
	s.waitBar("onion ready")
	s.enter("/status")
	s.wait("Tor      ready — contacts reach you at")
	s.wait(testOnion[:40])
	s.key(tcell.KeyEsc)
	s.waitGone("Tor      ")
	s.enter("/code") // says whether the onion address in the code answers
	s.wait("Tor: ready — contacts reach you at")
}

func TestReachNamesEveryPath(t *testing.T) {
	now := time.Date(2026, 12, 2, 18, 0, 0, 0, time.Local)
	for _, tt := range []struct {
		c          app.Contact
		full, want string
	}{
		{app.Contact{Online: true, Path: app.PathDirect, Remote: "192.0.2.7:7420"}, "direct 192.0.2.7:7420", "direct 192.0.2.7:7420"},
		{app.Contact{Online: true, Path: app.PathOnion, Remote: "x.onion:1"}, "onion x.onion:1", "onion"},
		{app.Contact{Online: true, Path: app.PathOnion}, "onion", "onion"},
		{app.Contact{Online: true, Path: "lan"}, "LAN", "LAN"},
		{app.Contact{LastSeen: now.Add(-time.Hour)}, "offline (last seen 17:00)", "offline (last seen 17:00)"},
		{app.Contact{LastSeen: now.Add(-24 * time.Hour)}, "offline (last seen 1 Dec 18:00)", "offline (last seen 1 Dec 18:00)"},
		{app.Contact{}, "offline", "offline"},
		{app.Contact{Online: true, Path: app.PathDirect, Remote: "[red]x"}, "direct [red[]x", "direct [red[]x"},
	} {
		if got := reach(tt.c, true, now); got != tt.full {
			t.Errorf("reach(%+v, full) = %q, want %q", tt.c, got, tt.full)
		}
		if got := reach(tt.c, false, now); got != tt.want {
			t.Errorf("reach(%+v) = %q, want %q", tt.c, got, tt.want)
		}
	}
}

func TestFitPartsShortensThenDropsTheLowestRankFirst(t *testing.T) {
	parts := []barPart{
		{text: "Alice", rank: 3},
		{text: "● offline (network down)", short: "● network down", rank: 6},
		{text: "no tor: not installed", short: "no tor", rank: 5},
	}
	for _, tt := range []struct {
		width int
		want  string
	}{
		{0, " Alice · ● offline (network down) · no tor: not installed"},
		{60, " Alice · ● offline (network down) · no tor: not installed"},
		{50, " ● offline (network down) · no tor: not installed"},
		{40, " ● offline (network down) · no tor"},
		{30, " ● offline (network down)"},
		{20, " ● network down"},
		{5, " ● network down"}, // the last part stays, cut by the view
	} {
		if got := fitParts(parts, tt.width); got != tt.want {
			t.Errorf("width %d: %q, want %q", tt.width, got, tt.want)
		}
	}
	if parts[2].text != "no tor: not installed" {
		t.Errorf("fitParts changed its argument: %+v", parts)
	}
}

// With --tor only there is no listen address: the bar shows no empty slot.
func TestFitPartsSkipsEmptyParts(t *testing.T) {
	parts := []barPart{{text: "Bob", rank: 3}, {text: "", rank: 1}, {text: "onion ready", rank: 5}}
	if got := fitParts(parts, 0); got != " Bob · onion ready" {
		t.Errorf("got %q", got)
	}
}

func TestTheStatusBarListsActivityElsewhereFirstOnAPhone(t *testing.T) {
	core, bob, _ := teamCore()
	chatWith(core, bob, 3, 0)
	carol := crypto.ID{3}
	core.contacts = append(core.contacts, app.Contact{ID: carol, Name: "Carol", State: app.ContactPendingIn,
		LastActivity: time.Now().Add(-2 * time.Hour)})
	core.self.ListenAddr = "0.0.0.0:7420"
	s := startWithCore(t, core, 42, 24)
	s.wait("Carol wants to add you")                     // nothing unread: the first, a request
	s.screen.InjectKey(tcell.KeyRune, '2', tcell.ModAlt) // #Team
	s.wait("#Team")
	for i := 3; i < 6; i++ {
		core.events <- app.MessageReceived{Message: app.Message{ID: crypto.MessageID{0xaa, byte(i)},
			Conversation: app.ContactChat(bob), Author: bob, Text: fmt.Sprintf("msg %d", i+1), At: time.Now(),
			SentAt: time.Now(), Cursor: int64(i + 1)}}
	}
	s.waitBar("Act: 1 3(3) · ● offline")
	s.screen.InjectKey(tcell.KeyRune, '3', tcell.ModAlt) // Bob: read, off the list
	s.wait("Bob: msg 3")                                 // the fake core's history is fixed
	s.waitBar("Act: 1 · ")

	wide := startWithCore(t, cjkCore(), 200, 30)
	wide.waitBar("F1 help")
	wide.key(tcell.KeyF1)
	wide.wait("Help — Esc closes")
	wide.key(tcell.KeyEsc)
	wide.waitGone("Help — Esc closes")
	if bar := wide.bar(); strings.Contains(bar, "F1") || strings.Contains(bar, "7420") {
		t.Fatalf("the bar still points at help, or shows our address, after help was seen: %q", bar)
	}
}

// A restored copy of this identity took a contact over: the bar says so
// for good, also on a phone, not just a notice that fades.
func TestTheBarSaysWhenTheIdentityIsActiveOnAnotherDevice(t *testing.T) {
	core, _, _ := teamCore()
	s := startWithCore(t, core, 42, 24)
	s.wait("#Team")
	core.events <- app.Failure{Op: "staying connected", Err: app.ErrActiveElsewhere}
	s.wait("This identity is active on another device")
	s.waitBar("other device")
	wide := startWithCore(t, cjkCore(), 120, 30)
	wide.wait("#Team")
	if bar := wide.bar(); strings.Contains(bar, "another device") {
		t.Fatalf("the bar speaks of another device before any said so: %q", bar)
	}
}
