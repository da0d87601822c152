package bubblehouse

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"
)

func TestNewClientValidatesOptions(t *testing.T) {
	key := WithSigningKey(testKeyID, testSecret())
	tests := []struct {
		name string
		shop string
		opts []Option
		want string
	}{
		{"no credentials", "shop", nil, "no credentials"},
		{"two credentials", "shop", []Option{key, WithToken("t")}, "only one"},
		{"uppercase slug", "Shop", []Option{key}, "invalid shop slug"},
		{"slug with slash", "a/b", []Option{key}, "invalid shop slug"},
		{"slug with dots", "../x", []Option{key}, "invalid shop slug"},
		{"empty slug", "", []Option{key}, "invalid shop slug"},
		{"trailing dash", "shop-", []Option{key}, "invalid shop slug"},
		{"empty key id", "shop", []Option{WithSigningKey("", testSecret())}, "key ID"},
		{"secret not base64", "shop", []Option{WithSigningKey("k", "%%%")}, "base64"},
		{"empty secret", "shop", []Option{WithSigningKey("k", "")}, "base64"},
		{"empty token", "shop", []Option{WithToken(" ")}, "empty"},
		{"nil source", "shop", []Option{WithTokenSource(nil)}, "nil"},
		{"negative retries", "shop", []Option{key, WithMaxRetries(-1)}, "out of range"},
		{"negative wait", "shop", []Option{key, WithMaxWait(-time.Second)}, "negative"},
		{"bad scheme", "shop", []Option{key, WithBaseURL("ftp://x")}, "scheme"},
		{"no host", "shop", []Option{key, WithBaseURL("https://")}, "no host"},
		{"user info", "shop", []Option{key, WithBaseURL("https://u:p@x")}, "user info"},
		{"query", "shop", []Option{key, WithBaseURL("https://x/?a=b")}, "query"},
		{"not a url", "shop", []Option{key, WithBaseURL("://")}, "not a URL"},
		{"bad version", "shop", []Option{key, WithAPIVersion("2023")}, "WithAPIVersion"},
		{"zero rate", "shop", []Option{key, WithRateLimit(0, 1)}, "rate must be in (0, 1e9]"},
		{"absurd rate", "shop", []Option{key, WithCustomerRateLimit(1e12, 1)}, "rate must be in (0, 1e9]"},
		{"zero burst", "shop", []Option{key, WithCustomerRateLimit(1, 0)}, "burst"},
		{"nil http client", "shop", []Option{key, WithHTTPClient(nil)}, "nil"},
		{"short ttl", "shop", []Option{key, WithTokenTTL(time.Second)}, "too short"},
		{"ua newline", "shop", []Option{key, WithUserAgent("a\nb")}, "one line"},
		{"tiny cap", "shop", []Option{key, WithMaxResponseBytes(10)}, "1 KiB"},
		{"nil limiter", "shop", []Option{key, WithLimiter(nil)}, "nil"},
		{"nil cooldowns", "shop", []Option{key, WithCooldownStore(nil)}, "nil"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := NewClient(tc.shop, tc.opts...)
			require.Error(t, err)
			assert.Nil(t, c)
			assert.Contains(t, err.Error(), tc.want)
			assert.NotContains(t, err.Error(), testSecret())
		})
	}

	c, err := NewClient("my-shop-2", key, WithRateLimit(rate.Inf, 0), nil)
	require.NoError(t, err)
	assert.Equal(t, "my-shop-2", c.Shop())
	assert.Equal(t, TokenKindShop, c.TokenKind())
	assert.NotNil(t, c.Signer())
	assert.Equal(t, "https://app.bubblehouse.com/api/v2023061/my-shop-2/", c.core.prefix)
}

