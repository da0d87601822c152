package bubblehouse

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Bubblehouse answers a failed call with a 4xx or 5xx status and a JSON body
// {"id": "<snake_case id>", "message": "<text>"}, the message often left out
// (https://app.bubblehouse.com/apidocs/calling/rpc). The client turns such an
// answer into an *APIError. Failures that never produced an answer are a
// *TransportError, an answer that could not be read is a *DecodeError, and a
// call the client's own limits refused is a *RateLimitError.
//
// Match error ids with errors.Is and the sentinels below; reach the details
// with errors.As:
//
//	var apiErr *bubblehouse.APIError
//	switch {
//	case errors.Is(err, bubblehouse.ErrNoCustomersMatchCustomerIdentity):
//		// no such customer
//	case errors.As(err, &apiErr):
//		log.Printf("bubblehouse said %d %s", apiErr.StatusCode, apiErr.ID)
//	}

// Error ids documented by Bubblehouse.
const (
	IDInvalidToken                                       = "invalid_token"
	IDRateLimitExceeded                                  = "rate_limit_exceeded"
	IDObsoleteGlobalAPIVersion                           = "obsolete_global_api_version"
	IDInvalidGlobalAPIVersion                            = "invalid_global_api_version"
	IDInaccessibleGlobalAPIVersion                       = "inaccessible_global_api_version"
	IDMissingCustomerIdentity                            = "missing_customer_identity"
	IDEmptyCustomerIdentity                              = "empty_customer_identity"
	IDNoCustomersMatchCustomerIdentity                   = "no_customers_match_customer_identity"
	IDCustomerIdentityPartiallyMismatchesMatchedCustomer = "customer_identity_partially_mismatches_matched_customer"
	IDCustomerIdentityDoesNotMatchToken                  = "customer_identity_does_not_match_token"
)

// idError is the type of the per-id sentinels. An *APIError matches a
// sentinel in errors.Is when its ID is the sentinel's id.
type idError struct {
	id string
	// status is the HTTP status Bubblehouse documents for the id (spec
	// 4.2, 4.3). It classes an error the client found itself, which has no
	// status of its own, as the server's answer would be classed.
	status int
	text   string
}

func (e *idError) Error() string { return "bubblehouse: " + e.id + ": " + e.text }

// Sentinels for the documented error ids, for errors.Is.
var (
	// ErrInvalidToken (401): the token is invalid or expired.
	ErrInvalidToken error = &idError{IDInvalidToken, 401, "the token is invalid or expired"}
	// ErrRateLimitExceeded (429): over Bubblehouse's rate limit, or over the
	// client's own limits for long enough that waiting would not fit the
	// call's deadline or WithMaxWait. Any 429 answer matches it, whatever its
	// body says, and so does an answer of a status the client retries (500,
	// 502, 503, 504) whose Retry-After is longer than WithMaxWait or would
	// pass the deadline (a 503 with Retry-After: 60, say), on whichever
	// attempt it came: the *APIError keeps that answer's StatusCode and ID,
	// with RetryAfter set. A backoff of the client's own that does not fit
	// (no Retry-After, or Retry-After: 0) returns the last answer's error as
	// it is.
	ErrRateLimitExceeded error = &idError{IDRateLimitExceeded, 429, "over the rate limit"}
	// ErrObsoleteGlobalAPIVersion (400): the API version is no longer supported.
	ErrObsoleteGlobalAPIVersion error = &idError{IDObsoleteGlobalAPIVersion, 400, "the global API version is no longer supported"}
	// ErrInvalidGlobalAPIVersion (400): the API version has never existed.
	ErrInvalidGlobalAPIVersion error = &idError{IDInvalidGlobalAPIVersion, 400, "the global API version has never existed"}
	// ErrInaccessibleGlobalAPIVersion (400): the API version is not enabled
	// for this account.
	ErrInaccessibleGlobalAPIVersion error = &idError{IDInaccessibleGlobalAPIVersion, 400, "the global API version is not enabled for this account"}
	// ErrMissingCustomerIdentity (400): a shop token was used without naming
	// the customer. The client returns it itself, without sending the call,
	// when it knows the token is a shop token.
	ErrMissingCustomerIdentity error = &idError{IDMissingCustomerIdentity, 400, "a shop token needs the customer named in the input"}
	// ErrEmptyCustomerIdentity (404): every field of the customer identity is
	// empty. The client returns it itself when it knows the token is a shop
	// token.
	ErrEmptyCustomerIdentity error = &idError{IDEmptyCustomerIdentity, 404, "every field of the customer identity is empty"}
	// ErrNoCustomersMatchCustomerIdentity (404): no customer matches.
	ErrNoCustomersMatchCustomerIdentity error = &idError{IDNoCustomersMatchCustomerIdentity, 404, "no customer matches the identity"}
	// ErrCustomerIdentityPartiallyMismatchesMatchedCustomer (404): one field
	// matched a customer and another non-empty field disagrees with it.
	ErrCustomerIdentityPartiallyMismatchesMatchedCustomer error = &idError{IDCustomerIdentityPartiallyMismatchesMatchedCustomer, 404, "the identity matched a customer by one field and another field disagrees"}
	// ErrCustomerIdentityDoesNotMatchToken (403): a customer token was used and
	// the input names another customer.
	ErrCustomerIdentityDoesNotMatchToken error = &idError{IDCustomerIdentityDoesNotMatchToken, 403, "the customer identity names another customer than the token"}
)

