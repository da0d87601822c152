package bubblehouse

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// countingLimiter records every Wait, to show the limiter is paid per attempt.
type countingLimiter struct {
	mu   sync.Mutex
	reqs []LimitRequest
}

func (l *countingLimiter) Wait(_ context.Context, r LimitRequest) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.reqs = append(l.reqs, r)
	return nil
}

// countingTokens hands out a new token per call.
type countingTokens struct{ n atomic.Int64 }

func (c *countingTokens) Token(context.Context) (string, error) {
	return fmt.Sprintf("token-%d", c.n.Add(1)), nil
}

func TestRetriesPayTheLimiterAndGetFreshTokens(t *testing.T) {
	srv := newRawServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if n < 3 {
			jsonReply(w, 503, `{"id":"unavailable"}`)
			return
		}
		jsonReply(w, 200, `{"ok":true}`)
	})
	lim := &countingLimiter{}
	toks := &countingTokens{}
	c, err := NewClient(testShop, WithTokenSource(toks), WithBaseURL(srv.URL+testPrefix), WithLimiter(lim), fastRetries())
	require.NoError(t, err)
	_, err = c.ExportCustomerData1(context.Background(), &ExportCustomerData1Input{Customer: ByEmail("Bob@Example.com")})
	// Export retries at most once: 2 attempts, then the 503 is returned.
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, 503, apiErr.StatusCode)
	assert.Equal(t, 2, apiErr.Attempts)
	assert.Equal(t, 2, srv.count())

	srv2 := newRawServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if n < 3 {
			jsonReply(w, 503, `{}`)
			return
		}
		jsonReply(w, 200, statusOK)
	})
	c2, err := NewClient(testShop, WithTokenSource(toks), WithBaseURL(srv2.URL+testPrefix), WithLimiter(lim), fastRetries())
	require.NoError(t, err)
	_, err = c2.Status2(context.Background())
	require.NoError(t, err)
	reqs := srv2.requests()
	require.Len(t, reqs, 3)
	assert.Equal(t, "Bearer token-3", reqs[0].Header.Get("Authorization"))
	assert.Equal(t, "Bearer token-4", reqs[1].Header.Get("Authorization"))
	assert.Equal(t, "Bearer token-5", reqs[2].Header.Get("Authorization"))

	lim.mu.Lock()
	defer lim.mu.Unlock()
	require.Len(t, lim.reqs, 5, "one Wait per attempt, retries included")
	assert.Equal(t, LimitRequest{Endpoint: "ExportCustomerData1", Class: ClassExport, Customer: "email:bob@example.com", Cost: 1, MaxWait: DefaultMaxWait}, lim.reqs[0])
	assert.Equal(t, LimitRequest{Endpoint: "Status2", Class: ClassRead, Cost: 1, MaxWait: DefaultMaxWait}, lim.reqs[4])
}

func TestServerErrorRetriedOnce(t *testing.T) {
	srv := newRawServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		jsonReply(w, 500, `{"id":"internal_server_error"}`)
	})
	c := newTestClient(t, srv)
	_, err := c.Status2(context.Background())
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, 2, apiErr.Attempts)
	assert.Equal(t, 2, srv.count())
	assert.True(t, apiErr.Temporary())
}

func TestRetriesExhausted(t *testing.T) {
	srv := newRawServer(t, func(w http.ResponseWriter, r *http.Request, n int) { jsonReply(w, 502, `<html>bad gateway</html>`) })
	c := newTestClient(t, srv, WithMaxRetries(2))
	_, err := c.Status2(context.Background())
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, 3, apiErr.Attempts)
	assert.Equal(t, 3, srv.count())
	assert.Contains(t, err.Error(), "after 3 attempts")

	srv0 := newRawServer(t, func(w http.ResponseWriter, r *http.Request, n int) { jsonReply(w, 502, `{}`) })
	_, err = newTestClient(t, srv0, WithMaxRetries(0)).Status2(context.Background())
	require.Error(t, err)
	assert.Equal(t, 1, srv0.count())
}

