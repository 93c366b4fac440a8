package cli

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"testing"

	"jarvis/crypto"
)

func testID(b byte) crypto.ID {
	var id crypto.ID
	for i := range id {
		id[i] = b + byte(i)
	}
	return id
}

func TestTheLogNamesPeersByPerRunTagsAndNeverByIDOrAddress(t *testing.T) {
	alice, bob := testID(1), testID(100)
	var buf bytes.Buffer
	log, err := newLogger(&buf)
	if err != nil {
		t.Fatal(err)
	}
	tcp := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 7777}
	log.Info("session up", "peer", alice, "session", 1)
	log.Info("session up", "peer", bob)
	log.Info("again", "peer", alice)
	log.Info("short form as text", "peer", alice.Short())
	log.Info("full form as text", "peer", alice.String())
	log.Info("dial failed", "peer", &bob, "err", fmt.Errorf("dial tcp 127.0.0.1:7777: connection refused (peer %s)", bob))
	log.Info("v6", "err", errors.New("dial tcp [fe80::1%eth0]:7777: no route"), "other", "at [::1]:99 and 10.1.2.3")
	log.Info("addresses", "addr", "127.0.0.1:7777", "remote", tcp, "local", tcp, "ap", netip.MustParseAddrPort("127.0.0.1:1"),
		"listen", "0.0.0.0:7777", "addrs", []string{"127.0.0.1:1"}, "ip", net.IPv4(127, 0, 0, 1))
	log.Info("engine running at 127.0.0.1:7777")
	log.Info("tor", "err", errors.New("dial 25NJQAMCWEFLPVKL73J4SZAHHIHOC4XT3KTCGJNPAINGR5YHKENL5SID.onion:7420 timed out"))
	log.Info("kept", "n", 3, "why", "not a contact", "version", "1.2", "time", "12:30:45")
	out := buf.String()

	for _, secret := range []string{alice.String(), alice.Short(), bob.String(), bob.Short(), "127.0.0.1", "0.0.0.0", "::1", "fe80", "10.1.2.3", "7777", "25njqamc", "25NJQAMC"} {
		if strings.Contains(out, secret) {
			t.Errorf("log holds %q:\n%s", secret, out)
		}
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	aliceTag := field(lines[0], "peer")
	if !strings.HasPrefix(aliceTag, "peer-") || len(aliceTag) != len("peer-")+8 {
		t.Fatalf("tag %q, want peer- and 8 hex digits", aliceTag)
	}
	if field(lines[2], "peer") != aliceTag || field(lines[1], "peer") == aliceTag {
		t.Errorf("tags: alice %q then %q, bob %q; want one stable tag per peer", aliceTag, field(lines[2], "peer"), field(lines[1], "peer"))
	}
	if field(lines[4], "peer") != aliceTag {
		t.Errorf("alice's full ID logged as text got tag %q, want %q", field(lines[4], "peer"), aliceTag)
	}
	if !strings.Contains(lines[5], field(lines[1], "peer")) {
		t.Errorf("an ID inside an error is not replaced by its tag: %s", lines[5])
	}
	for _, want := range []string{"n=3", `why="not a contact"`, "version=1.2", "time=12:30:45", "session=1"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lost %q:\n%s", want, out)
		}
	}

	var again bytes.Buffer
	log2, _ := newLogger(&again)
	log2.Info("session up", "peer", alice)
	if strings.Contains(again.String(), aliceTag) {
		t.Error("two runs gave alice the same tag; tags must not link runs")
	}
}

// field returns the value of key=value in a text-handler line.
func field(line, key string) string {
	for _, f := range strings.Fields(line) {
		if v, ok := strings.CutPrefix(f, key+"="); ok {
			return v
		}
	}
	return ""
}

// FuzzLogScrubLeavesNoAddress: whatever text reaches the log (an error
// can quote what a peer sent), no IP address survives scrubbing.
func FuzzLogScrubLeavesNoAddress(f *testing.F) {
	for _, s := range []string{"dial tcp 127.0.0.1:7777: refused", "[::1]:80", "fe80::1%eth0", "1.2.3.4.5", "::ffff:10.0.0.1", "12:30:45",
		"socks connect tcp 127.0.0.1:9050->25njqamcweflpvkl73j4szahhihoc4xt3ktcgjnpaingr5yhkenl5sid.onion:7420: host unreachable"} {
		f.Add(s)
	}
	s, err := newLogScrubber()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, text string) {
		out := s.scrub(text)
		for _, m := range ipv4.FindAllString(out, -1) {
			if isAddress(strings.TrimRight(m, ":.")) {
				t.Fatalf("scrub(%q) = %q keeps %q", text, out, m)
			}
		}
		if m := onionName.FindString(out); m != "" {
			t.Fatalf("scrub(%q) = %q keeps %q", text, out, m)
		}
	})
}
