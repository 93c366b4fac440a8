package p2p

import (
	"crypto/rand"
	"net"
	"testing"

	"jarvis/crypto"
)

func TestOtherDevice(t *testing.T) {
	i1, i2 := instance{1}, instance{2}
	tests := []struct {
		name     string
		cur, new instance
		want     bool
	}{
		{"a reconnect of one device", i1, i1, false},
		{"another device", i1, i2, true},
		{"an old peer on both", instance{}, instance{}, false},
		{"an old build before", instance{}, i2, false},
		{"an old build after", i1, instance{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := otherDevice(&session{instance: tt.cur}, &session{instance: tt.new}); got != tt.want {
				t.Fatalf("otherDevice = %v, want %v", got, tt.want)
			}
		})
	}
}

// Each side learns the other's instance from the Hello, and a responder
// names its own only to an initiator that named one, so an initiator
// from before instances gets the Hello it can read.
func TestHelloCarriesInstances(t *testing.T) {
	ida, _ := crypto.GenerateIdentity(rand.Reader)
	idb, _ := crypto.GenerateIdentity(rand.Reader)
	ia, ib := instance{0xa}, instance{0xb}
	for _, tt := range []struct {
		name                 string
		initiator, responder instance
		wantAtA, wantAtB     instance
	}{
		{"both new", ia, ib, ib, ia},
		{"old initiator", instance{}, ib, instance{}, instance{}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ca, cb := net.Pipe()
			defer ca.Close()
			defer cb.Close()
			type res struct {
				hr  *handshakeResult
				err error
			}
			done := make(chan res, 1)
			go func() {
				r := responder{id: idb, addrsFor: func(crypto.ID) []string { return nil }, instance: tt.responder}
				hr, err := r.respond(cb, newFrameReader(cb))
				done <- res{hr, err}
			}()
			hr, err := initiate(ca, newFrameReader(ca), ida, tt.initiator, nil, idb.Public(), nil)
			if err != nil {
				t.Fatal(err)
			}
			rb := <-done
			if rb.err != nil {
				t.Fatal(rb.err)
			}
			if hr.instance != tt.wantAtA || rb.hr.instance != tt.wantAtB {
				t.Fatalf("instances seen: initiator %x, responder %x", hr.instance, rb.hr.instance)
			}
		})
	}
}
