package bubblehousetest

import (
	"fmt"
	"time"
)

// Failure is an error answer scripted with FailNext.
type Failure struct {
	// Status is the HTTP status, 400 to 599; 0 means 503. FailNext refuses
	// any other.
	Status int
	// ID is the error id of the body, such as "rate_limit_exceeded". Empty
	// sends the id Bubblehouse documents for the status (rate_limit_exceeded
	// for 429, invalid_token for 401), else [INF] one of the API author's
	// framework, which the fake's own refusals use too: bad_request (400 and
	// any other 4xx), forbidden (403), not_found (404), invalid_http_method
	// (405), invalid_content_type (415), internal_server_error (any 5xx).
	ID string
	// Message is the body's message; empty leaves it out, as Bubblehouse
	// often does.
	Message string
	// RetryAfter, when positive, is sent as a Retry-After header in whole
	// seconds, rounded up.
	RetryAfter time.Duration
}

type failScript struct {
	n int
	f Failure
}

type cutScript struct {
	n     int
	after int
}

type rateWindow struct {
	second int64
	count  int
}

// Request is one request the server received, as Requests returns it.
type Request struct {
	// Time is when the server received it, by the server's clock.
	Time time.Time
	// Method and Path are the HTTP method and URL path.
	Method string
	Path   string
	// Endpoint is the function named by the path, such as
	// "CustomerBalance3"; empty when the path named none.
	Endpoint string
	// RawBody is the body as received (up to MaxBodyBytes).
	RawBody []byte
	// Body is RawBody decoded, when it was a JSON object.
	Body map[string]any
	// Subject, KeyID, Level and CustomerEmail are the token's "sub", "kid",
	// "l" and "ce", when the token was valid, whether the answer was
	// scripted or not; all empty for an anonymous token, or one the server
	// refuses (or would have, had no failure been scripted).
	Subject       string
	KeyID         string
	Level         string
	CustomerEmail string
	// Status is the HTTP status answered and ErrorID the error id of the
	// body, if any.
	Status  int
	ErrorID string
	// Injected is true when the answer was scripted with FailNext, and Cut
	// when the connection was cut with CutNext.
	Injected bool
	Cut      bool
}

// FailNext makes the next n calls of endpoint (or of every endpoint, with
// AnyEndpoint) fail with f, whatever their token: a call whose token the
// server would refuse gets f too, while a valid token's claims are recorded
// in Requests. Scripts queue up: FailNext(e, 2, a) then FailNext(e, 1, b)
// fails with a, a, b; n <= 0 scripts nothing.
//
// An endpoint that names no function of the fake, or a status that is not
// an error status, would script a failure that never comes or is not the
// one asked for: FailNext then scripts nothing and returns an error, and
// also fails the test of a server made by NewServer.
func (s *Server) FailNext(endpoint string, n int, f Failure) error {
	if s.tb != nil {
		s.tb.Helper()
	}
	if err := s.checkEndpoint(endpoint); err != nil {
		return s.misuse("FailNext", err)
	}
	if f.Status != 0 && (f.Status < 400 || f.Status > 599) {
		return s.misuse("FailNext", fmt.Errorf("status %d is not an error status (400 to 599, or 0 for 503)", f.Status))
	}
	if n <= 0 {
		return nil
	}
	if f.Status == 0 {
		f.Status = 503
	}
	s.mu.Lock()
	s.fails[endpoint] = append(s.fails[endpoint], failScript{n: n, f: f})
	s.mu.Unlock()
	return nil
}

// checkEndpoint accepts the names of the functions the fake serves and
// AnyEndpoint.
func (s *Server) checkEndpoint(name string) error {
	if _, ok := s.endpoint(name); ok || name == AnyEndpoint {
		return nil
	}
	return fmt.Errorf("unknown endpoint %.60q: use an Endpoint constant (%s, %s, %s, %s, %s, %s) or AnyEndpoint",
		name, EndpointCustomerDetails1, EndpointCustomerHistory2, EndpointCustomerBalance3,
		EndpointCustomerReferrals2, EndpointExportCustomerData1, EndpointStatus2)
}

// misuse reports a bad argument to method: it fails the test of a server
// made by NewServer and returns the error either way. It uses Errorf, not
// Fatalf, because the Server's methods may be called from any goroutine and
// FailNow may only be called from the test's own.
func (s *Server) misuse(method string, err error) error {
	err = fmt.Errorf("bubblehousetest: %s: %w", method, err)
	if s.tb != nil {
		s.tb.Helper()
		s.tb.Errorf("%v", err)
	}
	return err
}

// SetLatency makes the server wait d before answering each call of endpoint
// (or of every endpoint, with AnyEndpoint); 0 removes it. The wait ends
// early when the client goes away or the server closes. An unknown
// endpoint is refused as FailNext refuses it.
func (s *Server) SetLatency(endpoint string, d time.Duration) error {
	if s.tb != nil {
		s.tb.Helper()
	}
	if err := s.checkEndpoint(endpoint); err != nil {
		return s.misuse("SetLatency", err)
	}
	s.mu.Lock()
	if d <= 0 {
		delete(s.latency, endpoint)
	} else {
		s.latency[endpoint] = d
	}
	s.mu.Unlock()
	return nil
}

// CutNext makes the next n successful answers of endpoint (or of every
// endpoint, with AnyEndpoint) break off: the server announces the full
// Content-Length, sends afterBytes bytes of the body and closes the
// connection. afterBytes is clamped so that at least one byte is missing.
// An unknown endpoint is refused as FailNext refuses it.
func (s *Server) CutNext(endpoint string, n int, afterBytes int) error {
	if s.tb != nil {
		s.tb.Helper()
	}
	if err := s.checkEndpoint(endpoint); err != nil {
		return s.misuse("CutNext", err)
	}
	if n <= 0 {
		return nil
	}
	if afterBytes < 0 {
		afterBytes = 0
	}
	s.mu.Lock()
	s.cuts[endpoint] = append(s.cuts[endpoint], cutScript{n: n, after: afterBytes})
	s.mu.Unlock()
	return nil
}

// Requests returns a copy of every request the server received since it
// started or was Reset, in the order their answers were decided.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// Reset forgets the recorded requests, the scripted failures, cuts and
// latencies, and the rate-limit counts. The customers stay.
func (s *Server) Reset() {
	s.mu.Lock()
	s.requests = nil
	s.fails = map[string][]failScript{}
	s.cuts = map[string][]cutScript{}
	s.latency = map[string]time.Duration{}
	s.windows = map[string]rateWindow{}
	s.mu.Unlock()
}
