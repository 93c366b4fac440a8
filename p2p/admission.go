package p2p

import (
	"net"
	"net/netip"
	"sync"
	"time"
)

// maxPrefixBuckets bounds the handshake-rate table; past it, buckets that
// have refilled (and so say nothing a fresh bucket would not) are dropped.
const maxPrefixBuckets = 4096

// admission decides which inbound connections get a handshake. Connections
// are counted per network prefix (/24 for IPv4, /64 for IPv6), since one
// host usually commands a whole prefix, and a full table evicts its oldest
// entry: idle connections then only cost their own prefix, and a newcomer
// is never turned away because others got there first.
type admission struct {
	maxPending, maxPerPrefix int
	rate                     float64
	burst                    int

	mu        sync.Mutex
	pending   map[net.Conn]pendingConn
	perPrefix map[string]int
	buckets   map[string]*tokenBucket
}

type pendingConn struct {
	prefix string
	since  time.Time
}

func newAdmission(lim Limits) *admission {
	return &admission{
		maxPending:   lim.MaxPending,
		maxPerPrefix: lim.MaxPerPrefix,
		rate:         lim.HandshakeRate,
		burst:        lim.HandshakeBurst,
		pending:      make(map[net.Conn]pendingConn),
		perPrefix:    make(map[string]int),
		buckets:      make(map[string]*tokenBucket),
	}
}

// admit registers c from prefix as pending, or refuses it when the prefix
// has used up its handshake rate. An admitted connection may push out an
// older pending one, returned as evict for the caller to close.
func (a *admission) admit(c net.Conn, prefix string, now time.Time) (ok bool, evict net.Conn) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.bucket(prefix, now).allow(now) {
		return false, nil
	}
	switch {
	case a.perPrefix[prefix] >= a.maxPerPrefix:
		evict = a.oldestLocked(prefix)
	case len(a.pending) >= a.maxPending:
		evict = a.oldestLocked("")
	}
	if evict != nil {
		a.removeLocked(evict)
	}
	a.pending[c] = pendingConn{prefix: prefix, since: now}
	a.perPrefix[prefix]++
	return true, evict
}

// done frees c's slot once its handshake ended; it reports false if c was
// evicted meanwhile.
func (a *admission) done(c net.Conn) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.removeLocked(c)
}

func (a *admission) removeLocked(c net.Conn) bool {
	pc, ok := a.pending[c]
	if !ok {
		return false
	}
	delete(a.pending, c)
	if a.perPrefix[pc.prefix]--; a.perPrefix[pc.prefix] <= 0 {
		delete(a.perPrefix, pc.prefix)
	}
	return true
}

// oldestLocked returns the longest-waiting pending conn, within prefix
// unless prefix is empty. The table is small (MaxPending), so a scan will do.
func (a *admission) oldestLocked(prefix string) net.Conn {
	var oldest net.Conn
	var since time.Time
	for c, pc := range a.pending {
		if prefix != "" && pc.prefix != prefix {
			continue
		}
		if oldest == nil || pc.since.Before(since) {
			oldest, since = c, pc.since
		}
	}
	return oldest
}

// bucket returns prefix's handshake-rate bucket, making room in the table
// if needed; a.mu is held.
func (a *admission) bucket(prefix string, now time.Time) *tokenBucket {
	if b := a.buckets[prefix]; b != nil {
		return b
	}
	if len(a.buckets) >= maxPrefixBuckets {
		for p, b := range a.buckets {
			if b.full(now) {
				delete(a.buckets, p)
			}
		}
	}
	if len(a.buckets) >= maxPrefixBuckets {
		// Every prefix is busy: forget one. An attacker with this many
		// prefixes gains a fresh burst for one of them, no more.
		for p := range a.buckets {
			delete(a.buckets, p)
			break
		}
	}
	b := newTokenBucket(a.rate, a.burst, now)
	a.buckets[prefix] = b
	return b
}

// addrPrefix names the network a remote address belongs to: its /24 for
// IPv4 (and IPv4-mapped IPv6), its /64 for IPv6.
func addrPrefix(a net.Addr) string {
	var ip netip.Addr
	if ta, ok := a.(*net.TCPAddr); ok {
		ip, _ = netip.AddrFromSlice(ta.IP)
	} else if ap, err := netip.ParseAddrPort(a.String()); err == nil {
		ip = ap.Addr()
	}
	ip = ip.Unmap()
	bits := 64
	if ip.Is4() {
		bits = 24
	}
	p, err := ip.Prefix(bits)
	if err != nil {
		return a.Network() + ":" + a.String() // not IP: count each address alone
	}
	return p.String()
}
