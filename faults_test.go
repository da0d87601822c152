package bubblehouse

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"
)

// faultEnv is what a fault's server and checks share.
type faultEnv struct {
	// other is a second host, for redirects: it must never be reached.
	other *countingServer
	// written counts the bytes a server managed to write.
	written atomic.Int64
	// read counts the body bytes the client read, over all attempts.
	read atomic.Int64
}

type faultCase struct {
	name string
	// serve answers every request; nil with refused.
	serve func(t *testing.T, env *faultEnv) http.HandlerFunc
	// refused points the client at a port nobody listens on.
	refused bool
	// call is the call made; Status2 when nil.
	call func(ctx context.Context, c *Client) error
	// timeout bounds the call's context (default 5 s).
	timeout time.Duration
	opts    []Option

	// attempts is how many requests the server must have seen.
	attempts int
	// check asserts the typed error (or success).
	check func(t *testing.T, err error)
	// minElapsed and maxElapsed bound the call's duration.
	minElapsed, maxElapsed time.Duration
	// verify runs after the call, for server-side assertions.
	verify func(t *testing.T, env *faultEnv)
	// countRead counts the body bytes the client reads (env.read), through
	// a transport of the test's; other rows use the client's own.
	countRead bool
}

func callStatus(ctx context.Context, c *Client) error {
	_, err := c.Status2(ctx)
	return err
}

func callExport(ctx context.Context, c *Client) error {
	_, err := c.ExportCustomerData1(ctx, &ExportCustomerData1Input{Customer: ByShopID("c-1")})
	return err
}

func callExportTo(ctx context.Context, c *Client) error {
	_, err := c.ExportCustomerData1To(ctx, &ExportCustomerData1Input{Customer: ByShopID("c-1")}, io.Discard)
	return err
}

// reply answers every request with the same status, headers and body.
func reply(status int, body string, header ...string) func(*testing.T, *faultEnv) http.HandlerFunc {
	return func(*testing.T, *faultEnv) http.HandlerFunc {
		return func(w http.ResponseWriter, _ *http.Request) {
			for i := 0; i+1 < len(header); i += 2 {
				w.Header().Set(header[i], header[i+1])
			}
			w.WriteHeader(status)
			_, _ = io.WriteString(w, body)
		}
	}
}

// isAPIError checks for an *APIError with this status and id, and runs
// more checks on it.
func isAPIError(status int, id string, more ...func(*testing.T, *APIError)) func(*testing.T, error) {
	return func(t *testing.T, err error) {
		var apiErr *APIError
		require.ErrorAs(t, err, &apiErr)
		assert.Equal(t, status, apiErr.StatusCode)
		assert.Equal(t, id, apiErr.ID)
		for _, m := range more {
			m(t, apiErr)
		}
	}
}

func isTransportError(cause error) func(*testing.T, error) {
	return func(t *testing.T, err error) {
		var tErr *TransportError
		require.ErrorAs(t, err, &tErr)
		if cause != nil {
			assert.ErrorIs(t, err, cause)
		}
	}
}

func isDecodeError(cause error) func(*testing.T, error) {
	return func(t *testing.T, err error) {
		var dErr *DecodeError
		require.ErrorAs(t, err, &dErr)
		if cause != nil {
			assert.ErrorIs(t, err, cause)
		}
	}
}

func isSuccess(t *testing.T, err error) { assert.NoError(t, err) }

// hugeBody answers with a 1 GiB body of spaces, generated as it is written,
// and counts the bytes the server managed to write.
func hugeBody(status int) func(*testing.T, *faultEnv) http.HandlerFunc {
	return func(_ *testing.T, env *faultEnv) http.HandlerFunc {
		return func(w http.ResponseWriter, _ *http.Request) {
			const size = 1 << 30
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Content-Length", fmt.Sprint(size))
			w.WriteHeader(status)
			chunk := []byte(strings.Repeat(" ", 32<<10))
			for sent := 0; sent < size; sent += len(chunk) {
				n, err := w.Write(chunk)
				env.written.Add(int64(n))
				if err != nil {
					return
				}
			}
		}
	}
}

// readAtMost checks that the client read no more of a 1 GiB answer than
// limit, and that the server could not write much more than that: socket
// buffers hold a few MiB, not the gigabyte.
func readAtMost(limit int64) func(*testing.T, *faultEnv) {
	return func(t *testing.T, env *faultEnv) {
		assert.LessOrEqual(t, env.read.Load(), limit, "the client read %d bytes", env.read.Load())
		assert.Less(t, env.written.Load(), limit+32<<20, "the server wrote %d bytes", env.written.Load())
	}
}