// Error classes, for errors.Is. An error may belong to several.
var (
	// ErrNotFound matches any 404 answer, such as the customer-identity errors
	// that say no customer was found, and the client's own refusal of an
	// empty customer identity, which the server answers with 404.
	ErrNotFound = errors.New("bubblehouse: not found")
	// ErrAuth matches any 401 or 403 answer: the token was refused, or does
	// not allow the call; also the client's own refusal of a customer token
	// used for another customer, which the server answers with 403.
	ErrAuth = errors.New("bubblehouse: not authorized")
	// ErrAPIVersion matches the three global-API-version errors: the
	// configured WithAPIVersion is wrong for this account. Not retried.
	ErrAPIVersion = errors.New("bubblehouse: API version not usable")
)

var sentinels = map[string]error{
	IDInvalidToken:                                       ErrInvalidToken,
	IDRateLimitExceeded:                                  ErrRateLimitExceeded,
	IDObsoleteGlobalAPIVersion:                           ErrObsoleteGlobalAPIVersion,
	IDInvalidGlobalAPIVersion:                            ErrInvalidGlobalAPIVersion,
	IDInaccessibleGlobalAPIVersion:                       ErrInaccessibleGlobalAPIVersion,
	IDMissingCustomerIdentity:                            ErrMissingCustomerIdentity,
	IDEmptyCustomerIdentity:                              ErrEmptyCustomerIdentity,
	IDNoCustomersMatchCustomerIdentity:                   ErrNoCustomersMatchCustomerIdentity,
	IDCustomerIdentityPartiallyMismatchesMatchedCustomer: ErrCustomerIdentityPartiallyMismatchesMatchedCustomer,
	IDCustomerIdentityDoesNotMatchToken:                  ErrCustomerIdentityDoesNotMatchToken,
}

// APIError is Bubblehouse's answer to a call that failed: a status other than
// 2xx. Its Error method shows the endpoint, status, id and the API's short
// message, and never the token, the request or the response body.
type APIError struct {
	// Endpoint is the function called, such as "CustomerBalance3".
	Endpoint string
	// StatusCode is the HTTP status of the last answer. It is 0 when the
	// client found the error itself and sent nothing (Attempts is 0 then);
	// errors.Is then classes it by the status documented for its ID.
	StatusCode int
	// ID is the error id of the body ("invalid_token"), kept as sent even when
	// this SDK does not know it. Empty when the body was not a JSON error
	// (an HTML page from a proxy, say).
	ID string
	// Message is the API's human-readable message, often empty.
	Message string
	// RetryAfter is how long the server asked the client to wait (from a
	// Retry-After header), or for a 429 without one, the wait the client would
	// have used. For a 429 it is never less than the client's floor (1 s):
	// a Retry-After of 0 or a date in the past, most likely clock skew, does
	// not make a retry any sooner welcome. Zero when there is none.
	RetryAfter time.Duration
	// Attempts is how many times the call was sent, retries included.
	Attempts int
	// Body is the start of the error body (at most the client's error-body
	// cap), kept for debugging. It is never part of Error's text; log it only
	// if your logs may hold customer data.
	Body []byte

	// waitRefused is set when the answer carried a Retry-After the call
	// would not wait out (longer than WithMaxWait or past the deadline), so
	// that the error matches ErrRateLimitExceeded whatever its status.
	waitRefused bool
}

