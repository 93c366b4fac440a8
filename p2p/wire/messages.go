// Package wire defines the typed messages Jarvis peers exchange inside an
// encrypted session and their strict, length-prefixed binary encoding.
package wire

import (
	"strconv"

	"jarvis/crypto"
)

// Type is the one-byte record type on the wire.
type Type uint8

// Record types. The numbers are part of the protocol; never reuse one.
const (
	TypeHello          Type = 1
	TypeContactRequest Type = 2
	TypeContactAccept  Type = 3
	TypeContactReject  Type = 4
	TypeText           Type = 5
	TypeAck            Type = 6
	TypeRead           Type = 7
	TypeTyping         Type = 8
	TypePing           Type = 9
	TypePong           Type = 10
	TypeBye            Type = 11
	TypeAddress        Type = 12
	TypeRekey          Type = 13
	TypeAddrRecord     Type = 14
)

// Limits of the wire records alone, enforced by both Append and DecodeAll;
// names and addresses obey the limits in package crypto (crypto.MaxName,
// crypto.MaxAddrs, crypto.MaxAddr). String limits are in bytes.
const (
	MaxBody   = 16 << 10
	MaxIDs    = 1024
	MaxReason = 256
)

// Message is any record that can travel in a session.
type Message interface{ Type() Type }

// Hello proves possession of the Ed25519 key and binds it to the Noise
// handshake. It is engine-internal and never delivered to the application.
//
// Instance, when not zero, names the sender's copy of its identity (a
// device); it lets a peer tell a second device with the same identity
// from a reconnect of the first. It is optional on the wire: a Hello
// without it (older peers) decodes with a zero Instance, and a zero one is
// not sent.
type Hello struct {
	Sign     [32]byte
	Addrs    []string
	Sig      [64]byte
	Instance [InstanceSize]byte
}

// InstanceSize is the length of Hello.Instance.
const InstanceSize = 16

// ByeReplaced is the Bye reason of a session closed because the same
// identity connected from another device (another Hello.Instance). The
// receiver should not redial: the other device is the live one.
const ByeReplaced = "replaced by another device"

// ContactRequest asks the receiver to become a contact.
type ContactRequest struct {
	Name  string
	Addrs []string
}

// ContactAccept accepts a pending contact request.
type ContactAccept struct{ Name string }

// ContactReject declines a contact request.
type ContactReject struct{}

// Text is a 1:1 chat message.
type Text struct {
	ID     crypto.MessageID
	SentAt int64 // unix milliseconds
	Body   string
}

// Ack tells the sender these messages were persisted durably.
type Ack struct{ IDs []crypto.MessageID }

// Read is a read receipt for these messages.
type Read struct{ IDs []crypto.MessageID }

// Typing reports whether the sender is typing.
type Typing struct{ Active bool }

// Ping asks for a Pong; engine-internal keepalive.
type Ping struct{ Nonce uint64 }

// Pong answers a Ping; engine-internal.
type Pong struct{ Nonce uint64 }

// Bye announces that the sender is closing the session.
type Bye struct{ Reason string }

// Address carries the sender's current listen addresses, unsigned. Nothing
// sends it any more (AddrRecord replaced it); it still decodes, so a peer
// that sends one is not cut off.
type Address struct{ Addrs []string }

// AddrRecord carries the sender's signed, versioned address record (a
// crypto.AddrRecord): where it can be reached from now on. Convert with
// crypto.AddrRecord(v) and AddrRecord(r).
type AddrRecord crypto.AddrRecord

// Rekey tells the receiver to rekey its receive cipher after this frame;
// engine-internal.
type Rekey struct{}

func (Hello) Type() Type          { return TypeHello }
func (ContactRequest) Type() Type { return TypeContactRequest }
func (ContactAccept) Type() Type  { return TypeContactAccept }
func (ContactReject) Type() Type  { return TypeContactReject }
func (Text) Type() Type           { return TypeText }
func (Ack) Type() Type            { return TypeAck }
func (Read) Type() Type           { return TypeRead }
func (Typing) Type() Type         { return TypeTyping }
func (Ping) Type() Type           { return TypePing }
func (Pong) Type() Type           { return TypePong }
func (Bye) Type() Type            { return TypeBye }
func (Address) Type() Type        { return TypeAddress }
func (Rekey) Type() Type          { return TypeRekey }
func (AddrRecord) Type() Type     { return TypeAddrRecord }

// String names the type for logs and errors.
func (t Type) String() string {
	switch t {
	case TypeHello:
		return "Hello"
	case TypeContactRequest:
		return "ContactRequest"
	case TypeContactAccept:
		return "ContactAccept"
	case TypeContactReject:
		return "ContactReject"
	case TypeText:
		return "Text"
	case TypeAck:
		return "Ack"
	case TypeRead:
		return "Read"
	case TypeTyping:
		return "Typing"
	case TypePing:
		return "Ping"
	case TypePong:
		return "Pong"
	case TypeBye:
		return "Bye"
	case TypeAddress:
		return "Address"
	case TypeRekey:
		return "Rekey"
	case TypeAddrRecord:
		return "AddrRecord"
	case TypeReply:
		return "Reply"
	case TypeReaction:
		return "Reaction"
	case TypeEdit:
		return "Edit"
	case TypeDelete:
		return "Delete"
	case TypeGroupInvite:
		return "GroupInvite"
	case TypeGroupRoster:
		return "GroupRoster"
	case TypeGroupSenderKey:
		return "GroupSenderKey"
	case TypeGroupMessage:
		return "GroupMessage"
	case TypeGroupSync:
		return "GroupSync"
	}
	if name, ok := fileTypeName(t); ok {
		return name
	}
	return "Type(" + strconv.Itoa(int(t)) + ")"
}