func TestWireFormat(t *testing.T) {
	srv := newRawServer(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		switch {
		case strings.HasSuffix(r.URL.Path, "/Status2"):
			jsonReply(w, 200, statusOK)
		default:
			jsonReply(w, 200, `{"customer":{"x":1}}`)
		}
	})
	c := newTestClient(t, srv, WithUserAgent("shop-backend/1.0"))
	ctx := context.Background()

	st, err := c.Status2(ctx)
	require.NoError(t, err)
	assert.True(t, st.LoggedIn)
	assert.Equal(t, "test-shop", st.ShopSlug)
	assert.Equal(t, MembershipNone, st.Membership)
	assert.Equal(t, time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC), st.Now.Time)
	assert.JSONEq(t, statusOK, string(st.Raw()), "unknown fields stay reachable")

	raw, err := c.ExportCustomerData1(ctx, &ExportCustomerData1Input{Customer: ByEmail("alice@example.com")})
	require.NoError(t, err)
	assert.Equal(t, `{"customer":{"x":1}}`, string(raw))

	reqs := srv.requests()
	require.Len(t, reqs, 2)
	for i, want := range []struct{ path, body string }{
		{testPrefix + "/api/v2023061/test-shop/Status2", `{}`},
		{testPrefix + "/api/v2023061/test-shop/ExportCustomerData1", `{"customer":{"email":"alice@example.com"}}`},
	} {
		r := reqs[i]
		assert.Equal(t, http.MethodPost, r.Method)
		assert.Equal(t, want.path, r.Path)
		assert.JSONEq(t, want.body, r.RawBody)
		assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
		assert.Equal(t, "application/json", r.Header.Get("Accept"))
		assert.Equal(t, "shop-backend/1.0 bubblehouse-go/"+Version, r.Header.Get("User-Agent"))
		require.NoError(t, r.TokenErr, "token verifies with the decoded secret, kid, aud, exp, iat")
		assert.Equal(t, "test-shop", r.Subject)
		exp, _ := r.Claims.GetExpirationTime()
		assert.WithinDuration(t, time.Now().Add(DefaultTokenTTL), exp.Time, 2*time.Second)
	}
	assert.Equal(t, reqs[0].Token, reqs[1].Token, "the cached token is reused")
}

func TestCustomerTokensAndStaticTokens(t *testing.T) {
	srv := newRawServer(t, func(w http.ResponseWriter, r *http.Request, _ int) { jsonReply(w, 200, `{"a":1}`) })
	c := newTestClient(t, srv)
	ctx := context.Background()

	cc := c.ForCustomer("shop-customer-123")
	assert.Equal(t, TokenKindCustomer, cc.TokenKind())
	_, err := cc.ExportCustomerData1(ctx, nil) // a customer token needs no identity
	require.NoError(t, err)
	r := srv.requests()[0]
	assert.Equal(t, "test-shop/shop-customer-123", r.Subject)
	assert.Equal(t, "{}", r.RawBody)

	// A customer token naming someone else is refused locally.
	_, err = cc.ExportCustomerData1(ctx, &ExportCustomerData1Input{Customer: ByShopID("other")})
	assert.ErrorIs(t, err, ErrCustomerIdentityDoesNotMatchToken)
	assert.Equal(t, 1, srv.count())

	// ForCustomer on a client without a signing key, or with a bad id.
	tokClient, err := NewClient(testShop, WithToken("opaque"), WithBaseURL(srv.URL+testPrefix))
	require.NoError(t, err)
	_, err = tokClient.ForCustomer("x").ExportCustomerData1(ctx, nil)
	assert.ErrorContains(t, err, "WithSigningKey")
	_, err = c.ForCustomer("a/b").Status2(ctx)
	assert.ErrorIs(t, err, ErrInvalidCustomerID)

	// An opaque static token is sent as it is, with no local checks.
	_, err = tokClient.ExportCustomerData1(ctx, nil)
	require.NoError(t, err)
	last := srv.requests()[srv.count()-1]
	assert.Equal(t, "Bearer opaque", last.Header.Get("Authorization"))
	assert.Equal(t, TokenKindUnknown, tokClient.TokenKind())

	// A static customer JWT is recognised, and its customer checked.
	ctok, err := c.Signer().CustomerToken("77", time.Minute)
	require.NoError(t, err)
	jc, err := NewClient(testShop, WithToken(ctok), WithBaseURL(srv.URL+testPrefix))
	require.NoError(t, err)
	assert.Equal(t, TokenKindCustomer, jc.TokenKind())
	_, err = jc.ExportCustomerData1(ctx, &ExportCustomerData1Input{Customer: ByShopID("78")})
	assert.ErrorIs(t, err, ErrCustomerIdentityDoesNotMatchToken)
}

