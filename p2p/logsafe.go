package p2p

import (
	"net"
	"strings"
)

// safeErr returns err with every network address and host name taken out
// of its text, for logs and for PeerDown: net.OpError, net.DNSError and
// net.AddrError print the local and remote addresses or the host name,
// which logs must never hold. The result unwraps to err, so errors.Is and
// errors.As see everything they saw before; only Error() differs.
func safeErr(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	changed := false
	walkErrs(err, func(e error) {
		var safe string
		switch v := e.(type) {
		case *net.OpError:
			safe = v.Op + ": failed"
			if v.Err != nil {
				safe = v.Op + ": " + safeErr(v.Err).Error()
			}
		case *net.DNSError:
			safe = "lookup failed: " + v.Err
		case *net.AddrError:
			safe = "bad address: " + v.Err
		default:
			return
		}
		msg = strings.ReplaceAll(msg, e.Error(), safe)
		changed = true
	})
	if !changed {
		return err
	}
	return &scrubbed{msg: msg, err: err}
}

// walkErrs calls f on err and everything it wraps, stopping below the
// network errors, whose own causes safeErr handles.
func walkErrs(err error, f func(error)) {
	if err == nil {
		return
	}
	f(err)
	switch err.(type) {
	case *net.OpError, *net.DNSError, *net.AddrError:
		return
	}
	switch u := err.(type) {
	case interface{ Unwrap() error }:
		walkErrs(u.Unwrap(), f)
	case interface{ Unwrap() []error }:
		for _, e := range u.Unwrap() {
			walkErrs(e, f)
		}
	}
}

// scrubbed is an error whose text has had addresses removed.
type scrubbed struct {
	msg string
	err error
}

func (s *scrubbed) Error() string { return s.msg }
func (s *scrubbed) Unwrap() error { return s.err }
