package bubblehouse

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/require"
)

// The raw test server of this file checks the wire format by hand: it is
// mounted under a path prefix, so a wrong URL fails loudly, and it verifies
// each token with the decoded secret as Bubblehouse would.

const (
	testShop   = "test-shop"
	testKeyID  = "key-1"
	testPrefix = "/proxy/bh"
)

// testSecretBytes is the HMAC key; the console shows it base64-encoded.
var testSecretBytes = []byte("0123456789abcdef0123456789abcdef")

func testSecret() string { return base64.StdEncoding.EncodeToString(testSecretBytes) }

// Errors rawServer records in TokenErr when a request carries no bearer
// token at all.
var (
	errNoAuthorization = errors.New("no Authorization header")
	errNotBearer       = errors.New("the Authorization header is not a Bearer token")
)

// seen is one request as the server received it.
type seen struct {
	Method   string
	Path     string
	Header   http.Header
	Body     map[string]any
	RawBody  string
	Subject  string
	TokenErr error
	Claims   jwt.MapClaims
	Token    string
}

// rawServer records every request and answers with handle.
type rawServer struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []seen
}

func newRawServer(t *testing.T, handle func(w http.ResponseWriter, r *http.Request, n int)) *rawServer {
	t.Helper()
	s := &rawServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body)) // handlers may read it again
		rec := seen{Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone(), RawBody: string(body)}
		_ = json.Unmarshal(body, &rec.Body)
		// A request without a bearer token must not pass for a verified
		// one: Bubblehouse would run it anonymously.
		auth := r.Header.Get("Authorization")
		tok, bearer := strings.CutPrefix(auth, "Bearer ")
		switch {
		case auth == "":
			rec.TokenErr = errNoAuthorization
		case !bearer || tok == "":
			rec.TokenErr = errNotBearer
		default:
			rec.Token = tok
			claims := jwt.MapClaims{}
			_, err := jwt.ParseWithClaims(tok, claims, func(tk *jwt.Token) (any, error) {
				if tk.Header["kid"] != testKeyID {
					return nil, jwt.ErrTokenUnverifiable
				}
				return testSecretBytes, nil
			}, jwt.WithValidMethods([]string{"HS256"}), jwt.WithAudience("BH"), jwt.WithExpirationRequired(), jwt.WithIssuedAt())
			rec.TokenErr, rec.Claims = err, claims
			rec.Subject, _ = claims["sub"].(string)
		}
		s.mu.Lock()
		s.reqs = append(s.reqs, rec)
		n := len(s.reqs)
		s.mu.Unlock()
		handle(w, r, n)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *rawServer) requests() []seen {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]seen(nil), s.reqs...)
}

func (s *rawServer) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.reqs)
}

// fastRetries makes backoff take milliseconds and pins its randomness.
func fastRetries() Option {
	return func(s *settings) error {
		_ = withTestBackoff(time.Millisecond)(s)
		return withTestJitter(0.5)(s)
	}
}

// newTestClient returns a shop-token client pointed at s.
func newTestClient(t *testing.T, s *rawServer, opts ...Option) *Client {
	t.Helper()
	all := append([]Option{
		WithSigningKey(testKeyID, testSecret()),
		WithBaseURL(s.URL + testPrefix),
		WithCustomerRateLimit(1e6, 1000),
		WithExportRateLimit(1e6, 1000),
		fastRetries(),
	}, opts...)
	c, err := NewClient(testShop, all...)
	require.NoError(t, err)
	return c
}

// jsonReply writes status and body as JSON.
func jsonReply(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

const statusOK = `{"now":"2026-11-22T12:00:00Z","logged_in":true,"user":{"kind":"shop"},"shop_slug":"test-shop","membership":"none","program_enabled":true,"extra":1}`
