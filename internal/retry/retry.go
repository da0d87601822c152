// Package retry decides whether and when a failed attempt is tried again.
//
// It holds the one retry policy of the client as a pure function of what an
// attempt produced (status, Retry-After, error) and the time left, so that
// the whole schedule can be tested as a table with the randomness pinned.
// The client plugs Decide into go-retryablehttp's CheckRetry and Backoff
// hooks, and asks Cooldown in its attempt transport the moment a 429
// arrives; nothing here sleeps.
package retry

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Policy is the retry configuration of a client. The zero value retries
// nothing.
type Policy struct {
	// MaxRetries is how many retries may follow the first attempt.
	MaxRetries int
	// MaxWait is the longest single wait the policy accepts. A longer one
	// (a large Retry-After, say) ends the call at once instead.
	MaxWait time.Duration
	// Base and Cap bound the exponential backoff: the n-th retry (n from 0)
	// waits a uniformly random time in [0, min(Cap, Base*2^n)).
	Base, Cap time.Duration
	// RateLimitFloor is the least wait, and the least cooldown, after any
	// 429, whatever its Retry-After says (none, 0, or a date in the past).
	// Bubblehouse's documented limit is per second, so a retry sooner than
	// that would only be refused again.
	RateLimitFloor time.Duration
	// MaxServerErrorRetries bounds the retries of a 500, which may be a bug
	// that retrying only repeats.
	MaxServerErrorRetries int
}

// Defaults of the client's policy.
const (
	DefaultMaxRetries     = 3
	DefaultMaxWait        = 10 * time.Second
	DefaultBase           = 250 * time.Millisecond
	DefaultCap            = 8 * time.Second
	DefaultRateLimitFloor = time.Second
)

// Outcome is what one attempt produced, as the policy sees it.
type Outcome struct {
	// Attempt is the number of the attempt that just ended, from 1.
	Attempt int
	// ServerErrorRetries is how many retries already followed a 500.
	ServerErrorRetries int
	// StatusCode is the answer's status; 0 when there was no answer.
	StatusCode int
	// Header is the answer's header (nil when there was none).
	Header http.Header
	// Err is the failure of the attempt when there was no usable answer:
	// a connection error, a body cut off mid-read, a cancelled context.
	Err error
}

// Reason says why a Decision was made; it goes into the client's debug log.
type Reason string

// Reasons of decisions.
const (
	ReasonSuccess       Reason = "success"
	ReasonNotRetryable  Reason = "not_retryable"
	ReasonExhausted     Reason = "retries_exhausted"
	ReasonTooLong       Reason = "wait_too_long"
	ReasonPastDeadline  Reason = "wait_past_deadline"
	ReasonContextDone   Reason = "context_done"
	ReasonRetryStatus   Reason = "retry_status"
	ReasonRetryNetwork  Reason = "retry_network"
	ReasonRetryBodyRead Reason = "retry_body_read"
)

// Decision is the policy's verdict on one attempt.
type Decision struct {
	// Retry is true when the attempt is to be tried again after Wait.
	Retry bool
	// Wait is how long to sleep before the retry. When Retry is false because
	// the wait was too long, Wait is the wait that was refused.
	Wait time.Duration
	// RetryAfter is the server's Retry-After, when it sent a valid one;
	// for a 429, never less than RateLimitFloor.
	RetryAfter time.Duration
	// HasRetryAfter tells a Retry-After of zero from none at all.
	HasRetryAfter bool
	// Reason says why; the client logs it.
	Reason Reason
	// RetryAfterRefused is set for a retryable answer whose Retry-After
	// (above zero) is longer than MaxWait or would pass the deadline: the
	// server asked for a wait the call will not make, whatever else
	// decided the attempt (retries left or not, the client's own jitter).
	RetryAfterRefused bool
}

