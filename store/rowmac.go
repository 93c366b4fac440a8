package store

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"sync"

	"jarvis/crypto"
)

// Metadata that decides trust (a contact's state and verified flag, which
// side wrote a message, its state and place in the conversation, a group's
// state and roster version, a group message's author, number and epoch) is
// stored in plaintext, so SQLite can index and filter on it. Each row that
// holds such columns carries a MAC over them in its mac column, under a key
// derived from the master key: someone with the file but not the passphrase
// can delete rows, never change what one says. PROTOCOL.md §9 lists the
// columns.

// rowKeyLabel is the HKDF info of the row MAC key; it differs from every
// column sealing label ("jarvis-seal-v1/...").
const rowKeyLabel = "jarvis-rowmac-v1"

// rowMACDomain starts every MAC input, ahead of the table name.
const rowMACDomain = "jarvis-row-v1"

// macSize is the length of a stored row MAC (HMAC-SHA256, untruncated).
const macSize = sha256.Size

// ErrTampered: a row failed its integrity check. The error that wraps it
// names the table (and the row where that says nothing private).
var ErrTampered = errors.New("changed outside Jarvis (integrity check failed); restore the data directory from a backup")

// rowMACer computes and checks row MACs. It is safe for concurrent use.
// Like a crypto.Sealer it keeps its key until it is dropped.
type rowMACer struct {
	key  [32]byte
	pool sync.Pool // of hash.Hash: HMAC-SHA256 keyed with key, reset per use
}

func newRowMACer(mk crypto.MasterKey) (*rowMACer, error) {
	key, err := crypto.DeriveKey(mk, rowKeyLabel)
	if err != nil {
		return nil, fmt.Errorf("row MAC key: %w", err)
	}
	rm := &rowMACer{key: key}
	clear(key[:])
	rm.pool.New = func() any { return hmac.New(sha256.New, rm.key[:]) }
	return rm, nil
}

// sum returns the MAC of in.
func (rm *rowMACer) sum(in []byte) []byte {
	h := rm.pool.Get().(hash.Hash)
	h.Reset()
	h.Write(in)
	out := h.Sum(make([]byte, 0, macSize))
	rm.pool.Put(h)
	return out
}

// check compares mac with the MAC of in; a mismatch (or a missing MAC)
// wraps ErrTampered and names table, and the row by seq if seq > 0.
func (rm *rowMACer) check(table string, seq int64, in, mac []byte) error {
	if len(mac) == macSize && hmac.Equal(rm.sum(in), mac) {
		return nil
	}
	if seq <= 0 {
		return fmt.Errorf("table %s: %w", table, ErrTampered)
	}
	return fmt.Errorf("table %s, seq %d: %w", table, seq, ErrTampered)
}

// macInput starts a MAC input for table: the domain, then the table name
// with its length. Every table's fields after that have a fixed layout, so
// two different rows never encode alike.
func macInput(buf []byte, table string) []byte {
	buf = append(buf, rowMACDomain...)
	buf = append(buf, byte(len(table)))
	return append(buf, table...)
}

func appendBool(b []byte, v bool) []byte {
	if v {
		return append(b, 1)
	}
	return append(b, 0)
}

// contactMAC covers a contact's ID, both public keys, state and verified flag.
func contactMACInput(buf []byte, c *Contact) []byte {
	buf = macInput(buf, "contacts")
	buf = append(buf, c.ID[:]...)
	buf = append(buf, c.Keys.Sign[:]...)
	buf = append(buf, c.Keys.DH[:]...)
	buf = append(buf, byte(c.State))
	return appendBool(buf, c.Verified)
}

// msgRow is the MAC'd part of a messages row: its place (seq) in the
// conversation, which conversation, which message, who wrote it, how it
// stands and its times.
type msgRow struct {
	seq      int64
	contact  crypto.ID
	id       crypto.MessageID
	outgoing bool
	state    MessageState
	sentAt   int64 // milliseconds, as stored
	storedAt int64
}

func (r *msgRow) macInput(buf []byte) []byte {
	buf = macInput(buf, "messages")
	buf = binary.BigEndian.AppendUint64(buf, uint64(r.seq))
	buf = append(buf, r.contact[:]...)
	buf = append(buf, r.id[:]...)
	buf = appendBool(buf, r.outgoing)
	buf = append(buf, byte(r.state))
	buf = binary.BigEndian.AppendUint64(buf, uint64(r.sentAt))
	return binary.BigEndian.AppendUint64(buf, uint64(r.storedAt))
}

// mac returns the row's MAC; the input fits the stack buffer.
func (rm *rowMACer) msgMAC(r *msgRow) []byte {
	var buf [128]byte
	return rm.sum(r.macInput(buf[:0]))
}

func (rm *rowMACer) checkMsg(r *msgRow, mac []byte) error {
	var buf [128]byte
	return rm.check("messages", r.seq, r.macInput(buf[:0]), mac)
}

// groupMACInput covers a group's ID, this device's state in it, the
// current roster version and the version it joined at.
func groupMACInput(buf []byte, id crypto.GroupID, st GroupState, version, joined uint64) []byte {
	buf = macInput(buf, "groups")
	buf = append(buf, id[:]...)
	buf = append(buf, byte(st))
	buf = binary.BigEndian.AppendUint64(buf, version)
	return binary.BigEndian.AppendUint64(buf, joined)
}

// groupMAC is the MAC stored in groups.mac for g.
func (rm *rowMACer) groupMAC(g *Group) []byte {
	var buf [96]byte
	return rm.sum(groupMACInput(buf[:0], g.ID, g.State, g.Version, g.Joined))
}

// groupMsgMACInput covers a group message's place (seq), group, author,
// the author's sequence number, epoch and state.
func groupMsgMACInput(buf []byte, seq int64, g crypto.GroupID, author crypto.ID, aseq, epoch uint64, st GroupMsgState) []byte {
	buf = macInput(buf, "group_messages")
	buf = binary.BigEndian.AppendUint64(buf, uint64(seq))
	buf = append(buf, g[:]...)
	buf = append(buf, author[:]...)
	buf = binary.BigEndian.AppendUint64(buf, aseq)
	buf = binary.BigEndian.AppendUint64(buf, epoch)
	return append(buf, byte(st))
}

// groupMsgMAC is the MAC stored in group_messages.mac for m (m.Seq set).
func (rm *rowMACer) groupMsgMAC(m *GroupMessage) []byte {
	var buf [128]byte
	return rm.sum(groupMsgMACInput(buf[:0], m.Seq, m.Group, m.Author, m.AuthorSeq, m.Epoch, m.State))
}
