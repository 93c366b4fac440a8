// Command jarvis is a peer-to-peer, end-to-end encrypted messenger for the
// terminal. Everything lives in ui/cli; this file only hands it the process.
package main

import (
	"os"

	"jarvis/ui/cli"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	os.Exit(cli.Main(version, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
