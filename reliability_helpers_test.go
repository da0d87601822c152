package bubblehouse

import (
	"bytes"
	"encoding/base64"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Helpers of the reliability tests (faults, secrets, stress): a raw
// httptest server that counts what reaches it, and a client whose backoff
// takes milliseconds and whose jitter is pinned.

// sentinelSecretBytes is the HMAC key of the test clients. Every test that
// looks for leaks searches for it, for its base64 form and for the tokens
// minted from it.
var sentinelSecretBytes = []byte("SENTINEL-SECRET-0123456789abcdef")

const sentinelKeyID = "kid-test"

func sentinelSecret() string { return base64.StdEncoding.EncodeToString(sentinelSecretBytes) }

// withTestBackoff makes every backoff and the 429 floor a few milliseconds,
// so that retries do not slow the tests down.
func withTestBackoff(base time.Duration) Option {
	return func(s *settings) error {
		s.backoffBase = base
		s.backoffCap = 8 * base
		s.rateLimitMin = base
		return nil
	}
}

// withTestJitter pins the backoff's randomness.
func withTestJitter(v float64) Option {
	return func(s *settings) error {
		s.jitter = func() float64 { return v }
		return nil
	}
}

// countingServer is an httptest server on 127.0.0.1 that counts the
// requests that reached its handler.
type countingServer struct {
	*httptest.Server
	hits atomic.Int64
}

func newCountingServer(t *testing.T, h http.HandlerFunc, configure ...func(*http.Server)) *countingServer {
	t.Helper()
	cs := &countingServer{}
	cs.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cs.hits.Add(1)
		// Read the request to its end: only then does net/http notice a
		// client that hangs up, and cancel r.Context(). The handler gets a
		// copy.
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		h(w, r)
	}))
	// Resets and hijacks are the point of these servers; keep their
	// complaints out of the test output.
	cs.Config.ErrorLog = log.New(io.Discard, "", 0)
	for _, f := range configure {
		f(cs.Config)
	}
	cs.Start()
	t.Cleanup(cs.Close)
	return cs
}

// newSentinelClient returns a client of shop "test-shop" on baseURL, signing
// with the sentinel secret, retrying fast, on a transport made as the
// client's default one is (newTransport) but closed when the test ends, so
// goleak sees no idle connection.
func newSentinelClient(t *testing.T, baseURL string, opts ...Option) *Client {
	t.Helper()
	tr := newTransport()
	t.Cleanup(tr.CloseIdleConnections)
	all := []Option{
		WithSigningKey(sentinelKeyID, sentinelSecret()),
		WithBaseURL(baseURL),
		WithHTTPClient(&http.Client{Transport: tr}),
		withTestBackoff(2 * time.Millisecond),
		withTestJitter(0.5),
	}
	c, err := NewClient("test-shop", append(all, opts...)...)
	require.NoError(t, err)
	return c
}

// resetConn hijacks the request's connection, writes raw (which may be
// empty) and resets the connection (RST, not FIN).
func resetConn(t *testing.T, w http.ResponseWriter, raw string) {
	conn, buf, err := http.NewResponseController(w).Hijack()
	if err != nil {
		t.Errorf("hijack: %v", err)
		return
	}
	if raw != "" {
		_, _ = buf.WriteString(raw)
		_ = buf.Flush()
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}

// closedPort returns an address on 127.0.0.1 that refuses connections.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	return addr
}

const statusAnswer = `{"now":"2026-01-01T00:00:00Z","logged_in":true,"shop_slug":"test-shop","membership":"none","program_enabled":true}`
