package app

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"time"

	"jarvis/crypto"
	"jarvis/p2p"
	"jarvis/p2p/pair"
	"jarvis/store"
)

// Pairing by short code: the host shows 8 digits and listens on a fresh
// TCP port, announced on the LAN by a beacon that carries the code's first
// two digits; the joiner types the code, finds the beacon, connects, and
// the two run p2p/pair (CPace) and swap link codes inside it. Each adds the
// other as an accepted, verified contact: typing the code proved presence.

// ErrNoLAN means pairing cannot work here: nothing looks at the local network.
var ErrNoLAN = errors.New("pairing works on the local network, which Jarvis is not using now (--no-lan, --tor only, or listening on 127.0.0.1 only); add the contact with a link code instead")

// errNoHost is what the joiner says when no device shows the code.
var errNoHost = errors.New("no device showing this code was found on this network; check both are on the same Wi-Fi and the code is still on the other screen")

// findFor is how long the joiner listens for the host's beacon (sent every
// second).
const findFor = 15 * time.Second

// PairOffer is a code shown by this device.
type PairOffer struct {
	Code    string
	Expires time.Time
}

// Paired reports a contact added by pairing (after its ContactAdded), on
// either side: the frontend opens the chat.
type Paired struct{ Contact Contact }

// PairFailed reports that pairing in the background (a code shown, or one
// typed with BeginJoin) did not lead to a contact.
type PairFailed struct{ Err error }

func (Paired) isEvent()     {}
func (PairFailed) isEvent() {}

// StartPairing shows a new code and waits, in the background, for the
// other device. Starting again cancels the code shown before.
func (c *Core) StartPairing() (PairOffer, error) {
	if c.lan == nil {
		return PairOffer{}, ErrNoLAN
	}
	code, err := pair.NewCode()
	if err != nil {
		return PairOffer{}, err
	}
	host, err := pair.NewHost(pair.HostConfig{Code: code, Payload: []byte(c.Self().Code)})
	if err != nil {
		return PairOffer{}, err
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(c.lanHost(), "0"))
	if err != nil {
		return PairOffer{}, fmt.Errorf("pairing: listen: %w", err)
	}
	// withdraw ends this code: CancelPairing, or a newer code.
	withdrawn, withdraw := context.WithCancel(context.Background())
	err = c.background(func(ctx context.Context) {
		ctx, cancel := context.WithDeadline(ctx, host.Expires())
		defer cancel()
		defer context.AfterFunc(withdrawn, cancel)()
		defer ln.Close()
		c.hostPairing(ctx, host, code, ln)
	})
	if err != nil {
		withdraw()
		ln.Close()
		return PairOffer{}, err
	}
	c.swapPairing(withdraw)
	return PairOffer{Code: code.String(), Expires: host.Expires()}, nil
}

// CancelPairing withdraws the code this device shows, if any.
func (c *Core) CancelPairing() { c.swapPairing(nil) }

func (c *Core) swapPairing(cancel context.CancelFunc) {
	c.pairMu.Lock()
	old := c.pairCancel
	c.pairCancel = cancel
	c.pairMu.Unlock()
	if old != nil {
		old()
	}
}

// lanHost is the address pairing listens on: the engine's, so a listener
// bound to one interface keeps pairing on it.
func (c *Core) lanHost() string {
	if a, ok := c.engine.Addr().(*net.TCPAddr); ok && !a.IP.IsUnspecified() {
		return a.IP.String()
	}
	return ""
}

// maxPairConns bounds the runs a shown code serves at once: strangers
// holding connections open cannot keep the real joiner out.
const maxPairConns = 4

// hostPairing beacons and serves until one joiner has used the code or it
// expires. Connections that are not a pairing run at all (a port scan)
// spend nothing, and are served side by side with the real one.
func (c *Core) hostPairing(ctx context.Context, host *pair.Host, code pair.Code, ln net.Listener) {
	ctx, cancel := context.WithCancel(ctx)
	conns := make(chan net.Conn)
	results := make(chan pairResult, maxPairConns)
	live := 0
	go acceptAll(ctx, ln, conns)
	defer func() {
		cancel()
		ln.Close()
		for range conns { // acceptAll closes what it could not hand over
		}
		for ; live > 0; live-- {
			<-results
		}
	}()
	port := uint16(ln.Addr().(*net.TCPAddr).Port)
	if err := c.lan.Beacon(ctx, code.Locator(), port); err != nil {
		c.emit(PairFailed{Err: err})
		return
	}
	for {
		select {
		case conn, ok := <-conns:
			if !ok {
				c.emit(PairFailed{Err: pairEndErr(ctx)})
				return
			}
			if live == maxPairConns {
				conn.Close()
				continue
			}
			live++
			go func() {
				peer, err := host.Serve(ctx, conn)
				conn.Close()
				results <- pairResult{peer, err}
			}()
		case r := <-results:
			live--
			switch {
			case r.err == nil:
				cancel() // the beacon stops; late joiners are turned away
				if _, err := c.addPaired(context.WithoutCancel(ctx), r.peer); err != nil {
					c.emit(PairFailed{Err: err})
				}
				return
			case errors.Is(r.err, pair.ErrCodeUsed):
				// A latecomer, told so; the run that spent the code decides.
			case host.Spent():
				c.emit(PairFailed{Err: pairError(r.err, true)})
				return
			default:
				c.log.Info("pairing: a connection that was no pairing attempt", "err", r.err)
			}
		}
	}
}

type pairResult struct {
	peer []byte
	err  error
}

// acceptAll hands accepted connections over until the listener closes.
func acceptAll(ctx context.Context, ln net.Listener, conns chan<- net.Conn) {
	defer close(conns)
	stop := context.AfterFunc(ctx, func() { ln.Close() })
	defer stop()
	for {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		select {
		case conns <- conn:
		case <-ctx.Done():
			conn.Close()
			return
		}
	}
}

