package app

import (
	"context"
	"crypto/rand"
	"time"

	"jarvis/crypto"
	"jarvis/p2p/wire"
	"jarvis/store"
)

func chainState(g crypto.GroupID, author crypto.ID, epoch uint64, r *crypto.Ratchet) store.GroupChain {
	b, _ := r.MarshalBinary() // cannot fail
	return store.GroupChain{Group: g, Author: author, Epoch: epoch, State: b}
}

// sendGroupText encrypts, stores and sends one message of ours. When the
// roster changed since our last message, a fresh chain is made for the new
// epoch and sealed to the members of that version only.
func (m *groupManager) sendGroupText(ctx context.Context, g *group, text string) (Message, error) {
	return m.sendGroupContent(ctx, g, store.GroupMessage{Text: text}, nil)
}

// sendGroupContent sends one message of ours: a text, or (rec not nil) a
// content record whose meaning row's Kind, Target and Text give.
func (m *groupManager) sendGroupContent(ctx context.Context, g *group, row store.GroupMessage, rec wire.Message) (Message, error) {
	if g.row.State != store.GroupActive {
		return Message{}, ErrNotInGroup
	}
	epoch := g.roster.Version
	seq := g.contig[m.self] + 1
	send, keys, err := m.sendChain(g, epoch, seq)
	if err != nil {
		return Message{}, err
	}
	mk, err := send.Key(seq)
	if err != nil {
		return Message{}, err
	}
	now := m.now()
	h := crypto.GroupHeader{Group: g.row.ID, Author: m.self, Epoch: epoch, Seq: seq}
	gt := wire.GroupText{SentAt: now.UnixMilli(), Body: row.Text, Record: rec}
	if rec != nil {
		gt.Body = ""
	}
	wrec, enc, err := m.sealGroupText(h, mk, gt)
	if err != nil {
		return Message{}, err
	}
	sm := []store.GroupMessage{{Group: g.row.ID, Author: m.self, AuthorSeq: seq, Epoch: epoch,
		State: store.GroupMsgOwn, SentAt: now, StoredAt: now, Record: enc, Text: row.Text,
		Kind: row.Kind, Target: row.Target}}
	if err := m.storeOwn(ctx, keys, sm, chainState(g.row.ID, m.self, epoch, send)); err != nil {
		return Message{}, err
	}
	g.send, g.sendEpoch = send, epoch
	g.note(m.self, seq)
	g.row.LastActivity = now
	m.saveRow(ctx, g)
	if row.Kind != store.KindText {
		m.deliver(ctx, g, keys, wrec)
		m.applyGroupOps(ctx, g, sm)
		return messageFromStore(sm[0].Message(), m.self, ""), nil
	}
	return m.announceOwn(ctx, g, keys, wrec, sm[0]), nil
}

// sendChain returns our chain for epoch. Our first message of an epoch
// starts a fresh chain at seq, so members removed from the roster cannot
// read on; its key is sealed to each other member of this version, and
// those envelopes are returned to be stored and sent with the message.
func (m *groupManager) sendChain(g *group, epoch, seq uint64) (*crypto.Ratchet, []crypto.SenderKey, error) {
	if g.send != nil && g.sendEpoch == epoch {
		return g.send, nil, nil
	}
	var ck crypto.ChainKey
	rand.Read(ck[:])
	send := crypto.NewRatchet(ck, seq)
	var keys []crypto.SenderKey
	for _, rm := range g.roster.Members {
		if rm.Keys.ID() == m.self {
			continue
		}
		k, err := crypto.SealSenderKey(rand.Reader, m.id, rm.Keys,
			crypto.SenderKey{Group: g.row.ID, Epoch: epoch, StartSeq: seq}, ck)
		if err != nil {
			return nil, nil, err
		}
		keys = append(keys, k)
	}
	return send, keys, nil
}

