package tui

import (
	"fmt"
	"strings"
	"time"

	"github.com/rivo/tview"

	"jarvis/app"
)

// pairer runs pairing by short code (app/pairing.go).
type pairer interface {
	StartPairing() (app.PairOffer, error)
	BeginJoin(code string) error
	CancelPairing()
}

// pairState is the code this device shows, while the pairing dialog is up.
type pairState struct {
	offer app.PairOffer
	tick  *time.Timer // redraws the countdown; nil when no code is shown
}

// pairDevice is /pair: bare, it shows a code for the other device; with a
// code, it looks for the device showing it.
func pairDevice(u *UI, c call) bool {
	if c.arg != "" {
		if err := u.core.BeginJoin(c.arg); err != nil {
			u.notice(err.Error())
			return false
		}
		u.notice("Looking for the device showing " + c.arg + " on this network…")
		return true
	}
	offer, err := u.core.StartPairing()
	if err != nil {
		u.notice(err.Error())
		return false
	}
	u.stopPairTick()
	u.pairing.offer = offer
	u.showPairDialog()
	return true
}

func (u *UI) showPairDialog() {
	body := textBody(pairText(u.pairing.offer, time.Now()))
	body.SetTextAlign(1) // centred: the code is what the eye looks for
	u.showDialog("pair", "Pair a device", body, 46, dialogButton{"Cancel", func() {
		u.core.CancelPairing()
		u.endPairing()
	}})
	u.armPairTick(body)
}

// armPairTick redraws the countdown every second while the dialog shows
// this offer. The end itself comes as an event (Paired or PairFailed).
func (u *UI) armPairTick(body *tview.TextView) {
	offer := u.pairing.offer
	u.pairing.tick = time.AfterFunc(time.Second, func() {
		u.post(func() {
			if u.dialog != "pair" || u.pairing.offer != offer || !time.Now().Before(offer.Expires) {
				return
			}
			body.SetText(pairText(offer, time.Now()))
			u.armPairTick(body)
		})
	})
}

func pairText(o app.PairOffer, now time.Time) string {
	left := max(0, o.Expires.Sub(now).Round(time.Second))
	spaced := strings.Join(strings.Split(o.Code, ""), " ")
	return fmt.Sprintf("On the other device type\n\n[::b]/pair %s[::-]\n\n[::b]%s[::-]\n\nIt works once. Expires in %d:%02d.",
		o.Code, spaced, int(left.Minutes()), int(left.Seconds())%60)
}

func (u *UI) stopPairTick() {
	if u.pairing.tick != nil {
		u.pairing.tick.Stop()
		u.pairing.tick = nil
	}
}

// endPairing closes the pairing dialog, if it is up.
func (u *UI) endPairing() {
	u.stopPairTick()
	u.pairing.offer = app.PairOffer{}
	if u.dialog == "pair" {
		u.closeDialog()
	}
}

// handlePairEvent opens the chat with a contact just paired, or says why
// pairing failed.
func (u *UI) handlePairEvent(ev app.Event) {
	switch e := ev.(type) {
	case app.Paired:
		u.endPairing()
		conv := u.upsertContact(e.Contact)
		u.sortConvs()
		u.open(conv.id)
		u.notice("Paired with " + plainPeerText(e.Contact.Name, false) + ": a verified contact. Say hello.")
	case app.PairFailed:
		u.endPairing()
		u.notice("Pairing failed: " + e.Err.Error())
	}
}