// Decide returns the verdict on an attempt. now is the current time and
// deadline the context's deadline (zero for none); jitter returns a uniform
// random number in [0, 1) and is pinned in tests.
func (p Policy) Decide(o Outcome, now, deadline time.Time, jitter func() float64) Decision {
	var d Decision
	if o.Err == nil && o.StatusCode >= 200 && o.StatusCode < 300 {
		d.Reason = ReasonSuccess
		return d
	}
	d.RetryAfter, d.HasRetryAfter = p.serverWait(o.StatusCode, o.Header, now)

	switch {
	case o.Err != nil && isContextErr(o.Err) && !IsAttemptTimeout(o.Err):
		d.Reason = ReasonContextDone
		return d
	case o.Err != nil:
		if !RetryableError(o.Err) {
			d.Reason = ReasonNotRetryable
			return d
		}
		d.Reason = ReasonRetryNetwork
		if IsBodyCut(o.Err) {
			d.Reason = ReasonRetryBodyRead
		}
	case o.StatusCode == http.StatusInternalServerError:
		if o.ServerErrorRetries >= p.MaxServerErrorRetries {
			d.Reason = ReasonNotRetryable
			return d
		}
		d.Reason = ReasonRetryStatus
	case RetryableStatus(o.StatusCode):
		d.Reason = ReasonRetryStatus
	default:
		d.Reason = ReasonNotRetryable
		return d
	}

	if d.HasRetryAfter && d.RetryAfter > 0 {
		d.RetryAfterRefused = d.RetryAfter > p.MaxWait || (!deadline.IsZero() && now.Add(d.RetryAfter).After(deadline))
	}
	if o.Attempt > p.MaxRetries {
		d.Reason = ReasonExhausted
		d.Wait = p.wait(o, d, jitter)
		return d
	}
	d.Wait = p.wait(o, d, jitter)
	if d.Wait > p.MaxWait {
		d.Reason = ReasonTooLong
		return d
	}
	if !deadline.IsZero() && now.Add(d.Wait).After(deadline) {
		d.Reason = ReasonPastDeadline
		return d
	}
	d.Retry = true
	return d
}

// serverWait is the answer's Retry-After as the policy obeys it. A 429 that
// says "now" (Retry-After: 0, or a date already past, most likely clock
// skew) is still a 429: it is held to the floor, since a retry sooner would
// only be refused again and the other calls for the key must pause too.
func (p Policy) serverWait(status int, h http.Header, now time.Time) (time.Duration, bool) {
	if h == nil {
		return 0, false
	}
	ra, ok := ParseRetryAfter(h.Get("Retry-After"), now)
	if ok && status == http.StatusTooManyRequests && ra < p.RateLimitFloor {
		ra = p.RateLimitFloor
	}
	return ra, ok
}

// Cooldown is how long the key of a call should stay paused after an answer
// with this status and header: for a 429, its Retry-After (held to the
// floor, as Decide holds it) or the floor when there is none, at most
// MaxCooldown; zero for any other status. The client asks as soon as the
// answer arrives, before Decide, so that concurrent calls for the key see
// the cooldown at once.
func (p Policy) Cooldown(status int, h http.Header, now time.Time) time.Duration {
	if status != http.StatusTooManyRequests {
		return 0
	}
	ra, ok := p.serverWait(status, h, now)
	if !ok {
		return p.RateLimitFloor
	}
	// A cooldown only makes this process fail fast locally; the server
	// still decides. Bound it, so that one absurd Retry-After cannot shut a
	// customer out of this process for days.
	return min(ra, MaxCooldown)
}

// wait is the sleep before the next attempt: full-jitter exponential
// backoff, and never less than what the server asked for.
func (p Policy) wait(o Outcome, d Decision, jitter func() float64) time.Duration {
	n := o.Attempt - 1
	ceiling := p.Cap
	if n < 32 && p.Base > 0 && p.Base<<n > 0 && p.Base<<n < p.Cap {
		ceiling = p.Base << n
	}
	backoff := time.Duration(jitter() * float64(ceiling))
	switch {
	case d.HasRetryAfter:
		// Spread the callers that were all told the same moment, but never
		// before it: the added jitter is small and only ever later.
		return d.RetryAfter + time.Duration(jitter()*float64(min(p.Base, ceiling)))
	case o.StatusCode == http.StatusTooManyRequests:
		return p.RateLimitFloor + backoff
	default:
		return backoff
	}
}