func TestShopTokenIdentityCheckedLocally(t *testing.T) {
	srv := newRawServer(t, func(w http.ResponseWriter, r *http.Request, _ int) { jsonReply(w, 200, `{}`) })
	c := newTestClient(t, srv)
	ctx := context.Background()
	for _, tc := range []struct {
		in   *ExportCustomerData1Input
		want error
		id   string
	}{
		{nil, ErrMissingCustomerIdentity, IDMissingCustomerIdentity},
		{&ExportCustomerData1Input{}, ErrMissingCustomerIdentity, IDMissingCustomerIdentity},
		{&ExportCustomerData1Input{Customer: &CustomerIdentity1{}}, ErrEmptyCustomerIdentity, IDEmptyCustomerIdentity},
		{&ExportCustomerData1Input{Customer: &CustomerIdentity1{Email: "  "}}, ErrEmptyCustomerIdentity, IDEmptyCustomerIdentity},
	} {
		_, err := c.ExportCustomerData1(ctx, tc.in)
		assert.ErrorIs(t, err, tc.want)
		var apiErr *APIError
		require.ErrorAs(t, err, &apiErr)
		assert.Equal(t, 0, apiErr.StatusCode, "detected locally")
		assert.Equal(t, 0, apiErr.Attempts)
		assert.Equal(t, tc.id, apiErr.ID)
		assert.Contains(t, apiErr.Error(), "refused before sending")
	}
	assert.Equal(t, 0, srv.count(), "nothing was sent")
}

func TestEveryDocumentedErrorID(t *testing.T) {
	tests := []struct {
		status  int
		id      string
		message string
		is      []error
	}{
		{401, IDInvalidToken, "The token has expired", []error{ErrInvalidToken, ErrAuth}},
		{429, IDRateLimitExceeded, "You are over the read limit per second for this customer", []error{ErrRateLimitExceeded}},
		{400, IDObsoleteGlobalAPIVersion, "", []error{ErrObsoleteGlobalAPIVersion, ErrAPIVersion}},
		{400, IDInvalidGlobalAPIVersion, "", []error{ErrInvalidGlobalAPIVersion, ErrAPIVersion}},
		{400, IDInaccessibleGlobalAPIVersion, "", []error{ErrInaccessibleGlobalAPIVersion, ErrAPIVersion}},
		{400, IDMissingCustomerIdentity, "", []error{ErrMissingCustomerIdentity}},
		{404, IDEmptyCustomerIdentity, "", []error{ErrEmptyCustomerIdentity, ErrNotFound}},
		{404, IDNoCustomersMatchCustomerIdentity, "", []error{ErrNoCustomersMatchCustomerIdentity, ErrNotFound}},
		{404, IDCustomerIdentityPartiallyMismatchesMatchedCustomer, "", []error{ErrCustomerIdentityPartiallyMismatchesMatchedCustomer, ErrNotFound}},
		{403, IDCustomerIdentityDoesNotMatchToken, "", []error{ErrCustomerIdentityDoesNotMatchToken, ErrAuth}},
		{404, "not_found", "", []error{ErrNotFound}},
		{409, "some_future_error", "new", nil},
	}
	all := []error{ErrInvalidToken, ErrRateLimitExceeded, ErrObsoleteGlobalAPIVersion, ErrInvalidGlobalAPIVersion,
		ErrInaccessibleGlobalAPIVersion, ErrMissingCustomerIdentity, ErrEmptyCustomerIdentity, ErrNoCustomersMatchCustomerIdentity,
		ErrCustomerIdentityPartiallyMismatchesMatchedCustomer, ErrCustomerIdentityDoesNotMatchToken, ErrNotFound, ErrAuth, ErrAPIVersion}
	for _, tc := range tests {
		t.Run(tc.id, func(t *testing.T) {
			body := fmt.Sprintf(`{"id":%q}`, tc.id)
			if tc.message != "" {
				body = fmt.Sprintf(`{"id":%q,"message":%q,"extras":{"x":1}}`, tc.id, tc.message)
			}
			srv := newRawServer(t, func(w http.ResponseWriter, r *http.Request, _ int) {
				if tc.status == 429 {
					w.Header().Set("Retry-After", "30") // beyond MaxWait: fail fast, no retry
				}
				jsonReply(w, tc.status, body)
			})
			c := newTestClient(t, srv, WithMaxWait(time.Second))
			_, err := c.ExportCustomerData1(context.Background(), &ExportCustomerData1Input{Customer: ByBHID("0000018abc123def")})
			var apiErr *APIError
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, tc.status, apiErr.StatusCode)
			assert.Equal(t, tc.id, apiErr.ID, "unknown ids are kept")
			assert.Equal(t, tc.message, apiErr.Message)
			assert.Equal(t, 1, apiErr.Attempts)
			assert.Equal(t, 1, srv.count(), "not retried")
			assert.JSONEq(t, body, string(apiErr.Body))
			for _, target := range all {
				want := false
				for _, w := range tc.is {
					want = want || w == target
				}
				assert.Equal(t, want, errors.Is(err, target), "errors.Is(%v)", target)
			}
			msg := err.Error()
			assert.Contains(t, msg, "ExportCustomerData1")
			assert.Contains(t, msg, fmt.Sprint(tc.status))
			assert.Contains(t, msg, tc.id)
			assert.NotContains(t, msg, "extras", "no body dump")
			assert.NotContains(t, msg, srv.URL, "no URL")
			if tc.status == 429 {
				assert.Equal(t, 30*time.Second, apiErr.RetryAfter)
				d, ok := RetryAfter(err)
				assert.True(t, ok)
				assert.Equal(t, 30*time.Second, d)
			}
		})
	}
}

