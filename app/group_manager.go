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

// maxGroupInvites caps stored invites, so invites cannot fill the disk.
const maxGroupInvites = 100

// chainRef names a receiving chain: one author's chain for one epoch.
type chainRef struct {
	author crypto.ID
	epoch  uint64
}

// group is the manager's state for one group.
type group struct {
	row    store.Group
	local  groupLocal
	roster *crypto.Roster // current version
	// contig is, per author, the highest sequence number up to which every
	// message is stored; above holds stored numbers past a gap.
	contig map[crypto.ID]uint64
	above  map[crypto.ID]map[uint64]bool
	chains map[chainRef]*crypto.Ratchet
	// send is our own chain for epoch sendEpoch; nil until we first write
	// in the current epoch.
	send      *crypto.Ratchet
	sendEpoch uint64
	rosters   map[uint64]*crypto.Roster // older versions, loaded on demand
	// pending counts, per author, stored messages waiting for a key.
	pending map[crypto.ID]store.PendingUse
}

// groupManager is the goroutine that owns groups, rosters, sender keys and
// group messages. Everything it holds is touched only by run.
type groupManager struct {
	core   *Core
	store  *store.Store
	peers  *peers
	id     *crypto.Identity
	self   crypto.ID
	log    *slog.Logger
	cmds   chan op[groupManager]
	events <-chan p2p.Event
	groups map[crypto.GroupID]*group
	jobs   syncJobs // history sync, one job per peer and group
	// asked is, per peer and group, the roster version we last asked for
	// while looking for where our histories split (askFork).
	asked map[syncKey]uint64
	// members is set when who we should hold may have changed; run then
	// hands the peers component the new set.
	members bool
	now     func() time.Time
	// pendingCap bounds each author's pending messages; tests lower it.
	pendingCap store.PendingUse
	// fileOffers are file offers read from group messages, waiting to be
	// handed to the file manager (handOffers), which never waits on us.
	fileOffers []groupFileOffer
}

func newGroupManager(c *Core, events <-chan p2p.Event) *groupManager {
	return &groupManager{
		core: c, store: c.account.store, peers: c.peers, id: c.identity, self: c.self.ID,
		log: c.log.With("room", "groups"), cmds: make(chan op[groupManager], 64), events: events,
		groups: make(map[crypto.GroupID]*group), jobs: make(syncJobs), now: time.Now, pendingCap: store.PendingUse{Count: maxPendingPerAuthor, Bytes: maxPendingBytesPerAuthor},
		asked: make(map[syncKey]uint64),
	}
}

// isGroupMessage selects what the group manager handles.
func isGroupMessage(m wire.Message) bool {
	switch m.(type) {
	case wire.GroupInvite, wire.GroupRoster, wire.GroupSenderKey, wire.GroupMessage, wire.GroupSync:
		return true
	}
	return false
}

func (m *groupManager) run(ctx context.Context) {
	if err := m.load(ctx); err != nil {
		m.core.emit(Failure{Op: "load groups", Err: err})
	}
	m.publish()
	m.holdMembers()
	serve[groupManager](ctx, m, mailboxes[groupManager]{cmds: m.cmds, events: m.events, room: m.peers.room(holdGroups)})
}

// The group manager as an actor: its background work is history sync.
// Whatever it handles may change who is in which group, so the set of
// members it holds is brought up to date after each.
func (m *groupManager) pending() bool { return m.jobs.due() || len(m.fileOffers) > 0 }

func (m *groupManager) step(ctx context.Context) {
	m.handOffers()
	if m.jobs.due() {
		m.stepSync(ctx)
	}
}
func (m *groupManager) room() { m.jobs.wake() }

func (m *groupManager) command(ctx context.Context, o op[groupManager]) {
	o.apply(ctx, m)
	m.members = true // a command may have changed who is in which group
	m.holdMembers()
}

func (m *groupManager) engine(ctx context.Context, ev p2p.Event) {
	m.handleEngine(ctx, ev)
	m.holdMembers()
}

func (m *groupManager) load(ctx context.Context) error {
	m.pruneUnreadable(ctx)
	rows, err := m.store.Groups(ctx)
	if err != nil {
		return err
	}
	for _, row := range rows {
		g, err := m.loadGroup(ctx, row)
		if err != nil {
			m.log.Warn("skipping unreadable group", "err", err)
			continue
		}
		m.groups[row.ID] = g
	}
	m.members = true
	return nil
}

