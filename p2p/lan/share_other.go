//go:build !(linux || darwin)

package lan

import "syscall"

// shareAddr does nothing here: only the first Jarvis on such a host hears
// announcements.
func shareAddr(network, address string, c syscall.RawConn) error { return nil }
