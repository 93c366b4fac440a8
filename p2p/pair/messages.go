package pair

import (
	"fmt"

	"golang.org/x/crypto/chacha20poly1305"
)

// Every message is version:u8 ‖ type:u8 ‖ fields, one per frame. The fields
// have fixed sizes except the sealed link codes, so each decoder is a length
// check and a split.
const (
	protoVersion = 1

	typeStart   byte = 1 // joiner → host: sid ‖ MSGa
	typeReply   byte = 2 // host → joiner: MSGb ‖ host's MAC
	typeConfirm byte = 3 // joiner → host: joiner's MAC ‖ sealed joiner link code
	typeFinal   byte = 4 // host → joiner: sealed host link code
	typeAbort   byte = 5 // either way: reason

	sidLen = 16
	// cpaceMsgLen is a CPace message with empty associated data:
	// lv(Y[32]) ‖ lv(""), i.e. 0x20 ‖ Y ‖ 0x00.
	cpaceMsgLen = 34
	macLen      = 32
	minSealed   = 1 + chacha20poly1305.Overhead
	maxSealed   = MaxPayload + chacha20poly1305.Overhead
)

// Abort reasons. They are not authenticated (nothing is, before the MACs):
// they only tell the person why, and a forged one costs no more than a
// dropped connection.
const (
	reasonWrongCode   byte = 1
	reasonCodeUsed    byte = 2
	reasonCodeExpired byte = 3
)

func header(t byte) []byte { return []byte{protoVersion, t} }

// fields checks a message's version and type and returns what follows. An
// abort where the reader expected t comes back as the error it carries.
func fields(b []byte, want byte) ([]byte, error) {
	if len(b) < 2 {
		return nil, fmt.Errorf("%w: message of %d bytes", ErrMalformed, len(b))
	}
	if b[0] != protoVersion {
		return nil, fmt.Errorf("%w: protocol version %d, want %d", ErrMalformed, b[0], protoVersion)
	}
	if b[1] == typeAbort && want != typeStart {
		return nil, abortError(b[2:], want)
	}
	if b[1] != want {
		return nil, fmt.Errorf("%w: message type %d, want %d", ErrMalformed, b[1], want)
	}
	return b[2:], nil
}

func encodeStart(sid, msgA []byte) []byte {
	return append(append(header(typeStart), sid...), msgA...)
}

func decodeStart(b []byte) (sid, msgA []byte, err error) {
	return split(b, typeStart, sidLen, sidLen+cpaceMsgLen, sidLen+cpaceMsgLen)
}

func encodeReply(msgB, mac []byte) []byte {
	return append(append(header(typeReply), msgB...), mac...)
}

func decodeReply(b []byte) (msgB, mac []byte, err error) {
	return split(b, typeReply, cpaceMsgLen, cpaceMsgLen+macLen, cpaceMsgLen+macLen)
}

func encodeConfirm(mac, sealed []byte) []byte {
	return append(append(header(typeConfirm), mac...), sealed...)
}

func decodeConfirm(b []byte) (mac, sealed []byte, err error) {
	return split(b, typeConfirm, macLen, macLen+minSealed, macLen+maxSealed)
}

func encodeFinal(sealed []byte) []byte {
	return append(header(typeFinal), sealed...)
}

func decodeFinal(b []byte) (sealed []byte, err error) {
	_, sealed, err = split(b, typeFinal, 0, minSealed, maxSealed)
	return sealed, err
}

// split checks that b is a message of type want whose fields are minLen to
// maxLen bytes, and cuts them in two at cut: every message is one
// fixed-size field and one more, fixed or sealed.
func split(b []byte, want byte, cut, minLen, maxLen int) (first, second []byte, err error) {
	f, err := fields(b, want)
	if err != nil {
		return nil, nil, err
	}
	if len(f) < minLen || len(f) > maxLen {
		return nil, nil, fmt.Errorf("%w: message type %d of %d bytes", ErrMalformed, want, len(b))
	}
	return f[:cut], f[cut:], nil
}

func encodeAbort(reason byte) []byte {
	return append(header(typeAbort), reason)
}

// decodeAbort returns the error an abort's fields carry.
func decodeAbort(f []byte) error {
	if len(f) != 1 {
		return fmt.Errorf("%w: abort of %d bytes", ErrMalformed, 2+len(f))
	}
	switch f[0] {
	case reasonWrongCode:
		return ErrWrongCode
	case reasonCodeUsed:
		return ErrCodeUsed
	case reasonCodeExpired:
		return ErrCodeExpired
	}
	return fmt.Errorf("%w: abort reason %d", ErrMalformed, f[0])
}

// abortError is the error an abort in place of message want carries. Only
// the host says "used" or "expired", and only in place of its reply.
func abortError(f []byte, want byte) error {
	err := decodeAbort(f)
	if want != typeReply && (err == ErrCodeUsed || err == ErrCodeExpired) {
		return fmt.Errorf("%w: abort reason %d in place of message type %d", ErrMalformed, f[0], want)
	}
	return err
}

// abortFor is the abort that tells the peer about err, or nil if err is
// not one the peer needs to hear.
func abortFor(err error) []byte {
	switch err {
	case ErrWrongCode:
		return encodeAbort(reasonWrongCode)
	case ErrCodeUsed:
		return encodeAbort(reasonCodeUsed)
	case ErrCodeExpired:
		return encodeAbort(reasonCodeExpired)
	}
	return nil
}
