package retry

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

var t0 = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

func testPolicy() Policy {
	return Policy{
		MaxRetries:            3,
		MaxWait:               10 * time.Second,
		Base:                  250 * time.Millisecond,
		Cap:                   8 * time.Second,
		RateLimitFloor:        time.Second,
		MaxServerErrorRetries: 1,
	}
}

func fixed(v float64) func() float64 { return func() float64 { return v } }

func hdr(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i+1 < len(kv); i += 2 {
		h.Set(kv[i], kv[i+1])
	}
	return h
}

// TestDecideTable pins the whole retry schedule: each row is one attempt's
// outcome and the decision, wait included, that the policy must make.
func TestDecideTable(t *testing.T) {
	connRefused := &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	tests := []struct {
		name     string
		o        Outcome
		jitter   float64
		deadline time.Time
		policy   func(*Policy)
		want     Decision
		// cooldown is what Policy.Cooldown says for the same answer: how
		// long its key pauses (zero for anything but a 429).
		cooldown time.Duration
	}{
		{name: "200 succeeds", o: Outcome{Attempt: 1, StatusCode: 200},
			want: Decision{Reason: ReasonSuccess}},
		{name: "503 first retry waits jitter*base", o: Outcome{Attempt: 1, StatusCode: 503}, jitter: 0.5,
			want: Decision{Retry: true, Wait: 125 * time.Millisecond, Reason: ReasonRetryStatus}},
		{name: "503 second retry doubles the ceiling", o: Outcome{Attempt: 2, StatusCode: 503}, jitter: 0.5,
			want: Decision{Retry: true, Wait: 250 * time.Millisecond, Reason: ReasonRetryStatus}},
		{name: "503 third retry", o: Outcome{Attempt: 3, StatusCode: 503}, jitter: 0.99,
			want: Decision{Retry: true, Wait: time.Duration(0.99 * float64(time.Second)), Reason: ReasonRetryStatus}},
		{name: "503 after max retries gives up", o: Outcome{Attempt: 4, StatusCode: 503}, jitter: 0,
			want: Decision{Reason: ReasonExhausted}},
		{name: "ceiling is capped", o: Outcome{Attempt: 3, StatusCode: 502}, jitter: 1,
			policy: func(p *Policy) { p.MaxRetries = 10; p.Cap = 700 * time.Millisecond },
			want:   Decision{Retry: true, Wait: 700 * time.Millisecond, Reason: ReasonRetryStatus}},
		{name: "huge attempt number does not overflow", o: Outcome{Attempt: 70, StatusCode: 504}, jitter: 1,
			policy: func(p *Policy) { p.MaxRetries = 100 },
			want:   Decision{Retry: true, Wait: 8 * time.Second, Reason: ReasonRetryStatus}},
		{name: "504 retried", o: Outcome{Attempt: 1, StatusCode: 504}, jitter: 0,
			want: Decision{Retry: true, Reason: ReasonRetryStatus}},
		{name: "500 retried once", o: Outcome{Attempt: 1, StatusCode: 500}, jitter: 0,
			want: Decision{Retry: true, Reason: ReasonRetryStatus}},
		{name: "500 not retried twice", o: Outcome{Attempt: 2, StatusCode: 500, ServerErrorRetries: 1}, jitter: 0,
			want: Decision{Reason: ReasonNotRetryable}},
		{name: "400 never", o: Outcome{Attempt: 1, StatusCode: 400}, want: Decision{Reason: ReasonNotRetryable}},
		{name: "401 never", o: Outcome{Attempt: 1, StatusCode: 401}, want: Decision{Reason: ReasonNotRetryable}},
		{name: "403 never", o: Outcome{Attempt: 1, StatusCode: 403}, want: Decision{Reason: ReasonNotRetryable}},
		{name: "404 never", o: Outcome{Attempt: 1, StatusCode: 404}, want: Decision{Reason: ReasonNotRetryable}},
		{name: "302 never", o: Outcome{Attempt: 1, StatusCode: 302}, want: Decision{Reason: ReasonNotRetryable}},
		{name: "429 without Retry-After waits the floor plus jitter", o: Outcome{Attempt: 1, StatusCode: 429}, jitter: 0.5,
			cooldown: time.Second, want: Decision{Retry: true, Wait: time.Second + 125*time.Millisecond, Reason: ReasonRetryStatus}},
		{name: "429 Retry-After seconds is never undercut", o: Outcome{Attempt: 1, StatusCode: 429, Header: hdr("Retry-After", "2")}, jitter: 0,
			cooldown: 2 * time.Second, want: Decision{Retry: true, Wait: 2 * time.Second, RetryAfter: 2 * time.Second, HasRetryAfter: true, Reason: ReasonRetryStatus}},
		{name: "429 Retry-After gets only later jitter", o: Outcome{Attempt: 3, StatusCode: 429, Header: hdr("Retry-After", "2")}, jitter: 0.99,
			cooldown: 2 * time.Second, want: Decision{Retry: true, Wait: 2*time.Second + time.Duration(0.99*float64(250*time.Millisecond)), RetryAfter: 2 * time.Second, HasRetryAfter: true, Reason: ReasonRetryStatus}},
		{name: "429 Retry-After HTTP date", o: Outcome{Attempt: 1, StatusCode: 429, Header: hdr("Retry-After", t0.Add(3*time.Second).Format(http.TimeFormat))}, jitter: 0,
			cooldown: 3 * time.Second, want: Decision{Retry: true, Wait: 3 * time.Second, RetryAfter: 3 * time.Second, HasRetryAfter: true, Reason: ReasonRetryStatus}},
		// A 429 that says "now" (a past date is likely clock skew) is still
		// a 429: the floor holds for the wait and the cooldown.
		{name: "429 Retry-After past date still waits the floor", o: Outcome{Attempt: 1, StatusCode: 429, Header: hdr("Retry-After", t0.Add(-time.Hour).Format(http.TimeFormat))}, jitter: 0,
			cooldown: time.Second, want: Decision{Retry: true, Wait: time.Second, RetryAfter: time.Second, HasRetryAfter: true, Reason: ReasonRetryStatus}},
		{name: "429 Retry-After 0 still waits the floor", o: Outcome{Attempt: 1, StatusCode: 429, Header: hdr("Retry-After", "0")}, jitter: 0.5,
			cooldown: time.Second, want: Decision{Retry: true, Wait: time.Second + 125*time.Millisecond, RetryAfter: time.Second, HasRetryAfter: true, Reason: ReasonRetryStatus}},
		{name: "503 Retry-After past date retries at once", o: Outcome{Attempt: 1, StatusCode: 503, Header: hdr("Retry-After", t0.Add(-time.Hour).Format(http.TimeFormat))}, jitter: 0,
			want: Decision{Retry: true, Wait: 0, RetryAfter: 0, HasRetryAfter: true, Reason: ReasonRetryStatus}},
		{name: "429 Retry-After garbage falls back to the floor", o: Outcome{Attempt: 1, StatusCode: 429, Header: hdr("Retry-After", "soon")}, jitter: 0,
			cooldown: time.Second, want: Decision{Retry: true, Wait: time.Second, Reason: ReasonRetryStatus}},
		{name: "429 Retry-After negative ignored", o: Outcome{Attempt: 1, StatusCode: 429, Header: hdr("Retry-After", "-5")}, jitter: 0,
			cooldown: time.Second, want: Decision{Retry: true, Wait: time.Second, Reason: ReasonRetryStatus}},
		{name: "429 Retry-After beyond MaxWait fails fast", o: Outcome{Attempt: 1, StatusCode: 429, Header: hdr("Retry-After", "60")}, jitter: 0,
			cooldown: time.Minute, want: Decision{Wait: time.Minute, RetryAfter: time.Minute, HasRetryAfter: true, Reason: ReasonTooLong, RetryAfterRefused: true}},
		{name: "429 Retry-After huge is clamped, fails fast", o: Outcome{Attempt: 1, StatusCode: 429, Header: hdr("Retry-After", "99999999999999999999999")}, jitter: 0,
			cooldown: MaxCooldown, want: Decision{Wait: maxRetryAfter, RetryAfter: maxRetryAfter, HasRetryAfter: true, Reason: ReasonTooLong, RetryAfterRefused: true}},
		{name: "wait past the deadline fails fast", o: Outcome{Attempt: 1, StatusCode: 429, Header: hdr("Retry-After", "2")}, jitter: 0,
			deadline: t0.Add(time.Second),
			cooldown: 2 * time.Second, want: Decision{Wait: 2 * time.Second, RetryAfter: 2 * time.Second, HasRetryAfter: true, Reason: ReasonPastDeadline, RetryAfterRefused: true}},
		// The server's Retry-After decides whether it was refused, not the
		// reason the attempt ended with.
		{name: "503 Retry-After beyond MaxWait on the last attempt is still refused", o: Outcome{Attempt: 4, StatusCode: 503, Header: hdr("Retry-After", "60")}, jitter: 0,
			want: Decision{Wait: time.Minute, RetryAfter: time.Minute, HasRetryAfter: true, Reason: ReasonExhausted, RetryAfterRefused: true}},
		{name: "503 Retry-After beyond MaxWait with no retries is still refused", o: Outcome{Attempt: 1, StatusCode: 503, Header: hdr("Retry-After", "60")}, jitter: 0,
			policy: func(p *Policy) { p.MaxRetries = 0 },
			want:   Decision{Wait: time.Minute, RetryAfter: time.Minute, HasRetryAfter: true, Reason: ReasonExhausted, RetryAfterRefused: true}},
		{name: "503 Retry-After 0 is no refused wait, even when the client's backoff does not fit", o: Outcome{Attempt: 1, StatusCode: 503, Header: hdr("Retry-After", "0")}, jitter: 0.5,
			policy: func(p *Policy) { p.MaxWait = 0 },
			want:   Decision{Wait: 125 * time.Millisecond, HasRetryAfter: true, Reason: ReasonTooLong}},
		{name: "400 with a Retry-After is not a refused wait", o: Outcome{Attempt: 1, StatusCode: 400, Header: hdr("Retry-After", "60")},
			want: Decision{RetryAfter: time.Minute, HasRetryAfter: true, Reason: ReasonNotRetryable}},
		{name: "wait within the deadline retries", o: Outcome{Attempt: 1, StatusCode: 503}, jitter: 0.5,
			deadline: t0.Add(time.Second),
			want:     Decision{Retry: true, Wait: 125 * time.Millisecond, Reason: ReasonRetryStatus}},
		{name: "503 with Retry-After obeys it", o: Outcome{Attempt: 1, StatusCode: 503, Header: hdr("Retry-After", "1")}, jitter: 0,
			want: Decision{Retry: true, Wait: time.Second, RetryAfter: time.Second, HasRetryAfter: true, Reason: ReasonRetryStatus}},
		{name: "connection refused retried", o: Outcome{Attempt: 1, Err: connRefused}, jitter: 0.5,
			want: Decision{Retry: true, Wait: 125 * time.Millisecond, Reason: ReasonRetryNetwork}},
		{name: "body cut retried", o: Outcome{Attempt: 1, StatusCode: 200, Err: BodyCut(io.ErrUnexpectedEOF)}, jitter: 0,
			want: Decision{Retry: true, Reason: ReasonRetryBodyRead}},
		{name: "permanent never", o: Outcome{Attempt: 1, Err: Permanent(connRefused)},
			want: Decision{Reason: ReasonNotRetryable}},
		{name: "context cancelled never", o: Outcome{Attempt: 1, Err: fmt.Errorf("x: %w", context.Canceled)},
			want: Decision{Reason: ReasonContextDone}},
		{name: "deadline exceeded never", o: Outcome{Attempt: 1, Err: context.DeadlineExceeded},
			want: Decision{Reason: ReasonContextDone}},
		{name: "unknown host never", o: Outcome{Attempt: 1, Err: &net.DNSError{Err: "no such host", IsNotFound: true}},
			want: Decision{Reason: ReasonNotRetryable}},
		{name: "plain error never", o: Outcome{Attempt: 1, Err: errors.New("weird")},
			want: Decision{Reason: ReasonNotRetryable}},
		{name: "no retries configured", o: Outcome{Attempt: 1, StatusCode: 503}, policy: func(p *Policy) { p.MaxRetries = 0 },
			want: Decision{Reason: ReasonExhausted}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := testPolicy()
			if tc.policy != nil {
				tc.policy(&p)
			}
			got := p.Decide(tc.o, t0, tc.deadline, fixed(tc.jitter))
			assert.Equal(t, tc.want, got)
			assert.Equal(t, tc.cooldown, p.Cooldown(tc.o.StatusCode, tc.o.Header, t0), "cooldown")
		})
	}
}