// cutAfter answers 200 with a Content-Length of full bytes, writes only
// part of them, and drops the connection.
func cutAfter(w http.ResponseWriter, part string, full int) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic("no hijacker")
	}
	conn, buf, _ := hj.Hijack()
	fmt.Fprintf(buf, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", full, part)
	_ = buf.Flush()
	_ = conn.Close()
}

func TestBodyCutMidReadIsRetried(t *testing.T) {
	srv := newRawServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if n == 1 {
			cutAfter(w, statusOK[:20], len(statusOK))
			return
		}
		jsonReply(w, 200, statusOK)
	})
	c := newTestClient(t, srv)
	st, err := c.Status2(context.Background())
	require.NoError(t, err)
	assert.True(t, st.LoggedIn)
	assert.Equal(t, 2, srv.count())
}

func TestExportStreamCutIsNotRetriedIntoTheWriter(t *testing.T) {
	doc := `{"customer":{"email":"alice@example.com","history":[` + strings.Repeat(`{"x":1},`, 1000) + `{"x":2}]}}`
	srv := newRawServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		cutAfter(w, doc[:5000], len(doc))
	})
	c := newTestClient(t, srv)
	var out bytes.Buffer
	n, err := c.ExportCustomerData1To(context.Background(), &ExportCustomerData1Input{Customer: ByEmail("alice@example.com")}, &out)
	var expErr *ExportError
	require.ErrorAs(t, err, &expErr)
	assert.Equal(t, int64(5000), expErr.Written)
	assert.Equal(t, int64(5000), n)
	assert.Equal(t, doc[:5000], out.String(), "written once, never duplicated")
	assert.Equal(t, 1, srv.count(), "not retried after bytes reached the writer")
	assert.ErrorIs(t, err, io.ErrUnexpectedEOF)
	assert.Contains(t, err.Error(), "5000 bytes")

	// A full export streams byte for byte.
	srv2 := newRawServer(t, func(w http.ResponseWriter, r *http.Request, n int) { jsonReply(w, 200, doc) })
	out.Reset()
	n, err = newTestClient(t, srv2).ExportCustomerData1To(context.Background(), &ExportCustomerData1Input{Customer: ByEmail("a@b.c")}, &out)
	require.NoError(t, err)
	assert.Equal(t, int64(len(doc)), n)
	assert.Equal(t, doc, out.String())

	// An HTML page is refused before anything is written.
	srv3 := newRawServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		w.WriteHeader(200)
		_, _ = w.Write([]byte("<html>login</html>"))
	})
	out.Reset()
	n, err = newTestClient(t, srv3).ExportCustomerData1To(context.Background(), &ExportCustomerData1Input{Customer: ByEmail("a@b.c")}, &out)
	var decErr *DecodeError
	require.ErrorAs(t, err, &decErr)
	assert.Zero(t, n)
	assert.Zero(t, out.Len())
}

