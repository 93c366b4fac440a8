package cli

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"regexp"
	"strings"

	"jarvis/crypto"
)

// logScrubber keeps jarvis.log free of who and where: a peer ID becomes a
// tag keyed with a random per-run key (the same peer has the same tag
// within one run, and different, unlinkable tags across runs), and
// network addresses are dropped or blanked wherever they show up.
type logScrubber struct {
	key [32]byte
}

func newLogScrubber() (*logScrubber, error) {
	s := &logScrubber{}
	if _, err := rand.Read(s.key[:]); err != nil {
		return nil, fmt.Errorf("log key: %w", err)
	}
	return s, nil
}

// newLogger returns the diagnostics logger: text lines on w, scrubbed.
func newLogger(w io.Writer) (*slog.Logger, error) {
	s, err := newLogScrubber()
	if err != nil {
		return nil, err
	}
	opts := &slog.HandlerOptions{Level: slog.LevelInfo, ReplaceAttr: s.replace}
	return slog.New(slog.NewTextHandler(w, opts)), nil
}

// tag is the pseudonym of b (an ID's bytes, or a string that holds one):
// "peer-" and 4 bytes of HMAC-SHA256 under the run's key. 32 bits tell
// a few hundred contacts apart and cannot be reversed to an ID without
// the key, which never leaves memory.
func (s *logScrubber) tag(prefix string, b []byte) string {
	m := hmac.New(sha256.New, s.key[:])
	m.Write([]byte(prefix))
	m.Write(b)
	return prefix + "-" + hex.EncodeToString(m.Sum(nil)[:4])
}

// isAddrKey reports attribute names whose values are addresses whatever
// their type, so they are dropped outright.
func isAddrKey(key string) bool {
	switch strings.ToLower(key) {
	case "addr", "addrs", "remote", "ip", "listen", "host":
		return true
	}
	return false
}

// isPeerKey reports attribute names whose string values name a peer (a
// full or short ID logged as text by code not yet passing crypto.ID), our
// own included: a log that names us ties the file to our link code.
func isPeerKey(key string) bool {
	switch strings.ToLower(key) {
	case "self", "peer", "from", "to", "member", "contact":
		return true
	}
	return false
}

// replace is the handler's ReplaceAttr.
func (s *logScrubber) replace(_ []string, a slog.Attr) slog.Attr {
	if isAddrKey(a.Key) {
		return slog.Attr{}
	}
	switch a.Value.Kind() {
	case slog.KindString:
		if isPeerKey(a.Key) {
			return slog.String(a.Key, s.peerText(a.Value.String()))
		}
		return slog.String(a.Key, s.scrub(a.Value.String()))
	case slog.KindAny:
		return s.replaceAny(a)
	}
	return a
}

// replaceAny handles values of Go types: IDs become tags, addresses go,
// errors and other printable values are scrubbed as text.
func (s *logScrubber) replaceAny(a slog.Attr) slog.Attr {
	switch v := a.Value.Any().(type) {
	case crypto.ID:
		return slog.String(a.Key, s.tag("peer", v[:]))
	case *crypto.ID:
		if v == nil {
			return a
		}
		return slog.String(a.Key, s.tag("peer", v[:]))
	case []crypto.ID:
		tags := make([]string, len(v))
		for i, id := range v {
			tags[i] = s.tag("peer", id[:])
		}
		return slog.String(a.Key, strings.Join(tags, ","))
	case crypto.GroupID:
		return slog.String(a.Key, s.tag("group", v[:]))
	case net.Addr, netip.Addr, netip.AddrPort, netip.Prefix, net.IP:
		return slog.Attr{}
	case []string:
		out := make([]string, len(v))
		for i, t := range v {
			out[i] = s.scrub(t)
		}
		return slog.Any(a.Key, out)
	case error:
		return slog.String(a.Key, s.scrub(v.Error()))
	case fmt.Stringer:
		return slog.String(a.Key, s.scrub(v.String()))
	}
	return a
}

// peerText tags a peer logged as text: a full ID gets the same tag as
// the crypto.ID, anything else (a short ID) a tag of its own.
func (s *logScrubber) peerText(text string) string {
	if id, err := crypto.ParseID(text); err == nil {
		return s.tag("peer", id[:])
	}
	return s.tag("peer", []byte(strings.ToLower(text)))
}

var (
	// idText finds the 32-character text form of an ID inside a string.
	idText = regexp.MustCompile(`\b[a-z2-7]{32}\b`)
	// ipv4 and ipv6 find what may be an IP address, with its port if any
	// (an IPv6 one bracketed, or bare with a zone); scrub blanks only those
	// that parse.
	ipv4 = regexp.MustCompile(`\b\d{1,3}(?:\.\d{1,3}){3}(?::\d{1,5})?\b`)
	ipv6 = regexp.MustCompile(`\[[0-9A-Fa-f:.]+(?:%[\w.-]+)?\](?::\d{1,5})?|[0-9A-Fa-f]*::?[0-9A-Fa-f:.]*(?:%[\w.-]+)?`)
	// onionName finds an onion host (with its port if any): it is an
	// address like any other, and names whom we were reaching.
	onionName = regexp.MustCompile(`(?i)\b[a-z2-7]{16,56}\.onion\b(?::\d{1,5})?`)
)

// scrub rewrites text that is logged anyway (messages, errors): full IDs
// become their tags and IP addresses and onion names (with their ports)
// become "<addr>".
// An error from the network stack names the address it dialled, and the
// log must not.
func (s *logScrubber) scrub(text string) string {
	text = idText.ReplaceAllStringFunc(text, func(m string) string {
		id, err := crypto.ParseID(m)
		if err != nil {
			return m
		}
		return s.tag("peer", id[:])
	})
	text = onionName.ReplaceAllString(text, "<addr>")
	text = ipv4.ReplaceAllStringFunc(text, blankAddress)
	return ipv6.ReplaceAllStringFunc(text, blankAddress)
}

// blankAddress returns "<addr>" for an IP address (with brackets, zone
// or port), and m unchanged otherwise; a colon or dot that ended the
// match but not the address (as in "dial tcp 10.0.0.1:80: refused") is
// kept.
func blankAddress(m string) string {
	core := strings.TrimRight(m, ":.")
	if !isAddress(core) {
		return m
	}
	return "<addr>" + m[len(core):]
}

// isAddress reports whether m is an IP address, optionally with a port
// or brackets.
func isAddress(m string) bool {
	if ap, err := netip.ParseAddrPort(m); err == nil && ap.Addr().IsValid() {
		return true
	}
	m = strings.TrimSuffix(strings.TrimPrefix(m, "["), "]")
	_, err := netip.ParseAddr(m)
	return err == nil
}
