//go:build tortest

package cli

import (
	"os"
	"strings"
)

// testOnlyTorrc reads torrc lines for Jarvis's own tor from
// JARVIS_TEST_TORRC (one per line), so end-to-end tests can point the
// binary at a private Tor network. Only a binary built with -tags tortest
// has this; releases never do.
func testOnlyTorrc() []string {
	v := os.Getenv("JARVIS_TEST_TORRC")
	if v == "" {
		return nil
	}
	return strings.Split(strings.TrimRight(v, "\n"), "\n")
}
