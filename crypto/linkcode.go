package crypto

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/crypto/cryptobyte"
)

// LinkCodePrefix starts every link code.
const LinkCodePrefix = "jarvis://"

const (
	linkCodeVersion = 1
	checksumSize    = 4
)

// Errors from ParseLinkCode; each says what a person should do.
var (
	ErrCodePrefix    = errors.New("a link code starts with jarvis://")
	ErrCodeEncoding  = errors.New("the link code has characters that don't belong in it; copy it again")
	ErrCodeChecksum  = errors.New("the link code is mistyped or cut short; copy it again in full")
	ErrCodeVersion   = errors.New("the link code is from a newer Jarvis; update Jarvis")
	ErrCodeMalformed = errors.New("the link code is damaged; ask for a new one")
	ErrCodeName      = errors.New("the link code's display name is invalid")
	ErrCodeAddr      = errors.New("the link code holds an invalid address")
	ErrCodeKey       = errors.New("the link code holds an invalid key")
)

// LinkCode is what one person gives another to become contacts: a name,
// public keys, and the addresses where they listen. The ID is never carried;
// it is recomputed from Keys.
type LinkCode struct {
	Name  string
	Keys  PublicIdentity
	Addrs []string
}

// EncodeLinkCode renders c as "jarvis://" followed by lowercase base32 of
// version || sign key || DH key || name || addresses || checksum.
func EncodeLinkCode(c LinkCode) (string, error) {
	if err := c.validate(); err != nil {
		return "", err
	}
	b := []byte{linkCodeVersion}
	b = append(b, c.Keys.Sign[:]...)
	b = append(b, c.Keys.DH[:]...)
	b = append(b, byte(len(c.Name)))
	b = append(b, c.Name...)
	b = append(b, byte(len(c.Addrs)))
	for _, a := range c.Addrs {
		b = append(b, byte(len(a)))
		b = append(b, a...)
	}
	b = append(b, linkChecksum(b)...)
	return LinkCodePrefix + idEncoding.EncodeToString(b), nil
}

// ParseLinkCode decodes and checks a link code. Whitespace and line breaks
// from copy and paste are ignored, as is letter case.
func ParseLinkCode(s string) (LinkCode, error) {
	s = strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
	if len(s) < len(LinkCodePrefix) || !strings.EqualFold(s[:len(LinkCodePrefix)], LinkCodePrefix) {
		return LinkCode{}, ErrCodePrefix
	}
	raw, err := idEncoding.DecodeString(strings.ToLower(s[len(LinkCodePrefix):]))
	if err != nil {
		return LinkCode{}, ErrCodeEncoding
	}
	if len(raw) < 1+64+1+1+checksumSize {
		return LinkCode{}, ErrCodeChecksum
	}
	body, sum := raw[:len(raw)-checksumSize], raw[len(raw)-checksumSize:]
	if !bytes.Equal(linkChecksum(body), sum) {
		return LinkCode{}, ErrCodeChecksum
	}
	if body[0] != linkCodeVersion {
		return LinkCode{}, ErrCodeVersion
	}
	c, err := decodeLinkBody(body[1:])
	if err != nil {
		return LinkCode{}, err
	}
	return c, c.validate()
}

// decodeLinkBody reads sign[32] ‖ dh[32] ‖ name:str8 ‖ n:u8 ‖ addr:str8×n.
// Names and addresses are checked by validate afterwards.
func decodeLinkBody(b []byte) (LinkCode, error) {
	s := cryptobyte.String(b)
	var c LinkCode
	var name cryptobyte.String
	var n uint8
	if !s.CopyBytes(c.Keys.Sign[:]) || !s.CopyBytes(c.Keys.DH[:]) || !s.ReadUint8LengthPrefixed(&name) || !s.ReadUint8(&n) {
		return c, ErrCodeMalformed
	}
	c.Name = string(name)
	for range n {
		var a cryptobyte.String
		if !s.ReadUint8LengthPrefixed(&a) {
			return c, ErrCodeMalformed
		}
		c.Addrs = append(c.Addrs, string(a))
	}
	if !s.Empty() {
		return c, ErrCodeMalformed
	}
	return c, nil
}

func linkChecksum(b []byte) []byte {
	h := sha256.New()
	h.Write([]byte("jarvis-code-v1"))
	h.Write(b)
	return h.Sum(nil)[:checksumSize]
}

func (c LinkCode) validate() error {
	if err := c.Keys.Validate(); err != nil {
		return fmt.Errorf("%w: %v", ErrCodeKey, err)
	}
	if err := ValidateName(c.Name); err != nil {
		return fmt.Errorf("%w: %v", ErrCodeName, err)
	}
	if len(c.Addrs) > MaxAddrs {
		return fmt.Errorf("%w: more than %d addresses", ErrCodeAddr, MaxAddrs)
	}
	for _, a := range c.Addrs {
		if err := ValidateAddr(a); err != nil {
			return fmt.Errorf("%w: %v", ErrCodeAddr, err)
		}
	}
	return nil
}

// ValidateName checks a display name: 1 to 64 bytes of UTF-8 with no
// control characters and no invisible ones (IsInvisible), so no name can
// pass for another or hide text. It judges every name that enters: the
// user's own, link codes, requests, and names a roster change brings in.
func ValidateName(name string) error {
	if err := checkNameShape(name); err != nil {
		return err
	}
	if strings.IndexFunc(name, IsInvisible) >= 0 {
		return errors.New("name contains invisible characters; type it again without them")
	}
	return nil
}

// checkNameShape is ValidateName without the rule on invisible characters,
// which came later: a roster stored or signed before it must still parse
// (or its group would be lost), so parsing checks only this, and
// CheckGenesis and CheckTransition apply ValidateName to the names they let
// in. Screens strip invisible characters from every name they show.
func checkNameShape(name string) error {
	switch {
	case name == "" || strings.TrimSpace(name) == "":
		return errors.New("name is empty")
	case len(name) > MaxName:
		return fmt.Errorf("name is longer than %d bytes", MaxName)
	case !utf8.ValidString(name):
		return errors.New("name is not valid UTF-8")
	case strings.IndexFunc(name, unicode.IsControl) >= 0:
		return errors.New("name contains control characters")
	}
	return nil
}

// ValidateAddr checks a "host:port" address with a numeric port. A host
// ending in ".onion" must be a valid v3 onion name (ParseOnionHost).
func ValidateAddr(addr string) error {
	host, err := checkAddrShape(addr)
	if err != nil {
		return err
	}
	if isOnionHost(host) {
		if _, err := ParseOnionHost(host); err != nil {
			return fmt.Errorf("address %q: %v", addr, err)
		}
	}
	return nil
}

// checkAddrShape is ValidateAddr without the onion rule, which came later: a
// roster stored or signed before it must still parse, so parsing checks
// only this (as with checkNameShape) and checkNewDetails applies
// ValidateAddr to the addresses a roster change brings in.
func checkAddrShape(addr string) (host string, err error) {
	if len(addr) == 0 || len(addr) > MaxAddr {
		return "", errors.New("address length out of range")
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("address %q: %v", addr, err)
	}
	if host == "" || strings.IndexFunc(host, func(r rune) bool { return r <= ' ' || r > '~' }) >= 0 {
		return "", fmt.Errorf("address %q: bad host", addr)
	}
	p, err := strconv.Atoi(port)
	if err != nil || p < 1 || p > 65535 {
		return "", fmt.Errorf("address %q: bad port", addr)
	}
	return host, nil
}