// readExactly checks that the client read exactly n bytes of a 1 GiB
// answer, and, as readAtMost does, that the server could not write much
// more. A capped read stops at the first byte past the cap and nothing
// drains the rest, so the count is exact, not a bound.
func readExactly(n int64) func(*testing.T, *faultEnv) {
	return func(t *testing.T, env *faultEnv) {
		assert.Equal(t, n, env.read.Load(), "bytes the client read")
		readAtMost(n)(t, env)
	}
}

// countingTransport counts the response body bytes read through it.
type countingTransport struct {
	base http.RoundTripper
	n    *atomic.Int64
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := c.base.RoundTrip(r)
	if resp != nil {
		resp.Body = &countingBody{ReadCloser: resp.Body, n: c.n}
	}
	return resp, err
}

type countingBody struct {
	io.ReadCloser
	n *atomic.Int64
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.n.Add(int64(n))
	return n, err
}

func retryAfter(want time.Duration) func(*testing.T, *APIError) {
	return func(t *testing.T, e *APIError) { assert.Equal(t, want, e.RetryAfter, "RetryAfter") }
}

func matches(target error) func(*testing.T, *APIError) {
	return func(t *testing.T, e *APIError) { assert.ErrorIs(t, e, target) }
}

func matchesNot(target error) func(*testing.T, *APIError) {
	return func(t *testing.T, e *APIError) { assert.NotErrorIs(t, e, target) }
}

