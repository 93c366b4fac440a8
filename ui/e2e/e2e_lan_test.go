package e2e

import (
	"bytes"
	"encoding/hex"
	"net"
	"strings"
	"testing"
	"time"

	"jarvis/crypto"
)

// Two contacts whose link codes name addresses they no longer have (a new
// DHCP lease) find each other on their shared network and chat; a third
// machine on it, not their contact, hears the announcements and learns no
// one's identity from them.
func TestLANContactsWithStaleAddressesFindEachOther(t *testing.T) {
	ln := newLANNet(t, 3)
	bin := buildJarvis(t)
	binA, binB := ln.wrap(0, bin), ln.wrap(1, bin)
	ln.setAddr(0, "10.231.0.1/24")
	ln.setAddr(1, "10.231.0.2/24")
	ln.setAddr(2, "10.231.0.3/24")
	dirA, dirB := t.TempDir(), t.TempDir()
	flags := []string{"--listen", "0.0.0.0:7420", "--tor", "off"}
	codeOf := func(bin, dir, pass, name string) crypto.LinkCode {
		if out, err := runCLI(t, bin, dir, pass, append(flags, "init", "--name", name)...); err != nil {
			t.Fatalf("init: %v\n%s", err, out)
		}
		out, err := runCLI(t, bin, dir, pass, append(flags, "code")...)
		if err != nil {
			t.Fatalf("code: %v\n%s", err, out)
		}
		code, err := crypto.ParseLinkCode(strings.TrimSpace(out))
		if err != nil {
			t.Fatalf("code %q: %v", out, err)
		}
		return code
	}
	codeA, codeB := codeOf(binA, dirA, passA, aliceName), codeOf(binB, dirB, passB, bobName)
	encA, _ := crypto.EncodeLinkCode(codeA)
	encB, _ := crypto.EncodeLinkCode(codeB)
	if out, err := runCLI(t, binA, dirA, passA, "add", encB); err != nil {
		t.Fatalf("add: %v\n%s", err, out)
	}
	if out, err := runCLI(t, binB, dirB, passB, "add", encA); err != nil {
		t.Fatalf("add: %v\n%s", err, out)
	}
	// New leases: every address in both codes is stale now.
	ln.setAddr(0, "10.231.0.11/24")
	ln.setAddr(1, "10.231.0.12/24")
	stranger := ln.listenUDP(2, ":7424")

	a := startHeadlessWith(t, binA, dirA, passA, nil, flags...)
	b := startHeadlessWith(t, binB, dirB, passB, nil, flags...)
	a.waitEvent("ready", nil)
	b.waitEvent("ready", nil)
	bothUp := time.Now()
	aID, bID := codeA.Keys.ID().String(), codeB.Keys.ID().String()
	onLAN := func(id string) func(map[string]any) bool {
		return func(m map[string]any) bool { return m["id"] == id && m["online"] == true && m["path"] == "lan" }
	}
	peer := a.waitEvent("peer", onLAN(bID))
	b.waitEvent("peer", onLAN(aID))
	t.Logf("both ready → online over the LAN in %v (B at %v)", time.Since(bothUp).Round(time.Millisecond), peer["path_addr"])

	a.send(map[string]any{"cmd": "send", "to": bID, "text": firstText})
	b.waitEvent("message", textIs(firstText))
	b.send(map[string]any{"cmd": "send", "to": aID, "text": awayText})
	a.waitEvent("message", textIs(awayText))

	packets := readAll(t, stranger, 2*time.Second)
	if len(packets) < 2 {
		t.Fatalf("the stranger heard %d announcements, want at least 2", len(packets))
	}
	secrets := map[string][]byte{"A's name": []byte(aliceName), "B's name": []byte(bobName)}
	for who, code := range map[string]crypto.LinkCode{"A": codeA, "B": codeB} {
		id := code.Keys.ID()
		secrets[who+"'s ID"], secrets[who+"'s signing key"], secrets[who+"'s DH key"] = id[:], code.Keys.Sign[:], code.Keys.DH[:]
	}
	for _, p := range packets {
		for what, s := range secrets {
			if commonRun(p, s, 4) {
				t.Fatalf("an announcement carries part of %s:\n%s", what, hex.Dump(p))
			}
		}
	}
	// Beyond what is the same for everyone (magic, version, kind; the
	// clock's five-minute epoch; the entry count) no two packets have
	// anything in common: nothing stays from one to the next.
	const nonceAt, epochAt, entriesAt = 6, 22, 31
	for i := 1; i < len(packets); i++ {
		p, q := packets[0], packets[i]
		if commonRun(p[nonceAt:epochAt], q[nonceAt:epochAt], 4) || commonRun(p[entriesAt:], q[entriesAt:], 4) {
			t.Fatalf("two announcements share bytes:\n%s\n%s", hex.Dump(p), hex.Dump(q))
		}
	}
}

// commonRun reports whether a and b share a run of n bytes.
func commonRun(a, b []byte, n int) bool {
	for i := 0; i+n <= len(b); i++ {
		if bytes.Contains(a, b[i:i+n]) {
			return true
		}
	}
	return false
}

// readAll reads datagrams until none has come for quiet.
func readAll(t *testing.T, c net.PacketConn, quiet time.Duration) [][]byte {
	t.Helper()
	var out [][]byte
	buf := make([]byte, 2048)
	for {
		c.SetReadDeadline(time.Now().Add(quiet))
		n, _, err := c.ReadFrom(buf)
		if err != nil {
			return out
		}
		out = append(out, bytes.Clone(buf[:n]))
	}
}
