package bubblehouse

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/hashicorp/go-retryablehttp"

	"github.com/bubblehouse-go/bubblehouse/internal/ratelimit"
	"github.com/bubblehouse-go/bubblehouse/internal/retry"
)

// This file is the one call path of the client. Every endpoint method comes
// here with its input and a sink for the answer:
//
//	endpoint method -> Client.call -> local identity checks -> go-retryablehttp
//	  -> per attempt (attemptTransport): cooldown, limiter, fresh token -> HTTP
//	     -> a 429 starts its key's cooldown here, at once
//	  -> CheckRetry/Backoff (internal/retry's policy) -> typed result or error
//
// go-retryablehttp runs the loop and the sleeps; the policy decides; the
// attempt transport makes each attempt pay the limiter and get a fresh
// token, and hides CloseIdleConnections so that a failed call does not drop
// the connection pool every other call shares.

// endpoint describes one Bubblehouse function.
type endpoint struct {
	name  string
	class string
	// maxRetries, when > 0, lowers the client's retry count for this call.
	maxRetries int
}

// customerInput is implemented by the inputs that name a customer: the
// calls a shop token must fill a CustomerIdentity1 in for.
type customerInput interface {
	identity() *CustomerIdentity1
}

// sink consumes the body of a successful answer within the attempt, so that
// a body cut off mid-read can still be retried.
type sink interface {
	consume(resp *http.Response) error
}

// call sends one call and consumes its answer into sk. in is the JSON input
// (nil for "{}").
func (c *Client) call(ctx context.Context, ep *endpoint, in any, sk sink) error {
	if c.cfgErr != nil {
		return c.cfgErr
	}
	if ctx == nil {
		return errors.New("bubblehouse: nil context")
	}
	var id *CustomerIdentity1
	if ci, ok := in.(customerInput); ok {
		id = ci.identity()
		if err := c.checkIdentity(ep, id); err != nil {
			return err
		}
	}
	body, err := json.Marshal(in)
	if err != nil {
		return &TransportError{Endpoint: ep.name, Err: err}
	}
	if string(body) == "null" { // a nil input pointer: no parameters
		body = []byte("{}")
	}

	k := c.core
	st := &callState{client: c, ep: ep, sink: sk, customerKey: c.limitKey(id)}
	st.policy = k.policy
	if ep.maxRetries > 0 && ep.maxRetries < st.policy.MaxRetries {
		st.policy.MaxRetries = ep.maxRetries
	}
	req, err := retryablehttp.NewRequestWithContext(ctx, http.MethodPost, k.prefix+ep.name, body)
	if err != nil {
		return &TransportError{Endpoint: ep.name, Err: err}
	}
	req.SetResponseHandler(st.handleResponse)
	// The retrying client, its http.Client and the attempt transport live
	// in st, so that a call allocates them once, together.
	st.transport.st = st
	// No Timeout here: http.Client's would also run while the attempt
	// transport waits for the limiter or a cooldown. The attempt transport
	// applies WithHTTPClient's Timeout to the exchange alone.
	st.httpClient = http.Client{
		Transport:     &st.transport,
		CheckRedirect: refuseRedirect,
	}
	st.retrying = retryablehttp.Client{
		HTTPClient: &st.httpClient,
		RetryMax:   st.policy.MaxRetries + 1, // the policy, not this count, ends the loop
		// Logger stays nil: go-retryablehttp logs nothing then, and the
		// client logs through its own slog.Logger with fixed keys.
		CheckRetry:   st.checkRetry,
		Backoff:      st.backoff,
		ErrorHandler: retryablehttp.PassthroughErrorHandler,
	}
	resp, err := st.retrying.Do(req)
	return st.finish(ctx, resp, err)
}

// checkIdentity makes the checks the server would make of a call whose
// input takes a CustomerIdentity1, where the client knows the token's kind,
// so that a call that must fail is not sent.
func (c *Client) checkIdentity(ep *endpoint, id *CustomerIdentity1) error {
	local := func(code string) error { return &APIError{Endpoint: ep.name, ID: code} }
	switch c.kind {
	case TokenKindShop:
		if id == nil {
			return local(IDMissingCustomerIdentity)
		}
		if id.IsEmpty() {
			return local(IDEmptyCustomerIdentity)
		}
	case TokenKindCustomer:
		if id != nil && id.ShopID != "" && c.customerID != "" && id.ShopID != c.customerID {
			return local(IDCustomerIdentityDoesNotMatchToken)
		}
	}
	return nil
}

