package app

import (
	"net"
	"net/netip"
	"strings"
	"testing"
)

func TestAdvertisedAddrsPutExplicitFirst(t *testing.T) {
	got, err := advertisedAddrs([]string{"example.org:9000"}, "0.0.0.0:7420")
	if err != nil {
		t.Fatal(err)
	}
	if got[0] != "example.org:9000" {
		t.Fatalf("explicit address not first: %v", got)
	}
	for _, a := range got[1:] {
		ap, err := netip.ParseAddrPort(a)
		if err != nil {
			t.Fatalf("bad address %q", a)
		}
		if ap.Port() != 7420 {
			t.Fatalf("%q does not use the listening port", a)
		}
		if ap.Addr().IsLoopback() && len(got) > 2 {
			t.Fatalf("loopback advertised beside real addresses: %v", got)
		}
	}
}

func TestAdvertisedAddrsForSpecificHost(t *testing.T) {
	got, err := advertisedAddrs(nil, "127.0.0.1:7001")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0] != "127.0.0.1:7001" {
		t.Fatalf("got %v, want only the bound address", got)
	}
}

func TestAdvertisedAddrsRejectsBadInput(t *testing.T) {
	if _, err := advertisedAddrs([]string{"no-port"}, "0.0.0.0:1"); err == nil || !strings.Contains(err.Error(), "--advertise") {
		t.Fatalf("bad --advertise: err = %v", err)
	}
	if _, err := advertisedAddrs(nil, "nonsense"); err == nil {
		t.Fatal("bad listen address accepted")
	}
}

func TestMergeAddrsKeepsFreshFirstAndCaps(t *testing.T) {
	old := []string{"10.0.0.1:1", "10.0.0.2:1"}
	got := mergeAddrs([]string{"10.0.0.2:1", "bad", "10.0.0.3:1"}, old)
	want := "10.0.0.2:1,10.0.0.3:1,10.0.0.1:1"
	if strings.Join(got, ",") != want {
		t.Fatalf("got %v, want %s", got, want)
	}
	var many []string
	for i := 0; i < 20; i++ {
		many = append(many, netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 0, 0, byte(i)}), 1).String())
	}
	if n := len(mergeAddrs(many, nil)); n != 8 {
		t.Fatalf("kept %d addresses, want the cap of 8", n)
	}
}

func TestAPeerCannotSuggestNamesLinkLocalOrOurLoopback(t *testing.T) {
	strict, local := addrPolicy{}, addrPolicy{loopback: true}
	tests := []struct {
		addr          string
		strict, local bool
	}{
		{"203.0.113.7:7420", true, true},
		{"[2001:db8::7]:7420", true, true},
		{"[::ffff:203.0.113.7]:7420", true, true},
		{"evil.example:7420", false, false},
		{"localhost:7420", false, false},
		{"127.0.0.1:22", false, true},
		{"[::1]:7420", false, true},
		{"169.254.1.1:80", false, false},
		{"[fe80::1]:80", false, false},
		{"[fe80::1%eth0]:80", false, false},
		{"224.0.0.1:7420", false, false},
		{"[ff02::1]:7420", false, false},
		{"0.0.0.0:7420", false, false},
		{"[::]:7420", false, false},
		{"203.0.113.7:0", false, false},
		{"203.0.113.7", false, false},
	}
	for _, tt := range tests {
		if _, ok := strict.dialable(tt.addr); ok != tt.strict {
			t.Errorf("listening on a real address, dialable(%q) = %v", tt.addr, ok)
		}
		if _, ok := local.dialable(tt.addr); ok != tt.local {
			t.Errorf("listening on loopback, dialable(%q) = %v", tt.addr, ok)
		}
	}
}

func TestAPeerMayNameOnlyPortsOnTheIPItComesFrom(t *testing.T) {
	p := addrPolicy{}
	got := p.observed([]string{"203.0.113.7:7420", "203.0.113.8:7420", "203.0.113.7:9000", "evil.example:7420", "[::ffff:203.0.113.7]:1"},
		"203.0.113.7:51234")
	want := []string{"203.0.113.7:7420", "203.0.113.7:9000", "[::ffff:203.0.113.7]:1"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("observed = %v, want %v", got, want)
	}
	if got := p.observed([]string{"203.0.113.7:7420"}, ""); got != nil {
		t.Fatalf("without a session: %v", got)
	}
}

func TestOnlyALoopbackListenerMayDialLoopbackOnAPeersWord(t *testing.T) {
	for listen, want := range map[string]bool{"127.0.0.1:7420": true, "[::1]:7420": true, "0.0.0.0:7420": false, "192.0.2.1:7420": false} {
		ap := netip.MustParseAddrPort(listen)
		if got := policyFor(net.TCPAddrFromAddrPort(ap)).loopback; got != want {
			t.Errorf("listening on %s: loopback allowed = %v", listen, got)
		}
	}
}

func TestAddressPrefixesGroupAHomesAddresses(t *testing.T) {
	tests := map[string]string{
		"203.0.113.7:1":             "203.0.113.0/24",
		"203.0.113.250:9":           "203.0.113.0/24",
		"[::ffff:203.0.113.7]:1":    "203.0.113.0/24",
		"[2001:db8:1:2:3:4:5:6]:1":  "2001:db8:1:2::/64",
		"[2001:db8:1:2:ff::1]:7420": "2001:db8:1:2::/64",
		"not an address":            "",
	}
	for remote, want := range tests {
		if got := addrPrefix(remote); got != want {
			t.Errorf("addrPrefix(%q) = %q, want %q", remote, got, want)
		}
	}
}