func TestNonJSONErrorBodies(t *testing.T) {
	srv := newRawServer(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(418)
		_, _ = w.Write([]byte("<html><body>I'm a teapot\x1b[31m</body></html>"))
	})
	c := newTestClient(t, srv)
	_, err := c.Status2(context.Background())
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, 418, apiErr.StatusCode)
	assert.Empty(t, apiErr.ID)
	assert.Equal(t, "bubblehouse: Status2: HTTP 418 (no JSON error id in the body)", err.Error())
}

func TestAPIErrorMessageIsCleaned(t *testing.T) {
	e := &APIError{Endpoint: "X", StatusCode: 400, ID: "bad", Message: "line1\nline2\x1b\u202egnp.exe\u200b" + strings.Repeat("é", 300)}
	s := e.Error()
	assert.NotContains(t, s, "\n")
	assert.NotContains(t, s, "\x1b")
	assert.NotContains(t, s, "\u202e", "a bidi override would reverse what follows it")
	assert.NotContains(t, s, "\u200b")
	assert.Less(t, len(s), 300)
	assert.True(t, strings.HasSuffix(s, "…"))
}

func TestRedirectsAreNotFollowed(t *testing.T) {
	other := newRawServer(t, func(w http.ResponseWriter, r *http.Request, _ int) { jsonReply(w, 200, statusOK) })
	srv := newRawServer(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		http.Redirect(w, r, other.URL+"/steal", http.StatusTemporaryRedirect)
	})
	c := newTestClient(t, srv)
	_, err := c.Status2(context.Background())
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, http.StatusTemporaryRedirect, apiErr.StatusCode)
	assert.Equal(t, 0, other.count(), "neither the token nor the body went to the other host")
}

// TestDefaultsAreHTTPS: a client talks plain HTTP only to a base URL
// passed to WithBaseURL with http://; the default is https, and a URL
// without a scheme is refused rather than read as http.
func TestDefaultsAreHTTPS(t *testing.T) {
	key := WithSigningKey(testKeyID, testSecret())
	assert.True(t, strings.HasPrefix(DefaultBaseURL, "https://"), DefaultBaseURL)
	c, err := NewClient("my-shop", key)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(c.core.prefix, "https://"), c.core.prefix)

	_, err = NewClient("my-shop", key, WithBaseURL("app.bubblehouse.com"))
	require.Error(t, err, "no scheme")

	c, err = NewClient("my-shop", key, WithBaseURL("http://127.0.0.1:8080/proxy"))
	require.NoError(t, err)
	assert.Equal(t, "http://127.0.0.1:8080/proxy/api/v2023061/my-shop/", c.core.prefix)
}

