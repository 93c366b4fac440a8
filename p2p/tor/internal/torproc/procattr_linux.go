package torproc

import "syscall"

// dieWithParent asks the kernel to SIGKILL tor when we die. __OwningControllerProcess and TAKEOWNERSHIP make tor
// exit too, but a tor already shutting down after our SIGTERM has been seen to hang in exit (futex, 0.4.9.8) and
// outlive a test binary killed before its SIGKILL came. Pdeathsig fires when the forking OS thread exits, which Go
// does only when a goroutine that locked its thread returns: do not call Start from one.
func dieWithParent() *syscall.SysProcAttr { return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL} }
