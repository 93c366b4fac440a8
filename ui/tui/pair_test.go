package tui

import (
	"errors"
	"testing"
	"time"

	"jarvis/app"
	"jarvis/crypto"
)

// pairingCore is a fakeCore that pairs on request.
type pairingCore struct {
	*fakeCore
	offer   app.PairOffer
	joinErr error
}

func (p *pairingCore) StartPairing() (app.PairOffer, error) {
	p.record("pair start")
	return p.offer, nil
}
func (p *pairingCore) BeginJoin(code string) error { p.record("join " + code); return p.joinErr }
func (p *pairingCore) CancelPairing()              { p.record("pair cancel") }

func TestPairShowsTheCodeThenOpensTheNewContact(t *testing.T) {
	core := &pairingCore{
		fakeCore: &fakeCore{self: app.Self{ID: crypto.ID{1}, Name: "Alice"}, events: make(chan app.Event)},
		offer:    app.PairOffer{Code: "4711 0815", Expires: time.Now().Add(2 * time.Minute)},
	}
	for _, size := range [][2]int{{42, 24}, {100, 30}} {
		t.Run("", func(t *testing.T) {
			s := startWithCore(t, core, size[0], size[1])
			s.wait("type /code")
			s.enter("/pair")
			s.wait("/pair 4711 0815")
			s.wait("4 7 1 1   0 8 1 5")
			s.wait("Expires in 1:5")
			bob := app.Contact{ID: crypto.ID{2}, Name: "Bob", State: app.ContactAccepted, Verified: true}
			core.events <- app.ContactAdded{Contact: bob}
			core.events <- app.Paired{Contact: bob}
			s.wait("Paired with Bob")
			s.waitGone("4 7 1 1   0 8 1 5")
			s.quit()
		})
	}
}

func TestPairWithACodeLooksForTheDeviceAndReportsFailure(t *testing.T) {
	core := &pairingCore{fakeCore: &fakeCore{self: app.Self{ID: crypto.ID{1}, Name: "Alice"}, events: make(chan app.Event)}}
	s := startWithCore(t, core, 60, 20)
	s.wait("type /code")
	s.enter("/pair 4711 0815")
	s.wait("Looking for the device showing 4711 0815")
	core.events <- app.PairFailed{Err: errors.New("The code didn't match. Ask for a new code and try again.")}
	s.wait("Pairing failed: The code didn't match.")
	core.joinErr = errors.New("A pairing code is 8 digits, like 1234 5678.")
	s.enter("/pair 12")
	s.wait("A pairing code is 8 digits")
}