func TestParseRetryAfter(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"", 0, false},
		{"0", 0, true},
		{"1", time.Second, true},
		{" 120 ", 2 * time.Minute, true},
		{"1.5", 0, false},
		{"-1", 0, false},
		{"abc", 0, false},
		{"99999999999999999999", maxRetryAfter, true},
		{"700000", maxRetryAfter, true},
		{t0.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second, true},
		{t0.Add(-90 * time.Second).Format(http.TimeFormat), 0, true},
		{t0.Add(30 * 24 * time.Hour).Format(http.TimeFormat), maxRetryAfter, true},
		{"Sun, 32 Nov 2026 12:00:00 GMT", 0, false},
	}
	for _, tc := range tests {
		got, ok := ParseRetryAfter(tc.in, t0)
		assert.Equal(t, tc.ok, ok, "%q", tc.in)
		assert.Equal(t, tc.want, got, "%q", tc.in)
	}
}

func TestRetryableError(t *testing.T) {
	assert.True(t, RetryableError(&net.OpError{Op: "read", Err: syscall.ECONNRESET}))
	assert.True(t, RetryableError(io.ErrUnexpectedEOF))
	assert.True(t, RetryableError(BodyCut(errors.New("x"))))
	assert.False(t, RetryableError(Permanent(io.ErrUnexpectedEOF)))
	assert.False(t, RetryableError(context.Canceled))
	assert.Equal(t, io.EOF, Peel(Permanent(Permanent(io.EOF))))
	assert.Nil(t, Permanent(nil))
	assert.True(t, IsBodyCut(fmt.Errorf("wrapped: %w", BodyCut(io.EOF))))

	// A *url.Error is a net.Error itself; only what it wraps decides.
	refused := &url.Error{Op: "Post", URL: "https://x", Err: &net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}}
	assert.True(t, RetryableError(refused))
	assert.False(t, RetryableError(&url.Error{Op: "Post", URL: "https://x", Err: errors.New("http: server gave HTTP response to HTTPS client")}))
}
