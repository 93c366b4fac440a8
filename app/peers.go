package app

import (
	"bytes"
	"errors"
	"log/slog"
	"maps"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"jarvis/crypto"
	"jarvis/p2p"
	"jarvis/p2p/wire"
)

// Holders: each manager holds the peers it needs under its own name, so
// one letting go of a peer never cuts another off.
const (
	holdContacts p2p.Holder = "contacts"
	holdGroups   p2p.Holder = "groups"
)

// Paths a session can take.
const (
	PathDirect = "direct" // a TCP connection we dialled or accepted
	PathOnion  = "onion"  // through Tor, to or from an onion service
	PathLAN    = "lan"    // direct, to a private or link-local address: the same network
)

// Presence is one peer's entry in the presence table.
type Presence struct {
	Online  bool
	Since   time.Time // when the current session came up
	Path    string    // how we reach the peer: PathDirect, PathLAN or PathOnion
	Remote  string    // direct: the socket's remote address; onion: the onion address we dialled, or ""
	Session uint64    // the engine's session number; changes on reconnect

	info p2p.PeerInfo // keys and advertised addresses from the peer's Hello
}

// presenceTable is immutable once published.
type presenceTable map[crypto.ID]Presence

// network is what peers needs from the engine; tests swap in a fake.
//
// Transports (Tor, LAN) plug in below this seam: the engine gains ways to
// reach a peer and reports the path in PeerInfo; peers and the managers
// above stay as they are.
type network interface {
	Connect(t p2p.Target, h p2p.Holder)
	Release(id crypto.ID, h p2p.Holder)
	TrySend(id crypto.ID, msgs ...wire.Message) error
	MaxBatch() int
	Drop(id crypto.ID, session uint64, why error) // close one session now
}

// How the network side of app fits together (every arrow a channel or a
// call that never waits on a peer):
//
//	engine.Events ─▶ router ─ presence ─▶ peers.presence (atomic snapshot)
//	                   │ per route, per-peer FIFOs, round-robin feeder
//	                   ├─▶ contacts.events      (PeerUp/Down, 1:1 messages)
//	                   └─▶ groups.events        (PeerUp/Down, group messages)
//	                   └─ over high water: engine.PauseReads(peer)
//	contacts, groups ─▶ peers.connect/release/hold ─▶ engine.Connect/Release (per holder)
//	contacts, groups ─▶ peers.send ─▶ engine.TrySend (ErrQueueFull: park)
//	engine.OnWritable ─▶ peers.room(holder) ─▶ flush and sync jobs resume
//
// peers is the one owner of connections and presence. Managers ask it to
// hold or release a peer and to send; nothing else calls the engine. It
// publishes presence as one immutable snapshot that any goroutine reads
// without a round trip. The router is the only writer of presence.
type peers struct {
	net      network
	log      *slog.Logger
	now      func() time.Time
	presence atomic.Pointer[presenceTable]
	rooms    map[p2p.Holder]chan struct{} // fixed at construction
	addrs    addrPolicy                   // fixed before Start

	mu   sync.Mutex
	held map[p2p.Holder]map[crypto.ID]p2p.Target // each holder's own addresses
	seen map[crypto.ID]time.Time                 // when each peer's last session ended
	// recorded holds the addresses of each peer's newest address record, as
	// accepted (addrBook); every holder dials them first.
	recorded map[crypto.ID][]string
	// heard holds where LAN discovery last heard each peer; dialled before
	// anything else while fresh, as the one address known to work from here.
	heard map[crypto.ID]heardAt
	// lan hears about every change of who is held, to announce us to them
	// and listen for them; nil when LAN discovery is off.
	lan interface{ SetContacts([]crypto.PublicIdentity) }
}

func newPeers(log *slog.Logger, holders ...p2p.Holder) *peers {
	p := &peers{log: log, now: time.Now, rooms: make(map[p2p.Holder]chan struct{}),
		held: make(map[p2p.Holder]map[crypto.ID]p2p.Target), seen: make(map[crypto.ID]time.Time),
		recorded: make(map[crypto.ID][]string), heard: make(map[crypto.ID]heardAt)}
	for _, h := range holders {
		p.rooms[h] = make(chan struct{}, 1)
		p.held[h] = make(map[crypto.ID]p2p.Target)
	}
	empty := presenceTable{}
	p.presence.Store(&empty)
	return p
}

// connect makes h hold t: the engine keeps a session while anyone holds it.
// The addresses of the peer's address record come first.
func (p *peers) connect(h p2p.Holder, t p2p.Target) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.connectLocked(h, t)
}