// sealGroupText encrypts and signs text under mk and returns the record
// with its encoding, which is what we store and relay.
func (m *groupManager) sealGroupText(h crypto.GroupHeader, mk crypto.MessageKey, gt wire.GroupText) (wire.GroupMessage, []byte, error) {
	plain, err := wire.AppendGroupText(nil, gt)
	if err != nil {
		return wire.GroupMessage{}, nil, err
	}
	ct, sig, err := crypto.SealGroupMessage(m.id, h, mk, plain)
	if err != nil {
		return wire.GroupMessage{}, nil, err
	}
	rec := wire.GroupMessage{Group: h.Group, Author: h.Author, Epoch: h.Epoch, Seq: h.Seq, Ciphertext: ct}
	copy(rec.Sig[:], sig)
	enc, err := wire.Append(nil, rec)
	if err != nil {
		return wire.GroupMessage{}, nil, err
	}
	return rec, enc, nil
}

// storeOwn persists the new sender keys, then our message with our chain's
// state; the store fills in each message's local Seq.
func (m *groupManager) storeOwn(ctx context.Context, keys []crypto.SenderKey, sm []store.GroupMessage, chain store.GroupChain) error {
	if err := m.storeKeys(ctx, keys); err != nil {
		return err
	}
	_, err := m.store.AddGroupMessages(ctx, sm, []store.GroupChain{chain})
	return err
}

// announceOwn shows our stored message as queued, hands it to every member
// online and shows it as sent.
func (m *groupManager) announceOwn(ctx context.Context, g *group, keys []crypto.SenderKey, rec wire.GroupMessage, row store.GroupMessage) Message {
	out := messageFromStore(row.Message(), m.self, "")
	m.core.search.put(out)
	m.core.emit(MessageStatus{Conversation: out.Conversation, ID: out.ID, State: StateQueued})
	m.deliver(ctx, g, keys, rec)
	// Handed to every member online; the others get it from whoever syncs
	// with them first, so there is no ack to wait for.
	out.State = StateSent
	m.core.emit(MessageStatus{Conversation: out.Conversation, ID: out.ID, State: StateSent})
	return out
}

func (m *groupManager) storeKeys(ctx context.Context, keys []crypto.SenderKey) error {
	if len(keys) == 0 {
		return nil
	}
	_, err := m.store.PutSenderKeys(ctx, keys)
	return err
}

// deliver sends a new message to every online member, preceded by that
// member's sender key and the keys of members who are offline, so that
// anyone online can relay them later.
func (m *groupManager) deliver(ctx context.Context, g *group, keys []crypto.SenderKey, rec wire.GroupMessage) {
	for _, rm := range g.roster.Members {
		id := rm.Keys.ID()
		if id == m.self || !m.online(id) {
			continue
		}
		var msgs []wire.Message
		for _, k := range keys {
			if k.Recipient == id || !m.online(k.Recipient) {
				msgs = append(msgs, wire.GroupSenderKey(k))
			}
		}
		m.send(ctx, id, append(msgs, rec)...)
	}
}

// authorKeys finds the key an author had at epoch, and whether messages of
// that epoch are readable here (not from before we joined).
func (m *groupManager) authorKeys(ctx context.Context, g *group, author crypto.ID, epoch uint64) (crypto.PublicIdentity, store.GroupMsgState, bool) {
	if epoch < g.row.Joined || epoch > g.roster.Version {
		// Before we joined, or a version we have not seen yet: the
		// current roster vouches for the author's key.
		rm, ok := g.member(author)
		if epoch < g.row.Joined {
			return rm.Keys, store.GroupMsgForeign, ok
		}
		return rm.Keys, store.GroupMsgPending, ok
	}
	r, err := m.rosterAt(ctx, g, epoch)
	if err != nil {
		return crypto.PublicIdentity{}, 0, false
	}
	rm, ok := r.Member(author)
	return rm.Keys, store.GroupMsgPending, ok
}

