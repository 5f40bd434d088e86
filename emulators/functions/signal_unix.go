//go:build unix

package functions

import (
	"fmt"
	"syscall"
)

// Signal sends sig to the process group serving the function name and
// returns the process id, for fault injection in tests: SIGKILL crashes
// the instance (the supervisor restarts it, as after any crash), SIGSTOP
// freezes it (requests and event deliveries hang until their timeout) and
// SIGCONT thaws it. A function that is not declared, or not running at the
// moment, is an error.
func (s *Server) Signal(name string, sig syscall.Signal) (int, error) {
	c, ok := s.children[name]
	if !ok {
		return 0, fmt.Errorf("functions: %q is not declared", name)
	}
	_, pid := c.current()
	if pid == 0 {
		return 0, fmt.Errorf("functions: %q is not running", name)
	}
	if err := signalGroup(pid, sig); err != nil {
		return pid, fmt.Errorf("functions: signal %s: %w", name, err)
	}
	return pid, nil
}
