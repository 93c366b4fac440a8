package cli

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"testing"
)

// Without /etc/resolv.conf (Android) IP literals and /etc/hosts names
// still dial, and a name that would need DNS fails at once, saying what
// to do, instead of asking 127.0.0.1:53.
func TestDirectDialerWithoutResolvConf(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	present := filepath.Join(t.TempDir(), "resolv.conf")
	if err := os.WriteFile(present, []byte("nameserver 192.0.2.53\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(t.TempDir(), "resolv.conf")
	for _, c := range []struct {
		name, resolv, host string
		wantErr            error // nil: the dial must succeed
	}{
		{"IP literal, no resolv.conf", missing, "127.0.0.1", nil},
		{"hosts-file name, no resolv.conf", missing, "localhost", nil},
		{"DNS name, no resolv.conf", missing, "jarvis-peer.invalid", errNoDNS},
		{"IP literal, resolv.conf present", present, "127.0.0.1", nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			conn, err := directDialer(c.resolv)(context.Background(), net.JoinHostPort(c.host, port))
			if conn != nil {
				conn.Close()
			}
			if c.wantErr == nil && err != nil {
				t.Fatalf("dial %s: %v", c.host, err)
			}
			if c.wantErr != nil && !errors.Is(err, c.wantErr) {
				t.Fatalf("dial %s: got %v, want %v", c.host, err, c.wantErr)
			}
		})
	}
}