// TestCooldownPausesOnlyThatCustomer: one 429 with Retry-After holds every
// call for that customer (none reaches the server during the cooldown),
// while another customer's calls go through at once.
func TestCooldownPausesOnlyThatCustomer(t *testing.T) {
	var mu sync.Mutex
	var aTimes []time.Time
	srv := newRawServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		body, _ := io.ReadAll(r.Body)
		if strings.Contains(string(body), "a@x.com") {
			mu.Lock()
			aTimes = append(aTimes, time.Now())
			first := len(aTimes) == 1
			mu.Unlock()
			if first {
				w.Header().Set("Retry-After", "1")
				jsonReply(w, 429, `{"id":"rate_limit_exceeded"}`)
				return
			}
		}
		jsonReply(w, 200, `{"ok":1}`)
	})
	c := newTestClient(t, srv)
	ctx := context.Background()
	a := &ExportCustomerData1Input{Customer: ByEmail("a@x.com")}

	var wg sync.WaitGroup
	wg.Add(1)
	start := time.Now()
	go func() {
		defer wg.Done()
		_, err := c.ExportCustomerData1(ctx, a)
		assert.NoError(t, err, "retried after the Retry-After")
		assert.GreaterOrEqual(t, time.Since(start), time.Second, "Retry-After was not undercut")
	}()
	// Once the client has seen the 429 (not merely the server sent it), more
	// callers for A, and one for B.
	require.Eventually(t, func() bool {
		until, _ := c.core.cooldowns.CooldownUntil(ctx, "email:a@x.com")
		return !until.IsZero()
	}, 2*time.Second, time.Millisecond)
	mu.Lock()
	limitedAt := aTimes[0]
	mu.Unlock()
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := c.ExportCustomerData1(ctx, a)
			assert.NoError(t, err)
		}()
	}
	bStart := time.Now()
	_, err := c.ExportCustomerData1(ctx, &ExportCustomerData1Input{Customer: ByEmail("b@x.com")})
	require.NoError(t, err)
	assert.Less(t, time.Since(bStart), 500*time.Millisecond, "another customer is not held")
	wg.Wait()

	mu.Lock()
	defer mu.Unlock()
	require.Len(t, aTimes, 10, "one 429, then the retry and eight calls")
	for _, at := range aTimes[1:] {
		assert.True(t, at.After(limitedAt.Add(900*time.Millisecond)), "no call for A reached the server during its cooldown")
	}
}

func TestCooldownTooLongFailsFastLocally(t *testing.T) {
	srv := newRawServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		w.Header().Set("Retry-After", "5")
		jsonReply(w, 429, `{"id":"rate_limit_exceeded"}`)
	})
	c := newTestClient(t, srv, WithMaxWait(time.Second))
	ctx := context.Background()
	in := &ExportCustomerData1Input{Customer: ByShopID("42")}
	_, err := c.ExportCustomerData1(ctx, in)
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, 5*time.Second, apiErr.RetryAfter)
	assert.Equal(t, 1, srv.count())

	// The next call for the same customer fails without being sent.
	start := time.Now()
	_, err = c.ExportCustomerData1(ctx, in)
	var rlErr *RateLimitError
	require.ErrorAs(t, err, &rlErr)
	assert.True(t, rlErr.Cooldown)
	assert.ErrorIs(t, err, ErrRateLimitExceeded)
	assert.InDelta(t, 5*time.Second, rlErr.RetryAfter, float64(time.Second))
	assert.Less(t, time.Since(start), 100*time.Millisecond)
	assert.Equal(t, 1, srv.count())

	// A context deadline shorter than the cooldown fails fast too, even with
	// a long MaxWait.
	c2 := newTestClient(t, srv, WithMaxWait(time.Minute))
	require.NoError(t, c2.core.cooldowns.StartCooldown(ctx, "shopid:42", time.Now().Add(5*time.Second)))
	dctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	start = time.Now()
	_, err = c2.ExportCustomerData1(dctx, in)
	assert.ErrorIs(t, err, ErrRateLimitExceeded)
	assert.Less(t, time.Since(start), 150*time.Millisecond)
}

func TestLocalRateLimitFailsFast(t *testing.T) {
	srv := newRawServer(t, func(w http.ResponseWriter, r *http.Request, n int) { jsonReply(w, 200, statusOK) })
	c := newTestClient(t, srv, WithRateLimit(1, 1), WithMaxWait(100*time.Millisecond))
	_, err := c.Status2(context.Background())
	require.NoError(t, err)
	start := time.Now()
	_, err = c.Status2(context.Background())
	var rlErr *RateLimitError
	require.ErrorAs(t, err, &rlErr)
	assert.False(t, rlErr.Cooldown)
	assert.Less(t, time.Since(start), 50*time.Millisecond)
	assert.Equal(t, 1, srv.count())
}

func TestTransportErrorsAreTypedAndRetried(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close()) // nothing listens there now

	c, err := NewClient(testShop, WithSigningKey(testKeyID, testSecret()), WithBaseURL("http://"+addr), fastRetries())
	require.NoError(t, err)
	_, err = c.Status2(context.Background())
	var tErr *TransportError
	require.ErrorAs(t, err, &tErr)
	assert.Equal(t, 4, tErr.Attempts, "connection refused is retried")
	assert.NotContains(t, err.Error(), "http://", "no URL in the error")

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = c.Status2(ctx)
	assert.ErrorIs(t, err, context.Canceled)
}

