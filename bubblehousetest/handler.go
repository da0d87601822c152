package bubblehousetest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/bubblehouse-go/bubblehouse"
)

// apiError is an error answer: {"id": ..., "message": ...} with a status.
type apiError struct {
	status     int
	id         string
	message    string
	retryAfter time.Duration
}

func errorf(status int, id, format string, args ...any) *apiError {
	return &apiError{status: status, id: id, message: fmt.Sprintf(format, args...)}
}

// call is one request as it goes through the server.
type call struct {
	w   http.ResponseWriter
	r   *http.Request
	rec Request
	tok tokenInfo
	in  input
}

// input is every parameter of the five calls, decoded leniently (unknown
// keys are ignored, as Bubblehouse documents new properties may appear).
// The customer is decoded into the SDK's own CustomerIdentity1: the SDK's
// tests pin its wire form against literal JSON, so sharing it here hides
// no mistake, and keeps one definition of the type.
type input struct {
	Customer             *bubblehouse.CustomerIdentity1 `json:"customer"`
	OnlyUnused           bool                           `json:"only_unused"`
	OnlyPoints           bool                           `json:"only_points"`
	IncludeUnusedRewards bool                           `json:"include_unused_rewards"`
	IncludeFullProgram   bool                           `json:"include_full_program"`
	Deanonymize          bool                           `json:"deanonymize"`
}

// endpointFunc serves one function once the token and body are checked. It
// returns the JSON of a successful answer.
type endpointFunc func(s *Server, c *call) ([]byte, *apiError)

func (s *Server) endpoint(name string) (endpointFunc, bool) {
	switch name {
	case EndpointCustomerDetails1:
		return (*Server).customerDetails1, true
	case EndpointCustomerHistory2:
		return (*Server).customerHistory2, true
	case EndpointCustomerBalance3:
		return (*Server).customerBalance3, true
	case EndpointCustomerReferrals2:
		return (*Server).customerReferrals2, true
	case EndpointExportCustomerData1:
		return (*Server).exportCustomerData1, true
	case EndpointStatus2:
		return (*Server).status2, true
	}
	return nil, false
}

// serveHTTP answers one request. The checks run in this order: the path
// (/api/<version>/<shop>/<Func>), the method, the global version, the
// function, then the scripted latency and failures, the shop, the token,
// the body, and last the function itself. [INF] Bubblehouse does not
// document the order; this one lets a test script failures for any call.
// The shop and token are verified before a scripted failure all the same,
// though refused only after it, so that the failure's record carries the
// token's claims: a real 429 comes from a per-customer limiter that has
// read the token.
func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	c := &call{w: w, r: r, rec: Request{Time: s.now(), Method: r.Method, Path: r.URL.Path}}
	body, bodyErr := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	c.rec.RawBody = body
	var m map[string]any
	if json.Unmarshal(body, &m) == nil {
		c.rec.Body = m
	}

	parts := strings.Split(strings.TrimPrefix(r.URL.Path, "/"), "/")
	if len(parts) != 4 || parts[0] != "api" {
		s.fail(c, errorf(http.StatusNotFound, idNotFound, "No such URL; calls go to /api/<version>/<shop>/<Func>"))
		return
	}
	version, shop, fn := parts[1], parts[2], parts[3]
	c.rec.Endpoint = fn
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		s.fail(c, errorf(http.StatusMethodNotAllowed, idInvalidHTTPMethod, "Use POST with a JSON body"))
		return
	}
	if !s.versions[version] {
		s.fail(c, errorf(http.StatusBadRequest, "invalid_global_api_version", "Global API version %.40q has never existed", version))
		return
	}
	serve, ok := s.endpoint(fn)
	if !ok {
		s.fail(c, errorf(http.StatusNotFound, "unknown_method", "Unknown API function %.60q", fn))
		return
	}
	if !s.wait(r, fn) {
		s.record(c) // the client left or the server closed: no answer
		return
	}
	authErr := s.identify(c, shop)
	if f, ok := s.takeFailure(fn); ok {
		c.rec.Injected = true
		s.fail(c, failureError(f))
		return
	}
	if authErr != nil {
		s.fail(c, authErr)
		return
	}
	if apiErr := decodeInput(body, bodyErr, &c.in); apiErr != nil {
		s.fail(c, apiErr)
		return
	}
	out, apiErr := serve(s, c)
	if apiErr != nil {
		s.fail(c, apiErr)
		return
	}
	s.succeed(c, out)
}

