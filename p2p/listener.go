package p2p

import (
	"errors"
	"fmt"
	"net"
	"time"

	"jarvis/crypto"
)

// acceptLoop hands inbound connections from ln to admission and starts a
// handshake for each one admitted. Connections count against network, or
// against their remote IP's prefix when network is empty.
func (e *Engine) acceptLoop(ln net.Listener, network string) {
	defer e.wg.Done()
	var label string
	if network != "" {
		label = admissionNetwork(network)
	}
	for {
		c, err := ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			select {
			case <-e.done:
				return
			case <-time.After(50 * time.Millisecond): // e.g. out of file descriptors
			}
			continue
		}
		prefix := label
		if prefix == "" {
			prefix = addrPrefix(c.RemoteAddr())
		}
		ok, evict := e.adm.admit(c, prefix, time.Now())
		if evict != nil {
			_ = evict.Close() // its handshake goroutine cleans up
			e.log.Debug("oldest pending connection evicted")
		}
		if !ok {
			_ = c.Close()
			e.log.Debug("inbound connection refused: handshake rate", "listener", network)
			continue
		}
		e.wg.Add(1)
		go e.handleInbound(c, origin{prefix: prefix, network: network, fallback: network != ""})
	}
}

func (e *Engine) handleInbound(c net.Conn, o origin) {
	defer e.wg.Done()
	defer e.adm.done(c)
	if err := e.establish(c, nil, nil, nil, o); err != nil {
		e.log.Debug("inbound handshake failed", "err", safeErr(err))
	}
}

// respond runs the responder's handshake on conn. Message 1 must arrive
// within FirstMessage, so an idle connection gives its slot back long
// before the whole handshake's deadline.
func (e *Engine) respond(conn net.Conn, fr *frameReader, deadline time.Time) (*handshakeResult, error) {
	if first := time.Now().Add(e.limits.FirstMessage); first.Before(deadline) {
		_ = conn.SetReadDeadline(first)
	}
	r := responder{
		id:       e.id,
		addrsFor: e.helloAddrs,
		instance: e.cfg.Instance,
		firstIn: func() {
			e.handshakes.Add(1)
			_ = conn.SetReadDeadline(deadline)
		},
	}
	return r.respond(conn, fr)
}

// helloAddrs is what our Hello tells an authenticated initiator about
// where we are: our addresses if someone here holds that peer, nothing to
// a stranger, who needs no way back to us beyond this session.
func (e *Engine) helloAddrs(id crypto.ID) []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	if p := e.peers[id]; p != nil && p.target != nil {
		return e.advertise
	}
	return nil
}

// checkListeners refuses extra listeners the engine could not tell apart.
func checkListeners(ls []Listener) error {
	seen := make(map[string]bool, len(ls))
	for i, l := range ls {
		switch {
		case l.Listener == nil:
			return fmt.Errorf("p2p: listener %d is nil", i)
		case l.Network == "":
			return fmt.Errorf("p2p: listener %d has no admission network", i)
		case seen[l.Network]:
			return fmt.Errorf("p2p: two listeners share the admission network %q", l.Network)
		}
		seen[l.Network] = true
	}
	return nil
}