// TestFaults drives the real Client through a raw server that misbehaves in
// one way per row, and checks the typed error, how many requests reached
// the server, and how long the call took. Retries back off in milliseconds
// (withTestBackoff); the default MaxRetries is 3, so a retried fault makes 4
// attempts, and the export retries at most once.
func TestFaults(t *testing.T) {
	const quick = 2 * time.Second // bound for rows that need no real wait
	cases := []faultCase{
		{
			name:       "connection refused",
			refused:    true,
			check:      isTransportError(nil),
			maxElapsed: quick,
		},
		{
			name: "reset before headers",
			serve: func(t *testing.T, _ *faultEnv) http.HandlerFunc {
				return func(w http.ResponseWriter, _ *http.Request) { resetConn(t, w, "") }
			},
			attempts:   4,
			check:      isTransportError(nil),
			maxElapsed: quick,
		},
		{
			name: "reset mid-body",
			serve: func(t *testing.T, _ *faultEnv) http.HandlerFunc {
				return func(w http.ResponseWriter, _ *http.Request) {
					resetConn(t, w, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"now\":\"2026")
				}
			},
			attempts:   4,
			check:      isTransportError(nil),
			maxElapsed: quick,
		},
		{
			name: "reset mid-body, streamed export after the first bytes are written",
			serve: func(t *testing.T, _ *faultEnv) http.HandlerFunc {
				return func(w http.ResponseWriter, _ *http.Request) {
					body := `{"pad":"` + strings.Repeat("x", 4096)
					resetConn(t, w, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n"+body)
				}
			},
			call:     callExportTo,
			attempts: 1, // not retried: the writer already holds the start
			check: func(t *testing.T, err error) {
				var eErr *ExportError
				require.ErrorAs(t, err, &eErr)
				assert.Greater(t, eErr.Written, int64(0))
			},
			maxElapsed: quick,
		},
		{
			name: "slow headers beyond the context deadline",
			serve: func(*testing.T, *faultEnv) http.HandlerFunc {
				return func(_ http.ResponseWriter, r *http.Request) { <-r.Context().Done() }
			},
			timeout:    150 * time.Millisecond,
			attempts:   1,
			check:      isTransportError(context.DeadlineExceeded),
			minElapsed: 140 * time.Millisecond, // the deadline was set just before the clock started
			maxElapsed: time.Second,
		},
		{
			name: "slow body beyond the context deadline",
			serve: func(*testing.T, *faultEnv) http.HandlerFunc {
				return func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("Content-Length", fmt.Sprint(len(statusAnswer)))
					_, _ = io.WriteString(w, statusAnswer[:10])
					_ = http.NewResponseController(w).Flush()
					<-r.Context().Done()
				}
			},
			timeout:    150 * time.Millisecond,
			attempts:   1,
			check:      isTransportError(context.DeadlineExceeded),
			minElapsed: 140 * time.Millisecond, // the deadline was set just before the clock started
			maxElapsed: time.Second,
		},
		{
			name: "slow body within the deadline",
			serve: func(*testing.T, *faultEnv) http.HandlerFunc {
				return func(w http.ResponseWriter, r *http.Request) {
					rc := http.NewResponseController(w)
					for i := 0; i < len(statusAnswer); i += 20 {
						_, _ = io.WriteString(w, statusAnswer[i:min(i+20, len(statusAnswer))])
						_ = rc.Flush()
						time.Sleep(5 * time.Millisecond)
					}
				}
			},
			attempts:   1,
			check:      isSuccess,
			maxElapsed: quick,
		},
		{
			name:       "200 with HTML",
			serve:      reply(200, "<html><body>Welcome to nginx</body></html>", "Content-Type", "text/html"),
			attempts:   1,
			check:      isDecodeError(nil),
			maxElapsed: quick,
		},
		{
			name:       "200 with HTML, export",
			serve:      reply(200, "<html><body>Welcome to nginx</body></html>", "Content-Type", "text/html"),
			call:       callExport,
			attempts:   1,
			check:      isDecodeError(nil),
			maxElapsed: quick,
		},
		{
			name:       "200 with HTML, streamed export",
			serve:      reply(200, "<!doctype html><html>captive portal</html>", "Content-Type", "text/html"),
			call:       callExportTo,
			attempts:   1,
			check:      isDecodeError(nil),
			maxElapsed: quick,
		},
		{
			name:       "200 with truncated JSON",
			serve:      reply(200, statusAnswer[:40], "Content-Type", "application/json"),
			attempts:   1,
			check:      isDecodeError(nil),
			maxElapsed: quick,
		},
		{
			name:       "200 with truncated JSON, export",
			serve:      reply(200, `{"customer":{"email":"a@b`, "Content-Type", "application/json"),
			call:       callExport,
			attempts:   1,
			check:      isDecodeError(nil),
			maxElapsed: quick,
		},
		{
			name:       "200 with JSON null",
			serve:      reply(200, "null", "Content-Type", "application/json"),
			attempts:   1,
			check:      isDecodeError(ErrNullResponse),
			maxElapsed: quick,
		},
		{
			name:       "200 with an empty body",
			serve:      reply(200, ""),
			attempts:   1,
			check:      isDecodeError(ErrNullResponse),
			maxElapsed: quick,
		},
		{
			name:       "1 GiB response is cut off at the size cap",
			serve:      hugeBody(200),
			attempts:   1,
			check:      isDecodeError(ErrResponseTooLarge),
			maxElapsed: 5 * time.Second,
			verify:     readExactly(DefaultMaxResponseBytes + 1),
			countRead:  true,
		},
		{
			name:     "1 GiB error body is read only up to the error cap",
			serve:    hugeBody(400),
			attempts: 1,
			check: isAPIError(400, "", func(t *testing.T, e *APIError) {
				assert.LessOrEqual(t, len(e.Body), DefaultMaxErrorBytes)
			}),
			maxElapsed: 5 * time.Second,
			verify:     readAtMost(DefaultMaxErrorBytes),
			countRead:  true,
		},
		{
			name:       "1 GiB 502 body is retried without reading it",
			serve:      hugeBody(502),
			attempts:   4,
			check:      isAPIError(502, ""),
			maxElapsed: 5 * time.Second,
			// go-retryablehttp drains up to 4 KiB of a retried answer; the
			// last one is read as an error body, up to its cap.
			verify:    readAtMost(3*4<<10 + DefaultMaxErrorBytes),
			countRead: true,
		},
		{
			name:       "502 HTML page from a proxy",
			serve:      reply(502, "<html><head><title>502 Bad Gateway</title></head></html>", "Content-Type", "text/html"),
			attempts:   4,
			check:      isAPIError(502, ""),
			maxElapsed: quick,
		},
		{
			name:       "503 is retried",
			serve:      reply(503, `{"id":"unavailable"}`),
			attempts:   4,
			check:      isAPIError(503, "unavailable", retryAfter(0), matchesNot(ErrRateLimitExceeded)),
			maxElapsed: quick,
		},
		{
			// The server asked for a wait the call will not make: that is
			// ErrRateLimitExceeded, whatever the status, with the real
			// answer's status and id kept.
			name:       "503 with Retry-After beyond MaxWait fails fast",
			serve:      reply(503, `{"id":"unavailable"}`, "Retry-After", "60"),
			attempts:   1,
			check:      isAPIError(503, "unavailable", matches(ErrRateLimitExceeded), retryAfter(time.Minute)),
			maxElapsed: quick,
		},
		{
			name:       "503 with Retry-After past the context deadline fails fast",
			serve:      reply(503, `{"id":"unavailable"}`, "Retry-After", "3"),
			timeout:    time.Second,
			attempts:   1,
			check:      isAPIError(503, "unavailable", matches(ErrRateLimitExceeded), retryAfter(3*time.Second)),
			maxElapsed: 500 * time.Millisecond,
		},
		{
			// With no retries at all the Retry-After is still refused, so
			// the error matches as it does with retries left.
			name:       "503 with Retry-After beyond MaxWait and no retries",
			serve:      reply(503, `{"id":"unavailable"}`, "Retry-After", "60"),
			opts:       []Option{WithMaxRetries(0)},
			attempts:   1,
			check:      isAPIError(503, "unavailable", matches(ErrRateLimitExceeded), retryAfter(time.Minute)),
			maxElapsed: quick,
		},
		{
			// A Retry-After of 0 asks for no wait: a backoff of the client's
			// own that does not fit WithMaxWait(0) is no refused wait.
			name:       "503 with Retry-After 0 and no wait allowed",
			serve:      reply(503, `{"id":"unavailable"}`, "Retry-After", "0"),
			opts:       []Option{WithMaxWait(0)},
			attempts:   1,
			check:      isAPIError(503, "unavailable", retryAfter(0), matchesNot(ErrRateLimitExceeded)),
			maxElapsed: quick,
		},
		{
			// A backoff of the client's own that does not fit is no sign of
			// a rate limit: the last answer's error, as it is.
			name:       "503 whose own backoff is longer than MaxWait",
			serve:      reply(503, `{"id":"unavailable"}`),
			opts:       []Option{WithMaxWait(0)},
			attempts:   1,
			check:      isAPIError(503, "unavailable", retryAfter(0), matchesNot(ErrRateLimitExceeded)),
			maxElapsed: quick,
		},
		{
			name:       "504 from a gateway is retried",
			serve:      reply(504, "<html>Gateway Timeout</html>", "Content-Type", "text/html"),
			attempts:   4,
			check:      isAPIError(504, "", retryAfter(0)),
			maxElapsed: quick,
		},
		{
			name:       "503 with garbage Retry-After",
			serve:      reply(503, `{"id":"unavailable"}`, "Retry-After", "soon, maybe"),
			attempts:   4,
			check:      isAPIError(503, "unavailable", retryAfter(0)),
			maxElapsed: quick,
		},
		{
			name:       "429 with negative Retry-After",
			serve:      reply(429, `{"id":"rate_limit_exceeded"}`, "Retry-After", "-30"),
			attempts:   4,
			check:      isAPIError(429, IDRateLimitExceeded, matches(ErrRateLimitExceeded)),
			maxElapsed: quick,
		},
		{
			name:     "429 with huge Retry-After fails fast",
			serve:    reply(429, `{"id":"rate_limit_exceeded"}`, "Retry-After", "999999999999999999999999"),
			attempts: 1,
			// Read as the largest wait the parser accepts, 7 days.
			check:      isAPIError(429, IDRateLimitExceeded, matches(ErrRateLimitExceeded), retryAfter(7*24*time.Hour)),
			maxElapsed: quick,
		},
		{
			// Likely clock skew: still a 429, so still the floor (2 ms in
			// these tests) before each retry, and RetryAfter says so.
			name:       "429 with an HTTP date in the past",
			serve:      reply(429, `{"id":"rate_limit_exceeded"}`, "Retry-After", "Wed, 21 Oct 2015 07:28:00 GMT"),
			attempts:   4,
			check:      isAPIError(429, IDRateLimitExceeded, matches(ErrRateLimitExceeded), retryAfter(2*time.Millisecond)),
			minElapsed: 3 * 2 * time.Millisecond,
			maxElapsed: quick,
		},
		{
			name:       "429 with Retry-After 0",
			serve:      reply(429, `{"id":"rate_limit_exceeded"}`, "Retry-After", "0"),
			attempts:   4,
			check:      isAPIError(429, IDRateLimitExceeded, matches(ErrRateLimitExceeded), retryAfter(2*time.Millisecond)),
			minElapsed: 3 * 2 * time.Millisecond,
			maxElapsed: quick,
		},
		{
			name:       "503 with an HTTP date in the past",
			serve:      reply(503, `{"id":"unavailable"}`, "Retry-After", "Wed, 21 Oct 2015 07:28:00 GMT"),
			attempts:   4,
			check:      isAPIError(503, "unavailable", retryAfter(0), matchesNot(ErrRateLimitExceeded)),
			maxElapsed: quick,
		},
		{
			name:     "429 without Retry-After",
			serve:    reply(429, `{"id":"rate_limit_exceeded","message":"You are over the read limit per second for this customer"}`),
			attempts: 4,
			check: isAPIError(429, IDRateLimitExceeded, matches(ErrRateLimitExceeded), func(t *testing.T, e *APIError) {
				assert.Positive(t, e.RetryAfter)
			}),
			maxElapsed: quick,
		},
		{
			name:     "429 with Retry-After past the context deadline fails fast",
			serve:    reply(429, `{"id":"rate_limit_exceeded"}`, "Retry-After", "3"),
			timeout:  time.Second,
			attempts: 1,
			check: isAPIError(429, IDRateLimitExceeded, matches(ErrRateLimitExceeded),
				retryAfter(3*time.Second)),
			maxElapsed: 500 * time.Millisecond,
		},
		{
			name: "503 with Retry-After 1 is obeyed, then success",
			serve: func(*testing.T, *faultEnv) http.HandlerFunc {
				var n atomic.Int64
				return func(w http.ResponseWriter, _ *http.Request) {
					if n.Add(1) == 1 {
						w.Header().Set("Retry-After", "1")
						w.WriteHeader(503)
						return
					}
					_, _ = io.WriteString(w, statusAnswer)
				}
			},
			attempts:   2,
			check:      isSuccess,
			minElapsed: time.Second,
			maxElapsed: 3 * time.Second,
		},
		{
			name:       "500 is retried once",
			serve:      reply(500, `{"id":"internal_server_error"}`),
			attempts:   2,
			check:      isAPIError(500, "internal_server_error"),
			maxElapsed: quick,
		},
		{
			name: "redirect to another host is refused",
			serve: func(_ *testing.T, env *faultEnv) http.HandlerFunc {
				return func(w http.ResponseWriter, r *http.Request) {
					http.Redirect(w, r, env.other.URL+r.URL.Path, http.StatusTemporaryRedirect)
				}
			},
			attempts:   1,
			check:      isAPIError(307, ""),
			maxElapsed: quick,
			verify: func(t *testing.T, env *faultEnv) {
				assert.Zero(t, env.other.hits.Load(), "the other host was reached")
			},
		},
		{
			name:       "unknown error id is kept",
			serve:      reply(418, `{"id":"teapot_overheated","message":"short and stout","extra":{"x":1}}`),
			attempts:   1,
			check:      isAPIError(418, "teapot_overheated"),
			maxElapsed: quick,
		},
		{
			name:       "unknown 404 id matches ErrNotFound",
			serve:      reply(404, `{"id":"unknown_method"}`),
			attempts:   1,
			check:      isAPIError(404, "unknown_method", matches(ErrNotFound)),
			maxElapsed: quick,
		},
		{
			name:       "error body that is not JSON",
			serve:      reply(400, "Bad Request: something broke\n"),
			attempts:   1,
			check:      isAPIError(400, ""),
			maxElapsed: quick,
		},
		{
			name:       "error body with a non-string id",
			serve:      reply(403, `{"id":42,"message":["no"]}`),
			attempts:   1,
			check:      isAPIError(403, "", matches(ErrAuth)),
			maxElapsed: quick,
		},
		{
			name:       "invalid_token is not retried",
			serve:      reply(401, `{"id":"invalid_token","message":"The token has expired"}`),
			attempts:   1,
			check:      isAPIError(401, IDInvalidToken, matches(ErrInvalidToken), matches(ErrAuth)),
			maxElapsed: quick,
		},
		{
			name:       "API version error is not retried",
			serve:      reply(400, `{"id":"obsolete_global_api_version"}`),
			attempts:   1,
			check:      isAPIError(400, IDObsoleteGlobalAPIVersion, matches(ErrAPIVersion)),
			maxElapsed: quick,
		},
		{
			name: "reset before headers, export retries once",
			serve: func(t *testing.T, _ *faultEnv) http.HandlerFunc {
				return func(w http.ResponseWriter, _ *http.Request) { resetConn(t, w, "") }
			},
			call:       callExport,
			attempts:   2,
			check:      isTransportError(nil),
			maxElapsed: quick,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := &faultEnv{}
			env.other = newCountingServer(t, func(w http.ResponseWriter, _ *http.Request) {
				_, _ = io.WriteString(w, statusAnswer)
			})
			var srv *countingServer
			base := "http://" + closedPort(t)
			if !tc.refused {
				srv = newCountingServer(t, tc.serve(t, env))
				base = srv.URL
			}
			opts := tc.opts
			if tc.countRead {
				tr := http.DefaultTransport.(*http.Transport).Clone()
				t.Cleanup(tr.CloseIdleConnections)
				counted := WithHTTPClient(&http.Client{Transport: &countingTransport{base: tr, n: &env.read}})
				opts = append([]Option{counted}, opts...)
			}
			c := newSentinelClient(t, base, opts...)
			call := tc.call
			if call == nil {
				call = callStatus
			}
			timeout := tc.timeout
			if timeout == 0 {
				timeout = 5 * time.Second
			}
			ctx, cancel := context.WithTimeout(context.Background(), timeout)
			defer cancel()

			start := time.Now()
			err := call(ctx, c)
			elapsed := time.Since(start)

			tc.check(t, err)
			if srv != nil {
				assert.Equal(t, int64(tc.attempts), srv.hits.Load(), "requests that reached the server")
			} else {
				var tErr *TransportError
				if errors.As(err, &tErr) {
					assert.Equal(t, DefaultMaxRetries+1, tErr.Attempts, "attempts")
				}
			}
			assert.GreaterOrEqual(t, elapsed, tc.minElapsed, "elapsed")
			assert.LessOrEqual(t, elapsed, tc.maxElapsed, "elapsed")
			if tc.verify != nil {
				tc.verify(t, env)
			}
		})
	}
}

