package p2p

import (
	"math"
	"time"
)

// Limits bounds what the engine spends on peers. A zero field takes its
// default, so tests can shrink only the limits they exercise.
type Limits struct {
	HandshakeTimeout       time.Duration // Noise handshake plus Hello; default 10 s
	FirstMessage           time.Duration // an inbound conn must send handshake message 1 within this; default 2 s
	Keepalive              time.Duration // send a Ping after this long without sending; default 45 s
	IdleTimeout            time.Duration // close after this long without receiving; default 120 s
	RekeyInterval          time.Duration // rekey the send cipher this often; default 1 h
	RekeyFrames            uint64        // ...or after this many frames; default 1<<20
	BackoffMin             time.Duration // first redial delay; default 1 s
	BackoffMax             time.Duration // redial delay cap for an address that has worked; default 5 min
	BackoffNever           time.Duration // redial delay cap for an address that never gave a session; default 6 h
	RaceWindow             time.Duration // a session younger than this loses a simultaneous-dial tie by ID; default 5 s
	UpgradeMin             time.Duration // first try to leave a fallback path for a direct one; default 30 s
	UpgradeMax             time.Duration // ...then doubling to this cap, restarted by a wake-up; default 10 min
	DialsPerMinute         int           // redials of peers (each a race over the peer's due addresses), engine-wide, in any minute; default 120
	FallbackDialsPerMinute int           // dials of fallback (onion) addresses, engine-wide, in any minute; default 10
	MaxFallbackDials       int           // fallback dials in flight at once; default 3
	MaxPending             int           // concurrent unauthenticated inbound connections; default 64
	MaxPerPrefix           int           // ...of which from one /24 (IPv4) or /64 (IPv6); default 8
	HandshakeRate          float64       // inbound connections per second per prefix; default 10
	HandshakeBurst         int           // ...token bucket burst; default 30
	MaxStrangers           int           // sessions with peers no holder holds; default 32
	FrameRate              float64       // received frames per second per session; default 2000
	FrameBurst             int           // token bucket burst; default 4000
	SendQueue              int           // records queued per session before TrySend refuses; default 4096
	StallTimeout           time.Duration // close a session whose queue stays full this long; default 60 s
	EventBuffer            int           // Events() channel capacity; default 1024
}

func (l Limits) withDefaults() Limits {
	def := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	defInt := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&l.HandshakeTimeout, 10*time.Second)
	def(&l.Keepalive, 45*time.Second)
	def(&l.IdleTimeout, 120*time.Second)
	def(&l.RekeyInterval, time.Hour)
	def(&l.BackoffMin, time.Second)
	def(&l.BackoffMax, 5*time.Minute)
	def(&l.BackoffNever, 6*time.Hour)
	def(&l.FirstMessage, 2*time.Second)
	def(&l.RaceWindow, 5*time.Second)
	// Direct has just failed when a fallback session starts, so trying
	// again at once would mostly fail again; the usual causes (a Wi-Fi
	// reassociating, the peer's listener restarting) are over within half
	// a minute. The cap keeps a Tor-only peer to one dial per direct
	// address every ten minutes.
	def(&l.UpgradeMin, 30*time.Second)
	def(&l.UpgradeMax, 10*time.Minute)
	def(&l.StallTimeout, time.Minute)
	// A refused dial costs next to nothing, so the redial ceiling is set
	// by what a network change should cost: with 120 a minute a contact
	// list of a few hundred is tried again within minutes (1,000 within
	// about 8), and 1,000 offline contacts cost at most 7,200 dials an
	// hour (about 1.4 CPU-seconds here). An onion dial
	// builds a Tor circuit (seconds, and load on relays we do not own):
	// ten a minute, three at a time, serves the few contacts that direct
	// cannot reach, and will not sweep a contact list through Tor. Each
	// ceiling is a token bucket holding a quarter of it and refilling the
	// rest over the minute (see newCeiling); below 2 it would not refill.
	defInt(&l.DialsPerMinute, 120)
	defInt(&l.FallbackDialsPerMinute, 10)
	defInt(&l.MaxFallbackDials, 3)
	l.DialsPerMinute = max(l.DialsPerMinute, 2)
	l.FallbackDialsPerMinute = max(l.FallbackDialsPerMinute, 2)
	if l.RekeyFrames == 0 {
		l.RekeyFrames = 1 << 20
	}
	defInt(&l.MaxPending, 64)
	defInt(&l.MaxPerPrefix, 8)
	defInt(&l.HandshakeBurst, 30)
	defInt(&l.MaxStrangers, 32)
	if l.HandshakeRate <= 0 {
		l.HandshakeRate = 10
	}
	if l.FrameRate <= 0 {
		l.FrameRate = 2000
	}
	defInt(&l.FrameBurst, 4000)
	defInt(&l.SendQueue, 4096)
	defInt(&l.EventBuffer, 1024)
	return l
}

// tokenBucket limits received frames; owned by one session reader.
type tokenBucket struct {
	rate   float64
	burst  float64
	tokens float64
	last   time.Time
}

func newTokenBucket(rate float64, burst int, now time.Time) *tokenBucket {
	return &tokenBucket{rate: rate, burst: float64(burst), tokens: float64(burst), last: now}
}

func (b *tokenBucket) allow(now time.Time) bool { return b.take(now, 0) }

// refill brings the bucket up to now.
func (b *tokenBucket) refill(now time.Time) {
	if now.After(b.last) {
		b.tokens = min(b.burst, b.tokens+now.Sub(b.last).Seconds()*b.rate)
		b.last = now
	}
}

// tokenSlack absorbs float rounding, so a bucket that when said would hold
// n tokens does hold them then.
const tokenSlack = 1e-9

// take takes a token if keep more remain after it.
func (b *tokenBucket) take(now time.Time, keep float64) bool {
	b.refill(now)
	if b.tokens+tokenSlack < 1+keep {
		return false
	}
	b.tokens = max(0, b.tokens-1)
	return true
}

// spend takes cost tokens (a fraction of one, for a bulk frame) if the
// bucket holds them.
func (b *tokenBucket) spend(now time.Time, cost float64) bool {
	b.refill(now)
	if b.tokens+tokenSlack < cost {
		return false
	}
	b.tokens = max(0, b.tokens-cost)
	return true
}

// when is the first time, as of its last refill, the bucket holds n
// tokens (at most its burst) if none is taken before.
func (b *tokenBucket) when(n float64) time.Time {
	n = min(n, b.burst)
	if b.tokens+tokenSlack >= n {
		return b.last
	}
	secs := (n - b.tokens) / b.rate
	return b.last.Add(time.Duration(math.Ceil(secs * float64(time.Second))))
}

// full reports whether the bucket has refilled to its burst by now.
func (b *tokenBucket) full(now time.Time) bool {
	return b.tokens+now.Sub(b.last).Seconds()*b.rate >= b.burst
}
