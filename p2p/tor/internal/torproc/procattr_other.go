//go:build !linux

package torproc

import "syscall"

// dieWithParent has no portable equivalent elsewhere; __OwningControllerProcess and TAKEOWNERSHIP remain.
func dieWithParent() *syscall.SysProcAttr { return nil }
