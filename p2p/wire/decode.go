package wire

import (
	"bytes"
	"fmt"
	"unicode/utf8"

	"golang.org/x/crypto/cryptobyte"

	"jarvis/crypto"
)

// DecodeAll decodes every record in a frame payload. It is strict: an
// unknown type, a short or over-long record, a field over its limit, invalid
// UTF-8 or a non-canonical boolean is an error, and no messages are returned.
// An empty payload decodes to no messages.
func DecodeAll(b []byte) ([]Message, error) {
	s := cryptobyte.String(b)
	var msgs []Message
	for i := 0; !s.Empty(); i++ {
		var body cryptobyte.String
		var t uint8
		if !s.ReadUint16LengthPrefixed(&body) || !body.ReadUint8(&t) {
			return nil, fmt.Errorf("wire: record %d: %w", i, ErrTruncated)
		}
		m, err := decodeRecord(Type(t), &body)
		if err != nil {
			return nil, fmt.Errorf("wire: record %d (%s): %w", i, Type(t), err)
		}
		if !body.Empty() {
			return nil, fmt.Errorf("wire: record %d (%s): %d extra bytes: %w", i, Type(t), len(body), ErrTrailing)
		}
		msgs = append(msgs, m)
	}
	return msgs, nil
}

// decodeRecord decodes the body of one record of type t from s; the caller
// checks that nothing is left. It mirrors appendBody: one line per core
// record here, and the group records in decodeGroupRecord.
func decodeRecord(t Type, s *cryptobyte.String) (Message, error) {
	switch t {
	case TypeHello:
		return decodeHello(s)
	case TypeContactRequest:
		return decodeContactRequest(s)
	case TypeContactAccept:
		return decodeContactAccept(s)
	case TypeContactReject:
		return ContactReject{}, nil
	case TypeText:
		return decodeText(s)
	case TypeAck:
		return decodeAck(s)
	case TypeRead:
		return decodeRead(s)
	case TypeTyping:
		return decodeTyping(s)
	case TypePing:
		return decodePing(s)
	case TypePong:
		return decodePong(s)
	case TypeBye:
		return decodeBye(s)
	case TypeAddress:
		return decodeAddress(s)
	case TypeRekey:
		return Rekey{}, nil
	case TypeAddrRecord:
		return decodeAddrRecord(s)
	}
	if m, ok, err := decodeMessageOp(t, s); ok {
		return m, err
	}
	if _, ok := fileTypeName(t); ok {
		return decodeFileRecord(t, s)
	}
	return decodeGroupRecord(t, s)
}

func decodeContactRequest(s *cryptobyte.String) (Message, error) {
	name, err := readStr8(s, crypto.MaxName, "name")
	if err != nil {
		return nil, err
	}
	addrs, err := readAddrs(s)
	if err != nil {
		return nil, err
	}
	return ContactRequest{Name: name, Addrs: addrs}, nil
}

func decodeContactAccept(s *cryptobyte.String) (Message, error) {
	name, err := readStr8(s, crypto.MaxName, "name")
	if err != nil {
		return nil, err
	}
	return ContactAccept{Name: name}, nil
}

func decodeAck(s *cryptobyte.String) (Message, error) {
	ids, err := readIDs(s)
	if err != nil {
		return nil, err
	}
	return Ack{IDs: ids}, nil
}

func decodeRead(s *cryptobyte.String) (Message, error) {
	ids, err := readIDs(s)
	if err != nil {
		return nil, err
	}
	return Read{IDs: ids}, nil
}

func decodeTyping(s *cryptobyte.String) (Message, error) {
	active, err := readBool(s)
	if err != nil {
		return nil, err
	}
	return Typing{Active: active}, nil
}

func decodePing(s *cryptobyte.String) (Message, error) {
	var nonce uint64
	if !s.ReadUint64(&nonce) {
		return nil, ErrTruncated
	}
	return Ping{Nonce: nonce}, nil
}

func decodePong(s *cryptobyte.String) (Message, error) {
	var nonce uint64
	if !s.ReadUint64(&nonce) {
		return nil, ErrTruncated
	}
	return Pong{Nonce: nonce}, nil
}

func decodeBye(s *cryptobyte.String) (Message, error) {
	reason, err := readStr16(s, MaxReason, "reason")
	if err != nil {
		return nil, err
	}
	return Bye{Reason: reason}, nil
}

func decodeAddress(s *cryptobyte.String) (Message, error) {
	addrs, err := readAddrs(s)
	if err != nil {
		return nil, err
	}
	return Address{Addrs: addrs}, nil
}

// decodeAddrRecord takes the rest of the record as a crypto.AddrRecord,
// whose parser is as strict as this package's (counts, lengths, trailing
// bytes) and also checks each address. The signature is the app's to check,
// against the keys the session proved.
func decodeAddrRecord(s *cryptobyte.String) (Message, error) {
	var b []byte
	if !s.ReadBytes(&b, len(*s)) {
		return nil, ErrTruncated
	}
	r, err := crypto.ParseAddrRecord(b)
	if err != nil {
		return nil, err
	}
	return AddrRecord(r), nil
}

