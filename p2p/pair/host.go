package pair

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"sync"
	"time"

	"jarvis/crypto"
)

// HostConfig is what the side that shows the code needs.
type HostConfig struct {
	Code    Code
	Payload []byte           // our link code, sent only to a joiner that proved the code
	Now     func() time.Time // the clock for expiry; nil means time.Now
}

// Host is the side that shows the code and waits for the joiner. One Host
// serves one code, and the code serves one run.
type Host struct {
	code    Code
	payload []byte
	now     func() time.Time
	expires time.Time

	mu      sync.Mutex
	claimed bool // a joiner's first message arrived: the code is spent
}

// NewHost makes a host for cfg.Code; the code expires CodeLifetime from now.
func NewHost(cfg HostConfig) (*Host, error) {
	if err := checkPayload(cfg.Payload); err != nil {
		return nil, err
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	return &Host{code: cfg.Code, payload: slices.Clone(cfg.Payload), now: now, expires: now().Add(CodeLifetime)}, nil
}

// Expires is when the code stops working, for the countdown on screen.
func (h *Host) Expires() time.Time { return h.expires }

// Spent reports whether a joiner's first message has used up the code. A
// listener keeps taking connections for a Serve that failed while the code
// is not spent (garbage from a port scanner costs nothing), and stops and
// offers a new code once it is.
func (h *Host) Spent() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.claimed
}

// Serve runs the host's side over conn (which the caller closes after) and
// returns the joiner's link code. The code is spent the moment a well-formed
// first message arrives, whatever happens next: every later call, and any
// concurrent one whose first message comes second, returns ErrCodeUsed and
// tells its joiner so. A connection that sends garbage or nothing before
// that learns nothing about the code and spends nothing. A wrong code
// returns ErrWrongCode, after sending the joiner nothing sealed.
func (h *Host) Serve(ctx context.Context, conn net.Conn) (peerPayload []byte, err error) {
	err = bound(ctx, conn, func() error {
		peerPayload, err = h.serve(conn)
		return err
	})
	return peerPayload, err
}

func (h *Host) serve(conn net.Conn) ([]byte, error) {
	b, err := receive(conn, "first message")
	if err != nil {
		return nil, err
	}
	r, out, err := h.start(b)
	if err := step(conn, out, err); err != nil {
		return nil, err
	}
	defer r.keys.wipe()
	if b, err = receive(conn, "confirmation"); err != nil {
		return nil, err
	}
	peer, out, err := r.confirm(b)
	if err := step(conn, out, err); err != nil {
		return nil, err
	}
	return peer, nil
}

// claim spends the code, or says why it cannot be spent.
func (h *Host) claim() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.claimed {
		return ErrCodeUsed
	}
	if !h.now().Before(h.expires) {
		return ErrCodeExpired
	}
	h.claimed = true
	return nil
}

// hostRun is the host's state between its reply and the joiner's
// confirmation.
type hostRun struct {
	keys    *runKeys
	payload []byte
}

// start answers the joiner's first message with the host's CPace message
// and MAC. The code is claimed before anything derived from it is computed,
// so no joiner ever sees two answers for one code.
func (h *Host) start(b []byte) (*hostRun, []byte, error) {
	sid, msgA, err := decodeStart(b)
	if err != nil {
		return nil, nil, err
	}
	if err := h.claim(); err != nil {
		return nil, abortFor(err), err
	}
	cp, msgB, err := crypto.NewCPace(h.code.secret(), []byte(channelID), sid, nil, false)
	if err != nil {
		return nil, nil, fmt.Errorf("pair: %w", err)
	}
	keys, err := finishCPace(cp, sid, msgA, msgB, msgA)
	if err != nil {
		return nil, nil, err
	}
	return &hostRun{keys: keys, payload: h.payload}, encodeReply(msgB, keys.mac(keys.hostMAC)), nil
}

// confirm checks the joiner's MAC, opens its link code and seals ours. Our
// link code leaves only after the joiner proved the code.
func (r *hostRun) confirm(b []byte) (peer, out []byte, err error) {
	mac, sealed, err := decodeConfirm(b)
	if err != nil {
		return nil, nil, err
	}
	if !r.keys.macOK(r.keys.joinerMAC, mac) {
		return nil, abortFor(ErrWrongCode), ErrWrongCode
	}
	if peer, err = open(r.keys.joinerSeal, typeConfirm, sealed); err != nil {
		return nil, nil, err
	}
	ours, err := seal(r.keys.hostSeal, typeFinal, r.payload)
	if err != nil {
		return nil, nil, err
	}
	return peer, encodeFinal(ours), nil
}

// finishCPace completes a CPace run with the peer's message and derives the
// run's keys. A peer message CPace refuses (a bad point) is malformed, not
// a wrong code: a peer who typed any code at all sends a valid one.
func finishCPace(cp *crypto.CPace, sid, msgA, msgB, peerMsg []byte) (*runKeys, error) {
	isk, _, err := cp.Finish(peerMsg)
	if errors.Is(err, crypto.ErrCPaceMessage) {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	if err != nil {
		return nil, fmt.Errorf("pair: %w", err)
	}
	defer clear(isk)
	return deriveKeys(isk, sid, msgA, msgB)
}
