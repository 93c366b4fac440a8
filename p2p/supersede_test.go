package p2p

import (
	"crypto/rand"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

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

// oldResponder answers like a Jarvis from before instances: its strict
// decoder refuses a Hello that names one, so it hangs up on it.
type oldResponder struct {
	id      *crypto.Identity
	refused atomic.Int32
	mu      sync.Mutex
	conns   []net.Conn
}

func (o *oldResponder) serve(c net.Conn) {
	o.mu.Lock()
	o.conns = append(o.conns, c)
	o.mu.Unlock()
	fr := newFrameReader(c)
	nr, err := noiseRespond(c, fr, o.id, nil)
	if err != nil {
		c.Close()
		return
	}
	_, hello, err := readHelloMsg(fr, nr)
	if err != nil || hello.Instance != (instance{}) {
		o.refused.Add(1)
		c.Close()
		return
	}
	_ = sendHello(c, nr.send, makeHello(o.id, nr.hash, nil)) // then silence, as a session
}

func (o *oldResponder) close() {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, c := range o.conns {
		c.Close()
	}
}

// A peer that hangs up on a Hello naming our instance gets Hellos without
// one from then on, so a Jarvis with instances still reaches an older one.
func TestInitiatorDropsItsInstanceForAnOldResponder(t *testing.T) {
	checkLeaks(t)
	old := &oldResponder{id: newIdentity(t)}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	defer wg.Wait()
	defer old.close()
	defer ln.Close()
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			old.serve(c)
		}
	}()
	a := startNodeCfg(t, Config{Instance: instance{1}, Limits: fastLimits()})
	a.e.Connect(Target{Keys: old.id.Public(), Addrs: []string{ln.Addr().String()}}, testHolder)
	waitFor(t, a, 10*time.Second, "a session with the older peer", isUp(old.id.ID()))
	if old.refused.Load() == 0 {
		t.Fatal("the first Hello named no instance, so the fallback was never tested")
	}
}
