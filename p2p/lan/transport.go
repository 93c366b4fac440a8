package lan

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/netip"
	"slices"
	"strings"
	"sync"

	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"
)

// The groups announcements go to: organisation-local IPv4, link-local IPv6.
var (
	group4 = netip.MustParseAddr("239.255.74.76")
	group6 = netip.MustParseAddr("ff02::4a56:4c4e")
)

// datagram is one received packet and where it came from.
type datagram struct {
	data []byte
	from netip.AddrPort
}

// transport is the network under Discovery: the real one sends on every
// local interface; tests use an in-memory one.
type transport interface {
	send(b []byte) error
	packets() <-chan datagram
	// fingerprint changes when the local networks do.
	fingerprint() string
	// refresh joins the groups again after a change.
	refresh()
	close() error
}

// udpTransport is one IPv4 and (where the host has it) one IPv6 socket on
// the announcement port, shared with other Jarvis processes on this host.
type udpTransport struct {
	port int
	log  *slog.Logger
	v4   *ipv4.PacketConn
	v6   *ipv6.PacketConn
	in   chan datagram
	wg   sync.WaitGroup
}

func openUDP(port int, log *slog.Logger) (*udpTransport, error) {
	lc := net.ListenConfig{Control: shareAddr}
	c4, err := lc.ListenPacket(context.Background(), "udp4", net.JoinHostPort("0.0.0.0", itoa(port)))
	if err != nil {
		return nil, err
	}
	t := &udpTransport{port: port, log: log, v4: ipv4.NewPacketConn(c4), in: make(chan datagram, 64)}
	if c6, err := lc.ListenPacket(context.Background(), "udp6", net.JoinHostPort("::", itoa(port))); err == nil {
		t.v6 = ipv6.NewPacketConn(c6)
	} else {
		log.Info("lan discovery: IPv4 only", "err", err)
	}
	t.refresh()
	t.read(c4)
	if t.v6 != nil {
		t.read(t.v6.PacketConn)
	}
	go func() { t.wg.Wait(); close(t.in) }()
	return t, nil
}

func itoa(n int) string {
	return netip.AddrPortFrom(netip.IPv4Unspecified(), uint16(n)).String()[len("0.0.0.0:"):]
}

// read runs until the socket closes. A full queue drops the packet: the
// loop is behind, and announcements repeat.
func (t *udpTransport) read(c net.PacketConn) {
	t.wg.Add(1)
	go func() {
		defer t.wg.Done()
		buf := make([]byte, maxPacket+1)
		for {
			n, addr, err := c.ReadFrom(buf)
			if err != nil {
				if errors.Is(err, net.ErrClosed) {
					return
				}
				continue
			}
			ua, ok := addr.(*net.UDPAddr)
			if !ok || n > maxPacket {
				continue
			}
			select {
			case t.in <- datagram{data: slices.Clone(buf[:n]), from: ua.AddrPort()}:
			default:
			}
		}
	}()
}

func (t *udpTransport) packets() <-chan datagram { return t.in }

// lanInterfaces are the interfaces announcements go out on: up, able to
// multicast, not loopback.
func lanInterfaces() []net.Interface {
	all, err := net.Interfaces()
	if err != nil {
		return nil
	}
	return slices.DeleteFunc(all, func(i net.Interface) bool {
		return i.Flags&net.FlagUp == 0 || i.Flags&net.FlagLoopback != 0 || i.Flags&net.FlagMulticast == 0
	})
}

// refresh joins the groups on every interface; joining one already joined
// fails harmlessly.
func (t *udpTransport) refresh() {
	for _, ifi := range lanInterfaces() {
		t.v4.JoinGroup(&ifi, &net.UDPAddr{IP: group4.AsSlice()})
		if t.v6 != nil {
			t.v6.JoinGroup(&ifi, &net.UDPAddr{IP: group6.AsSlice()})
		}
	}
}

// send puts b on every local network: the IPv4 group and each subnet's
// broadcast address (for networks that drop multicast); the IPv6 group only
// where an interface has no IPv4 address, since a link-local IPv6 source is
// the least likely to be dialable, and one copy per network is enough. It
// fails only if no copy went out.
func (t *udpTransport) send(b []byte) error {
	var sent int
	var last error
	count := func(err error) {
		if err == nil {
			sent++
		} else {
			last = err
		}
	}
	for _, ifi := range lanInterfaces() {
		if t.v4.SetMulticastInterface(&ifi) == nil {
			_, err := t.v4.WriteTo(b, nil, &net.UDPAddr{IP: group4.AsSlice(), Port: t.port})
			count(err)
		}
		bcs, has4 := ipv4Info(ifi)
		for _, bc := range bcs {
			_, err := t.v4.WriteTo(b, nil, &net.UDPAddr{IP: bc.AsSlice(), Port: t.port})
			count(err)
		}
		if !has4 && t.v6 != nil && t.v6.SetMulticastInterface(&ifi) == nil {
			_, err := t.v6.WriteTo(b, nil, &net.UDPAddr{IP: group6.AsSlice(), Port: t.port, Zone: ifi.Name})
			count(err)
		}
	}
	if sent == 0 && last != nil {
		return last
	}
	return nil
}

// ipv4Info gives the directed broadcast addresses of ifi's IPv4 subnets,
// and whether it has an IPv4 address at all.
func ipv4Info(ifi net.Interface) (broadcast []netip.Addr, has4 bool) {
	addrs, err := ifi.Addrs()
	if err != nil {
		return nil, false
	}
	var out []netip.Addr
	for _, a := range addrs {
		n, ok := a.(*net.IPNet)
		if !ok || n.IP.To4() == nil {
			continue
		}
		has4 = true
		if ifi.Flags&net.FlagBroadcast == 0 {
			continue
		}
		ip, mask := n.IP.To4(), net.IP(n.Mask).To4()
		if mask == nil {
			continue
		}
		bc := make(net.IP, 4)
		for i := range bc {
			bc[i] = ip[i] | ^mask[i]
		}
		if a, ok := netip.AddrFromSlice(bc); ok && !a.IsLoopback() {
			out = append(out, a)
		}
	}
	return out, has4
}

func (t *udpTransport) fingerprint() string {
	var parts []string
	for _, ifi := range lanInterfaces() {
		addrs, _ := ifi.Addrs()
		for _, a := range addrs {
			parts = append(parts, ifi.Name+"="+a.String())
		}
	}
	slices.Sort(parts)
	return strings.Join(parts, ",")
}

func (t *udpTransport) close() error {
	err := t.v4.Close()
	if t.v6 != nil {
		err = errors.Join(err, t.v6.Close())
	}
	return err
}