// TestDefaultTransportRefusesTLSBelow12: the client's own transport
// requires TLS 1.2, so a server that offers at most TLS 1.1 is refused,
// while the same transport completes a TLS 1.2 handshake with the same
// certificate (the refusal is the version, not trust).
func TestDefaultTransportRefusesTLSBelow12(t *testing.T) {
	require.NotNil(t, newTransport().TLSClientConfig)
	assert.GreaterOrEqual(t, newTransport().TLSClientConfig.MinVersion, uint16(tls.VersionTLS12))
	// And a client given no WithHTTPClient uses that transport.
	c, err := NewClient(testShop, WithSigningKey(testKeyID, testSecret()))
	require.NoError(t, err)
	tr, ok := c.core.transport.(*http.Transport)
	require.True(t, ok, "the default transport is %T", c.core.transport)
	require.NotNil(t, tr.TLSClientConfig)
	assert.GreaterOrEqual(t, tr.TLSClientConfig.MinVersion, uint16(tls.VersionTLS12))

	status2Over := func(maxVersion uint16) error {
		srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			jsonReply(w, 200, statusOK)
		}))
		srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake
		srv.TLS = &tls.Config{MinVersion: tls.VersionTLS10, MaxVersion: maxVersion}
		srv.StartTLS()
		t.Cleanup(srv.Close)

		tr := newTransport()
		t.Cleanup(tr.CloseIdleConnections)
		roots := x509.NewCertPool()
		roots.AddCert(srv.Certificate())
		tr.TLSClientConfig.RootCAs = roots
		c, err := NewClient(testShop, WithSigningKey(testKeyID, testSecret()), WithBaseURL(srv.URL),
			WithHTTPClient(&http.Client{Transport: tr}), WithMaxRetries(0))
		require.NoError(t, err)
		_, err = c.Status2(context.Background())
		return err
	}

	require.NoError(t, status2Over(tls.VersionTLS12))
	err = status2Over(tls.VersionTLS11)
	var tErr *TransportError
	require.ErrorAs(t, err, &tErr)
	assert.ErrorContains(t, err, "protocol version")
}

func TestClientStringIsRedacted(t *testing.T) {
	srv := newRawServer(t, func(w http.ResponseWriter, r *http.Request, _ int) {})
	c := newTestClient(t, srv)
	tok, err := c.Signer().ShopToken(time.Minute)
	require.NoError(t, err)
	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("client", "c", c, "signer", c.Signer(), "id", ByEmail("alice@example.com"))
	out := fmt.Sprintf("%v %+v %#v %s %#v %s", c, c, c, c.Signer(), c.Signer(), ByEmail("alice@example.com")) + buf.String()
	assert.Equal(t, c.String(), fmt.Sprintf("%#v", c))
	for _, secret := range []string{testSecret(), string(testSecretBytes), tok, "alice@"} {
		assert.NotContains(t, out, secret)
	}
	assert.Contains(t, out, "a***@example.com")
}

func TestLoggingHasFixedKeysAndNoSecrets(t *testing.T) {
	srv := newRawServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if n == 1 {
			jsonReply(w, 503, `{"id":"overloaded"}`)
			return
		}
		jsonReply(w, 200, statusOK)
	})
	var buf bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c := newTestClient(t, srv, WithLogger(logger))
	_, err := c.Status2(context.Background())
	require.NoError(t, err)
	out := buf.String()
	assert.Contains(t, out, `"msg":"bubblehouse: attempt","endpoint":"Status2","attempt":1,"status":503`)
	assert.Contains(t, out, `"msg":"bubblehouse: retry decision","endpoint":"Status2","attempt":1,"status":503,"retry":true,"reason":"retry_status","wait":`)
	assert.Contains(t, out, `"attempt":2,"status":200`)
	assert.Equal(t, 3, strings.Count(out, "\n"), "two attempts and one retry decision")
	for _, r := range srv.requests() {
		assert.NotContains(t, out, r.Token)
	}
	assert.NotContains(t, out, "Authorization")
}

