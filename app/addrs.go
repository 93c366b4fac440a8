package app

import (
	"fmt"
	"net"
	"net/netip"
	"slices"

	"jarvis/crypto"
)

// advertisedAddrs lists where peers can reach us, best first: what the
// user told us with --advertise, then this machine's own non-loopback
// addresses on the listening port, and loopback only when nothing else is
// known. A link code that says "localhost" is useless to anyone else.
func advertisedAddrs(explicit []string, listen string) ([]string, error) {
	for _, a := range explicit {
		if err := crypto.ValidateAddr(a); err != nil {
			return nil, fmt.Errorf("--advertise: %w", err)
		}
	}
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return nil, fmt.Errorf("listen address %q: %w", listen, err)
	}
	var hosts []netip.Addr
	if ip, err := netip.ParseAddr(host); err == nil && !ip.IsUnspecified() {
		hosts = []netip.Addr{ip} // bound to one address: that is the only one that works
	} else {
		hosts = localAddrs()
	}
	out := slices.Clone(explicit)
	for _, h := range hosts {
		a := net.JoinHostPort(h.String(), port)
		if !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	if len(out) == 0 {
		out = append(out, net.JoinHostPort("127.0.0.1", port))
	}
	if len(out) > crypto.MaxAddrs {
		out = out[:crypto.MaxAddrs]
	}
	return out, nil
}

// localAddrs returns this machine's usable unicast addresses, IPv4 first.
// Where interfaces cannot be listed (Android forbids it), it asks the
// kernel which source address a packet to a public IP would use; a UDP
// "connect" sends nothing.
func localAddrs() []netip.Addr {
	var v4, v6 []netip.Addr
	ifaddrs, err := net.InterfaceAddrs()
	if err == nil {
		for _, a := range ifaddrs {
			p, err := netip.ParsePrefix(a.String())
			if err != nil {
				continue
			}
			ip := p.Addr().Unmap()
			switch {
			case ip.IsLoopback() || ip.IsLinkLocalUnicast() || ip.IsMulticast() || ip.IsUnspecified():
			case ip.Is4():
				v4 = append(v4, ip)
			default:
				v6 = append(v6, ip)
			}
		}
	}
	if len(v4)+len(v6) == 0 {
		if ip, ok := routeSource("udp4", "192.0.2.1:9"); ok {
			v4 = append(v4, ip)
		}
	}
	return append(v4, v6...)
}

func routeSource(network, target string) (netip.Addr, bool) {
	conn, err := net.Dial(network, target)
	if err != nil {
		return netip.Addr{}, false
	}
	defer conn.Close()
	ap, err := netip.ParseAddrPort(conn.LocalAddr().String())
	if err != nil || ap.Addr().IsLoopback() || ap.Addr().IsUnspecified() {
		return netip.Addr{}, false
	}
	return ap.Addr(), true
}

// addrPolicy decides which addresses a peer may make us dial. Addresses
// the user typed (a link code) are taken as given; what a peer tells us
// about itself or others is only a suggestion, and an attacker's
// suggestion would have us knock on hosts of its choosing: a name that
// resolves anywhere, a router's link-local admin port, our own loopback
// services.
type addrPolicy struct {
	// loopback allows loopback addresses: only when our own listener is
	// bound to loopback (tests, a single-machine setup), where every peer
	// is on this host anyway.
	loopback bool
	// onionOnly (--tor only) dials nothing but onion addresses: a direct
	// dial would show our IP to whoever listens there.
	onionOnly bool
}

// reachable keeps the addresses this node dials at all.
func (p addrPolicy) reachable(addrs []string) []string {
	if !p.onionOnly {
		return addrs
	}
	var out []string
	for _, a := range addrs {
		if isOnionAddr(a) {
			out = append(out, a)
		}
	}
	return out
}

// policyFor is the policy of a node listening on listen (nil: no direct
// listener).
func policyFor(listen net.Addr) addrPolicy {
	if listen == nil {
		return addrPolicy{}
	}
	ap, err := netip.ParseAddrPort(listen.String())
	return addrPolicy{loopback: err == nil && ap.Addr().Unmap().IsLoopback()}
}

