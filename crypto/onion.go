package crypto

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha3"
	"encoding/base32"
	"errors"
	"strings"
)

// OnionSuffix ends every onion host name.
const OnionSuffix = ".onion"

// onionVersion is the only onion service version tor still serves (v3, rend-spec-v3 §6).
const onionVersion = 3

// onionEncoding is tor's base32: RFC 4648 alphabet, lowercase, no padding
// (35 bytes encode to exactly 56 characters).
var onionEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// onionHostLen is len("<56 base32 characters>.onion").
const onionHostLen = 56 + len(OnionSuffix)

var errOnionHost = errors.New("not a v3 onion address")

// OnionAddress returns the v3 onion host name ("<56 characters>.onion") of the
// service whose key is pub, as tor derives it: base32(pub || checksum ||
// version), checksum = SHA3-256(".onion checksum" || pub || version)[:2].
// p2p/tor publishes services under this name and checks that tor agrees.
func OnionAddress(pub ed25519.PublicKey) string {
	b := make([]byte, 0, ed25519.PublicKeySize+3)
	b = append(b, pub...)
	b = append(b, onionChecksum(pub)...)
	b = append(b, onionVersion)
	return onionEncoding.EncodeToString(b) + OnionSuffix
}

func onionChecksum(pub []byte) []byte {
	h := sha3.New256()
	h.Write([]byte(".onion checksum"))
	h.Write(pub)
	h.Write([]byte{onionVersion})
	return h.Sum(nil)[:2]
}

// ParseOnionHost checks that host is a v3 onion host name, as tor checks it
// (length, version, checksum, a canonical key of large order), and returns
// the service's public key. Only lowercase is accepted, so one service has
// one spelling and addresses compare as strings.
func ParseOnionHost(host string) (ed25519.PublicKey, error) {
	label, ok := strings.CutSuffix(host, OnionSuffix)
	if !ok || len(host) != onionHostLen {
		return nil, errOnionHost
	}
	raw, err := onionEncoding.DecodeString(label)
	if err != nil || len(raw) != ed25519.PublicKeySize+3 {
		return nil, errOnionHost
	}
	pub, sum, ver := raw[:32], raw[32:34], raw[34]
	if ver != onionVersion {
		return nil, errors.New("onion address: unsupported version")
	}
	if !bytes.Equal(sum, onionChecksum(pub)) {
		return nil, errors.New("onion address: bad checksum")
	}
	if err := checkEd25519([32]byte(pub)); err != nil {
		return nil, errors.New("onion address: invalid key")
	}
	return ed25519.PublicKey(pub), nil
}

// isOnionHost reports whether host claims to be an onion name (any case), so
// that ValidateAddr holds it to ParseOnionHost rather than the general rules.
func isOnionHost(host string) bool {
	return len(host) >= len(OnionSuffix) && strings.EqualFold(host[len(host)-len(OnionSuffix):], OnionSuffix)
}