func (m *groupManager) loadGroup(ctx context.Context, row store.Group) (*group, error) {
	enc, err := m.store.Roster(ctx, row.ID, row.Version)
	if err != nil {
		return nil, err
	}
	r, err := crypto.ParseRoster(enc)
	if err != nil {
		return nil, err
	}
	g := newGroupState(row, r)
	seqs, err := m.store.GroupAuthorSeqs(ctx, row.ID)
	if err != nil {
		return nil, err
	}
	for author, list := range seqs {
		for _, s := range list {
			g.note(author, s)
		}
	}
	if g.pending, err = m.store.GroupPendingUse(ctx, row.ID); err != nil {
		return nil, err
	}
	chains, err := m.store.GroupChains(ctx, row.ID)
	if err != nil {
		return nil, err
	}
	for _, c := range chains {
		rt, err := crypto.UnmarshalRatchet(c.State)
		if err != nil {
			return nil, err
		}
		if c.Author == m.self {
			if g.send == nil || c.Epoch > g.sendEpoch {
				g.send, g.sendEpoch = rt, c.Epoch
			}
			continue
		}
		g.chains[chainRef{c.Author, c.Epoch}] = rt
	}
	return g, nil
}

func newGroupState(row store.Group, r *crypto.Roster) *group {
	return &group{
		row: row, local: parseLocal(row.Local), roster: r,
		contig: make(map[crypto.ID]uint64), above: make(map[crypto.ID]map[uint64]bool),
		chains: make(map[chainRef]*crypto.Ratchet), rosters: make(map[uint64]*crypto.Roster),
		pending: make(map[crypto.ID]store.PendingUse),
	}
}

// note records that (author, seq) is stored; it reports false for a
// number already held.
func (g *group) note(author crypto.ID, seq uint64) bool {
	if seq <= g.contig[author] || g.above[author][seq] {
		return false
	}
	if seq != g.contig[author]+1 {
		if g.above[author] == nil {
			g.above[author] = make(map[uint64]bool)
		}
		g.above[author][seq] = true
		return true
	}
	c := seq
	for g.above[author][c+1] {
		delete(g.above[author], c+1)
		c++
	}
	g.contig[author] = c
	return true
}

func (g *group) has(author crypto.ID, seq uint64) bool {
	return seq <= g.contig[author] || g.above[author][seq]
}

func (g *group) member(id crypto.ID) (crypto.RosterMember, bool) { return g.roster.Member(id) }

func (m *groupManager) handleEngine(ctx context.Context, ev p2p.Event) {
	switch ev := ev.(type) {
	case p2p.PeerUp:
		m.peerUp(ctx, ev.Peer)
	case p2p.PeerDown:
		m.peerDown(ctx, ev)
	case p2p.Received:
		m.received(ctx, ev)
	}
}

func (m *groupManager) received(ctx context.Context, ev p2p.Received) {
	var msgs []wire.GroupMessage
	flush := func() {
		if len(msgs) > 0 {
			m.handleMessages(ctx, ev.From, msgs)
			msgs = nil
		}
	}
	for _, msg := range ev.Msgs {
		if gm, ok := msg.(wire.GroupMessage); ok {
			msgs = append(msgs, gm)
			continue
		}
		flush()
		switch msg := msg.(type) {
		case wire.GroupInvite:
			m.handleInvite(ctx, ev.From, msg.Roster)
		case wire.GroupRoster:
			m.handleRoster(ctx, ev.From, msg.Roster)
		case wire.GroupSenderKey:
			m.handleSenderKey(ctx, ev.From, msg)
		case wire.GroupSync:
			m.handleSync(ctx, ev.From, msg)
		}
	}
	flush()
}

func (m *groupManager) peerUp(ctx context.Context, p p2p.PeerInfo) {
	for _, g := range m.groups {
		if _, ok := g.member(p.ID); !ok {
			continue
		}
		switch g.row.State {
		case store.GroupActive:
			m.sendSync(ctx, g, p.ID, false)
			if containsID(g.local.Pending, p.ID) {
				m.sendInvite(ctx, g, p.ID)
			}
			m.core.emit(GroupUpdated{Group: m.view(ctx, g)})
		case store.GroupLeft:
			// Tell the members what we hold, so a leave still reaches them.
			m.sendSync(ctx, g, p.ID, false)
		}
	}
}

