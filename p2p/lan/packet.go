package lan

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"

	"jarvis/crypto"
)

// An announcement on the wire (all integers big-endian):
//
//	magic "JVLN" | version 1 | kind | nonce[16] | epoch u64 | body
//
// kind 1 (presence): body = count u8 | count entries of crypto.LANEntryLen
// bytes, one per contact of the announcer, padded with random entries.
// kind 2 (pairing): body = port u16 | locator u8 (the first two digits of a
// pairing code).
//
// Nothing in a presence packet names anyone or stays the same from one
// packet to the next: the entries (each hiding a tag and our port) look
// random to all but the contact each one is for.
const (
	magic        = "JVLN"
	version      = 1
	nonceLen     = 16
	headerLen    = len(magic) + 2 + nonceLen + 8
	maxEntries   = 100
	maxPacket    = headerLen + 1 + maxEntries*crypto.LANEntryLen
	kindPresence = 1
	kindPairing  = 2
	maxLocator   = 99
	entryQuantum = 4 // the entry count is rounded up to this, so it says less about who announces
)

var errPacket = errors.New("lan: not a Jarvis announcement")

// packet is one decoded announcement.
type packet struct {
	kind    byte
	nonce   [nonceLen]byte
	epoch   uint64
	entries [][crypto.LANEntryLen]byte // presence
	port    uint16                     // pairing
	locator byte                       // pairing
}

func (p packet) encode() []byte {
	b := make([]byte, 0, maxPacket)
	b = append(b, magic...)
	b = append(b, version, p.kind)
	b = append(b, p.nonce[:]...)
	b = binary.BigEndian.AppendUint64(b, p.epoch)
	switch p.kind {
	case kindPresence:
		b = append(b, byte(len(p.entries)))
		for _, e := range p.entries {
			b = append(b, e[:]...)
		}
	case kindPairing:
		b = binary.BigEndian.AppendUint16(b, p.port)
		b = append(b, p.locator)
	}
	return b
}

// decodePacket parses b strictly: the length must be exactly what the
// header says, so two different byte strings never decode alike.
func decodePacket(b []byte) (packet, error) {
	if len(b) < headerLen+1 || len(b) > maxPacket || !bytes.HasPrefix(b, []byte(magic)) {
		return packet{}, errPacket
	}
	if b[4] != version {
		return packet{}, fmt.Errorf("lan: announcement version %d: %w", b[4], errPacket)
	}
	p := packet{kind: b[5]}
	copy(p.nonce[:], b[6:])
	p.epoch = binary.BigEndian.Uint64(b[6+nonceLen:])
	body := b[headerLen:]
	switch p.kind {
	case kindPresence:
		n := int(body[0])
		if n > maxEntries || len(body) != 1+n*crypto.LANEntryLen {
			return packet{}, errPacket
		}
		p.entries = make([][crypto.LANEntryLen]byte, n)
		for i := range p.entries {
			copy(p.entries[i][:], body[1+i*crypto.LANEntryLen:])
		}
	case kindPairing:
		if len(body) != 3 || body[2] > maxLocator {
			return packet{}, errPacket
		}
		p.port, p.locator = binary.BigEndian.Uint16(body), body[2]
		if p.port == 0 {
			return packet{}, errPacket
		}
	default:
		return packet{}, errPacket
	}
	return p, nil
}