// groupBatch is what one run of messages brings to one group: the rows to
// store, the chains that advanced, and whether a gap calls for a sync.
type groupBatch struct {
	g      *group
	rows   []store.GroupMessage
	chains map[chainRef]bool
	fetch  bool
}

// handleMessages checks, stores and shows a run of group messages from one
// peer (the author or a relay). They are stored one batch per group, in the
// order the groups first appear, so a run costs one write per group.
func (m *groupManager) handleMessages(ctx context.Context, from crypto.ID, msgs []wire.GroupMessage) {
	batches := make(map[crypto.GroupID]*groupBatch)
	var order []crypto.GroupID
	late := make(map[crypto.GroupID]*group)
	now := m.now()
	for _, w := range msgs {
		g, state, ok := m.verifyMessage(ctx, from, w)
		if !ok {
			if g != nil {
				late[w.Group] = g // refused for now; a sync brings it back in order
			}
			continue
		}
		b := batches[w.Group]
		if b == nil {
			b = &groupBatch{g: g, chains: make(map[chainRef]bool)}
			batches[w.Group] = b
			order = append(order, w.Group)
		}
		m.addToBatch(b, w, state, now)
	}
	for _, id := range order {
		m.saveBatch(ctx, from, id, batches[id], now)
	}
	for id, g := range late {
		if b := batches[id]; b == nil || !b.fetch {
			m.sendSync(ctx, g, from, false)
		}
	}
}

// Limits on what one author can make us store before we can read it.
const (
	// seqWindow: a message is taken only this far past the author's
	// contiguous run; a sync brings later ones, in order, once the gap
	// closes. One: only the next message is taken, so a member coming
	// back never sees a live message before the ones it missed (with a
	// wider window it showed them first and the gap after them).
	seqWindow = 1
	// maxPendingPerAuthor and maxPendingBytesPerAuthor bound the stored
	// messages waiting for one author's key: a record may be 32 KiB, so
	// the count alone would let one member put 128 MiB on every disk.
	maxPendingPerAuthor      = 4096
	maxPendingBytesPerAuthor = 4 << 20
)

// fits reports whether a message's epoch and sequence number are ones we
// store now. One of an epoch past our roster version, or too far past the
// author's contiguous run, is refused but worth a sync: the peer then
// sends the roster first and the author's messages in order.
func (g *group) fits(w wire.GroupMessage) bool {
	return w.Epoch <= g.roster.Version && w.Seq <= g.contig[w.Author]+seqWindow
}

// verifyMessage finds the group of a message that is new to us and checks
// that a member handed it over and that its author signed it. It returns
// the state to store it in: pending until it can be decrypted, or foreign
// when it is from before we joined.
func (m *groupManager) verifyMessage(ctx context.Context, from crypto.ID, w wire.GroupMessage) (*group, store.GroupMsgState, bool) {
	g, ok := m.groups[w.Group]
	author := w.Author
	if !ok || g.row.State != store.GroupActive || author == m.self || w.Seq == 0 || g.has(author, w.Seq) {
		return nil, 0, false
	}
	if _, known := g.member(from); !known {
		return nil, 0, false // only members relay
	}
	if !g.fits(w) {
		return g, 0, false // the caller asks for a sync
	}
	keys, state, ok := m.authorKeys(ctx, g, author, w.Epoch)
	h := crypto.GroupHeader{Group: w.Group, Author: author, Epoch: w.Epoch, Seq: w.Seq}
	if !ok || !crypto.VerifyGroupMessage(keys, h, w.Ciphertext, w.Sig[:]) {
		m.log.Info("dropping group message that does not verify", "peer", from)
		return nil, 0, false
	}
	return g, state, true
}

