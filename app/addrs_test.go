package app

import (
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
