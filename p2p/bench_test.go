package p2p

import (
	"bytes"
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"jarvis/crypto"
	"jarvis/p2p/wire"
)

// BenchmarkSessionThroughput sends 64-byte Text bodies from A to B through a
// real loopback session; one op is one message delivered to B's Events().
func BenchmarkSessionThroughput(b *testing.B) {
	lim := fastLimits()
	lim.FrameRate, lim.FrameBurst = 1e9, 1e9 // measure the pipe, not the limiter
	a := startNode(b, nil, "", lim, nil)
	c := startNode(b, nil, "", lim, nil)
	a.e.Connect(c.target(), testHolder)
	waitFor(b, a, 5*time.Second, "PeerUp", isUp(c.id.ID()))
	waitFor(b, c, 5*time.Second, "PeerUp", isUp(a.id.ID()))
	msg := wire.Text{SentAt: 1, Body: strings.Repeat("x", 64)}
	b.SetBytes(64)
	b.ResetTimer()
	go func() {
		for range b.N {
			if a.e.Send(context.Background(), c.id.ID(), msg) != nil {
				return
			}
		}
	}()
	for got := 0; got < b.N; {
		ev := <-c.e.Events()
		if r, ok := ev.(Received); ok {
			got += len(r.Msgs)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// BenchmarkHandshake measures Noise_IK plus the Hello exchange over loopback TCP.
func BenchmarkHandshake(b *testing.B) {
	ida, idb := newIdentity(b), newIdentity(b)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	target := idb.Public()
	b.ResetTimer()
	for range b.N {
		errc := make(chan error, 1)
		go func() {
			c, err := ln.Accept()
			if err != nil {
				errc <- err
				return
			}
			defer c.Close()
			_, err = responder{id: idb, addrsFor: func(crypto.ID) []string { return nil }}.respond(c, newFrameReader(c))
			errc <- err
		}()
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			b.Fatal(err)
		}
		if _, err := initiate(c, newFrameReader(c), ida, instance{}, nil, target, nil); err != nil {
			b.Fatal(err)
		}
		c.Close()
		if err := <-errc; err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBareNoise is the ceiling: the same 64-byte records packed into
// 32 KiB frames and encrypted with a bare flynn/noise transport, no engine.
func BenchmarkBareNoise(b *testing.B) {
	rec, _ := wire.Append(nil, wire.Text{SentAt: 1, Body: strings.Repeat("x", 64)})
	perFrame := MaxPlaintext / len(rec)
	frames := (b.N + perFrame - 1) / perFrame
	c, _, nr, done := bareNoisePair(b, func(c net.Conn, fr *frameReader, nr *noiseResult) error {
		for range frames {
			ct, err := fr.ReadFrame(kindTransport)
			if err != nil {
				return err
			}
			if _, err := nr.recv.Decrypt(ct[:0], nil, ct); err != nil {
				return err
			}
		}
		return nil
	})
	defer c.Close()
	pt := bytes.Repeat(rec, perFrame)
	var buf []byte
	var err error
	b.SetBytes(64)
	b.ResetTimer()
	for range frames {
		if buf, err = writeTransport(c, nr.send, buf, pt); err != nil {
			b.Fatal(err)
		}
	}
	if err := <-done; err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// bareNoisePair runs a bare Noise handshake over loopback TCP, with serve
// handling the responder's side on its own goroutine; done reports what
// serve returned. It returns the initiator's connection, reader and keys.
func bareNoisePair(b *testing.B, serve func(net.Conn, *frameReader, *noiseResult) error) (net.Conn, *frameReader, *noiseResult, <-chan error) {
	b.Helper()
	ida, idb := newIdentity(b), newIdentity(b)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { ln.Close() })
	done := make(chan error, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			done <- err
			return
		}
		defer c.Close()
		fr := newFrameReader(c)
		nr, err := noiseRespond(c, fr, idb, nil)
		if err != nil {
			done <- err
			return
		}
		done <- serve(c, fr, nr)
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		b.Fatal(err)
	}
	fr := newFrameReader(c)
	dh := idb.Public().DH
	nr, err := noiseInitiate(c, fr, ida, dh)
	if err != nil {
		c.Close()
		b.Fatal(err)
	}
	return c, fr, nr, done
}