// dialable reports whether addr is an IP literal and port we may dial on a
// peer's word.
func (p addrPolicy) dialable(addr string) (netip.AddrPort, bool) {
	if crypto.ValidateAddr(addr) != nil {
		return netip.AddrPort{}, false
	}
	ap, err := netip.ParseAddrPort(addr)
	if err != nil || ap.Addr().Zone() != "" {
		return netip.AddrPort{}, false // a host name, or a scoped address
	}
	ip := ap.Addr().Unmap()
	switch {
	case ip.IsUnspecified(), ip.IsMulticast(), ip.IsLinkLocalUnicast(), ip.IsLinkLocalMulticast(),
		ip.IsInterfaceLocalMulticast():
		return netip.AddrPort{}, false
	case ip.IsLoopback() && !p.loopback:
		return netip.AddrPort{}, false
	}
	return ap, true
}

// suggested keeps the addresses a third party vouches for (a group
// roster): IP literals we may dial, with no tie to a session, and onion
// addresses.
func (p addrPolicy) suggested(addrs []string) []string {
	var out []string
	for _, a := range addrs {
		if _, ok := p.dialable(a); ok || isOnionAddr(a) {
			out = append(out, a)
		}
	}
	return out
}

// observed keeps the addresses a peer names for itself on a live session
// (its Hello, an Address message, its contact request): only ports on the
// IP we see the session come from. A peer may say where it listens, not
// send us elsewhere. Onion addresses are kept whatever the session: a dial
// to one goes into Tor and can reach nothing on our side of it.
func (p addrPolicy) observed(addrs []string, remote string) []string {
	return p.keep(addrs, remote, func(ip netip.Addr, seen netip.Addr, onSession bool) bool {
		return onSession && ip == seen
	})
}

// keep keeps onion addresses, and the dialable IP literals ipOK accepts
// given the session's IP (onSession is false for an onion session, whose
// socket says nothing).
func (p addrPolicy) keep(addrs []string, remote string, ipOK func(ip, seen netip.Addr, onSession bool) bool) []string {
	seen, err := netip.ParseAddrPort(remote)
	var out []string
	for _, a := range addrs {
		if isOnionAddr(a) {
			out = append(out, a)
			continue
		}
		if ap, ok := p.dialable(a); ok && ipOK(ap.Addr().Unmap(), seen.Addr().Unmap(), err == nil) {
			out = append(out, a)
		}
	}
	return out
}

// signed keeps the addresses of a peer's signed address record that came
// over a live session from remote (its socket address; "" for an onion
// session). Onion addresses are kept, as in observed. Of IP literals it
// drops what dialable drops (names, zones, unspecified, multicast,
// link-local, loopback unless we run on loopback ourselves); a private
// address (RFC 1918, ULA fc00::/7, CGNAT 100.64/10) is kept only on the IP
// the session comes from, since elsewhere it would let a contact aim us at
// hosts on our own LAN; a public unicast address is kept wherever it is.
// That is looser than observed, which keeps nothing off the session's IP:
// the record is signed by the peer we hold, it names where that peer says
// it listens (a port forward, a second interface, the network it is moving
// to), and we dial it only to run a Noise handshake that fails unless the
// pinned key answers, so a public address buys a liar no more than one
// connection attempt per backoff.
func (p addrPolicy) signed(addrs []string, remote string) []string {
	return p.keep(addrs, remote, func(ip, seen netip.Addr, onSession bool) bool {
		switch {
		case ip.IsLoopback(): // dialable allowed it: we run on loopback
			return true
		case !ip.IsGlobalUnicast():
			return false // broadcast and the like
		case isPrivateAddr(ip):
			return onSession && ip == seen
		}
		return true
	})
}

// cgnat is RFC 6598 shared address space, private to a carrier's network.
var cgnat = netip.MustParsePrefix("100.64.0.0/10")

// isPrivateAddr reports addresses that mean a different host on every
// network: RFC 1918, ULA and CGNAT.
func isPrivateAddr(ip netip.Addr) bool {
	return ip.IsPrivate() || cgnat.Contains(ip)
}

// addrPrefix names the network remote comes from, for caps per network:
// the /24 of an IPv4 address, the /64 of an IPv6 one (what one home or one
// cheap server usually gets). It is "" when remote is not an IP.
func addrPrefix(remote string) string {
	ap, err := netip.ParseAddrPort(remote)
	if err != nil {
		return ""
	}
	ip := ap.Addr().Unmap().WithZone("")
	bits := 64
	if ip.Is4() {
		bits = 24
	}
	p, err := ip.Prefix(bits)
	if err != nil {
		return ""
	}
	return p.String()
}
