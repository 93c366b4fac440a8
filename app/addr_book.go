package app

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"time"

	"jarvis/crypto"
	"jarvis/p2p"
	"jarvis/p2p/wire"
	"jarvis/store"
)

const (
	// addrRefresh is how often we re-read our own addresses: a phone that
	// moved to another Wi-Fi tells its peers within this long.
	addrRefresh = 30 * time.Second
	// A peer sends its record once per session and once per change of
	// its addresses (at most one per addrRefresh). We store at most
	// addrRecordBurst in a row from one peer, then one per addrRecordGap:
	// a peer that sends more only wants our disk busy.
	addrRecordBurst = 4
	addrRecordGap   = addrRefresh / 3
)

// isAddrRecord selects what the address book handles.
func isAddrRecord(m wire.Message) bool {
	_, ok := m.(wire.AddrRecord)
	return ok
}

// addrBook is the goroutine that owns address records (PROTOCOL.md, §7
// Addresses): ours, signed again with a higher version whenever our
// addresses change and sent on every session with a peer we hold, and the
// newest one each such peer sent us, checked, filtered, stored and handed to
// peers, so that contacts and group members alike are dialled there first
// next time. Nobody re-exchanges codes.
type addrBook struct {
	core   *Core
	store  *store.Store
	peers  *peers
	id     *crypto.Identity
	log    *slog.Logger
	cmds   chan op[addrBook]
	events <-chan p2p.Event

	// current reads our addresses now (advertisedAddrs, the onion address
	// last); tests swap it.
	current func() ([]string, error)
	every   time.Duration // how often current is read
	gap     time.Duration // addrRecordGap; tests lower it
	now     func() time.Time

	mine     wire.AddrRecord            // ours, signed
	versions map[crypto.ID]uint64       // the newest version stored per peer
	sent     map[crypto.ID]uint64       // the session ours last went out on
	budget   map[crypto.ID]recordBudget // records we may still store, per peer
}

func newAddrBook(c *Core, advertise []string, events <-chan p2p.Event) *addrBook {
	return &addrBook{
		core: c, store: c.account.store, peers: c.peers, id: c.identity,
		log: c.log.With("room", "addrs"), cmds: make(chan op[addrBook], 8), events: events,
		current: func() ([]string, error) { return c.ownAddrs(advertise) },
		every:   addrRefresh, gap: addrRecordGap, now: time.Now,
		versions: make(map[crypto.ID]uint64), sent: make(map[crypto.ID]uint64),
		budget: make(map[crypto.ID]recordBudget),
	}
}

// ownAddrs is what we advertise now, computed as bindEngine did at start.
func (c *Core) ownAddrs(advertise []string) ([]string, error) {
	return ourAddrs(advertise, c.engine.Addr(), c.tor)
}

func (b *addrBook) run(ctx context.Context) {
	b.load(ctx)
	tick := time.NewTicker(b.every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case o := <-b.cmds:
			o.apply(ctx, b)
		case ev := <-b.events:
			b.engine(ctx, ev)
		case <-tick.C:
			b.refresh(ctx)
		}
	}
}

// load hands peers the stored records and signs ours: with the version we
// last published if our addresses are the same, else with a higher one.
func (b *addrBook) load(ctx context.Context) {
	self := b.core.Self()
	records, err := b.store.AddrRecords(ctx)
	if err != nil {
		b.core.emit(Failure{Op: "load address records", Err: err})
	}
	var last store.AddrRecord
	for _, r := range records {
		if r.ID == self.ID {
			last = r
			continue
		}
		b.versions[r.ID] = r.Version
		// Checked again: our own policy may be stricter than when stored
		// (we no longer run on loopback).
		b.peers.record(r.ID, b.peers.addrs.suggested(r.Addrs))
	}
	b.mine.Version = last.Version
	if last.Version != 0 && slices.Equal(last.Addrs, self.Addrs) {
		b.sign(self.Addrs, last.Version)
		return
	}
	b.publish(ctx, self.Addrs)
}

// engine handles one engine event from the router.
func (b *addrBook) engine(ctx context.Context, ev p2p.Event) {
	switch ev := ev.(type) {
	case p2p.PeerUp:
		b.offer(ev.Peer.ID, ev.Peer.Session)
	case p2p.PeerDown:
		if b.sent[ev.ID] == ev.Session {
			delete(b.sent, ev.ID)
		}
	case p2p.Received:
		for _, m := range ev.Msgs {
			if r, ok := m.(wire.AddrRecord); ok {
				b.receive(ctx, ev.From, ev.Session, crypto.AddrRecord(r))
			}
		}
	}
}

// offer sends our record on id's session once. Only to a peer some holder
// holds (a contact, one we asked, a group member): a stranger gets a
// session, never our addresses.
func (b *addrBook) offer(id crypto.ID, session uint64) {
	if b.mine.Version == 0 || b.sent[id] == session || !b.peers.heldByAny(id) {
		return
	}
	if b.peers.send(id, b.mine) == nil {
		b.sent[id] = session
	}
}

// offerAll sends our record to every online peer we hold that has not had
// it on its current session: after a change, and for peers held since
// their session came up (a stranger just accepted, a member just added).
func (b *addrBook) offerAll() {
	for id, pr := range *b.peers.presence.Load() {
		b.offer(id, pr.Session)
	}
}

// recordBudget is a token bucket: addrRecordBurst tokens, one more per
// addrRecordGap.
type recordBudget struct {
	tokens float64
	at     time.Time
}

