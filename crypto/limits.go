package crypto

// Limits shared by every encoding that carries these fields: link codes,
// rosters, wire records and the store. They are part of the protocol
// (PROTOCOL.md); this is their one home, so the encodings cannot drift.
const (
	// MaxName is the longest display name, in bytes of UTF-8.
	MaxName = 64
	// MaxAddrs is the most listen addresses one person advertises.
	MaxAddrs = 8
	// MaxAddr is the longest "host:port" address, in bytes.
	MaxAddr = 255
	// MaxGroupMembers is the most members a group has.
	MaxGroupMembers = 256
	// MaxDescription is the longest group description, in bytes of UTF-8.
	MaxDescription = 512
	// MaxRosterBytes is the largest encoded roster. A full group of
	// MaxGroupMembers with short names fits, and a roster fits one wire
	// record (65535 bytes) with room to spare.
	MaxRosterBytes = 30000
)