// addToBatch adds a verified message to its group's batch, decrypted when
// we hold its chain, and notes it as seen. A message past a gap, or of a
// roster version we have not seen, asks for a sync.
func (m *groupManager) addToBatch(b *groupBatch, w wire.GroupMessage, state store.GroupMsgState, now time.Time) {
	g, author := b.g, w.Author
	if w.Seq > g.contig[author]+1 {
		b.fetch = true
	}
	enc, err := wire.Append(nil, w)
	if err != nil {
		return
	}
	row := store.GroupMessage{Group: w.Group, Author: author, AuthorSeq: w.Seq, Epoch: w.Epoch, State: state,
		StoredAt: now, Record: enc}
	if state == store.GroupMsgPending {
		ref := chainRef{author, w.Epoch}
		h := crypto.GroupHeader{Group: w.Group, Author: author, Epoch: w.Epoch, Seq: w.Seq}
		if rt := g.chains[ref]; rt != nil && m.decrypt(rt, h, w.Ciphertext, &row) {
			b.chains[ref] = true
		}
	}
	if row.State == store.GroupMsgPending {
		use := g.pending[author]
		if use.Count >= m.pendingCap.Count || use.Bytes+int64(len(enc)) > m.pendingCap.Bytes {
			return // unreadable so far, and this author has enough of those stored
		}
		g.pending[author] = store.PendingUse{Count: use.Count + 1, Bytes: use.Bytes + int64(len(enc))}
	}
	g.note(author, w.Seq)
	b.rows = append(b.rows, row)
}

// saveBatch stores one group's batch with the chains it advanced, in one
// write, then shows what was new and asks from for a sync if needed. On a
// failed write the group is reread, so memory matches the disk.
func (m *groupManager) saveBatch(ctx context.Context, from crypto.ID, id crypto.GroupID, b *groupBatch, now time.Time) {
	var chains []store.GroupChain
	for ref := range b.chains {
		chains = append(chains, chainState(id, ref.author, ref.epoch, b.g.chains[ref]))
	}
	inserted, err := m.store.AddGroupMessages(ctx, b.rows, chains)
	if err != nil {
		m.core.emit(Failure{Op: "save group messages", Err: err})
		m.reload(ctx, b.g)
		return
	}
	fresh := false
	var added []store.GroupMessage
	for i, row := range b.rows {
		if inserted[i] && row.State == store.GroupMsgUnread {
			m.emitMessage(b.g, row)
			fresh = true
		}
		if inserted[i] && row.State.Readable() {
			added = append(added, row)
		}
	}
	m.applyGroupOps(ctx, b.g, added)
	// Received messages count as activity for sorting, at most once a
	// second so a busy group costs no extra write per message.
	if fresh && now.Sub(b.g.row.LastActivity) >= time.Second {
		b.g.row.LastActivity = now
		m.saveRow(ctx, b.g)
	}
	if b.fetch {
		m.sendSync(ctx, b.g, from, false)
	}
}

// decrypt fills row from the ciphertext with the chain's key for h.Seq.
func (m *groupManager) decrypt(rt *crypto.Ratchet, h crypto.GroupHeader, ct []byte, row *store.GroupMessage) bool {
	mk, err := rt.Key(h.Seq)
	if err != nil {
		return false
	}
	plain, err := crypto.OpenGroupMessage(mk, h, ct)
	if err != nil {
		return false
	}
	gt, err := wire.ParseGroupText(plain)
	if err != nil {
		return false
	}
	row.State, row.SentAt, row.Text = store.GroupMsgUnread, time.UnixMilli(gt.SentAt), gt.Body
	if gt.Record != nil {
		setGroupOp(row, gt.Record)
	}
	if o, ok := gt.Record.(wire.FileOffer); ok {
		m.fileOffers = append(m.fileOffers, groupFileOffer{group: h.Group, author: h.Author, offer: o})
	}
	return true
}

func (m *groupManager) emitMessage(g *group, row store.GroupMessage) {
	name := row.Author.Short()
	if n, ok := m.shownNames(g)[row.Author]; ok {
		name = n
	}
	m.core.emit(MessageReceived{Message: m.core.withQuote(context.Background(), messageFromStore(row.Message(), m.self, name))})
}

