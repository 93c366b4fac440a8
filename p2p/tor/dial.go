package tor

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"

	"github.com/cretz/bine/control"
	"golang.org/x/net/proxy"
)

// ErrDialTimeout means an onion dial and its retry after NEWNYM both ran out of time.
var ErrDialTimeout = errors.New("tor: onion dial timed out")

// DialContext connects to addr ("host.onion:port") through tor's SOCKS port. Each attempt is bounded by
// Config.DialTimeout. After the hosting tor restarts, a client holding its old descriptor can hang for minutes
// (the introduction succeeds, the rendezvous never completes); SIGNAL NEWNYM clears the client's onion-service cache,
// so on a timeout we send it and retry once. Errors never name the address.
func (t *Tor) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	if network != "tcp" {
		return nil, errors.New("tor: only tcp can be dialled through tor")
	}
	conn, err := t.dialOnce(ctx, addr)
	if !errors.Is(err, ErrDialTimeout) || ctx.Err() != nil {
		return conn, err
	}
	if err := t.ctrl.Do(func(c *control.Conn) error { return c.Signal("NEWNYM") }); err != nil {
		return nil, fmt.Errorf("tor: NEWNYM after a dial timeout: %w", err)
	}
	t.log.Info("tor: onion dial timed out; sent NEWNYM and retrying")
	select {
	case t.newnym <- struct{}{}:
	default:
	}
	return t.dialOnce(ctx, addr)
}

func (t *Tor) dialOnce(ctx context.Context, addr string) (net.Conn, error) {
	actx, cancel := context.WithTimeout(ctx, t.cfg.DialTimeout)
	defer cancel()
	d, err := proxy.SOCKS5("tcp", t.socks, nil, &net.Dialer{})
	if err != nil {
		return nil, err
	}
	conn, err := d.(proxy.ContextDialer).DialContext(actx, "tcp", addr)
	if err == nil {
		return conn, nil
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	// x/net's SOCKS dialer turns the context deadline into a connection deadline, which can fire a moment before
	// the context reports itself done.
	if actx.Err() != nil || errors.Is(err, os.ErrDeadlineExceeded) {
		return nil, ErrDialTimeout
	}
	// The SOCKS error (e.g. 0xF0, descriptor not found, while a fresh service uploads its descriptor) without the
	// *net.OpError around it, which would name the onion address.
	var op *net.OpError
	if errors.As(err, &op) {
		err = op.Err
	}
	return nil, fmt.Errorf("tor: onion dial failed: %w", err)
}