func TestAPIErrorGoStringHidesTheBody(t *testing.T) {
	e := &APIError{Endpoint: "X", StatusCode: 400, ID: "bad\nid", Body: []byte(`{"echo":"SENTINEL-TOKEN"}`)}
	s := fmt.Sprintf("%#v", e)
	assert.NotContains(t, s, "SENTINEL-TOKEN")
	assert.Contains(t, s, "Body:[25 bytes]")
	assert.NotContains(t, s, "\n")
}

// countingCooldowns is a CooldownStore that counts StartCooldown calls.
type countingCooldowns struct {
	mu     sync.Mutex
	starts []time.Time
}

func (c *countingCooldowns) CooldownUntil(context.Context, string) (time.Time, error) {
	return time.Time{}, nil
}

func (c *countingCooldowns) StartCooldown(_ context.Context, _ string, until time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.starts = append(c.starts, until)
	return nil
}

// TestFinalAnswerIsDecidedOnce: go-retryablehttp asks CheckRetry twice
// about an answer it does not retry; the client decides once, so the
// decision is logged once and a final 429 starts one cooldown.
func TestFinalAnswerIsDecidedOnce(t *testing.T) {
	tests := []struct {
		name, retryAfter string
		status           int
		body             string
		cooldowns        int
	}{
		{name: "404", status: 404, body: `{"id":"no_matching_customer"}`},
		{name: "429 too long to wait", status: 429, retryAfter: "3600", body: `{"id":"rate_limit_exceeded"}`, cooldowns: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newRawServer(t, func(w http.ResponseWriter, r *http.Request, _ int) {
				if tt.retryAfter != "" {
					w.Header().Set("Retry-After", tt.retryAfter)
				}
				jsonReply(w, tt.status, tt.body)
			})
			var buf bytes.Buffer
			logger := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
			cs := &countingCooldowns{}
			c := newTestClient(t, srv, WithLogger(logger), WithCooldownStore(cs), WithMaxWait(time.Second))
			_, err := c.Status2(context.Background())
			var apiErr *APIError
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, 1, apiErr.Attempts)
			assert.Equal(t, 1, strings.Count(buf.String(), `"msg":"bubblehouse: retry decision"`), buf.String())
			assert.Len(t, cs.starts, tt.cooldowns)
		})
	}
}

// TestLocalRefusalsMatchTheServersClasses: a call the client refuses itself
// (StatusCode 0) matches the same sentinels and classes as the server's
// answer with that id would, so that a caller's errors.Is(err, ErrNotFound)
// does not depend on whether the client knew the token's kind.
func TestLocalRefusalsMatchTheServersClasses(t *testing.T) {
	all := []error{ErrInvalidToken, ErrRateLimitExceeded, ErrObsoleteGlobalAPIVersion, ErrInvalidGlobalAPIVersion,
		ErrInaccessibleGlobalAPIVersion, ErrMissingCustomerIdentity, ErrEmptyCustomerIdentity, ErrNoCustomersMatchCustomerIdentity,
		ErrCustomerIdentityPartiallyMismatchesMatchedCustomer, ErrCustomerIdentityDoesNotMatchToken, ErrNotFound, ErrAuth, ErrAPIVersion}
	tests := []struct {
		id     string
		status int // the documented status of the server's answer (spec 4.3)
		local  func(c *Client) *Client
		in     *ExportCustomerData1Input
		class  error // the class both must match; nil for none
	}{
		{IDMissingCustomerIdentity, 400, func(c *Client) *Client { return c }, nil, nil},
		{IDEmptyCustomerIdentity, 404, func(c *Client) *Client { return c }, &ExportCustomerData1Input{Customer: &CustomerIdentity1{}}, ErrNotFound},
		{IDCustomerIdentityDoesNotMatchToken, 403, func(c *Client) *Client { return c.ForCustomer("77") }, &ExportCustomerData1Input{Customer: ByShopID("78")}, ErrAuth},
	}
	for _, tc := range tests {
		t.Run(tc.id, func(t *testing.T) {
			srv := newRawServer(t, func(w http.ResponseWriter, r *http.Request, _ int) {
				jsonReply(w, tc.status, fmt.Sprintf(`{"id":%q}`, tc.id))
			})
			ctx := context.Background()
			_, localErr := tc.local(newTestClient(t, srv)).ExportCustomerData1(ctx, tc.in)
			var apiErr *APIError
			require.ErrorAs(t, localErr, &apiErr)
			require.Equal(t, 0, apiErr.StatusCode, "refused locally")
			require.Equal(t, 0, srv.count())

			// A TokenSource leaves the check to the server.
			remote, err := NewClient(testShop, WithTokenSource(&countingTokens{}), WithBaseURL(srv.URL+testPrefix), fastRetries())
			require.NoError(t, err)
			_, serverErr := remote.ExportCustomerData1(ctx, tc.in)
			require.ErrorAs(t, serverErr, &apiErr)
			require.Equal(t, tc.status, apiErr.StatusCode, "answered by the server")

			for _, target := range all {
				assert.Equal(t, errors.Is(serverErr, target), errors.Is(localErr, target), "errors.Is(%v)", target)
			}
			if tc.class != nil {
				assert.ErrorIs(t, localErr, tc.class)
			}
		})
	}
}