// TestFaultAttemptTimeoutIsRetried: the Timeout of a WithHTTPClient client
// bounds each attempt, so an attempt that runs out of it is a slow
// server, retried like a connection error, while the call's own context
// still has time.
func TestFaultAttemptTimeoutIsRetried(t *testing.T) {
	var n atomic.Int64
	srv := newCountingServer(t, func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			select {
			case <-r.Context().Done():
			case <-time.After(2 * time.Second):
			}
			return
		}
		_, _ = io.WriteString(w, statusAnswer)
	})
	tr := http.DefaultTransport.(*http.Transport).Clone()
	t.Cleanup(tr.CloseIdleConnections)
	c := newSentinelClient(t, srv.URL, WithHTTPClient(&http.Client{Transport: tr, Timeout: 200 * time.Millisecond}))

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	start := time.Now()
	_, err := c.Status2(ctx)
	require.NoError(t, err)
	assert.Equal(t, int64(2), srv.hits.Load())
	assert.Less(t, time.Since(start), time.Second)
}

// TestCooldownIsolatesCustomers: a 429 for one customer holds that
// customer's later calls (failing fast when the wait does not fit) and no
// other customer's; the server is not called for the held customer.
func TestCooldownIsolatesCustomers(t *testing.T) {
	srv := newCountingServer(t, func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if strings.Contains(string(body), "busy") {
			w.Header().Set("Retry-After", "30")
			w.WriteHeader(429)
			return
		}
		_, _ = io.WriteString(w, `{"ok":true}`)
	})
	c := newSentinelClient(t, srv.URL, WithExportRateLimit(rate.Inf, 0), WithMaxWait(time.Second))
	export := func(id string) error {
		_, err := c.ExportCustomerData1(context.Background(), &ExportCustomerData1Input{Customer: ByShopID(id)})
		return err
	}

	err := export("busy")
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, 30*time.Second, apiErr.RetryAfter)
	assert.Equal(t, int64(1), srv.hits.Load())

	err = export("busy")
	var rlErr *RateLimitError
	require.ErrorAs(t, err, &rlErr)
	assert.True(t, rlErr.Cooldown)
	assert.ErrorIs(t, err, ErrRateLimitExceeded)
	assert.Equal(t, int64(1), srv.hits.Load(), "a held call is not sent")

	require.NoError(t, export("calm"))
	_, err = c.Status2(context.Background())
	require.NoError(t, err) // the client-wide key is not held either
	assert.Equal(t, int64(3), srv.hits.Load())
}

