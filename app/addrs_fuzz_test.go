package app

import (
	"net/netip"
	"testing"
)

// FuzzPeerAddrPolicy feeds peer-supplied address strings to the policy and
// checks what it lets through: only IP literals with a port, never
// link-local, multicast or unspecified, loopback only when allowed, for
// a session's own addresses only its observed IP, and from a signed record
// a private address only on that IP.
func FuzzPeerAddrPolicy(f *testing.F) {
	for _, seed := range []string{
		"203.0.113.7:7420", "[2001:db8::7]:7420", "[::ffff:203.0.113.7]:1", "evil.example:80", "127.0.0.1:22",
		"[fe80::1%eth0]:80", "169.254.169.254:80", "224.0.0.1:1", "0.0.0.0:1", "[::]:1", "1.2.3.4", ":80", "[::1]:0",
		"10.1.2.3:7420", "100.64.0.9:7420", "[fd12::1]:7420",
	} {
		f.Add(seed, "203.0.113.7:5000", false)
	}
	f.Fuzz(func(t *testing.T, addr, remote string, loopback bool) {
		p := addrPolicy{loopback: loopback}
		check := func(a string) netip.Addr {
			ap, err := netip.ParseAddrPort(a)
			if err != nil || ap.Port() == 0 {
				t.Fatalf("let %q through: not an IP literal with a port", a)
			}
			ip := ap.Addr().Unmap()
			if ip.IsLinkLocalUnicast() || ip.IsMulticast() || ip.IsUnspecified() || ip.Zone() != "" || (ip.IsLoopback() && !loopback) {
				t.Fatalf("let %q through", a)
			}
			return ip
		}
		for _, a := range p.suggested([]string{addr}) {
			check(a)
		}
		for _, a := range p.observed([]string{addr}, remote) {
			seen, err := netip.ParseAddrPort(remote)
			if err != nil || check(a) != seen.Addr().Unmap() {
				t.Fatalf("let %q through for a session from %q", a, remote)
			}
		}
		for _, a := range p.signed([]string{addr}, remote) {
			if isOnionAddr(a) {
				continue
			}
			seen, err := netip.ParseAddrPort(remote)
			if ip := check(a); isPrivateAddr(ip) && (err != nil || ip != seen.Addr().Unmap()) {
				t.Fatalf("let private %q through for a session from %q", a, remote)
			}
		}
		addrPrefix(remote)
	})
}