// connectLocked tells the engine under p.mu, so that record, which redials
// on another goroutine than the holder's, never lets an older address list
// overtake a newer one, nor revives a hold its holder just released. The
// engine never calls back into peers while connecting.
func (p *peers) connectLocked(h p2p.Holder, t p2p.Target) {
	id := t.Keys.ID()
	_, known := p.held[h][id]
	p.held[h][id] = t
	addrs := recordFirst(p.recorded[id], t.Addrs)
	if h, ok := p.heard[id]; ok && p.now().Sub(h.at) < heardFor {
		addrs = recordFirst([]string{h.addr}, addrs)
	}
	t.Addrs = p.addrs.reachable(addrs)
	p.net.Connect(t, h)
	if !known {
		p.feedLANLocked()
	}
}

// feedLANLocked tells LAN discovery everyone held now.
func (p *peers) feedLANLocked() {
	if p.lan == nil {
		return
	}
	seen := make(map[crypto.ID]bool)
	var keys []crypto.PublicIdentity
	for _, held := range p.held {
		for id, t := range held {
			if !seen[id] {
				seen[id] = true
				keys = append(keys, t.Keys)
			}
		}
	}
	p.lan.SetContacts(keys)
}

// heardAt is where and when LAN discovery last heard a peer.
type heardAt struct {
	addr string
	at   time.Time
}

// heardFor is how long a heard address stays first in line: three missed
// announcements (one a minute at most), and the peer has left the network.
const heardFor = 3 * time.Minute

// heardOnLAN redials id at the address LAN discovery heard it from, under
// every holder that holds it.
func (p *peers) heardOnLAN(id crypto.ID, addr string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	prev, ok := p.heard[id]
	p.heard[id] = heardAt{addr: addr, at: p.now()}
	if ok && prev.addr == addr && p.now().Sub(prev.at) < heardFor {
		return // still there: nothing to redial
	}
	for h, held := range p.held {
		if t, ok := held[id]; ok {
			p.connectLocked(h, t)
		}
	}
}

// recordFirst puts a peer's record addresses before a holder's own. It
// drops none of the holder's (each list holds at most crypto.MaxAddrs): a
// record whose addresses do not work from here must not hide the link
// code's.
func recordFirst(record, own []string) []string {
	if len(record) == 0 {
		return own
	}
	out := slices.Clone(record)
	for _, a := range own {
		if !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	return out
}

// record sets the addresses of id's newest address record and redials id
// with them under every holder that holds it.
func (p *peers) record(id crypto.ID, addrs []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.recorded[id] = slices.Clone(addrs)
	for h, held := range p.held {
		if t, ok := held[id]; ok {
			p.connectLocked(h, t)
		}
	}
}

// release drops h's hold on id. A peer nobody holds (a stranger too) is
// hung up.
func (p *peers) release(h p2p.Holder, id crypto.ID) {
	p.mu.Lock()
	delete(p.held[h], id)
	p.feedLANLocked()
	p.mu.Unlock()
	p.net.Release(id, h)
}

// hold makes h hold exactly targets: new ones are connected (or their
// addresses refreshed), ones no longer listed are released. The addresses
// come from others (a group roster), so only those we may dial on a
// peer's word are kept.
func (p *peers) hold(h p2p.Holder, targets []p2p.Target) {
	want := make(map[crypto.ID]struct{}, len(targets))
	for _, t := range targets {
		want[t.Keys.ID()] = struct{}{}
		p.connect(h, p2p.Target{Keys: t.Keys, Addrs: p.addrs.suggested(t.Addrs)})
	}
	p.mu.Lock()
	var gone []crypto.ID
	for id := range p.held[h] {
		if _, ok := want[id]; !ok {
			gone = append(gone, id)
		}
	}
	p.mu.Unlock()
	for _, id := range gone {
		p.release(h, id)
	}
}

// heldByAny reports whether any holder wants a session with id.
func (p *peers) heldByAny(id crypto.ID) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, held := range p.held {
		if _, ok := held[id]; ok {
			return true
		}
	}
	return false
}

// drop closes id's current session now, whoever holds it: for a peer we
// will not talk to at all (a rejected stranger) or no longer (a stranger
// whose request is stored). Its next connection is judged afresh.
func (p *peers) drop(id crypto.ID, why error) {
	pr, ok := p.get(id)
	if !ok {
		return
	}
	p.net.Drop(id, pr.Session, why)
}

// learned keeps the addresses id named for itself that we may dial: ports
// on the IP its live session comes from. Offline, none.
func (p *peers) learned(id crypto.ID, addrs []string) []string {
	pr, ok := p.get(id)
	if !ok {
		return nil
	}
	return p.addrs.observed(addrs, pr.Remote)
}

// send queues msgs on id's session without waiting. ErrQueueFull means try
// again after room(h) fires; ErrNoSession that the peer is offline.
func (p *peers) send(id crypto.ID, msgs ...wire.Message) error {
	if len(msgs) == 0 {
		return nil
	}
	err := p.net.TrySend(id, msgs...)
	if err != nil && !errors.Is(err, p2p.ErrQueueFull) && !errors.Is(err, p2p.ErrNoSession) {
		p.log.Debug("send failed", "peer", id, "err", err)
	}
	return err
}