// RetryableStatus reports whether an answer with this status is retried:
// rate limited or a gateway that could not reach a healthy server. 500 is
// retried too, but at most MaxServerErrorRetries times.
func RetryableStatus(code int) bool {
	switch code {
	case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// MaxCooldown bounds the local cooldown a single 429 can start.
const MaxCooldown = time.Hour

// maxRetryAfter bounds a parsed Retry-After so that arithmetic on it cannot
// overflow; any value this large is refused by MaxWait anyway.
const maxRetryAfter = 7 * 24 * time.Hour

// ParseRetryAfter reads a Retry-After header: whole seconds, or an HTTP date
// (a date in the past means "now"; Decide still holds a 429 to its floor). It reports false for an absent, negative
// or malformed value, which the policy then ignores.
func ParseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if v[0] >= '0' && v[0] <= '9' {
		secs, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			if errors.Is(err, strconv.ErrRange) {
				return maxRetryAfter, true
			}
			return 0, false
		}
		if secs > uint64(maxRetryAfter/time.Second) {
			return maxRetryAfter, true
		}
		return time.Duration(secs) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	d := t.Sub(now)
	switch {
	case d < 0:
		return 0, true
	case d > maxRetryAfter:
		return maxRetryAfter, true
	}
	return d, true
}

// permanentError marks a failure that must end the call without a retry,
// such as the client's own rate limiter refusing to wait, or a body over its
// size cap.
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// Permanent wraps err so that the policy never retries it.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &permanentError{err}
}

// Peel removes the Permanent marks around err.
func Peel(err error) error {
	for {
		p, ok := err.(*permanentError)
		if !ok {
			return err
		}
		err = p.err
	}
}

// bodyCutError marks a successful answer whose body broke off mid-read.
type bodyCutError struct{ err error }

func (e *bodyCutError) Error() string { return "response body cut off: " + e.err.Error() }
func (e *bodyCutError) Unwrap() error { return e.err }

// BodyCut wraps a read error of a response body. All five calls are reads,
// so trying such a call again is safe.
func BodyCut(err error) error { return &bodyCutError{err} }

// attemptTimeoutError marks a deadline that ended one attempt (the Timeout
// of the caller's http.Client) while the call's own context still had time.
type attemptTimeoutError struct{ err error }

func (e *attemptTimeoutError) Error() string { return e.err.Error() }
func (e *attemptTimeoutError) Unwrap() error { return e.err }

// AttemptTimeout wraps the error of an attempt that ran out of its own time,
// not the call's: a slow server, retried like a connection error. It still
// matches context.DeadlineExceeded.
func AttemptTimeout(err error) error { return &attemptTimeoutError{err} }

// IsAttemptTimeout reports whether err was marked by AttemptTimeout.
func IsAttemptTimeout(err error) bool {
	var a *attemptTimeoutError
	return errors.As(err, &a)
}

// IsBodyCut reports whether err is a body cut off mid-read.
func IsBodyCut(err error) bool {
	var b *bodyCutError
	return errors.As(err, &b)
}

func isContextErr(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// RetryableError reports whether an attempt that failed with err, and no
// answer, may be tried again: connection refused or reset, a timeout, an
// answer cut off. Context errors, TLS certificate problems, unknown hosts
// and permanent errors are final.
func RetryableError(err error) bool {
	var perm *permanentError
	if errors.As(err, &perm) {
		return false
	}
	if IsAttemptTimeout(err) {
		return true
	}
	if isContextErr(err) {
		return false
	}
	if IsBodyCut(err) {
		return true
	}
	// crypto/x509 returns its errors as values, and crypto/tls wraps any
	// failed verification in a *tls.CertificateVerificationError.
	var verifyErr *tls.CertificateVerificationError
	var certErr x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var invErr x509.CertificateInvalidError
	if errors.As(err, &verifyErr) || errors.As(err, &certErr) || errors.As(err, &hostErr) || errors.As(err, &invErr) {
		return false
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return dnsErr.IsTemporary || dnsErr.IsTimeout
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.ECONNABORTED) || errors.Is(err, syscall.EPIPE) {
		return true
	}
	// net/http wraps every transport failure in a *url.Error, which is
	// itself a net.Error: look past it, so that only a real network error
	// (a *net.OpError, a timeout) counts, and not, say, "server gave HTTP
	// response to HTTPS client", which no retry can fix.
	var urlErr *url.Error
	for errors.As(err, &urlErr) {
		err = urlErr.Err
	}
	var netErr net.Error
	return errors.As(err, &netErr)
}
