//go:build linux || darwin

package lan

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// shareAddr lets every Jarvis on this host bind the announcement port: each
// gets its own copy of a multicast or broadcast datagram.
func shareAddr(network, address string, c syscall.RawConn) error {
	var serr error
	err := c.Control(func(fd uintptr) {
		serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_REUSEADDR, 1)
		if serr == nil {
			serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_REUSEPORT, 1)
		}
	})
	if err != nil {
		return err
	}
	return serr
}