// bulkSender is the engine's queue for bulk data; fakes of network may
// leave it out, and then bulk goes the ordinary way.
type bulkSender interface {
	TrySendBulkOn(id crypto.ID, session uint64, d wire.FileData) error
}

// sendBulkOn is send for file data, a whole chunk or hash page: it leaves
// after anything else queued for id, so chat never waits behind it; and
// only on the given session (0: the current one), since it answers a
// request made on it.
func (p *peers) sendBulkOn(id crypto.ID, session uint64, d wire.FileData) error {
	b, ok := p.net.(bulkSender)
	if !ok {
		d.Data = bytes.Clone(d.Data) // the caller reuses its buffer; the engine copies too
		return p.send(id, d)
	}
	return b.TrySendBulkOn(id, session, d)
}

// bulkRecycler takes back the buffers of file data: received, or lent
// to read a chunk into.
type bulkRecycler interface {
	RecycleBulk(data []byte)
}

// bulkLender lends buffers to read a chunk into that sendBulkOn then
// sends without copying.
type bulkLender interface {
	BulkData(n int) []byte
}

// bulkData returns n bytes to read file data into for sendBulkOn, lent
// by the engine, or nil if the network lends none. What is not sent goes
// back with recycleBulk.
func (p *peers) bulkData(n int) []byte {
	if l, ok := p.net.(bulkLender); ok {
		return l.BulkData(n)
	}
	return nil
}

// recycleBulk hands the engine back the Data of a received FileData, or a
// buffer from bulkData it did not take, once nothing uses it any more. Any
// goroutine may call it.
func (p *peers) recycleBulk(data []byte) {
	if r, ok := p.net.(bulkRecycler); ok {
		r.RecycleBulk(data)
	}
}

// batch caps a page of n records to what one send can take.
func (p *peers) batch(n int) int { return min(n, p.net.MaxBatch()) }

// room fires when a session that refused a send has room again; h resumes
// whatever it parked.
func (p *peers) room(h p2p.Holder) <-chan struct{} { return p.rooms[h] }

// writable is the engine's OnWritable: it must not block.
func (p *peers) writable(crypto.ID, uint64) {
	for _, c := range p.rooms {
		poke(c)
	}
}

func poke(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// get returns id's presence; the zero Presence means offline.
func (p *peers) get(id crypto.ID) (Presence, bool) {
	pr, ok := (*p.presence.Load())[id]
	return pr, ok
}

func (p *peers) online(id crypto.ID) bool {
	_, ok := p.get(id)
	return ok
}

// observe folds a peer change into the table. Only the router calls it, so
// there is one writer; it runs before the managers see the event.
func (p *peers) observe(ev p2p.Event) {
	switch ev := ev.(type) {
	case p2p.PeerUp:
		p.publish(func(t presenceTable) {
			path, remote := sessionPath(ev.Peer)
			t[ev.Peer.ID] = Presence{
				Online: true, Since: p.now(), Path: path, Remote: remote,
				Session: ev.Peer.Session, info: ev.Peer,
			}
		})
	case p2p.PeerDown:
		if cur, ok := p.get(ev.ID); !ok || cur.Session != ev.Session {
			return // an older session, already replaced
		}
		p.publish(func(t presenceTable) { delete(t, ev.ID) })
		p.mu.Lock()
		for _, held := range p.held {
			if _, ok := held[ev.ID]; ok { // strangers come and go unremembered
				p.seen[ev.ID] = p.now()
				break
			}
		}
		p.mu.Unlock()
	}
}

// lastSeen is when id's last session ended, zero if none since start.
func (p *peers) lastSeen(id crypto.ID) time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.seen[id]
}

// sessionPath names how a session reaches its peer. Every onion session's
// socket is tor's (127.0.0.1), which says nothing: an outbound one shows
// the onion address dialled, an inbound one nothing.
func sessionPath(info p2p.PeerInfo) (path, remote string) {
	switch {
	case info.Network == PathOnion:
		return PathOnion, ""
	case info.Outbound && isOnionAddr(info.Dialed):
		return PathOnion, info.Dialed
	}
	if onLAN(info.Remote) {
		return PathLAN, info.Remote
	}
	return PathDirect, info.Remote
}

// onLAN reports whether remote is a private or link-local address: a
// session that never left the local network (or a VPN's, which looks the
// same from here).
func onLAN(remote string) bool {
	ap, err := netip.ParseAddrPort(remote)
	if err != nil {
		return false
	}
	ip := ap.Addr().Unmap()
	return ip.IsPrivate() || ip.IsLinkLocalUnicast()
}

func (p *peers) publish(edit func(presenceTable)) {
	next := maps.Clone(*p.presence.Load())
	edit(next)
	p.presence.Store(&next)
}