// Error describes the failure in one line: endpoint, status, id, the API's
// short message, and any wait; never a token, URL or body.
func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString("bubblehouse: ")
	if e.Endpoint != "" {
		b.WriteString(e.Endpoint)
		b.WriteString(": ")
	}
	if e.StatusCode == 0 {
		b.WriteString("refused before sending")
	} else {
		fmt.Fprintf(&b, "HTTP %d", e.StatusCode)
	}
	if e.ID != "" {
		// The id comes from the server as it is: keep a hostile one from
		// forging log lines or flooding them, as for the message.
		b.WriteString(" ")
		b.WriteString(cleanMessage(e.ID))
	} else if e.StatusCode != 0 {
		b.WriteString(" (no JSON error id in the body)")
	}
	if msg := cleanMessage(e.Message); msg != "" {
		b.WriteString(": ")
		b.WriteString(msg)
	} else if s, ok := sentinels[e.ID]; ok {
		b.WriteString(": ")
		b.WriteString(s.(*idError).text)
	}
	if e.RetryAfter > 0 {
		fmt.Fprintf(&b, " (retry after %s)", e.RetryAfter)
	}
	if e.Attempts > 1 {
		fmt.Fprintf(&b, " after %d attempts", e.Attempts)
	}
	return b.String()
}

// GoString keeps %#v as free of the answer as Error is: it shows the
// body's size, not its bytes, and the id and message cleaned.
func (e *APIError) GoString() string {
	return fmt.Sprintf("&bubblehouse.APIError{Endpoint:%q, StatusCode:%d, ID:%q, Message:%q, RetryAfter:%v, Attempts:%d, Body:[%d bytes]}",
		e.Endpoint, e.StatusCode, cleanMessage(e.ID), cleanMessage(e.Message), e.RetryAfter, e.Attempts, len(e.Body))
}

// Is reports whether the error matches target: the sentinel of its id, a
// class (ErrNotFound, ErrAuth, ErrAPIVersion), or ErrRateLimitExceeded for
// any 429 and for any answer whose Retry-After the client would not wait out
// (longer than WithMaxWait or past the context's deadline), such as a 503
// with Retry-After: 60; StatusCode and ID stay those of the answer.
//
// An error the client found itself (StatusCode 0) is classed by the status
// Bubblehouse documents for its id, so that a local
// empty_customer_identity matches ErrNotFound and a local
// customer_identity_does_not_match_token matches ErrAuth, as the server's
// 404 and 403 would.
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrNotFound:
		return e.classStatus() == 404
	case ErrAuth:
		st := e.classStatus()
		return st == 401 || st == 403
	case ErrAPIVersion:
		return e.ID == IDObsoleteGlobalAPIVersion || e.ID == IDInvalidGlobalAPIVersion || e.ID == IDInaccessibleGlobalAPIVersion
	case ErrRateLimitExceeded:
		return e.StatusCode == 429 || e.ID == IDRateLimitExceeded || e.waitRefused
	}
	if s, ok := target.(*idError); ok {
		return e.ID == s.id
	}
	return false
}

// classStatus is the status the error classes go by: the answer's, or for
// an error found before sending, the one documented for its id (0 when the
// id is not documented).
func (e *APIError) classStatus() int {
	if e.StatusCode != 0 {
		return e.StatusCode
	}
	if s, ok := sentinels[e.ID]; ok {
		return s.(*idError).status
	}
	return 0
}

// Temporary reports whether trying the same call later may succeed: a rate
// limit or an overloaded or unreachable server. The client has already
// retried such answers within its limits before returning them.
func (e *APIError) Temporary() bool {
	switch e.StatusCode {
	case 429, 500, 502, 503, 504:
		return true
	}
	return false
}