// wait sleeps the endpoint's scripted latency; false when the request's
// context ended or the server closed first.
func (s *Server) wait(r *http.Request, fn string) bool {
	s.mu.Lock()
	d, ok := s.latency[fn]
	if !ok {
		d = s.latency[AnyEndpoint]
	}
	s.mu.Unlock()
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	case <-s.done:
		return false
	}
}

// takeFailure pops the next scripted failure of fn, if any.
func (s *Server) takeFailure(fn string) (Failure, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, key := range [...]string{fn, AnyEndpoint} {
		q := s.fails[key]
		if len(q) == 0 {
			continue
		}
		f := q[0].f
		if q[0].n--; q[0].n <= 0 {
			q = q[1:]
		}
		if len(q) == 0 {
			delete(s.fails, key)
		} else {
			s.fails[key] = q
		}
		return f, true
	}
	return Failure{}, false
}

// takeCut pops the next scripted cut of fn: how many body bytes to send.
func (s *Server) takeCut(fn string) (int, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, key := range [...]string{fn, AnyEndpoint} {
		q := s.cuts[key]
		if len(q) == 0 {
			continue
		}
		after := q[0].after
		if q[0].n--; q[0].n <= 0 {
			q = q[1:]
		}
		if len(q) == 0 {
			delete(s.cuts, key)
		} else {
			s.cuts[key] = q
		}
		return after, true
	}
	return 0, false
}

// failureError is the answer of a scripted failure, whose status FailNext
// has checked.
func failureError(f Failure) *apiError {
	e := &apiError{status: f.Status, id: f.ID, message: f.Message, retryAfter: f.RetryAfter}
	if e.id == "" {
		e.id = defaultErrorID(e.status)
	}
	return e
}

// defaultErrorID is the id of an error status the test gave none for, as
// Failure.ID lists them. Clients match on ids, so a body without one would
// be a failure the real service never sends.
func defaultErrorID(status int) string {
	switch status {
	case http.StatusUnauthorized:
		return bubblehouse.IDInvalidToken
	case http.StatusTooManyRequests:
		return bubblehouse.IDRateLimitExceeded
	case http.StatusForbidden:
		return idForbidden
	case http.StatusNotFound:
		return idNotFound
	case http.StatusMethodNotAllowed:
		return idInvalidHTTPMethod
	case http.StatusUnsupportedMediaType:
		return idInvalidContentType
	}
	if status >= 500 {
		return idInternalServerError
	}
	return idBadRequest
}

// identify checks the shop of the URL and the call's token, and on success
// keeps the token in c and its claims in c's record.
func (s *Server) identify(c *call, shop string) *apiError {
	// [INF] The fake knows one shop. A token's key belongs to a shop, so a
	// call to another slug is answered as a token that is not valid there,
	// which is what Bubblehouse's global error list offers; it might answer
	// 404 instead.
	if shop != s.shop {
		return errorf(http.StatusUnauthorized, "invalid_token", "The token is not valid for this shop")
	}
	tok, apiErr := s.authenticate(c.r)
	if apiErr != nil {
		return apiErr
	}
	c.tok = tok
	c.rec.Subject, c.rec.KeyID, c.rec.Level, c.rec.CustomerEmail = tok.subject, tok.keyID, tok.level, tok.email
	return nil
}

