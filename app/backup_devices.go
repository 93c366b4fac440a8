package app

import (
	"errors"

	"jarvis/p2p"
)

// ErrActiveElsewhere is what a device hears when a contact has taken up a
// session with this identity from another device, such as one restored
// from a backup (PROTOCOL.md, "Two devices"). That contact is not
// redialled, so the two devices do not fight over it.
var ErrActiveElsewhere = errors.New("this identity is active on another device; quit Jarvis here, or restart it here to take over")

// noteSuperseded tells the user, once per run, when a session ended
// because a contact now talks to this identity on another device.
func (c *Core) noteSuperseded(ev p2p.PeerDown) {
	if errors.Is(ev.Err, p2p.ErrSuperseded) && c.elsewhere.CompareAndSwap(false, true) {
		c.log.Warn("identity active on another device")
		c.emit(Failure{Op: "staying connected", Err: ErrActiveElsewhere})
	}
}
