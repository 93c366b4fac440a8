// Package pair pairs two devices on one LAN by a short code: both run CPace
// keyed by the 8-digit code, prove to each other that they hold it, and only
// then swap their link codes, sealed under the key CPace gave. One code, one try.
package pair

import "time"

const (
	// CodeLifetime is how long a host's code can start a run. Short, so a
	// code left on a screen is soon worthless.
	CodeLifetime = 2 * time.Minute
	// RunTimeout bounds one whole run, so a silent or slow peer cannot hold
	// a connection (or the user) for long.
	RunTimeout = 30 * time.Second
	// MaxPayload is the most bytes either side may send as its link code.
	// The longest valid link code (a 64-byte name and 8 addresses of 255
	// bytes) is 3502 characters.
	MaxPayload = 3584
)

// userError is an error whose text is written for the person using Jarvis;
// the UI shows it as it is. A constant type keeps the sentinels immutable.
type userError string

func (e userError) Error() string { return string(e) }

// Errors that a frontend shows as they are; test for them with errors.Is.
const (
	// ErrCodeFormat: the typed text is not a pairing code.
	ErrCodeFormat = userError("A pairing code is 8 digits, like 1234 5678.")
	// ErrWrongCode: the two sides did not hold the same code (or someone
	// in between held neither). Nothing was revealed to the other side.
	ErrWrongCode = userError("The code didn't match. Ask for a new code and try again.")
	// ErrCodeUsed: the host's code already served a run; every code gets one.
	ErrCodeUsed = userError("Someone else tried this code first. Make a new code and try again.")
	// ErrCodeExpired: the host's code is older than CodeLifetime.
	ErrCodeExpired = userError("The code has expired. Make a new code and try again.")
	// ErrMalformed: the peer sent bytes this protocol does not allow. It is
	// wrapped with the detail.
	ErrMalformed = userError("The other device sent something Jarvis doesn't understand. Update Jarvis on both and try again.")
)