// TestFailedCallKeepsConnectionPool: go-retryablehttp closes its HTTP
// client's idle connections whenever a call fails; the client hides that
// from the shared pool, so one failed call does not make every other
// caller reconnect.
func TestFailedCallKeepsConnectionPool(t *testing.T) {
	var conns atomic.Int64
	var n atomic.Int64
	srv := newCountingServer(t, func(w http.ResponseWriter, _ *http.Request) {
		switch n.Add(1) {
		case 2:
			_, _ = io.WriteString(w, "null") // a DecodeError, failed inside go-retryablehttp
		case 3:
			w.WriteHeader(400)
			_, _ = io.WriteString(w, `{"id":"bad_request"}`)
		default:
			_, _ = io.WriteString(w, statusAnswer)
		}
	}, func(s *http.Server) {
		s.ConnState = func(_ net.Conn, s http.ConnState) {
			if s == http.StateNew {
				conns.Add(1)
			}
		}
	})
	c := newSentinelClient(t, srv.URL)
	ctx := context.Background()
	_, err := c.Status2(ctx)
	require.NoError(t, err)
	_, err = c.Status2(ctx)
	require.ErrorIs(t, err, ErrNullResponse)
	_, err = c.Status2(ctx)
	require.Error(t, err)
	_, err = c.Status2(ctx)
	require.NoError(t, err)
	assert.Equal(t, int64(1), conns.Load(), "connections opened")
}

