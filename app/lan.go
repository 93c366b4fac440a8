package app

import (
	"context"
	"log/slog"
	"net"

	"jarvis/crypto"
	"jarvis/p2p/lan"
)

// LANConfig sets up finding contacts on the local network.
type LANConfig struct {
	// Off stops announcing us and listening for contacts (--no-lan).
	Off bool
	// Port is the UDP port of announcements; lan.DefaultPort when zero.
	Port int
}

// newLAN starts discovery where it can help: not when it is turned off,
// not with --tor only (an announcement tells the network we are here), and
// not without a listener the local network can reach.
func newLAN(cfg Config, id *crypto.Identity, listener net.Addr, log *slog.Logger) *lan.Discovery {
	tcp, ok := listener.(*net.TCPAddr)
	if cfg.LAN.Off || cfg.Tor.Mode == TorOnly || !ok || tcp.IP.IsLoopback() {
		return nil
	}
	d, err := lan.New(lan.Config{Identity: id, ListenPort: uint16(tcp.Port), Port: cfg.LAN.Port, Log: log})
	if err != nil {
		// Not fatal: contacts are still reached at the addresses we know.
		log.Warn("LAN discovery is off", "err", err)
		return nil
	}
	return d
}

// runLAN announces us, and redials each contact heard on the local network
// where it was heard.
func (c *Core) runLAN(ctx context.Context) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		c.lan.Run(ctx)
	}()
	defer func() { <-done }()
	for {
		select {
		case <-ctx.Done():
			return
		case s := <-c.lan.Sightings():
			c.peers.heardOnLAN(s.Keys.ID(), s.Addr)
		}
	}
}
