package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/bubblehouse-go/bubblehouse/bubblehousetest"
)

// result is what one in-process run of the command produced.
type result struct {
	code   int
	stdout string
	stderr string
}

// cli runs the command in-process, with buffers for its streams.
type cli struct {
	t         *testing.T
	vars      map[string]string
	stdin     string
	stdoutTTY bool
	stderrTTY bool
	now       func() time.Time
	// wrapTransport is passed on to env.wrapTransport.
	wrapTransport func(http.RoundTripper) http.RoundTripper
}

func newCLI(t *testing.T) *cli {
	return &cli{t: t, vars: map[string]string{}, now: time.Now}
}

func (c *cli) run(args ...string) result {
	c.t.Helper()
	var out, errOut bytes.Buffer
	code := runEnv(context.Background(), args, &env{
		stdin:         strings.NewReader(c.stdin),
		stdout:        &out,
		stderr:        &errOut,
		getenv:        func(k string) string { return c.vars[k] },
		stdoutTTY:     c.stdoutTTY,
		stderrTTY:     c.stderrTTY,
		now:           c.now,
		wrapTransport: c.wrapTransport,
	})
	return result{code: code, stdout: out.String(), stderr: errOut.String()}
}

// fixture is a fake Bubblehouse with the demo data and the flags that point
// the command at it.
type fixture struct {
	srv        *bubblehousetest.Server
	secretFile string
	flags      []string
}

func newFixture(t *testing.T, opts ...bubblehousetest.Option) *fixture {
	t.Helper()
	srv := bubblehousetest.NewServer(t, append([]bubblehousetest.Option{bubblehousetest.WithDemoData()}, opts...)...)
	secretFile := writeSecret(t, srv.Secret())
	return &fixture{
		srv:        srv,
		secretFile: secretFile,
		flags:      []string{"--base-url", srv.URL(), "--shop", srv.Shop(), "--key-id", srv.KeyID(), "--secret-file", secretFile},
	}
}

// args returns the fixture's global flags followed by args.
func (f *fixture) args(args ...string) []string {
	return append(append([]string(nil), f.flags...), args...)
}

func writeSecret(t *testing.T, secret string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "secret")
	require.NoError(t, os.WriteFile(path, []byte(secret+"\n"), 0o600))
	return path
}

// requireOneLine checks that s is exactly one line ending in a newline.
func requireOneLine(t *testing.T, s string) {
	t.Helper()
	require.True(t, strings.HasSuffix(s, "\n"), "%q does not end in a newline", s)
	require.Equal(t, 1, strings.Count(s, "\n"), "%q is not one line", s)
}

// dirNames lists the names in dir.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// recorder is an http.RoundTripper that keeps the body of every response
// as it came off the wire, before the SDK reads it.
type recorder struct {
	next http.RoundTripper

	mu     sync.Mutex
	bodies [][]byte
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := r.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	r.mu.Lock()
	r.bodies = append(r.bodies, body)
	r.mu.Unlock()
	return resp, nil
}

// only returns the one body recorded.
func (r *recorder) only(t *testing.T) []byte {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	require.Len(t, r.bodies, 1)
	return r.bodies[0]
}
