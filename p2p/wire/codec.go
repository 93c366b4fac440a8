package wire

import (
	"encoding/binary"
	"errors"
	"fmt"
	"unicode/utf8"

	"jarvis/crypto"
)

// Errors returned (wrapped) by Append and DecodeAll; test with errors.Is.
var (
	ErrUnknownType  = errors.New("wire: unknown message type")
	ErrTruncated    = errors.New("wire: truncated record")
	ErrTrailing     = errors.New("wire: trailing bytes in record")
	ErrOverLimit    = errors.New("wire: field over limit")
	ErrInvalidUTF8  = errors.New("wire: string is not valid UTF-8")
	ErrInvalidBool  = errors.New("wire: boolean is neither 0 nor 1")
	ErrRecordTooBig = errors.New("wire: record longer than 65535 bytes")
	ErrZeroInstance = errors.New("wire: Hello instance sent as zero")
)

// Record layout: [uint16 big-endian length of type+body][type byte][body].
const recordHeader = 2

// Append validates m and appends it to dst as one length-prefixed record.
// On error dst is returned unchanged.
func Append(dst []byte, m Message) ([]byte, error) {
	if !known(m) {
		return dst, fmt.Errorf("wire: encode %T: %w", m, ErrUnknownType)
	}
	if err := validate(m); err != nil {
		return dst, fmt.Errorf("wire: encode %s: %w", m.Type(), err)
	}
	start := len(dst)
	dst = append(dst, 0, 0, byte(m.Type()))
	dst = appendBody(dst, m)
	n := len(dst) - start - recordHeader
	if n > 0xFFFF {
		return dst[:start], fmt.Errorf("wire: encode %s: %w", m.Type(), ErrRecordTooBig)
	}
	binary.BigEndian.PutUint16(dst[start:], uint16(n))
	return dst, nil
}

// known reports whether m is one of the record types, by value: a pointer
// to one is a Message too (its method set includes Type) but is refused, so
// there is one way to send each record.
func known(m Message) bool {
	switch m.(type) {
	case Hello, ContactRequest, ContactAccept, ContactReject, Text, Ack, Read, Typing, Ping, Pong, Bye, Address, Rekey, AddrRecord,
		GroupInvite, GroupRoster, GroupSenderKey, GroupMessage, GroupSync:
		return true
	}
	return isMessageOp(m) || fileRecord(m)
}

func validate(m Message) error {
	switch v := m.(type) {
	case Hello:
		return checkAddrs(v.Addrs)
	case ContactRequest:
		if err := checkString("name", v.Name, crypto.MaxName); err != nil {
			return err
		}
		return checkAddrs(v.Addrs)
	case ContactAccept:
		return checkString("name", v.Name, crypto.MaxName)
	case Text:
		return checkString("body", v.Body, MaxBody)
	case Ack:
		return checkIDs(v.IDs)
	case Read:
		return checkIDs(v.IDs)
	case Bye:
		return checkString("reason", v.Reason, MaxReason)
	case Address:
		return checkAddrs(v.Addrs)
	case AddrRecord:
		_, err := crypto.AddrRecord(v).AppendBinary(nil)
		return err
	}
	if isMessageOp(m) {
		return validateMessageOp(m)
	}
	if fileRecord(m) {
		return validateFile(m)
	}
	return validateGroup(m)
}

func checkString(field, s string, limit int) error {
	if len(s) > limit {
		return fmt.Errorf("%s is %d bytes, limit %d: %w", field, len(s), limit, ErrOverLimit)
	}
	if !utf8.ValidString(s) {
		return fmt.Errorf("%s: %w", field, ErrInvalidUTF8)
	}
	return nil
}

func checkAddrs(addrs []string) error {
	if len(addrs) > crypto.MaxAddrs {
		return fmt.Errorf("%d addresses, limit %d: %w", len(addrs), crypto.MaxAddrs, ErrOverLimit)
	}
	for _, a := range addrs {
		if err := checkString("address", a, crypto.MaxAddr); err != nil {
			return err
		}
	}
	return nil
}

func checkIDs(ids []crypto.MessageID) error {
	if len(ids) > MaxIDs {
		return fmt.Errorf("%d ids, limit %d: %w", len(ids), MaxIDs, ErrOverLimit)
	}
	return nil
}

// appendBody encodes an already validated message body.
func appendBody(b []byte, m Message) []byte {
	switch v := m.(type) {
	case Hello:
		b = append(b, v.Sign[:]...)
		b = appendAddrs(b, v.Addrs)
		b = append(b, v.Sig[:]...)
		if v.Instance != ([InstanceSize]byte{}) {
			b = append(b, v.Instance[:]...)
		}
	case ContactRequest:
		b = appendStr8(b, v.Name)
		b = appendAddrs(b, v.Addrs)
	case ContactAccept:
		b = appendStr8(b, v.Name)
	case Text:
		b = append(b, v.ID[:]...)
		b = binary.BigEndian.AppendUint64(b, uint64(v.SentAt))
		b = appendStr16(b, v.Body)
	case Ack:
		b = appendIDs(b, v.IDs)
	case Read:
		b = appendIDs(b, v.IDs)
	case Typing:
		b = append(b, boolByte(v.Active))
	case Ping:
		b = binary.BigEndian.AppendUint64(b, v.Nonce)
	case Pong:
		b = binary.BigEndian.AppendUint64(b, v.Nonce)
	case Bye:
		b = appendStr16(b, v.Reason)
	case Address:
		b = appendAddrs(b, v.Addrs)
	case AddrRecord:
		b, _ = crypto.AddrRecord(v).AppendBinary(b) // validated
	case Reply, Reaction, Edit, Delete:
		b = appendMessageOp(b, m)
	case FileOffer, FileStatus, FileGet, FileData:
		b = appendFileBody(b, m)
	default:
		b = appendGroupBody(b, m)
	}
	return b // ContactReject and Rekey have empty bodies
}

func appendStr8(b []byte, s string) []byte {
	return append(append(b, byte(len(s))), s...)
}

func appendStr16(b []byte, s string) []byte {
	return append(binary.BigEndian.AppendUint16(b, uint16(len(s))), s...)
}

func appendAddrs(b []byte, addrs []string) []byte {
	b = append(b, byte(len(addrs)))
	for _, a := range addrs {
		b = appendStr8(b, a)
	}
	return b
}

func appendIDs(b []byte, ids []crypto.MessageID) []byte {
	b = binary.BigEndian.AppendUint16(b, uint16(len(ids)))
	for _, id := range ids {
		b = append(b, id[:]...)
	}
	return b
}
