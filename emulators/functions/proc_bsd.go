//go:build unix && !linux

package functions

import "syscall"

func dieWithParent(*syscall.SysProcAttr) {}