func TestContextDeadlineStaysMatchable(t *testing.T) {
	srv := newRawServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		select {
		case <-r.Context().Done():
		case <-time.After(2 * time.Second):
		}
	})
	c := newTestClient(t, srv)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.Status2(ctx)
	assert.True(t, errors.Is(err, context.DeadlineExceeded), "%v", err)
	var tErr *TransportError
	assert.ErrorAs(t, err, &tErr)
	assert.Less(t, time.Since(start), time.Second)
}

func TestOversizedAndNullAnswers(t *testing.T) {
	big := `{"pad":"` + strings.Repeat("x", 4096) + `"}`
	srv := newRawServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if strings.HasSuffix(r.URL.Path, "Status2") {
			jsonReply(w, 200, big)
			return
		}
		jsonReply(w, 200, " null ")
	})
	c := newTestClient(t, srv, WithMaxResponseBytes(1024))
	_, err := c.Status2(context.Background())
	var decErr *DecodeError
	require.ErrorAs(t, err, &decErr)
	assert.ErrorIs(t, err, ErrResponseTooLarge)
	assert.Equal(t, int64(1025), decErr.Size, "stopped reading at the cap")
	assert.Equal(t, 1, srv.count(), "not retried")

	_, err = c.ExportCustomerData1(context.Background(), &ExportCustomerData1Input{Customer: ByEmail("a@b.c")})
	assert.ErrorIs(t, err, ErrNullResponse)
}

// TestNonNetworkTransportErrorsAreNotRetried: an HTTPS client talking to a
// plain-HTTP server gets an answer it cannot use; retrying cannot help.
func TestNonNetworkTransportErrorsAreNotRetried(t *testing.T) {
	srv := newRawServer(t, func(w http.ResponseWriter, r *http.Request, _ int) { jsonReply(w, 200, statusOK) })
	c, err := NewClient(testShop, WithSigningKey(testKeyID, testSecret()),
		WithBaseURL(strings.Replace(srv.URL, "http://", "https://", 1)), fastRetries())
	require.NoError(t, err)
	_, err = c.Status2(context.Background())
	var tErr *TransportError
	require.ErrorAs(t, err, &tErr)
	assert.Equal(t, 1, tErr.Attempts)
}

// failingTokens fails from its nth call on.
type failingTokens struct {
	n, failFrom int
}

var errNoToken = errors.New("token service down")

func (f *failingTokens) Token(context.Context) (string, error) {
	f.n++
	if f.n >= f.failFrom {
		return "", errNoToken
	}
	return "token", nil
}

// TestAttemptsCountWhatWasSent: an attempt that fails before it is sent
// (here, getting its token) is not counted, so Attempts says how many times
// the server was called.
func TestAttemptsCountWhatWasSent(t *testing.T) {
	for _, tc := range []struct {
		name     string
		failFrom int
		attempts int
	}{
		{"first token fails", 1, 0},
		{"retry's token fails", 2, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newRawServer(t, func(w http.ResponseWriter, r *http.Request, _ int) {
				jsonReply(w, 503, `{"id":"unavailable"}`)
			})
			c, err := NewClient(testShop, WithTokenSource(&failingTokens{failFrom: tc.failFrom}), WithBaseURL(srv.URL+testPrefix), fastRetries())
			require.NoError(t, err)
			_, err = c.Status2(context.Background())
			var te *TransportError
			require.ErrorAs(t, err, &te)
			require.ErrorIs(t, err, errNoToken)
			assert.Equal(t, tc.attempts, te.Attempts)
			assert.Equal(t, tc.attempts, srv.count())
		})
	}
}

// scriptedTokens hands out its tokens in turn, the last one forever.
type scriptedTokens struct {
	toks []string
	n    atomic.Int64
}

func (s *scriptedTokens) Token(context.Context) (string, error) {
	i := int(s.n.Add(1)) - 1
	return s.toks[min(i, len(s.toks)-1)], nil
}