// reload rereads a group after a failed write, so memory matches the disk.
func (m *groupManager) reload(ctx context.Context, g *group) {
	if fresh, err := m.loadGroup(ctx, g.row); err == nil {
		m.groups[g.row.ID] = fresh
	}
}

// handleSenderKey keeps a relayable envelope for another member, or opens
// one addressed to us and decrypts what was waiting for it.
func (m *groupManager) handleSenderKey(ctx context.Context, from crypto.ID, w wire.GroupSenderKey) {
	g, ok := m.groups[w.Group]
	if !ok || g.row.State != store.GroupActive {
		return
	}
	if _, known := g.member(from); !known {
		return
	}
	k := crypto.SenderKey(w)
	if k.Epoch > g.roster.Version {
		return // an epoch we do not know; sync brings it after its roster
	}
	keys, _, ok := m.authorKeys(ctx, g, k.Author, k.Epoch)
	if !ok || k.Author == m.self || !crypto.VerifySenderKey(k, keys) {
		m.log.Info("dropping sender key that does not verify", "peer", from)
		return
	}
	if k.Recipient != m.self {
		if _, member := g.member(k.Recipient); member {
			if err := m.storeKeys(ctx, []crypto.SenderKey{k}); err != nil {
				m.core.emit(Failure{Op: "save sender key", Err: err})
			}
		}
		return
	}
	ref := chainRef{k.Author, k.Epoch}
	old := g.chains[ref]
	if old != nil && k.StartSeq < old.Position() {
		// We hold a chain that went further. A key that starts at or past
		// our position may be the author's fresh chain for the same epoch,
		// made after its roster switched forks; it replaces the old one.
		return
	}
	ck, err := crypto.OpenSenderKey(m.id, k)
	if err != nil {
		m.log.Info("sender key does not open", "peer", from)
		return
	}
	if old != nil && old.Continues(ck, k.StartSeq) {
		return // the chain we hold, delivered again
	}
	rt := crypto.NewRatchet(ck, k.StartSeq)
	g.chains[ref] = rt
	m.resolvePending(ctx, g, ref, rt)
}

// resolvePending decrypts the stored messages that waited for a chain.
func (m *groupManager) resolvePending(ctx context.Context, g *group, ref chainRef, rt *crypto.Ratchet) {
	pending, err := m.store.PendingGroupMessages(ctx, g.row.ID, ref.author, ref.epoch)
	if err != nil {
		m.core.emit(Failure{Op: "read pending group messages", Err: err})
		return
	}
	var done []store.GroupMessage
	for _, p := range pending {
		msgs, err := wire.DecodeAll(p.Record)
		if err != nil || len(msgs) != 1 {
			continue
		}
		w, ok := msgs[0].(wire.GroupMessage)
		if !ok {
			continue
		}
		h := crypto.GroupHeader{Group: w.Group, Author: ref.author, Epoch: w.Epoch, Seq: w.Seq}
		if m.decrypt(rt, h, w.Ciphertext, &p) {
			done = append(done, p)
		}
	}
	err = m.store.ResolveGroupMessages(ctx, done, []store.GroupChain{chainState(g.row.ID, ref.author, ref.epoch, rt)})
	if err != nil {
		m.core.emit(Failure{Op: "save group messages", Err: err})
		m.reload(ctx, g)
		return
	}
	use := g.pending[ref.author]
	for _, p := range done {
		use.Count--
		use.Bytes -= int64(len(p.Record))
	}
	g.pending[ref.author] = store.PendingUse{Count: max(0, use.Count), Bytes: max(0, use.Bytes)}
	for _, p := range done {
		if p.State == store.GroupMsgUnread {
			m.emitMessage(g, p)
		}
	}
	m.applyGroupOps(ctx, g, done)
}