// take spends a token of id's budget if there is one.
func (b *addrBook) take(id crypto.ID) bool {
	now := b.now()
	bu, ok := b.budget[id]
	if ok && b.gap > 0 {
		bu.tokens = min(addrRecordBurst, bu.tokens+float64(now.Sub(bu.at))/float64(b.gap))
	} else {
		bu.tokens = addrRecordBurst
	}
	bu.at = now
	if bu.tokens < 1 {
		b.budget[id] = bu
		return false
	}
	bu.tokens--
	b.budget[id] = bu
	return true
}

// receive takes a peer's record if it came on the peer's live session, is
// signed by the keys that session proved, and is newer than what we hold.
// What is kept of it is what addrPolicy.signed allows.
func (b *addrBook) receive(ctx context.Context, from crypto.ID, session uint64, r crypto.AddrRecord) {
	pr, ok := b.peers.get(from)
	if !ok || pr.Session != session || !b.peers.heldByAny(from) {
		return // a stranger, or a session already gone (the next one sends it again)
	}
	if err := r.Verify(pr.info.Keys); err != nil || r.Owner != from {
		b.log.Info("refusing address record", "peer", from) // not err: it may quote an address
		return
	}
	if r.Version <= b.versions[from] || !b.take(from) {
		return
	}
	addrs := b.peers.addrs.signed(r.Addrs, pr.Remote)
	stored, err := b.store.PutAddrRecord(ctx, store.AddrRecord{ID: from, Version: r.Version, Addrs: addrs})
	if err != nil {
		b.core.emit(Failure{Op: "save address record", Err: err})
		return
	}
	b.versions[from] = r.Version
	if stored {
		b.peers.record(from, addrs)
		b.log.Debug("address record stored", "peer", from, "version", r.Version, "kept", len(addrs))
	}
}

// refresh re-reads our addresses and, if they changed, publishes them:
// the engine's Hellos, our record (stored, then sent to every online peer
// we hold), Self and our entry in the rosters of our groups.
func (b *addrBook) refresh(ctx context.Context) {
	addrs, err := b.current()
	if err != nil || slices.Equal(addrs, b.mine.Addrs) {
		b.offerAll()
		return
	}
	if err := b.core.engine.SetAdvertise(addrs); err != nil {
		b.log.Warn("cannot advertise our new addresses") // errors about addresses quote them
		return
	}
	b.publish(ctx, addrs)
}

// publish signs addrs as our record with a version higher than the last,
// stores it, and tells whoever should know.
func (b *addrBook) publish(ctx context.Context, addrs []string) {
	version := nextAddrVersion(b.mine.Version, b.now())
	if !b.sign(addrs, version) {
		return
	}
	if _, err := b.store.PutAddrRecord(ctx, store.AddrRecord{ID: b.id.ID(), Version: version, Addrs: addrs}); err != nil {
		// Sent anyway: the next start publishes a version above this one.
		b.core.emit(Failure{Op: "save our address record", Err: err})
	}
	if err := b.core.setAddrs(addrs); err != nil {
		b.log.Warn("cannot make a link code of our addresses")
	}
	clear(b.sent)
	b.offerAll()
	b.log.Info("our addresses changed", "version", version, "count", len(addrs))
	_, err := start(ctx, b.core, b.core.groups.cmds, func(ctx context.Context, m *groupManager) error {
		m.setMyAddrs(ctx, addrs)
		return nil
	})
	if err != nil && ctx.Err() == nil && !errors.Is(err, ErrClosed) {
		b.log.Warn("cannot update our group entries", "err", err)
	}
}

// sign makes our record of addrs at version the one we send.
func (b *addrBook) sign(addrs []string, version uint64) bool {
	r, err := crypto.SignAddrRecord(b.id, version, addrs)
	if err != nil {
		b.log.Warn("cannot sign our address record")
		return false
	}
	b.mine = wire.AddrRecord(r)
	return true
}

// nextAddrVersion follows prev, and is at least the time in milliseconds:
// a data directory restored from an old backup (whose counter is behind
// what its peers last stored) still publishes a version they take.
func nextAddrVersion(prev uint64, now time.Time) uint64 {
	v := prev + 1
	if ms := now.UnixMilli(); ms > 0 && uint64(ms) > v {
		v = uint64(ms)
	}
	return v
}

// reach is the part of Self that changes while we run.
type reach struct {
	addrs []string
	code  string
}

// setAddrs makes Self report addrs and the link code holding them.
func (c *Core) setAddrs(addrs []string) error {
	code, err := crypto.EncodeLinkCode(crypto.LinkCode{Name: c.self.Name, Keys: c.self.Keys, Addrs: addrs})
	if err != nil {
		return err
	}
	c.reach.Store(&reach{addrs: slices.Clone(addrs), code: code})
	return nil
}

// self returns s with the addresses and link code of the moment.
func (r *reach) self(s Self) Self {
	s.Addrs, s.Code = slices.Clone(r.addrs), r.code
	return s
}

// setMyAddrs puts addrs in our own entry of the roster of every group we
// are active in, where it differs: members who are not our contacts, and
// anyone who joins later, learn where we are from the roster. A member may
// sign a change of its own addresses (crypto.CheckTransition).
func (m *groupManager) setMyAddrs(ctx context.Context, addrs []string) {
	want := capAddrs(addrs)
	for _, g := range m.groups {
		me, ok := g.member(m.self)
		if !ok || g.row.State != store.GroupActive || g.local.Declined || slices.Equal(me.Addrs, want) {
			continue
		}
		err := m.changeRoster(ctx, g, func(r *crypto.Roster) error {
			for i := range r.Members {
				if r.Members[i].Keys.ID() == m.self {
					r.Members[i].Addrs = want
				}
			}
			return nil
		})
		if err != nil {
			m.core.emit(Failure{Op: "update our addresses in a group", Err: err})
		}
	}
	m.publish()
}