// TestFaultCertificateErrorNotRetried: a server whose certificate the
// client does not trust is not tried again; retrying cannot fix it.
func TestFaultCertificateErrorNotRetried(t *testing.T) {
	var handshakes atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, statusAnswer)
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			handshakes.Add(1)
		}
	}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	c := newSentinelClient(t, srv.URL) // a transport with the system roots only

	_, err := c.Status2(context.Background())
	var tErr *TransportError
	require.ErrorAs(t, err, &tErr)
	assert.Equal(t, 1, tErr.Attempts, "attempts")
	assert.Equal(t, int64(1), handshakes.Load(), "connections")
}

// TestAttemptTimeoutExcludesLimiterWait: WithHTTPClient's Timeout bounds
// the exchange with the server, not the wait for the rate limiter before
// it, so a call that waits longer than Timeout for its turn still succeeds.
func TestAttemptTimeoutExcludesLimiterWait(t *testing.T) {
	srv := newCountingServer(t, func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, statusAnswer)
	})
	tr := http.DefaultTransport.(*http.Transport).Clone()
	t.Cleanup(tr.CloseIdleConnections)
	c := newSentinelClient(t, srv.URL,
		WithHTTPClient(&http.Client{Transport: tr, Timeout: 100 * time.Millisecond}),
		WithRateLimit(rate.Every(400*time.Millisecond), 1))

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	start := time.Now()
	for range 2 {
		_, err := c.Status2(ctx)
		require.NoError(t, err)
	}
	assert.Equal(t, int64(2), srv.hits.Load())
	assert.GreaterOrEqual(t, time.Since(start), 300*time.Millisecond, "the second call waited for the limiter")
}

// slowTokens takes its time, or until its context ends.
type slowTokens struct{ delay time.Duration }

func (s slowTokens) Token(ctx context.Context) (string, error) {
	select {
	case <-time.After(s.delay):
		return "token", nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// TestAttemptTimeoutBoundsTheToken: WithHTTPClient's Timeout covers getting
// the attempt's token, as http.Client.Timeout did, so a hanging token
// source cannot hold a call past it.
func TestAttemptTimeoutBoundsTheToken(t *testing.T) {
	srv := newCountingServer(t, func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, statusAnswer)
	})
	tr := http.DefaultTransport.(*http.Transport).Clone()
	t.Cleanup(tr.CloseIdleConnections)
	c, err := NewClient("test-shop", WithTokenSource(slowTokens{delay: 2 * time.Second}), WithBaseURL(srv.URL),
		WithHTTPClient(&http.Client{Transport: tr, Timeout: 100 * time.Millisecond}))
	require.NoError(t, err)

	start := time.Now()
	_, err = c.Status2(context.Background())
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, time.Since(start), time.Second)
	assert.Zero(t, srv.hits.Load())
}
