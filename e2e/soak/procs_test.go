package soak

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// syncBuffer is a process's combined output, kept to its last 16 MiB.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.b.Len() > 16<<20 {
		tail := append([]byte(nil), s.b.Bytes()[s.b.Len()-8<<20:]...)
		s.b.Reset()
		s.b.Write(tail)
	}
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// buildDriveway builds the driveway binary once per test binary.
func buildDriveway(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "driveway-soak-bin")
		if err != nil {
			buildErr = err
			return
		}
		builtBin = filepath.Join(dir, "driveway")
		out, err := exec.Command("go", "build", "-o", builtBin, "../../cmd/driveway").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return builtBin
}

var (
	buildOnce sync.Once
	builtBin  string
	buildErr  error
)

// freePort returns a loopback port nobody listens on right now.
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	return port
}

// proc is one driveway process: the emulator or a node.
type proc struct {
	name   string
	bin    string
	args   []string
	env    []string
	ready  string // URL that answers 200 once it serves
	out    *syncBuffer
	mu     sync.Mutex
	cmd    *exec.Cmd
	exited chan struct{}
	starts int
}

// start runs the process and waits until ready answers 200.
func (p *proc) start(t *testing.T) {
	t.Helper()
	if p.out == nil {
		p.out = &syncBuffer{}
	}
	cmd := exec.Command(p.bin, p.args...)
	cmd.Env = append(os.Environ(), p.env...)
	cmd.Stdout, cmd.Stderr = p.out, p.out
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL} // none outlives a killed test
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", p.name, err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	p.mu.Lock()
	p.cmd, p.exited = cmd, exited
	p.starts++
	p.mu.Unlock()
	deadline := time.Now().Add(90 * time.Second)
	for !answers200(p.ready) {
		select {
		case <-exited:
			t.Fatalf("%s exited before it was ready:\n%s", p.name, p.out.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not ready within 90 s:\n%s", p.name, p.out.String())
		}
		time.Sleep(50 * time.Millisecond) // poll interval
	}
}

func answers200(u string) bool {
	c := http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get(u)
	if err != nil {
		return false
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode == 200
}

// kill sends SIGKILL and waits for the process to be gone.
func (p *proc) kill() {
	p.mu.Lock()
	cmd, exited := p.cmd, p.exited
	p.mu.Unlock()
	if cmd == nil {
		return
	}
	cmd.Process.Signal(syscall.SIGKILL)
	<-exited
}

// stop asks the process to stop (SIGINT), then kills it after 15 s.
func (p *proc) stop() {
	p.mu.Lock()
	cmd, exited := p.cmd, p.exited
	p.mu.Unlock()
	if cmd == nil {
		return
	}
	cmd.Process.Signal(os.Interrupt)
	select {
	case <-exited:
	case <-time.After(15 * time.Second):
		p.kill()
	}
}

// pid is the running process's id (0 when none).
func (p *proc) pid() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil || p.cmd.Process == nil {
		return 0
	}
	return p.cmd.Process.Pid
}

// rssKiB reads a process's resident set size from /proc (0 when unknown).
func rssKiB(pid int) int64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			n, _ := strconv.ParseInt(f[1], 10, 64)
			return n
		}
	}
	return 0
}

// balancer is the load balancer in front of the nodes (Driveway's public
// URL): each request goes to the next live node, and to the other one when
// the first cannot be reached (a node killed a moment ago).
type balancer struct {
	nodes []string // base URLs
	next  atomic.Uint64
	srv   *http.Server
	ln    net.Listener
}

func newBalancer(t *testing.T, port string, nodes []string) *balancer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:"+port)
	if err != nil {
		t.Fatal(err)
	}
	b := &balancer{nodes: nodes, ln: ln}
	b.srv = &http.Server{Handler: b, ReadHeaderTimeout: 10 * time.Second}
	go b.srv.Serve(ln)
	t.Cleanup(func() { b.srv.Close() })
	return b
}

// lbTransport does not reuse connections across a node's death badly:
// a killed node's idle connections fail at once and are retried.
var lbTransport = &http.Transport{MaxIdleConnsPerHost: 64, IdleConnTimeout: 30 * time.Second}

func (b *balancer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, "read body", http.StatusBadRequest)
		return
	}
	first := int(b.next.Add(1))
	var lastErr error
	deadline := time.Now().Add(30 * time.Second) // a lone node killed a moment ago is back by then
	for i := 0; i == 0 || time.Now().Before(deadline); i++ {
		node := b.nodes[(first+i)%len(b.nodes)]
		req, _ := http.NewRequestWithContext(r.Context(), r.Method, node+r.URL.RequestURI(), bytes.NewReader(body))
		req.Header = r.Header.Clone()
		req.Host = r.Host
		resp, err := lbTransport.RoundTrip(req)
		if err != nil {
			lastErr = err
			if r.Context().Err() != nil || !notSent(err) {
				break // the node may have acted on it: a retry is the client's choice
			}
			time.Sleep(100 * time.Millisecond) // the other node, or this one restarting
			continue
		}
		defer resp.Body.Close()
		for k, v := range resp.Header {
			w.Header()[k] = v
		}
		w.WriteHeader(resp.StatusCode)
		io.Copy(w, resp.Body)
		return
	}
	w.Header().Set(noNodeHeader, "1")
	http.Error(w, fmt.Sprintf("no node answered: %v", lastErr), http.StatusBadGateway)
}

// noNodeHeader marks the balancer's own answer when no node took the
// request: the harness's outage, not an answer of Driveway.
const noNodeHeader = "X-Soak-No-Node"

// notSent reports whether err happened before the request reached a node
// (the connection was refused), so that another node may take it.
func notSent(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}