// authenticate reads the bearer token. [DOC] No token and an empty token
// are both an anonymous call, which only Status2 accepts here.
func (s *Server) authenticate(r *http.Request) (tokenInfo, *apiError) {
	// Go's HTTP server trims the spaces around a header value, so
	// "Bearer " with an empty token arrives as the bare scheme.
	h := strings.TrimSpace(r.Header.Get("Authorization"))
	if h == "" {
		return tokenInfo{kind: tokenAnonymous}, nil
	}
	scheme, tok, _ := strings.Cut(h, " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return tokenInfo{}, errorf(http.StatusUnauthorized, "invalid_token", "The Authorization header must be Bearer <token>")
	}
	tok = strings.TrimSpace(tok)
	if tok == "" {
		return tokenInfo{kind: tokenAnonymous}, nil
	}
	info, err := verifyToken(tok, s.shop, s.key, s.now())
	if err != nil {
		var te *tokenError
		msg := "The token is invalid"
		if errors.As(err, &te) {
			msg = te.msg
		}
		return tokenInfo{}, errorf(http.StatusUnauthorized, "invalid_token", "%s", msg)
	}
	return info, nil
}

func (s *Server) key(kid string) ([]byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k, ok := s.keys[kid]
	return k, ok
}

// decodeInput decodes a body that must be a JSON object; an empty body is
// taken as {}.
func decodeInput(body []byte, readErr error, in *input) *apiError {
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(readErr, &tooLarge):
		return errorf(http.StatusBadRequest, "invalid_json", "The body is larger than %d bytes", MaxBodyBytes)
	case readErr != nil:
		return errorf(http.StatusBadRequest, "invalid_json", "The body could not be read")
	}
	t := bytes.TrimSpace(body)
	if len(t) == 0 {
		return nil
	}
	if t[0] != '{' {
		return errorf(http.StatusBadRequest, "invalid_json", "The body must be a JSON object")
	}
	if err := json.Unmarshal(t, in); err != nil {
		// json.Unmarshal checks the syntax of the whole body before it
		// decodes, so any other error is a value of the wrong type. One
		// from a type's own UnmarshalJSON (customer.bhid) names no field.
		var typeErr *json.UnmarshalTypeError
		var syntaxErr *json.SyntaxError
		switch {
		case errors.As(err, &typeErr) && typeErr.Field != "":
			return errorf(http.StatusBadRequest, "invalid_json", "Invalid value of %.60q", typeErr.Field)
		case errors.As(err, &syntaxErr):
			return errorf(http.StatusBadRequest, "invalid_json", "The body is not valid JSON")
		}
		return errorf(http.StatusBadRequest, "invalid_json", "A value in the body has the wrong type")
	}
	return nil
}

// record appends the call to the request log.
func (s *Server) record(c *call) {
	s.mu.Lock()
	s.requests = append(s.requests, c.rec)
	s.mu.Unlock()
}

// fail answers with an error body. The request is recorded before any byte
// is sent, so a client that has its answer always finds it in Requests.
func (s *Server) fail(c *call, e *apiError) {
	c.rec.Status, c.rec.ErrorID = e.status, e.id
	s.record(c)
	body, _ := json.Marshal(struct {
		ID      string `json:"id"`
		Message string `json:"message,omitempty"`
	}{e.id, e.message})
	h := c.w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	if e.retryAfter > 0 {
		h.Set("Retry-After", strconv.FormatInt(int64((e.retryAfter+time.Second-1)/time.Second), 10))
	}
	c.w.WriteHeader(e.status)
	_, _ = c.w.Write(body)
}

// succeed answers 200 with body, or cuts it off as CutNext scripted.
func (s *Server) succeed(c *call, body []byte) {
	after, cut := s.takeCut(c.rec.Endpoint)
	c.rec.Status, c.rec.Cut = http.StatusOK, cut
	s.record(c)
	h := c.w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	c.w.WriteHeader(http.StatusOK)
	if !cut {
		_, _ = c.w.Write(body)
		return
	}
	if after >= len(body) {
		after = len(body) - 1
	}
	_, _ = c.w.Write(body[:max(after, 0)])
	rc := http.NewResponseController(c.w)
	_ = rc.Flush()
	conn, _, err := rc.Hijack()
	if err != nil {
		return // cannot cut this connection; the body stays short anyway
	}
	_ = conn.Close()
}