func decodeHello(s *cryptobyte.String) (Message, error) {
	var v Hello
	if !s.CopyBytes(v.Sign[:]) {
		return nil, ErrTruncated
	}
	addrs, err := readAddrs(s)
	if err != nil {
		return nil, err
	}
	v.Addrs = addrs
	if !s.CopyBytes(v.Sig[:]) {
		return nil, ErrTruncated
	}
	if s.Empty() {
		return v, nil // a Hello from before instances
	}
	if !s.CopyBytes(v.Instance[:]) {
		return nil, ErrTruncated
	}
	if v.Instance == ([InstanceSize]byte{}) {
		return nil, ErrZeroInstance // one encoding per Hello: zero is sent as nothing
	}
	return v, nil
}

func decodeText(s *cryptobyte.String) (Message, error) {
	var v Text
	var sentAt uint64
	if !s.CopyBytes(v.ID[:]) || !s.ReadUint64(&sentAt) {
		return nil, ErrTruncated
	}
	v.SentAt = int64(sentAt)
	body, err := readStr16(s, MaxBody, "body")
	if err != nil {
		return nil, err
	}
	v.Body = body
	return v, nil
}

// readStr8 reads a string with a one-byte length prefix; see readStr.
func readStr8(s *cryptobyte.String, limit int, field string) (string, error) {
	var n uint8
	if !s.ReadUint8(&n) {
		return "", ErrTruncated
	}
	return readStr(s, int(n), limit, field)
}

// readStr16 reads a string with a two-byte length prefix; see readStr.
func readStr16(s *cryptobyte.String, limit int, field string) (string, error) {
	var n uint16
	if !s.ReadUint16(&n) {
		return "", ErrTruncated
	}
	return readStr(s, int(n), limit, field)
}

// readStr reads n bytes of valid UTF-8, at most limit. The limit is checked
// before the bytes are read, so an over-long length is ErrOverLimit even
// when the record is also short.
func readStr(s *cryptobyte.String, n, limit int, field string) (string, error) {
	if n > limit {
		return "", fmt.Errorf("%s is %d bytes, limit %d: %w", field, n, limit, ErrOverLimit)
	}
	var v []byte
	if !s.ReadBytes(&v, n) {
		return "", ErrTruncated
	}
	if !utf8.Valid(v) {
		return "", fmt.Errorf("%s: %w", field, ErrInvalidUTF8)
	}
	return string(v), nil
}

// readAddrs reads count:u8 and that many str8 addresses; none is nil.
func readAddrs(s *cryptobyte.String) ([]string, error) {
	var n uint8
	if !s.ReadUint8(&n) {
		return nil, ErrTruncated
	}
	if n > crypto.MaxAddrs {
		return nil, fmt.Errorf("%d addresses, limit %d: %w", n, crypto.MaxAddrs, ErrOverLimit)
	}
	if n == 0 {
		return nil, nil
	}
	out := make([]string, n)
	for i := range out {
		a, err := readStr8(s, crypto.MaxAddr, "address")
		if err != nil {
			return nil, err
		}
		out[i] = a
	}
	return out, nil
}

// readIDs reads count:u16 and that many message IDs; none is nil.
func readIDs(s *cryptobyte.String) ([]crypto.MessageID, error) {
	var n uint16
	if !s.ReadUint16(&n) {
		return nil, ErrTruncated
	}
	if n > MaxIDs {
		return nil, fmt.Errorf("%d ids, limit %d: %w", n, MaxIDs, ErrOverLimit)
	}
	var raw cryptobyte.String
	if !s.ReadBytes((*[]byte)(&raw), int(n)*crypto.MessageIDSize) {
		return nil, ErrTruncated
	}
	if n == 0 {
		return nil, nil
	}
	out := make([]crypto.MessageID, n)
	for i := range out {
		raw.CopyBytes(out[i][:])
	}
	return out, nil
}

// readBool reads a byte that must be 0 or 1, so the encoding stays canonical.
func readBool(s *cryptobyte.String) (bool, error) {
	var b uint8
	if !s.ReadUint8(&b) {
		return false, ErrTruncated
	}
	switch b {
	case 0:
		return false, nil
	case 1:
		return true, nil
	}
	return false, ErrInvalidBool
}

// readBlob16 reads a byte string with a two-byte length prefix, 1..limit
// bytes, and returns a copy: decoded messages never alias the frame buffer.
func readBlob16(s *cryptobyte.String, limit int, field string) ([]byte, error) {
	var n uint16
	if !s.ReadUint16(&n) {
		return nil, ErrTruncated
	}
	if n == 0 || int(n) > limit {
		return nil, fmt.Errorf("%s is %d bytes, limit 1..%d: %w", field, n, limit, ErrOverLimit)
	}
	var v []byte
	if !s.ReadBytes(&v, int(n)) {
		return nil, ErrTruncated
	}
	return bytes.Clone(v), nil
}
