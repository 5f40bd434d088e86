package functions

import "syscall"

// dieWithParent kills the child if the emulator itself dies without
// running Close (a crash or SIGKILL), so no orphan keeps its port.
func dieWithParent(a *syscall.SysProcAttr) { a.Pdeathsig = syscall.SIGKILL }
