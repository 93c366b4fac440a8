package torproc

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/textproto"
	"strings"
	"sync"
	"time"

	"github.com/cretz/bine/control"
)

// RequestTimeout bounds every control-port request, so a wedged tor can never hang its caller (or Close).
const RequestTimeout = 10 * time.Second

// Control is an authenticated control connection, safe for concurrent use: requests take turns.
type Control struct {
	mu  sync.Mutex
	raw net.Conn
	c   *control.Conn
}

// DialControl connects to a control port ("host:port", or "unix:/path" for a control socket) and authenticates
// with SAFECOOKIE (the cookie file tor names in PROTOCOLINFO) or NULL. Password authentication is not offered.
func DialControl(ctx context.Context, addr string) (*Control, error) {
	network := "tcp"
	if path, ok := strings.CutPrefix(addr, "unix:"); ok {
		network, addr = "unix", path
	}
	var d net.Dialer
	raw, err := d.DialContext(ctx, network, addr)
	if err != nil {
		return nil, fmt.Errorf("connect to tor control port: %w", err)
	}
	c := &Control{raw: raw, c: control.NewConn(textproto.NewConn(raw))}
	if err := c.Do(func(cc *control.Conn) error { return cc.Authenticate("") }); err != nil {
		_ = raw.Close()
		return nil, fmt.Errorf("authenticate to tor control port: %w", err)
	}
	return c, nil
}

// Do runs f with the connection, alone and under RequestTimeout.
func (c *Control) Do(f func(*control.Conn) error) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.raw.SetDeadline(time.Now().Add(RequestTimeout)); err != nil {
		return err
	}
	return f(c.c)
}

// GetInfo returns one GETINFO value.
func (c *Control) GetInfo(key string) (string, error) {
	var val string
	err := c.Do(func(cc *control.Conn) error {
		kvs, err := cc.GetInfo(key)
		if err != nil {
			return err
		}
		for _, kv := range kvs {
			if kv.Key == key {
				val = kv.Val
				return nil
			}
		}
		return errors.New("tor did not answer GETINFO " + key)
	})
	return val, err
}

// Close sends QUIT (bounded by RequestTimeout) and closes the connection.
func (c *Control) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	_ = c.raw.SetDeadline(time.Now().Add(RequestTimeout))
	return c.c.Close()
}