// limitKey is the key of the per-customer limiter and cooldown: the token's
// customer for a customer token, else the identity the input names.
func (c *Client) limitKey(id *CustomerIdentity1) string {
	if c.kind == TokenKindCustomer && c.customerID != "" {
		return "shopid:" + c.customerID
	}
	return id.key()
}

func refuseRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// callState is the state of one call across its attempts.
type callState struct {
	client      *Client
	ep          *endpoint
	sink        sink
	customerKey string
	policy      retry.Policy

	attempts           int
	serverErrorRetries int
	decision           retry.Decision
	decided            int // the attempt decision belongs to

	// The per-call plumbing of go-retryablehttp, set up once by call and
	// never copied after.
	retrying   retryablehttp.Client
	httpClient http.Client
	transport  attemptTransport
}

// attemptTransport runs once per attempt, inside go-retryablehttp's loop.
// It deliberately has no CloseIdleConnections method: go-retryablehttp
// calls HTTPClient.CloseIdleConnections whenever it gives up, which would
// otherwise close the idle connections of every call of the client.
type attemptTransport struct {
	st *callState
}

func (t *attemptTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	st := t.st
	k := st.client.core
	ctx := req.Context()
	if err := st.wait(ctx); err != nil {
		return notSent(req, err)
	}
	actx, cancel := ctx, context.CancelFunc(nil)
	if k.timeout > 0 {
		// WithHTTPClient's Timeout bounds getting the token and the
		// exchange, from sending to the body's Close, as
		// http.Client.Timeout would; it starts only now, after the limiter
		// and cooldown waits.
		actx, cancel = context.WithTimeout(ctx, k.timeout)
	}
	tok, err := st.client.tokens.Token(actx)
	if err == nil && strings.TrimSpace(tok) == "" {
		// Bubblehouse reads an empty token as an anonymous call and would
		// answer it for an empty customer; that must not pass for the
		// shop's answer.
		err = ErrEmptyToken
	}
	if err != nil {
		if cancel != nil {
			cancel()
		}
		return notSent(req, err)
	}
	st.attempts++ // counted once it is sure to be sent

	// Each attempt gets a header of its own; its values share one backing
	// array (capped slices, so an Add elsewhere cannot spill into the next
	// value), which costs one allocation instead of four.
	vals := [...]string{"application/json", "application/json", k.userAgent, ""}
	out := *req
	out.Header = http.Header{
		"Content-Type": vals[0:1:1],
		"Accept":       vals[1:2:2],
		"User-Agent":   vals[2:3:3],
	}
	// The token goes only to the configured host. Redirects are refused
	// already; this keeps it so even if that ever changes.
	if req.URL.Host == k.host {
		vals[3] = "Bearer " + tok
		out.Header["Authorization"] = vals[3:4:4]
	}
	if cancel != nil {
		out = *out.WithContext(actx)
	}
	resp, err := k.transport.RoundTrip(&out)
	if err == nil {
		st.startCooldown(ctx, resp)
	}
	if cancel != nil {
		if err != nil {
			cancel()
		} else {
			resp.Body = &cancelOnClose{ReadCloser: resp.Body, cancel: cancel}
		}
	}
	if k.logger != nil && k.logger.Enabled(ctx, slog.LevelDebug) {
		attrs := []slog.Attr{slog.String("endpoint", st.ep.name), slog.Int("attempt", st.attempts)}
		if resp != nil {
			attrs = append(attrs, slog.Int("status", resp.StatusCode))
		}
		if err != nil {
			attrs = append(attrs, slog.String("error", errorClass(err)))
		}
		k.logger.LogAttrs(ctx, slog.LevelDebug, "bubblehouse: attempt", attrs...)
	}
	return resp, err
}

// cancelOnClose ends an attempt's timeout context when its body is closed.
type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (b *cancelOnClose) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}

// notSent ends an attempt that failed before sending: RoundTrip closes the
// request body on every path, and the error is not retried.
func notSent(req *http.Request, err error) (*http.Response, error) {
	if req.Body != nil {
		_ = req.Body.Close()
	}
	return nil, retry.Permanent(err)
}

