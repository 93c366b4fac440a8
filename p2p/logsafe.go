package p2p

import (
	"errors"
	"net"
	"strings"
)

// safeErr returns err with every network address taken out of its text,
// for logs and for PeerDown: net.OpError and net.DNSError print the local
// and remote addresses or the host name, which logs must never hold.
// errors.Is still finds the causes below the address (timeouts, resets,
// EOF) and every sentinel of this package wrapping the whole.
func safeErr(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	changed := false
	var op *net.OpError
	if errors.As(err, &op) {
		inner := "failed"
		if op.Err != nil {
			inner = safeErr(op.Err).Error()
		}
		msg = strings.ReplaceAll(msg, op.Error(), op.Op+": "+inner)
		changed = true
	}
	var dns *net.DNSError
	if errors.As(err, &dns) {
		msg = strings.ReplaceAll(msg, dns.Error(), "lookup failed: "+dns.Err)
		changed = true
	}
	if !changed {
		return err
	}
	return &scrubbed{msg: msg, err: err}
}

// scrubbed is an error whose text has had addresses removed. It unwraps
// to the original, so errors.Is and errors.As keep working; only its
// Error() differs.
type scrubbed struct {
	msg string
	err error
}

func (s *scrubbed) Error() string { return s.msg }
func (s *scrubbed) Unwrap() error { return s.err }