func (m *groupManager) peerDown(ctx context.Context, ev p2p.PeerDown) {
	m.jobs.end(ev.ID, ev.Session)
	for k := range m.asked {
		if k.peer == ev.ID {
			delete(m.asked, k)
		}
	}
	if pr, ok := m.peers.get(ev.ID); ok && pr.Session != ev.Session {
		return // replaced by a newer session; its PeerUp follows
	}
	for _, g := range m.groups {
		if _, ok := g.member(ev.ID); ok && g.row.State == store.GroupActive {
			m.core.emit(GroupUpdated{Group: m.view(ctx, g)})
		}
	}
}

func (m *groupManager) online(id crypto.ID) bool { return m.peers.online(id) }

// holdMembers holds every member of every active group, merging the
// addresses rosters give for one member, and lets go of the rest. saveRow
// and every command mark the set stale; run calls this before it waits. The
// contact manager holds contacts under its own name, so releasing a group
// member who is a contact leaves their session alone.
func (m *groupManager) holdMembers() {
	if !m.members {
		return
	}
	m.members = false
	byID := make(map[crypto.ID]*p2p.Target)
	var order []crypto.ID
	for _, g := range m.groups {
		if g.row.State != store.GroupActive {
			continue
		}
		for _, rm := range g.roster.Members {
			id := rm.Keys.ID()
			if id == m.self {
				continue
			}
			t := byID[id]
			if t == nil {
				t = &p2p.Target{Keys: rm.Keys}
				byID[id] = t
				order = append(order, id)
			}
			t.Addrs = mergeAddrs(t.Addrs, rm.Addrs)
		}
	}
	targets := make([]p2p.Target, 0, len(order))
	for _, id := range order {
		targets = append(targets, *byID[id])
	}
	m.peers.hold(holdGroups, targets)
}

// send hands records to the peer's session without waiting. When the queue
// is full, what was refused is recovered through sync: the peer gets our
// GroupSync once there is room and asks for what it lacks.
func (m *groupManager) send(_ context.Context, id crypto.ID, msgs ...wire.Message) error {
	err := m.peers.send(id, msgs...)
	if errors.Is(err, p2p.ErrQueueFull) {
		for _, g := range groupsOf(msgs) {
			m.jobs.resync(id, g, m.peers)
		}
	}
	return err
}

// groupsOf lists the groups that msgs belong to.
func groupsOf(msgs []wire.Message) []crypto.GroupID {
	var out []crypto.GroupID
	add := func(g crypto.GroupID) {
		if !slices.Contains(out, g) {
			out = append(out, g)
		}
	}
	for _, msg := range msgs {
		switch msg := msg.(type) {
		case wire.GroupMessage:
			add(msg.Group)
		case wire.GroupSenderKey:
			add(msg.Group)
		case wire.GroupSync:
			add(msg.Group)
		}
	}
	return out
}

// broadcast sends the same records to every online member but us.
func (m *groupManager) broadcast(ctx context.Context, r *crypto.Roster, msgs ...wire.Message) {
	for _, rm := range r.Members {
		if id := rm.Keys.ID(); id != m.self {
			m.send(ctx, id, msgs...)
		}
	}
}

func (m *groupManager) saveRow(ctx context.Context, g *group) error {
	m.members = true // a state or roster change may change who we hold
	g.row.Local = g.local.marshal()
	if err := m.store.PutGroup(ctx, g.row); err != nil {
		m.core.emit(Failure{Op: "save group", Err: err})
		return err
	}
	return nil
}

func containsID(list []crypto.ID, id crypto.ID) bool {
	for _, x := range list {
		if x == id {
			return true
		}
	}
	return false
}

func removeID(list []crypto.ID, id crypto.ID) []crypto.ID {
	out := list[:0]
	for _, x := range list {
		if x != id {
			out = append(out, x)
		}
	}
	return out
}

// unreadableRecordAge is how long records this device cannot read (their key
// never came, or from before we joined) are kept for relaying.
const unreadableRecordAge = 30 * 24 * time.Hour

// pruneUnreadable deletes such records once they are older than that, so
// what a member stored on every disk does not stay there for ever. It runs
// at start; a failure only leaves them for the next one.
func (m *groupManager) pruneUnreadable(ctx context.Context) {
	n, err := m.store.PruneUnreadableGroupRecords(ctx, m.now().Add(-unreadableRecordAge))
	if err != nil {
		m.core.emit(Failure{Op: "prune old group records", Err: err})
		return
	}
	if n > 0 {
		m.log.Info("pruned unreadable group records", "count", n)
	}
}
