// Package redistest runs private redis-server processes for the tests of
// the redislimit module and of its examples, so that each test gets a Redis
// of its own, on a free loopback port, that it may kill, freeze or restart.
package redistest

import (
	"bytes"
	"context"
	"net"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Server is a redis-server child process, made for one test and stopped by
// its cleanup.
type Server struct {
	bin  string
	port int
	addr string

	mu  sync.Mutex
	cmd *exec.Cmd
	out bytes.Buffer
}

// Start starts a private redis-server. Without the binary the test is
// skipped, except under CI (CI set), where it fails: CI must install it
// (redislimit/ci.sh does).
func Start(tb testing.TB) *Server {
	tb.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("CI") != "" {
			tb.Fatalf("redis-server is not installed, and CI=%q: run redislimit/ci.sh, which installs it", os.Getenv("CI"))
		}
		tb.Skip("redis-server is not installed (apt-get install redis-server); skipping the Redis tests")
	}
	s := &Server{bin: bin, port: FreePort(tb)}
	s.addr = "127.0.0.1:" + strconv.Itoa(s.port)
	s.Restart(tb)
	tb.Cleanup(s.Kill)
	return s
}

// Addr is the server's host:port.
func (s *Server) Addr() string { return s.addr }

// FreePort returns a loopback port nothing listens on (at the time).
func FreePort(tb testing.TB) int {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("no free port: %v", err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	_ = ln.Close()
	return port
}

// Restart runs redis-server on the server's port, after Kill or for the
// first time, and waits until it answers PING. It starts empty: nothing is
// saved.
func (s *Server) Restart(tb testing.TB) {
	tb.Helper()
	s.mu.Lock()
	s.out.Reset()
	cmd := exec.Command(s.bin, "--port", strconv.Itoa(s.port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--protected-mode", "no")
	cmd.Stdout, cmd.Stderr = &s.out, &s.out
	if err := cmd.Start(); err != nil {
		s.mu.Unlock()
		tb.Fatalf("start redis-server: %v", err)
	}
	s.cmd = cmd
	s.mu.Unlock()

	rdb := redis.NewClient(&redis.Options{Addr: s.addr, MaxRetries: -1})
	defer rdb.Close()
	deadline := time.Now().Add(5 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		err := rdb.Ping(ctx).Err()
		cancel()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			s.Kill()
			tb.Fatalf("redis-server on %s did not answer: %v\n%s", s.addr, err, s.output())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (s *Server) output() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.out.String()
}

// Kill stops the server at once, as a crash would.
func (s *Server) Kill() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGCONT) // in case it was paused
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
	s.cmd = nil
}

// Pause freezes the server (SIGSTOP): connections stay open but nothing
// answers, as with an overloaded Redis. Resume thaws it.
func (s *Server) Pause(tb testing.TB) {
	tb.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		tb.Fatalf("pause redis-server: %v", err)
	}
}

// Resume thaws a server frozen by Pause.
func (s *Server) Resume(tb testing.TB) {
	tb.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.cmd.Process.Signal(syscall.SIGCONT); err != nil {
		tb.Fatalf("resume redis-server: %v", err)
	}
}