// wait makes an attempt pay its way before it is sent: it waits out any
// cooldown, then takes a token from the limiter (retries included, so
// retries cannot exceed the limit).
func (st *callState) wait(ctx context.Context) error {
	k := st.client.core
	if err := st.waitCooldown(ctx); err != nil {
		return err
	}
	return k.limiter.Wait(ctx, LimitRequest{Endpoint: st.ep.name, Class: st.ep.class, Customer: st.customerKey, Cost: 1, MaxWait: k.policy.MaxWait})
}

// waitCooldown holds the attempt while its customer, or the whole client, is
// cooling down after a 429, failing at once when the wait does not fit.
func (st *callState) waitCooldown(ctx context.Context) error {
	k := st.client.core
	until, err := k.cooldowns.CooldownUntil(ctx, "")
	if err != nil {
		return err
	}
	if st.customerKey != "" {
		u, err := k.cooldowns.CooldownUntil(ctx, st.customerKey)
		if err != nil {
			return err
		}
		if u.After(until) {
			until = u
		}
	}
	return rateLimitError(st.ep.name, ratelimit.WaitUntil(ctx, k.clk, until, k.policy.MaxWait))
}

// startCooldown pauses the call's key (its customer, or the whole client)
// after a 429, for as long as the policy says. It runs in the attempt, as
// soon as the answer's header is in and before go-retryablehttp or the
// policy see it, so that concurrent attempts for the key that check their
// cooldown from then on wait, instead of sending into the limit.
func (st *callState) startCooldown(ctx context.Context, resp *http.Response) {
	k := st.client.core
	if resp.StatusCode != http.StatusTooManyRequests {
		return // the usual answer: no clock read, no store call
	}
	now := k.clk.Now()
	d := st.policy.Cooldown(resp.StatusCode, resp.Header, now)
	if d <= 0 {
		return
	}
	if err := k.cooldowns.StartCooldown(ctx, st.customerKey, now.Add(d)); err != nil && k.logger != nil {
		k.logger.LogAttrs(ctx, slog.LevelWarn, "bubblehouse: cooldown store failed", slog.String("endpoint", st.ep.name), slog.String("error", errorClass(err)))
	}
}

// checkRetry is go-retryablehttp's CheckRetry: it asks the policy and
// records the decision for backoff and finish.
func (st *callState) checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	k := st.client.core
	if err == nil && st.decided == st.attempts {
		// go-retryablehttp asks again, with the response handler's error,
		// about an answer it was told not to retry. With no error the
		// answer is the same one: keep the decision, and do not log it a
		// second time.
		return st.decision.Retry, nil
	}
	if err != nil && ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
		// The deadline was the attempt's own (WithHTTPClient's Timeout),
		// not the call's: a slow server, worth another attempt.
		err = retry.AttemptTimeout(err)
	}
	o := retry.Outcome{Attempt: st.attempts, ServerErrorRetries: st.serverErrorRetries, Err: err}
	if resp != nil {
		o.StatusCode, o.Header = resp.StatusCode, resp.Header
	}
	now := k.clk.Now()
	deadline, _ := ctx.Deadline()
	d := st.policy.Decide(o, now, deadline, k.jitter)
	st.decision, st.decided = d, st.attempts
	if d.Retry && o.StatusCode == http.StatusInternalServerError {
		st.serverErrorRetries++
	}
	if d.Reason != retry.ReasonSuccess && k.logger != nil && k.logger.Enabled(ctx, slog.LevelDebug) {
		k.logger.LogAttrs(ctx, slog.LevelDebug, "bubblehouse: retry decision",
			slog.String("endpoint", st.ep.name),
			slog.Int("attempt", st.attempts),
			slog.Int("status", o.StatusCode),
			slog.Bool("retry", d.Retry),
			slog.String("reason", string(d.Reason)),
			slog.Duration("wait", d.Wait))
	}
	return d.Retry, nil
}

// backoff is go-retryablehttp's Backoff: the wait the policy chose.
func (st *callState) backoff(_, _ time.Duration, _ int, _ *http.Response) time.Duration {
	return st.decision.Wait
}

// handleResponse is go-retryablehttp's response handler, run for an answer
// the policy does not retry. It reads a successful body inside the attempt.
func (st *callState) handleResponse(resp *http.Response) error {
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil
	}
	err := st.sink.consume(resp)
	_ = resp.Body.Close()
	return err
}

