package pair

import (
	"bytes"
	"context"
	"encoding/binary"
	"net"
	"runtime"
	"sync"
	"testing"
	"time"
)

// noLeaks fails the test if it ends with more goroutines than it began
// with. Registered first, its cleanup runs after every other one.
func noLeaks(t *testing.T) {
	t.Helper()
	start := runtime.NumGoroutine()
	t.Cleanup(func() {
		for wait := 0; runtime.NumGoroutine() > start; wait++ {
			if wait == 200 {
				t.Errorf("%d goroutines outlived the test", runtime.NumGoroutine()-start)
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
	})
}

// transport makes a connected pair: the joiner's end and the host's end.
type transport struct {
	name string
	pair func(t *testing.T) (joiner, host net.Conn)
}

func transports() []transport {
	return []transport{
		{"pipe", pipePair},
		{"tcp", tcpPair},
	}
}

func pipePair(t *testing.T) (net.Conn, net.Conn) {
	a, b := net.Pipe()
	t.Cleanup(func() { a.Close(); b.Close() })
	return a, b
}

// tcpPair connects over real loopback TCP, the way pairing runs on a LAN.
func tcpPair(t *testing.T) (net.Conn, net.Conn) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	dialed, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dialed.Close() })
	accepted, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { accepted.Close() })
	return dialed, accepted
}

// recorder keeps what a side wrote, so a test can tell which messages left it.
type recorder struct {
	net.Conn
	mu    sync.Mutex
	wrote bytes.Buffer
}

func (r *recorder) Write(b []byte) (int, error) {
	r.mu.Lock()
	r.wrote.Write(b)
	r.mu.Unlock()
	return r.Conn.Write(b)
}

// types lists the message types of the frames written so far.
func (r *recorder) types() []byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []byte
	for b := r.wrote.Bytes(); len(b) >= 4; {
		n := int(binary.BigEndian.Uint16(b))
		out = append(out, b[3])
		b = b[min(len(b), 2+n):]
	}
	return out
}

type result struct {
	payload []byte
	err     error
}

// runPair runs host.Serve on hostConn and Join on joinConn at once and
// waits for both.
func runPair(ctx context.Context, host *Host, hostConn, joinConn net.Conn, code Code, payload []byte) (h, j result) {
	var wg sync.WaitGroup
	wg.Go(func() { h.payload, h.err = host.Serve(ctx, hostConn) })
	j.payload, j.err = Join(ctx, joinConn, code, payload)
	// A joiner that stops early leaves the host blocked on its next read:
	// closing our end is what a real joiner's exit does.
	if j.err != nil {
		joinConn.Close()
	}
	wg.Wait()
	return h, j
}

// clock is a settable clock for expiry.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func mustCode(t testing.TB, s string) Code {
	t.Helper()
	c, err := ParseCode(s)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func mustHost(t testing.TB, code Code, payload string, now func() time.Time) *Host {
	t.Helper()
	h, err := NewHost(HostConfig{Code: code, Payload: []byte(payload), Now: now})
	if err != nil {
		t.Fatal(err)
	}
	return h
}
