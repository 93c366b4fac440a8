package lan

import (
	"context"
	"crypto/rand"
	"net/netip"
	"slices"
	"time"

	"jarvis/crypto"
)

// contact is one contact we announce to and listen for.
type contact struct {
	keys     crypto.PublicIdentity
	key      crypto.LANKey
	lastAddr string
	lastSeen time.Time
}

// loop is Discovery's state, owned by Run's goroutine.
type loop struct {
	d        *Discovery
	self     crypto.PublicIdentity
	contacts map[crypto.ID]*contact
	sent     nonceSet // ours: multicast loops them back
	heard    nonceSet // theirs: one packet arrives up to three times (group, broadcast, and a retry's twin)
	beacons  []beaconReq
	finds    []findReq
	tokens   float64
	tokensAt time.Time
	netPrint string
	// announceAt lists when the next announcements are due, soonest first.
	announceAt []time.Time
}

func newLoop(d *Discovery) *loop {
	return &loop{d: d, self: d.cfg.Identity.Public(), contacts: make(map[crypto.ID]*contact),
		sent: newNonceSet(), heard: newNonceSet(), tokens: packetBurst}
}

func (l *loop) run(ctx context.Context) error {
	now := l.d.cfg.Now()
	l.tokensAt = now
	l.netPrint = l.d.tr.fingerprint()
	l.burstFrom(now)
	change := time.NewTicker(changePoll)
	defer change.Stop()
	pairing := time.NewTicker(pairingEvery)
	defer pairing.Stop()
	timer := time.NewTimer(time.Until(l.announceAt[0]))
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case dg, ok := <-l.d.tr.packets():
			if !ok {
				return nil
			}
			l.receive(dg)
		case keys := <-l.d.contacts:
			l.setContacts(keys)
			// New contacts hear from us now, not in 45 s.
			l.burstFrom(l.d.cfg.Now())
		case b := <-l.d.beacons:
			l.beacons = append(l.beacons, b)
			l.sendPairing(b)
		case f := <-l.d.finds:
			l.finds = append(l.finds, f)
		case <-pairing.C:
			l.pairingTick()
		case <-change.C:
			l.checkNetwork()
		case <-timer.C:
		}
		l.announceDue()
		timer.Reset(time.Until(l.announceAt[0]))
	}
}

// burstFrom schedules the announcements of a start or a change.
func (l *loop) burstFrom(now time.Time) {
	l.announceAt = l.announceAt[:0]
	for _, b := range burst {
		l.announceAt = append(l.announceAt, now.Add(b))
	}
}

func (l *loop) announceDue() {
	now := l.d.cfg.Now()
	for len(l.announceAt) > 0 && !l.announceAt[0].After(now) {
		l.announceAt = l.announceAt[1:]
		l.announce(now)
	}
	if len(l.announceAt) == 0 {
		l.announceAt = append(l.announceAt, now.Add(jitter(l.d.cfg.Interval)))
	}
}

func (l *loop) checkNetwork() {
	print := l.d.tr.fingerprint()
	if print == l.netPrint {
		return
	}
	l.netPrint = print
	l.d.cfg.Log.Info("local network changed: announcing again")
	l.d.tr.refresh()
	l.burstFrom(l.d.cfg.Now())
}

func (l *loop) setContacts(keys []crypto.PublicIdentity) {
	next := make(map[crypto.ID]*contact, len(keys))
	for _, k := range keys {
		id := k.ID()
		if c, ok := l.contacts[id]; ok {
			next[id] = c
			continue
		}
		key, err := l.d.cfg.Identity.LANKey(k)
		if err != nil {
			continue // a key that cannot be one; the contact is reached otherwise
		}
		next[id] = &contact{keys: k, key: key}
	}
	l.contacts = next
}

func epochOf(t time.Time) uint64 { return uint64(t.Unix()) / uint64(epochLength/time.Second) }

// announce sends our presence: one tag per contact, in packets of at most
// maxTags, each padded with random tags so its count says little. Tags and
// padding look alike to all but their contact, so their order says nothing.
func (l *loop) announce(now time.Time) {
	all := make([]*contact, 0, len(l.contacts))
	for _, c := range l.contacts {
		all = append(all, c)
	}
	if len(all) == 0 {
		return // nobody could recognise us: saying nothing says the least
	}
	for chunk := range slices.Chunk(all, maxEntries) {
		p := packet{kind: kindPresence, epoch: epochOf(now), nonce: l.newNonce()}
		for _, c := range chunk {
			p.entries = append(p.entries, c.key.Mask(l.self, p.epoch, p.nonce[:]).Seal(l.d.cfg.ListenPort))
		}
		for len(p.entries)%entryQuantum != 0 && len(p.entries) < maxEntries {
			var pad [crypto.LANEntryLen]byte
			rand.Read(pad[:])
			p.entries = append(p.entries, pad)
		}
		l.send(p)
	}
}