// finish turns what go-retryablehttp returned into the call's result. ctx
// is the call's, for the log: a handler may read trace data from it.
func (st *callState) finish(ctx context.Context, resp *http.Response, err error) error {
	k := st.client.core
	name := st.ep.name
	if err != nil {
		if resp != nil {
			_ = resp.Body.Close()
		}
		// net/http wraps a transport error in a *url.Error, whose text holds
		// the URL; the endpoint name says enough.
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err
		}
		err = retry.Peel(err)
		var decErr *DecodeError
		var rlErr *RateLimitError
		var expErr *ExportError
		if errors.As(err, &decErr) || errors.As(err, &rlErr) || errors.As(err, &expErr) {
			return err
		}
		return &TransportError{Endpoint: name, Attempts: st.attempts, Err: err}
	}
	if resp.StatusCode >= 200 && resp.StatusCode <= 299 {
		return nil
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, k.maxError))
	apiErr := parseAPIError(name, resp.StatusCode, body)
	apiErr.Attempts = st.attempts
	if d := st.decision; d.HasRetryAfter {
		apiErr.RetryAfter = d.RetryAfter
		// The server asked for a wait this call will not make: to the
		// caller that is a rate limit, whatever the status.
		apiErr.waitRefused = d.RetryAfterRefused
	} else if resp.StatusCode == http.StatusTooManyRequests {
		apiErr.RetryAfter = d.Wait
	}
	if k.logger != nil && k.logger.Enabled(ctx, slog.LevelDebug) {
		k.logger.LogAttrs(ctx, slog.LevelDebug, "bubblehouse: call failed",
			slog.String("endpoint", name), slog.Int("attempt", st.attempts),
			slog.Int("status", resp.StatusCode), slog.String("error_id", apiErr.ID))
	}
	return apiErr
}

// errorClass names an error for logs without its text, which may hold a
// URL or a server's words.
func errorClass(err error) string {
	switch {
	case errors.Is(err, context.Canceled):
		return "context_canceled"
	case errors.Is(err, context.DeadlineExceeded):
		return "context_deadline"
	case retry.IsBodyCut(err):
		return "body_cut"
	case errors.Is(err, ErrRateLimitExceeded):
		return "rate_limited_locally"
	}
	var decErr *DecodeError
	if errors.As(err, &decErr) {
		return "decode"
	}
	return "network"
}

// bufferSink reads a successful body into memory, up to a cap.
type bufferSink struct {
	limit int64
	name  string
	// validate checks that the body is JSON, for answers kept raw; a typed
	// answer is checked by decoding it.
	validate bool

	body        []byte
	contentType string
	status      int
}

func (s *bufferSink) consume(resp *http.Response) error {
	s.status, s.contentType = resp.StatusCode, resp.Header.Get("Content-Type")
	var buf bytes.Buffer
	if n := resp.ContentLength; n > 0 && n <= s.limit {
		// Room for the body and for the final read that sees EOF, so that
		// the buffer is allocated once.
		buf.Grow(int(n) + bytes.MinRead)
	}
	n, err := buf.ReadFrom(io.LimitReader(resp.Body, s.limit+1))
	if err != nil {
		return retry.BodyCut(err)
	}
	if n > s.limit {
		return retry.Permanent(s.decodeError(n, ErrResponseTooLarge))
	}
	s.body = buf.Bytes()
	if t := bytes.TrimSpace(s.body); len(t) == 0 || bytes.Equal(t, []byte("null")) {
		return retry.Permanent(s.decodeError(n, ErrNullResponse))
	}
	if s.validate && !json.Valid(s.body) {
		return retry.Permanent(s.decodeError(n, errNotJSON))
	}
	return nil
}

var errNotJSON = errors.New("the body is not valid JSON")

func (s *bufferSink) decodeError(n int64, err error) *DecodeError {
	return &DecodeError{Endpoint: s.name, StatusCode: s.status, ContentType: s.contentType, Size: n, Err: err}
}

// decode runs a typed call: the answer, read whole, is decoded into a new T.
func decode[T any](ctx context.Context, c *Client, ep *endpoint, in any) (*T, error) {
	sk := &bufferSink{limit: c.core.maxResponse, name: ep.name}
	if err := c.call(ctx, ep, in, sk); err != nil {
		return nil, err
	}
	out := new(T)
	if err := json.Unmarshal(sk.body, out); err != nil {
		return nil, sk.decodeError(int64(len(sk.body)), err)
	}
	return out, nil
}
