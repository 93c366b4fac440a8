//go:build !linux

package app

import "os"

// directWriter is Linux's O_DIRECT path; elsewhere every write is
// buffered.
type directWriter struct{}

func openDirect(*os.File, int) *directWriter                 { return nil }
func (*directWriter) writeAt(int64, ...[]byte) (bool, error) { return false, nil }
func (*directWriter) close()                                 {}