// TestEmptyTokenIsRefusedBeforeSending: an empty token would make
// Bubblehouse run the call anonymously, on an empty customer, so a
// TokenSource that returns one without an error fails the call locally,
// on the first attempt or a retry, without sending it and without retrying.
func TestEmptyTokenIsRefusedBeforeSending(t *testing.T) {
	for _, tc := range []struct {
		name     string
		toks     []string
		attempts int
	}{
		{"empty", []string{""}, 0},
		{"blank", []string{" \t"}, 0},
		{"empty on the retry", []string{"token-1", ""}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newRawServer(t, func(w http.ResponseWriter, r *http.Request, _ int) {
				jsonReply(w, 503, `{"id":"unavailable"}`)
			})
			src := &scriptedTokens{toks: tc.toks}
			c, err := NewClient(testShop, WithTokenSource(src), WithBaseURL(srv.URL+testPrefix), fastRetries())
			require.NoError(t, err)
			_, err = c.CustomerDetails1(context.Background(), &CustomerDetails1Input{Customer: ByEmail("a@b.c")})
			require.ErrorIs(t, err, ErrEmptyToken)
			var te *TransportError
			require.ErrorAs(t, err, &te)
			assert.Equal(t, tc.attempts, te.Attempts)
			assert.Equal(t, tc.attempts, srv.count(), "nothing sent with the empty token")
			assert.Equal(t, int64(tc.attempts+1), src.n.Load(), "not retried")
			for _, r := range srv.requests() {
				assert.Equal(t, "Bearer token-1", r.Header.Get("Authorization"))
			}
		})
	}
}

// cooldownProbe is a slog.Handler that, on the attempt record of a 429,
// asks the client's cooldown store about the key: what a concurrent attempt
// for that customer checking its cooldown at that moment would see.
type cooldownProbe struct {
	c   **Client
	key string
	mu  sync.Mutex
	saw []time.Time
}

func (h *cooldownProbe) Enabled(context.Context, slog.Level) bool { return true }
func (h *cooldownProbe) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h *cooldownProbe) WithGroup(string) slog.Handler            { return h }
func (h *cooldownProbe) Handle(ctx context.Context, r slog.Record) error {
	if r.Message != "bubblehouse: attempt" {
		return nil
	}
	status := 0
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "status" {
			status = int(a.Value.Int64())
		}
		return true
	})
	if status == http.StatusTooManyRequests {
		until, err := (*h.c).core.cooldowns.CooldownUntil(ctx, h.key)
		if err != nil {
			return err
		}
		h.mu.Lock()
		h.saw = append(h.saw, until)
		h.mu.Unlock()
	}
	return nil
}

// TestCooldownStartsWhenThe429ArrivesInTheTransport: the 429's cooldown is
// recorded by the attempt that got it before the answer leaves the attempt
// transport, not later by the retry policy, so that no concurrent attempt
// for the customer can pass its cooldown check in between.
func TestCooldownStartsWhenThe429ArrivesInTheTransport(t *testing.T) {
	srv := newRawServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if n == 1 {
			w.Header().Set("Retry-After", "1")
			jsonReply(w, 429, `{"id":"rate_limit_exceeded"}`)
			return
		}
		jsonReply(w, 200, `{"ok":1}`)
	})
	var c *Client
	probe := &cooldownProbe{c: &c, key: "shopid:42"}
	c = newTestClient(t, srv, WithLogger(slog.New(probe)), WithMaxWait(time.Millisecond))
	start := time.Now()
	_, err := c.ExportCustomerData1(context.Background(), &ExportCustomerData1Input{Customer: ByShopID("42")})
	require.ErrorIs(t, err, ErrRateLimitExceeded, "Retry-After: 1 is longer than MaxWait")

	probe.mu.Lock()
	defer probe.mu.Unlock()
	require.Len(t, probe.saw, 1)
	assert.WithinDuration(t, start.Add(time.Second), probe.saw[0], 500*time.Millisecond, "the key was cooling down already")
}
