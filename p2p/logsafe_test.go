package p2p

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"testing"
	"time"
)

func TestSafeErrRemovesAddressesAndKeepsCauses(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
	defer cancel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	var d net.Dialer
	_, refused := d.DialContext(context.Background(), "tcp", addr)
	_, missing := d.DialContext(ctx, "tcp", "no-such-host.invalid:7420")
	deadline := &net.OpError{Op: "read", Net: "tcp", Source: &net.TCPAddr{IP: net.IPv4(192, 0, 2, 1), Port: 5},
		Addr: &net.TCPAddr{IP: net.IPv4(198, 51, 100, 2), Port: 7420}, Err: os.ErrDeadlineExceeded}
	joined := errors.Join(fmt.Errorf("p2p: read frame header: %w", deadline), refused, missing)
	got := safeErr(fmt.Errorf("%w: %w", ErrStalled, joined))
	for _, leak := range []string{addr, "192.0.2.1", "198.51.100.2", "7420", "no-such-host"} {
		if strings.Contains(got.Error(), leak) {
			t.Errorf("%q leaks %s", got, leak)
		}
	}
	if !errors.Is(got, ErrStalled) || !errors.Is(got, os.ErrDeadlineExceeded) {
		t.Errorf("%q lost its causes", got)
	}
	if plain := errors.New("p2p: no addresses here"); safeErr(plain) != plain {
		t.Error("an error without addresses was rewritten")
	}
}
