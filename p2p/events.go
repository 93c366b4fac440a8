package p2p

import (
	"jarvis/crypto"
	"jarvis/p2p/wire"
)

// Target is a peer the engine should keep a session with.
type Target struct {
	Keys  crypto.PublicIdentity
	Addrs []string
}

// PeerInfo describes an authenticated session.
type PeerInfo struct {
	ID       crypto.ID
	Keys     crypto.PublicIdentity
	Addrs    []string // the peer's advertised addresses, from its Hello
	Remote   string   // the socket's remote address (a local proxy's, for a conn through Tor)
	Dialed   string   // outbound: the address we dialled; "" for inbound
	Network  string   // inbound from a Config.Listeners entry: its Network; "" otherwise
	Outbound bool     // we dialled
	Session  uint64   // unique per engine; PeerDown and Received carry it
}

// Event is PeerUp, PeerDown or Received.
type Event interface{ isEvent() }

// PeerUp reports an authenticated session; it may replace an earlier session
// with the same peer, whose PeerDown is emitted first.
type PeerUp struct{ Peer PeerInfo }

// PeerDown reports that a session ended, and why.
type PeerDown struct {
	ID      crypto.ID
	Session uint64
	Err     error
}

// Received carries the application messages of one transport frame, in order.
type Received struct {
	From    crypto.ID
	Session uint64
	Msgs    []wire.Message
}

func (PeerUp) isEvent()   {}
func (PeerDown) isEvent() {}
func (Received) isEvent() {}
