package bubblehouse

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"
)

// insteadOfSigningKey makes a test client send a static token instead of
// the signing key newTestClient gives it.
func insteadOfSigningKey(token string) Option {
	return func(s *settings) error {
		s.key = nil
		return WithToken(token)(s)
	}
}

// TestSecretsNeverLeak runs every error path the client has with sentinel
// credentials, through clients with a debug-level logger and through
// clients without one, and checks that no credential, nor any token the
// client minted, shows in an error (its text, %v, %+v, %#v), in the client
// or signer printed, or in a log line; and that nothing at all reaches file
// descriptor 2, whatever logger a client has: the client is silent unless
// given one, and never logs anywhere else. Not parallel: captureFD2 takes
// the process's fd 2.
func TestSecretsNeverLeak(t *testing.T) {
	secretB64 := sentinelSecret()
	opaqueToken := "SENTINEL-TOKEN-opaque-0123456789"
	enc := base64.RawURLEncoding
	jwtToken := enc.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`)) + "." +
		enc.EncodeToString([]byte(`{"aud":"BH","sub":"test-shop"}`)) + ".SENTINEL-TOKEN-signature"

	var (
		mu   sync.Mutex
		mode string
		seen = map[string]bool{} // every Authorization the server received
	)
	setMode := func(m string) { mu.Lock(); mode = m; mu.Unlock() }
	srv := newCountingServer(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		m := mode
		if a := r.Header.Get("Authorization"); a != "" {
			seen[strings.TrimPrefix(a, "Bearer ")] = true
		}
		mu.Unlock()
		switch m {
		case "401":
			w.WriteHeader(401)
			_, _ = io.WriteString(w, `{"id":"invalid_token","message":"The token has expired"}`)
		case "429":
			w.WriteHeader(429)
			_, _ = io.WriteString(w, `{"id":"rate_limit_exceeded"}`)
		case "429-long":
			w.Header().Set("Retry-After", "5")
			w.WriteHeader(429)
		case "502":
			w.WriteHeader(502)
			_, _ = io.WriteString(w, "<html>Bad Gateway</html>")
		case "500":
			w.WriteHeader(500)
			_, _ = io.WriteString(w, `{"id":"internal_server_error","message":"boom"}`)
		case "400-text":
			w.WriteHeader(400)
			_, _ = io.WriteString(w, "bad request")
		case "version":
			w.WriteHeader(400)
			_, _ = io.WriteString(w, `{"id":"inaccessible_global_api_version"}`)
		case "404":
			w.WriteHeader(404)
			_, _ = io.WriteString(w, `{"id":"no_customers_match_customer_identity"}`)
		case "html":
			_, _ = io.WriteString(w, "<html>hello</html>")
		case "null":
			_, _ = io.WriteString(w, "null")
		case "truncated":
			_, _ = io.WriteString(w, statusAnswer[:30])
		case "bad-time":
			_, _ = io.WriteString(w, `{"now":"yesterday","logged_in":true}`)
		case "anonymous":
			_, _ = io.WriteString(w, `{"now":"2026-01-01T00:00:00Z","logged_in":false}`)
		case "skew":
			_, _ = io.WriteString(w, `{"now":"2001-01-01T00:00:00Z","logged_in":true,"shop_slug":"test-shop"}`)
		case "other-shop":
			_, _ = io.WriteString(w, `{"now":"2026-01-01T00:00:00Z","logged_in":true,"shop_slug":"other"}`)
		case "reset":
			resetConn(t, w, "")
		case "reset-body":
			resetConn(t, w, "HTTP/1.1 200 OK\r\nContent-Length: 900\r\n\r\n{\"pad\":\""+strings.Repeat("x", 600))
		case "redirect":
			http.Redirect(w, r, "http://127.0.0.1:1/elsewhere", http.StatusFound)
		case "slow":
			<-r.Context().Done()
		default:
			_, _ = io.WriteString(w, statusAnswer)
		}
	})

	var logBuf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logBuf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	type namedClient struct {
		name string
		c    *Client
	}
	// newClients makes the four kinds of client, each with limiters and
	// cooldowns of its own: a client that shared another's would find them
	// spent by it, and send nothing.
	newClients := func(set string, extra ...Option) []namedClient {
		mk := func(opts ...Option) *Client {
			all := append([]Option{WithMaxWait(time.Second)}, extra...)
			return newSentinelClient(t, srv.URL, append(all, opts...)...)
		}
		return []namedClient{
			{set + "/signing key", mk(WithExportRateLimit(rate.Limit(0.001), 1), WithCustomerRateLimit(rate.Inf, 0))},
			{set + "/for customer", mk(WithExportRateLimit(rate.Limit(0.001), 1), WithCustomerRateLimit(rate.Inf, 0)).ForCustomer("cust-1")},
			{set + "/opaque token", mk(WithExportRateLimit(rate.Inf, 0), WithCustomerRateLimit(rate.Inf, 0), insteadOfSigningKey(opaqueToken))},
			{set + "/JWT token", mk(WithExportRateLimit(rate.Inf, 0), WithCustomerRateLimit(rate.Inf, 0), insteadOfSigningKey(jwtToken))},
		}
	}
	logged := newClients("logged", WithLogger(logger))
	// The default: no WithLogger. These must write nothing anywhere.
	silent := newClients("silent")
	signing := logged[0].c

	var errs []error
	record := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	modes := []string{"401", "429", "502", "500", "400-text", "version", "404", "html", "null", "truncated",
		"bad-time", "anonymous", "skew", "other-shop", "reset", "reset-body", "redirect", "429-long"}
	exercise := func(name string, c *Client) {
		before := srv.hits.Load()
		// Deadlines and cancellation, before "429-long" holds the client.
		setMode("slow")
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		_, err := c.Status2(ctx)
		record(err)
		cancel()
		ctx, cancel = context.WithCancel(context.Background())
		cancel()
		_, err = c.Status2(ctx)
		record(err)
		for _, m := range modes {
			setMode(m)
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			_, err := c.Status2(ctx)
			record(err)
			record(c.Check(ctx))
			_, err = c.ExportCustomerData1(ctx, &ExportCustomerData1Input{Customer: ByShopID("c-1")})
			record(err)
			_, err = c.ExportCustomerData1To(ctx, &ExportCustomerData1Input{Customer: ByEmail("a@example.com")}, io.Discard)
			record(err)
			cancel()
		}
		// A cooldown left by "429-long", and local identity checks.
		setMode("")
		_, err = c.Status2(context.Background())
		record(err)
		_, err = c.ExportCustomerData1(context.Background(), nil)
		record(err)
		_, err = c.ExportCustomerData1(context.Background(), &ExportCustomerData1Input{Customer: &CustomerIdentity1{}})
		record(err)
		// Every mode reached the server at least once.
		require.GreaterOrEqual(t, srv.hits.Load()-before, int64(len(modes)), "%s: calls were not sent", name)
	}
	for _, nc := range append(slices.Clone(logged), silent...) {
		out := captureFD2(t, func() { exercise(nc.name, nc.c) })
		assert.Empty(t, out, "%s: the client wrote to fd 2", nc.name)
		t.Logf("%s: %v", nc.name, nc.c)
	}

	out := captureFD2(t, func() {
		// Connection refused, with a logger and without.
		for _, opts := range [][]Option{{WithLogger(logger)}, nil} {
			refused := newSentinelClient(t, "http://"+closedPort(t), opts...)
			_, err := refused.Status2(context.Background())
			record(err)
			record(refused.Check(context.Background()))
		}
		// Configuration errors.
		record(signing.ForCustomer("a/b").Check(context.Background()))
		record(silent[0].c.ForCustomer("a/b").Check(context.Background()))
		_, err := signing.Signer().CustomerToken("", time.Minute)
		record(err)
		_, err = NewClient("test-shop", WithSigningKey(sentinelKeyID, "SENTINEL-SECRET not base64!"))
		record(err)
		_, err = NewClient("test-shop", WithToken(opaqueToken), WithBaseURL("https://user:SENTINEL-TOKEN@example.com"))
		record(err)
		_, err = NewClient("test-shop", WithToken(opaqueToken), WithBaseURL("https://example.com/?token=SENTINEL-TOKEN"))
		record(err)
		_, err = NewClient("test-shop", WithToken(opaqueToken), WithSigningKey(sentinelKeyID, secretB64))
		record(err)
		_, err = NewSigner("test-shop", "", secretB64)
		record(err)
	})
	assert.Empty(t, out, "refused connections and configuration errors wrote to fd 2")
	require.Greater(t, len(errs), 200, "error paths exercised")

	mu.Lock()
	forbidden := []string{"SENTINEL-SECRET", "SENTINEL-TOKEN", secretB64, strings.TrimRight(secretB64, "=")}
	for tok := range seen {
		forbidden = append(forbidden, tok)
		if i := strings.LastIndexByte(tok, '.'); i > 0 {
			forbidden = append(forbidden, tok[i+1:]) // the signature alone
		}
	}
	mu.Unlock()
	require.Greater(t, len(forbidden), 6, "the server saw the minted tokens")

	checkClean := func(what, s string) {
		t.Helper()
		for _, f := range forbidden {
			if strings.Contains(s, f) {
				t.Errorf("%s leaks %q: %s", what, f, s)
			}
		}
	}
	for i, e := range errs {
		checkClean(fmt.Sprintf("error %d Error()", i), e.Error())
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
			checkClean(fmt.Sprintf("error %d %s", i, verb), fmt.Sprintf(verb, e))
		}
	}
	signer := signing.Signer()
	logger.Info("printing", "client", signing, "customer_client", logged[1].c, "signer", signer,
		"opaque", logged[2].c, "jwt", logged[3].c)
	for _, nc := range append(slices.Clone(logged), silent...) {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
			checkClean(nc.name+" client "+verb, fmt.Sprintf(verb, nc.c))
		}
	}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		checkClean("signer "+verb, fmt.Sprintf(verb, signer))
	}
	require.NotEmpty(t, logBuf.String(), "the debug logger was used")
	for _, line := range strings.Split(logBuf.String(), "\n") {
		checkClean("log line", line)
	}
}