// pairError is the sentence to show for a run that failed: pair's own
// errors are written for people, the network's are not.
func pairError(err error, host bool) error {
	switch {
	case errors.Is(err, pair.ErrWrongCode) && host:
		return errors.New("someone tried this code and it didn't match; make a new code with /pair")
	case errors.Is(err, pair.ErrWrongCode), errors.Is(err, pair.ErrCodeUsed), errors.Is(err, pair.ErrCodeExpired),
		errors.Is(err, pair.ErrCodeFormat):
		return err
	case errors.Is(err, pair.ErrMalformed):
		return pair.ErrMalformed
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded):
		return errors.New("pairing took too long; make a new code and try again")
	}
	return errors.New("the other device hung up; make a new code and try again")
}

// pairEndErr says why a shown code stopped waiting.
func pairEndErr(ctx context.Context) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return pair.ErrCodeExpired
	}
	return errors.New("pairing cancelled")
}

// BeginJoin runs JoinPairing in the background; Paired or PairFailed
// reports how it ended. A code that cannot be one fails at once.
func (c *Core) BeginJoin(text string) error {
	code, err := c.joinable(text)
	if err != nil {
		return err
	}
	return c.background(func(ctx context.Context) {
		if _, err := c.join(ctx, code); err != nil && ctx.Err() == nil {
			c.emit(PairFailed{Err: err})
		}
	})
}

// JoinPairing finds the device showing code on the local network, proves
// the code to it and adds it as a contact.
func (c *Core) JoinPairing(ctx context.Context, text string) (Contact, error) {
	code, err := c.joinable(text)
	if err != nil {
		return Contact{}, err
	}
	return c.join(ctx, code)
}

func (c *Core) joinable(text string) (pair.Code, error) {
	code, err := pair.ParseCode(text)
	if err != nil {
		return pair.Code{}, err
	}
	if c.lan == nil {
		return pair.Code{}, ErrNoLAN
	}
	return code, nil
}

func (c *Core) join(ctx context.Context, code pair.Code) (Contact, error) {
	findCtx, cancel := context.WithTimeout(ctx, findFor)
	at, err := c.lan.FindPairing(findCtx, code.Locator())
	cancel()
	if err != nil {
		if ctx.Err() != nil {
			return Contact{}, ctx.Err()
		}
		return Contact{}, errNoHost
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", at.String())
	if err != nil {
		return Contact{}, fmt.Errorf("pairing: reach the other device: %w", err)
	}
	defer conn.Close()
	peer, err := pair.Join(ctx, conn, code, []byte(c.Self().Code))
	if err != nil {
		return Contact{}, pairError(err, false)
	}
	return c.addPaired(ctx, peer)
}

// addPaired adds the owner of a link code received through pairing.
func (c *Core) addPaired(ctx context.Context, peer []byte) (Contact, error) {
	lc, err := crypto.ParseLinkCode(string(peer))
	if err != nil {
		return Contact{}, fmt.Errorf("pairing: the other device sent a bad link code: %w", err)
	}
	if lc.Keys.ID() == c.self.ID {
		return Contact{}, ErrOwnCode
	}
	var out Contact
	err = c.changeContacts(ctx, func(ctx context.Context, m *contactManager) (err error) {
		out, err = m.paired(ctx, lc)
		return err
	})
	if err != nil {
		// out may still be written by the manager: the wait gave up.
		return Contact{}, err
	}
	c.emit(Paired{Contact: out})
	return out, nil
}

// paired makes the owner of code an accepted, verified contact, whatever
// they were before: both sides proved they hold the same short code.
func (m *contactManager) paired(ctx context.Context, code crypto.LinkCode) (Contact, error) {
	id := code.Keys.ID()
	if m.rejected != nil && m.rejected.Has(id) {
		if err := m.rejected.Remove(ctx, id); err != nil {
			return Contact{}, err
		}
	}
	prev, had := m.contacts[id]
	var next store.Contact
	if had {
		next = *prev
	} else {
		now := m.now()
		next = store.Contact{ID: id, Keys: code.Keys, Name: code.Name, State: store.ContactPendingOut,
			CreatedAt: now, LastActivity: now}
	}
	next.Addrs = mergeAddrs(code.Addrs, next.Addrs)
	next.Verified = true
	if next.State == store.ContactAccepted {
		// Paired again: the code's addresses and the proof are news.
		if err := m.store.PutContact(ctx, next); err != nil {
			return Contact{}, fmt.Errorf("pairing: save contact: %w", err)
		}
		*prev = next
		m.peers.connect(holdContacts, p2p.Target{Keys: next.Keys, Addrs: next.Addrs})
		m.publish()
		out := m.view(ctx, prev)
		m.core.emit(ContactAdded{Contact: out})
		return out, nil
	}
	m.contacts[id] = &next
	m.becomeContacts(ctx, &next)
	if next.State != store.ContactAccepted { // not saved; becomeContacts said why
		if had {
			m.contacts[id] = prev
		} else {
			delete(m.contacts, id)
		}
		return Contact{}, errors.New("pairing: the contact could not be saved")
	}
	return m.view(ctx, &next), nil
}

// background runs fn on a goroutine of the started core, which Close
// cancels and waits for; once Close has begun it runs nothing.
func (c *Core) background(fn func(ctx context.Context)) error {
	c.bgMu.Lock()
	defer c.bgMu.Unlock()
	ctx := c.runCtx.Load()
	if c.closing || ctx == nil {
		return ErrClosed
	}
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		fn(*ctx)
	}()
	return nil
}