// cleanMessage keeps the API's message to one short printable line, so that a
// hostile or broken server cannot flood logs, forge log lines or disguise
// text through it.
func cleanMessage(s string) string {
	const maxLen = 200
	s = strings.Map(func(r rune) rune {
		// Format characters (Cf) are invisible but act: U+202E reverses
		// the text after it on a terminal or in a log viewer.
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			return ' '
		}
		return r
	}, strings.TrimSpace(s))
	if len(s) > maxLen {
		cut := maxLen
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

// parseAPIError builds the *APIError of a non-2xx answer from its status and
// (capped) body. The body need not be JSON; unknown fields are ignored.
func parseAPIError(endpoint string, status int, body []byte) *APIError {
	e := &APIError{Endpoint: endpoint, StatusCode: status, Body: body}
	var wire struct {
		ID      json.RawMessage `json:"id"`
		Message json.RawMessage `json:"message"`
	}
	if json.Unmarshal(body, &wire) == nil {
		e.ID = jsonString(wire.ID)
		e.Message = jsonString(wire.Message)
	}
	return e
}

// jsonString returns the JSON value as a string if it is one, else "".
func jsonString(raw json.RawMessage) string {
	var s string
	if len(raw) == 0 || json.Unmarshal(raw, &s) != nil {
		return ""
	}
	return s
}

// TransportError is a call that got no usable answer: the connection failed,
// the answer was cut off, the context ended, or the attempt got no token
// (the TokenSource failed or returned an empty one, ErrEmptyToken). Err is
// the cause; context errors stay matchable with
// errors.Is(err, context.DeadlineExceeded).
type TransportError struct {
	// Endpoint is the function called, such as "CustomerBalance3".
	Endpoint string
	// Attempts is how many times the call was sent, retries included; 0
	// when it failed before anything was sent (getting its token, say).
	Attempts int
	// Err is the cause of the last attempt's failure, without the URL that
	// net/http would have wrapped around it.
	Err error
}

// Error names the endpoint, the attempts made and the cause.
func (e *TransportError) Error() string {
	s := "bubblehouse: " + e.Endpoint + ": "
	if e.Attempts > 1 {
		s += fmt.Sprintf("after %d attempts: ", e.Attempts)
	}
	return s + e.Err.Error()
}

// Unwrap returns the cause.
func (e *TransportError) Unwrap() error { return e.Err }

// ErrResponseTooLarge is the cause of a *DecodeError when an answer was
// larger than the client's cap for it. The client stops reading at the cap.
var ErrResponseTooLarge = errors.New("response larger than the client's size cap")

// ErrNullResponse is the cause of a *DecodeError when a successful answer's
// body is JSON null or empty, where the endpoint promises an object.
var ErrNullResponse = errors.New("successful response with a null or empty body")

// DecodeError is a successful (2xx) answer the client could not read as the
// endpoint's JSON: an HTML page, truncated or null JSON, or a body over the
// size cap. It never holds the body itself.
type DecodeError struct {
	// Endpoint is the function called, such as "CustomerBalance3".
	Endpoint string
	// StatusCode is the HTTP status of the answer, a 2xx.
	StatusCode int
	// ContentType is the answer's Content-Type header as sent, which often
	// tells what answered instead of Bubblehouse (a proxy's text/html).
	ContentType string
	// Size is how many bytes of the body were read.
	Size int64
	// Err is why the body could not be read: ErrResponseTooLarge,
	// ErrNullResponse, the JSON decoder's error, or a note that the body is
	// not JSON at all.
	Err error
}

// Error names the endpoint, the status, the content type and how much was
// read, never the body.
func (e *DecodeError) Error() string {
	ct := e.ContentType
	if ct == "" {
		ct = "no content type"
	}
	return fmt.Sprintf("bubblehouse: %s: cannot read the HTTP %d answer (%s, %d bytes read): %v", e.Endpoint, e.StatusCode, cleanMessage(ct), e.Size, e.Err)
}

// Unwrap returns the cause.
func (e *DecodeError) Unwrap() error { return e.Err }

// RateLimitError is a call the client refused itself, without sending it,
// because its own rate limits or a 429 cooldown would hold it longer than
// WithMaxWait or past the context's deadline. It matches
// ErrRateLimitExceeded.
type RateLimitError struct {
	// Endpoint is the function called, such as "CustomerBalance3".
	Endpoint string
	// RetryAfter is how long the call would have had to wait.
	RetryAfter time.Duration
	// Cooldown is true when a 429 seen earlier (for this customer, or for the
	// whole client) holds the call; false when the client's rate limiter does.
	Cooldown bool
}

// Error says what held the call and for how long.
func (e *RateLimitError) Error() string {
	why := "the client's rate limit"
	if e.Cooldown {
		why = "a cooldown after a 429 from Bubblehouse"
	}
	return fmt.Sprintf("bubblehouse: %s: not sent: %s would hold it %s, longer than the call may wait", e.Endpoint, why, e.RetryAfter.Round(time.Millisecond))
}

// Is makes a RateLimitError match ErrRateLimitExceeded.
func (e *RateLimitError) Is(target error) bool { return target == ErrRateLimitExceeded }

// RetryAfter returns how long err asks the caller to wait before trying
// again: the Retry-After of an *APIError, or the wait of a *RateLimitError.
func RetryAfter(err error) (time.Duration, bool) {
	var apiErr *APIError
	if errors.As(err, &apiErr) && apiErr.RetryAfter > 0 {
		return apiErr.RetryAfter, true
	}
	var rlErr *RateLimitError
	if errors.As(err, &rlErr) {
		return rlErr.RetryAfter, true
	}
	return 0, false
}
