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
