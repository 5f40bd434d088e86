package functions

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"sync"
	"time"

	"pointsofyou.ai/studio/shared/topology"
)

// Restart backoff: doubled after each crash, reset once a child has stayed
// up for stableAfter.
const (
	minBackoff  = 200 * time.Millisecond
	maxBackoff  = 10 * time.Second
	stableAfter = 30 * time.Second
	stopGrace   = 5 * time.Second
	tailBytes   = 4 << 10
)

// child supervises the process that serves one function.
type child struct {
	fn   topology.Function
	opts *Options
	out  io.Writer // prefixed, shared with the other children
	tail *tail
	stop <-chan struct{}
	done chan struct{} // closed when the supervisor has stopped the process

	mu     sync.Mutex
	target *url.URL // nil while the process is down
	pid    int
}

// proc is one run of the child's process.
type proc struct {
	pid     int
	started time.Time
	exited  chan error // receives cmd.Wait's result once
}

func newChild(fn topology.Function, opts *Options, out io.Writer, stop <-chan struct{}) *child {
	t := &tail{}
	return &child{
		fn: fn, opts: opts, tail: t, stop: stop, done: make(chan struct{}),
		out: &prefixWriter{prefix: []byte("[" + fn.Name + "] "), w: out, tail: t},
	}
}

func (c *child) current() (*url.URL, int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.target, c.pid
}

func (c *child) set(target *url.URL, pid int) {
	c.mu.Lock()
	c.target, c.pid = target, pid
	c.mu.Unlock()
}

func (c *child) env(port int) []string {
	sig := "cloudevent"
	if c.fn.Trigger.HTTP != nil {
		sig = "http"
	}
	env := append(os.Environ(),
		"GOOGLE_CLOUD_PROJECT="+c.opts.Project,
		"FUNCTION_REGION="+c.opts.Region,
	)
	keys := make([]string, 0, len(c.fn.Env))
	for k := range c.fn.Env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		env = append(env, k+"="+c.fn.Env[k].LocalValue(c.opts.Local))
	}
	env = append(env, c.opts.Env...)
	// Last, so that nothing above can point the child at another target.
	return append(env,
		"FUNCTION_TARGET="+c.fn.Target(),
		"FUNCTION_SIGNATURE_TYPE="+sig,
		"K_SERVICE="+c.fn.Name,
		"K_REVISION="+c.fn.Name+"-00001-emu",
		"K_CONFIGURATION="+c.fn.Name,
		"PORT="+strconv.Itoa(port),
	)
}

// launch starts the process and waits until it accepts connections.
func (c *child) launch() (*proc, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(c.opts.Binary)
	cmd.Env = c.env(port)
	cmd.Stdout, cmd.Stderr = c.out, c.out
	// A grandchild holding the output pipe must not keep Wait from returning.
	cmd.WaitDelay = time.Second
	ownGroup(cmd)
	c.tail.reset()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("function %s: start %s: %w", c.fn.Name, c.opts.Binary, err)
	}
	p := &proc{pid: cmd.Process.Pid, started: time.Now(), exited: make(chan error, 1)}
	go func() { p.exited <- cmd.Wait() }()

	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	deadline := time.NewTimer(c.opts.StartTimeout)
	defer deadline.Stop()
	tick := time.NewTicker(25 * time.Millisecond)
	defer tick.Stop()
	for {
		if conn, err := net.DialTimeout("tcp", addr, 250*time.Millisecond); err == nil {
			conn.Close()
			c.set(&url.URL{Scheme: "http", Host: addr}, p.pid)
			return p, nil
		}
		select {
		case err := <-p.exited:
			killGroup(p.pid) // whatever it started
			return nil, fmt.Errorf("function %s exited before listening (%v); its output:\n%s", c.fn.Name, err, c.tail.String())
		case <-deadline.C:
			p.terminate()
			return nil, fmt.Errorf("function %s did not listen on %s within %s; its output:\n%s", c.fn.Name, addr, c.opts.StartTimeout, c.tail.String())
		case <-c.stop:
			p.terminate()
			return nil, fmt.Errorf("function %s: stopped while starting", c.fn.Name)
		case <-tick.C:
		}
	}
}

// terminate stops the process group: SIGTERM, then SIGKILL after the
// grace period. The group is killed even after a clean exit, for anything
// the process left running.
func (p *proc) terminate() {
	_ = terminateGroup(p.pid)
	select {
	case <-p.exited:
	case <-time.After(stopGrace):
		_ = killGroup(p.pid)
		<-p.exited
	}
	_ = killGroup(p.pid)
}

// supervise restarts the process whenever it dies, until stop.
func (c *child) supervise(p *proc) {
	defer close(c.done)
	backoff := minBackoff
	for {
		select {
		case <-c.stop:
			c.set(nil, 0)
			p.terminate()
			return
		case err := <-p.exited:
			c.set(nil, 0)
			_ = killGroup(p.pid)
			if time.Since(p.started) >= stableAfter {
				backoff = minBackoff
			}
			slog.Warn("function exited; restarting", "function", c.fn.Name, "error", fmt.Sprint(err), "backoff", backoff.String())
			for p = nil; p == nil; {
				select {
				case <-c.stop:
					return
				case <-time.After(backoff):
				}
				backoff = min(backoff*2, maxBackoff)
				np, err := c.launch()
				if err != nil {
					slog.Error("function failed to restart", "function", c.fn.Name, "error", err.Error())
					continue
				}
				p = np
			}
		}
	}
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// prefixWriter writes each line of a child's output as "[name] line" and
// keeps the latest output for error messages. Lines of different children
// do not interleave because all share one lockedWriter.
type prefixWriter struct {
	prefix  []byte
	w       io.Writer
	tail    *tail
	mu      sync.Mutex
	partial []byte
}

func (p *prefixWriter) Write(b []byte) (int, error) {
	p.tail.write(b)
	p.mu.Lock()
	defer p.mu.Unlock()
	p.partial = append(p.partial, b...)
	var buf bytes.Buffer
	for {
		i := bytes.IndexByte(p.partial, '\n')
		if i < 0 {
			break
		}
		// functions-framework prints empty lines to flush logs on Cloud
		// Functions; they carry nothing here.
		if line := bytes.TrimRight(p.partial[:i], "\r"); len(line) > 0 {
			buf.Write(p.prefix)
			buf.Write(p.partial[:i+1])
		}
		p.partial = p.partial[i+1:]
	}
	if len(p.partial) > tailBytes { // a very long line without newline
		buf.Write(p.prefix)
		buf.Write(p.partial)
		buf.WriteByte('\n')
		p.partial = p.partial[:0]
	}
	if buf.Len() > 0 {
		if _, err := p.w.Write(buf.Bytes()); err != nil {
			return len(b), nil // a broken log sink must not kill the child
		}
	}
	return len(b), nil
}

// lockedWriter serialises writes from several children.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

// tail keeps the last tailBytes of output.
type tail struct {
	mu  sync.Mutex
	buf []byte
}

func (t *tail) write(b []byte) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, b...)
	if len(t.buf) > tailBytes {
		t.buf = append([]byte(nil), t.buf[len(t.buf)-tailBytes:]...)
	}
}

func (t *tail) reset() {
	t.mu.Lock()
	t.buf = nil
	t.mu.Unlock()
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}