type traceKey struct{}

// ctxRecorder is a slog.Handler that notes, for every record, its message
// and the trace value of the context it was logged with, as a handler that
// adds trace ids from the context would read it.
type ctxRecorder struct {
	mu   sync.Mutex
	msgs []string
	vals []any
	keys map[string]bool
}

func (h *ctxRecorder) Enabled(context.Context, slog.Level) bool { return true }
func (h *ctxRecorder) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h *ctxRecorder) WithGroup(string) slog.Handler            { return h }
func (h *ctxRecorder) Handle(ctx context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.msgs = append(h.msgs, r.Message)
	h.vals = append(h.vals, ctx.Value(traceKey{}))
	r.Attrs(func(a slog.Attr) bool {
		h.keys[a.Key] = true
		return true
	})
	return nil
}

// failingCooldowns is a CooldownStore that cannot record a cooldown.
type failingCooldowns struct{}

func (failingCooldowns) CooldownUntil(context.Context, string) (time.Time, error) {
	return time.Time{}, nil
}

func (failingCooldowns) StartCooldown(context.Context, string, time.Time) error {
	return errors.New("store down")
}

// TestLogRecordsCarryTheCallsContext: every record of a call, the final
// one included, is logged with the call's context, so that a handler can
// read trace data from it, and with no key outside the documented set
// (WithLogger, README's Logging).
func TestLogRecordsCarryTheCallsContext(t *testing.T) {
	srv := newRawServer(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		jsonReply(w, 429, `{"id":"rate_limit_exceeded"}`)
	})
	h := &ctxRecorder{keys: map[string]bool{}}
	c := newTestClient(t, srv, WithLogger(slog.New(h)), WithMaxRetries(1), WithCooldownStore(failingCooldowns{}))
	ctx := context.WithValue(context.Background(), traceKey{}, "trace-1")
	_, err := c.Status2(ctx)
	require.ErrorIs(t, err, ErrRateLimitExceeded)

	h.mu.Lock()
	defer h.mu.Unlock()
	for _, want := range []string{"bubblehouse: attempt", "bubblehouse: retry decision", "bubblehouse: cooldown store failed", "bubblehouse: call failed"} {
		assert.Contains(t, h.msgs, want)
	}
	for i, v := range h.vals {
		assert.Equal(t, "trace-1", v, "record %q", h.msgs[i])
	}
	documented := map[string]bool{"endpoint": true, "attempt": true, "status": true, "error_id": true,
		"error": true, "retry": true, "reason": true, "wait": true}
	for k := range h.keys {
		assert.True(t, documented[k], "undocumented log key %q", k)
	}
}