func (l *loop) pairingTick() {
	l.beacons = slices.DeleteFunc(l.beacons, func(b beaconReq) bool { return b.ctx.Err() != nil })
	for _, b := range l.beacons {
		l.sendPairing(b)
	}
	l.finds = slices.DeleteFunc(l.finds, func(f findReq) bool { return f.ctx.Err() != nil })
}

func (l *loop) sendPairing(b beaconReq) {
	l.send(packet{kind: kindPairing, epoch: epochOf(l.d.cfg.Now()), port: b.port, locator: b.locator, nonce: l.newNonce()})
}

func (l *loop) send(p packet) {
	if err := l.d.tr.send(p.encode()); err != nil {
		l.d.cfg.Log.Debug("lan announcement not sent", "err", err)
	}
}

// newNonce draws a packet's nonce and remembers it, so that our own
// packets, looped back by multicast, are known as ours.
func (l *loop) newNonce() [nonceLen]byte {
	var n [nonceLen]byte
	rand.Read(n[:])
	l.sent.add(n)
	return n
}

// nonceSet remembers the last rememberNonces nonces.
type nonceSet struct {
	has  map[[nonceLen]byte]struct{}
	fifo [][nonceLen]byte
}

func newNonceSet() nonceSet { return nonceSet{has: make(map[[nonceLen]byte]struct{})} }

// add reports whether n is new, and remembers it.
func (s *nonceSet) add(n [nonceLen]byte) bool {
	if _, ok := s.has[n]; ok {
		return false
	}
	s.has[n] = struct{}{}
	s.fifo = append(s.fifo, n)
	if len(s.fifo) > rememberNonces {
		delete(s.has, s.fifo[0])
		s.fifo = s.fifo[1:]
	}
	return true
}

func (s *nonceSet) contains(n [nonceLen]byte) bool { _, ok := s.has[n]; return ok }

// admit is the token bucket on received packets: a flood costs the
// flooder's packets, not our CPU.
func (l *loop) admit(now time.Time) bool {
	l.tokens = min(packetBurst, l.tokens+now.Sub(l.tokensAt).Seconds()*packetsPerSec)
	l.tokensAt = now
	if l.tokens < 1 {
		return false
	}
	l.tokens--
	return true
}

func (l *loop) receive(dg datagram) {
	now := l.d.cfg.Now()
	p, err := decodePacket(dg.data)
	if err != nil || !l.admit(now) {
		return
	}
	if l.sent.contains(p.nonce) {
		return
	}
	if e := epochOf(now); p.epoch+1 < e || p.epoch > e+1 {
		return // an old recording, or a clock far off
	}
	if !l.heard.add(p.nonce) {
		return // a copy of a packet already handled
	}
	switch p.kind {
	case kindPresence:
		l.matchPresence(p, dg.from.Addr(), now)
	case kindPairing:
		l.matchPairing(p, netip.AddrPortFrom(dg.from.Addr(), p.port))
	}
}

// matchPresence tries each contact's mask on each entry: a packet costs
// one HMAC per contact, and admit bounds the packets.
func (l *loop) matchPresence(p packet, from netip.Addr, now time.Time) {
	for _, c := range l.contacts {
		port, ok := openAny(c, p)
		if !ok {
			continue
		}
		addr := netip.AddrPortFrom(from, port).String()
		if addr == c.lastAddr && now.Sub(c.lastSeen) < sightingQuiet {
			return
		}
		c.lastAddr, c.lastSeen = addr, now
		select {
		case l.d.sightings <- Sighting{Keys: c.keys, Addr: addr}:
		default:
		}
		return
	}
}

// openAny finds the entry meant for us from c, if any. The mask depends only
// on the announcer, epoch and nonce, so it is computed once per contact.
func openAny(c *contact, p packet) (uint16, bool) {
	m := c.key.Mask(c.keys, p.epoch, p.nonce[:])
	for _, e := range p.entries {
		if port, ok := m.Open(e); ok {
			return port, true
		}
	}
	return 0, false
}

func (l *loop) matchPairing(p packet, from netip.AddrPort) {
	for i, f := range l.finds {
		if f.locator == p.locator && f.ctx.Err() == nil {
			f.found <- from
			l.finds = slices.Delete(l.finds, i, i+1)
			return
		}
	}
}
