package p2p

import (
	"errors"
	"net"
	"time"
)

// acceptLoop admits inbound connections within the pending and per-IP caps.
func (e *Engine) acceptLoop() {
	defer e.wg.Done()
	for {
		c, err := e.ln.Accept()
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
		ip := remoteIP(c.RemoteAddr())
		e.mu.Lock()
		ok := e.pending < e.limits.MaxPending && e.perIP[ip] < e.limits.MaxPerIP
		if ok {
			e.pending++
			e.perIP[ip]++
		}
		e.mu.Unlock()
		if !ok {
			_ = c.Close()
			e.log.Debug("inbound connection refused: over limit")
			continue
		}
		e.wg.Add(1)
		go e.handleInbound(c, ip)
	}
}

func (e *Engine) handleInbound(c net.Conn, ip string) {
	defer e.wg.Done()
	err := e.establish(c, nil, nil, ip)
	e.mu.Lock()
	e.pending--
	if err != nil {
		e.releaseIPLocked(ip)
	}
	e.mu.Unlock()
	if err != nil {
		e.log.Debug("inbound handshake failed", "err", err)
	}
}

func remoteIP(a net.Addr) string {
	if ta, ok := a.(*net.TCPAddr); ok {
		return ta.IP.String()
	}
	host, _, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	return host
}
