//go:build !tortest

package cli

// testOnlyTorrc is empty in every real build: no flag, variable or file
// changes the torrc Jarvis writes for its own tor.
func testOnlyTorrc() []string { return nil }
