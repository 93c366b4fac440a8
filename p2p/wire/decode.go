package wire

import (
	"encoding/binary"
	"fmt"
	"unicode/utf8"
)

// DecodeAll decodes every record in a frame payload. It is strict: an
// unknown type, a short or over-long record, a field over its limit, invalid
// UTF-8 or a non-canonical boolean is an error, and no messages are returned.
// An empty payload decodes to no messages.
func DecodeAll(b []byte) ([]Message, error) {
	var msgs []Message
	for i := 0; len(b) > 0; i++ {
		if len(b) < recordHeader {
			return nil, fmt.Errorf("wire: record %d: length prefix: %w", i, ErrTruncated)
		}
		n := int(binary.BigEndian.Uint16(b))
		b = b[recordHeader:]
		if n == 0 || n > len(b) {
			return nil, fmt.Errorf("wire: record %d: length %d with %d bytes left: %w", i, n, len(b), ErrTruncated)
		}
		rec := b[:n]
		b = b[n:]
		m, err := decodeRecord(Type(rec[0]), rec[1:])
		if err != nil {
			return nil, fmt.Errorf("wire: record %d (%s): %w", i, Type(rec[0]), err)
		}
		msgs = append(msgs, m)
	}
	return msgs, nil
}

// reader consumes a record body; the first error sticks.
type reader struct {
	b   []byte
	err error
}

func (r *reader) fail(err error) {
	if r.err == nil {
		r.err = err
	}
}

func (r *reader) bytes(n int) []byte {
	if r.err != nil {
		return nil
	}
	if len(r.b) < n {
		r.fail(ErrTruncated)
		return nil
	}
	v := r.b[:n]
	r.b = r.b[n:]
	return v
}

func (r *reader) u8() int {
	v := r.bytes(1)
	if v == nil {
		return 0
	}
	return int(v[0])
}

func (r *reader) u16() int {
	v := r.bytes(2)
	if v == nil {
		return 0
	}
	return int(binary.BigEndian.Uint16(v))
}

func (r *reader) u64() uint64 {
	v := r.bytes(8)
	if v == nil {
		return 0
	}
	return binary.BigEndian.Uint64(v)
}

func (r *reader) array(dst []byte) {
	copy(dst, r.bytes(len(dst)))
}

func (r *reader) str(n, limit int, field string) string {
	if r.err != nil {
		return ""
	}
	if n > limit {
		r.fail(fmt.Errorf("%s is %d bytes, limit %d: %w", field, n, limit, ErrOverLimit))
		return ""
	}
	v := r.bytes(n)
	if r.err != nil {
		return ""
	}
	if !utf8.Valid(v) {
		r.fail(fmt.Errorf("%s: %w", field, ErrInvalidUTF8))
		return ""
	}
	return string(v)
}

func (r *reader) str8(limit int, field string) string  { return r.str(r.u8(), limit, field) }
func (r *reader) str16(limit int, field string) string { return r.str(r.u16(), limit, field) }

func (r *reader) addrs() []string {
	n := r.u8()
	if n > MaxAddrs {
		r.fail(fmt.Errorf("%d addresses, limit %d: %w", n, MaxAddrs, ErrOverLimit))
	}
	if r.err != nil || n == 0 {
		return nil
	}
	out := make([]string, 0, n)
	for range n {
		out = append(out, r.str8(MaxAddr, "address"))
	}
	return out
}

func (r *reader) ids() []MessageID {
	n := r.u16()
	if n > MaxIDs {
		r.fail(fmt.Errorf("%d ids, limit %d: %w", n, MaxIDs, ErrOverLimit))
	}
	if r.err != nil || n == 0 {
		return nil
	}
	if len(r.b) < n*len(MessageID{}) {
		r.fail(ErrTruncated)
		return nil
	}
	out := make([]MessageID, n)
	for i := range out {
		r.array(out[i][:])
	}
	return out
}

func decodeRecord(t Type, body []byte) (Message, error) {
	r := &reader{b: body}
	var m Message
	switch t {
	case TypeHello:
		var v Hello
		r.array(v.Sign[:])
		v.Addrs = r.addrs()
		r.array(v.Sig[:])
		m = v
	case TypeContactRequest:
		var v ContactRequest
		v.Name = r.str8(MaxName, "name")
		v.Addrs = r.addrs()
		m = v
	case TypeContactAccept:
		m = ContactAccept{Name: r.str8(MaxName, "name")}
	case TypeContactReject:
		m = ContactReject{}
	case TypeText:
		var v Text
		r.array(v.ID[:])
		v.SentAt = int64(r.u64())
		v.Body = r.str16(MaxBody, "body")
		m = v
	case TypeAck:
		m = Ack{IDs: r.ids()}
	case TypeRead:
		m = Read{IDs: r.ids()}
	case TypeTyping:
		switch r.u8() {
		case 0:
			m = Typing{}
		case 1:
			m = Typing{Active: true}
		default:
			r.fail(ErrInvalidBool)
		}
	case TypePing:
		m = Ping{Nonce: r.u64()}
	case TypePong:
		m = Pong{Nonce: r.u64()}
	case TypeBye:
		m = Bye{Reason: r.str16(MaxReason, "reason")}
	case TypeAddress:
		m = Address{Addrs: r.addrs()}
	case TypeRekey:
		m = Rekey{}
	default:
		g, ok := decodeGroup(t, r)
		if !ok {
			return nil, ErrUnknownType
		}
		m = g
	}
	if r.err != nil {
		return nil, r.err
	}
	if len(r.b) != 0 {
		return nil, fmt.Errorf("%d extra bytes: %w", len(r.b), ErrTrailing)
	}
	return m, nil
}
