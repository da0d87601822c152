package bubblehousetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"

	"github.com/bubblehouse-go/bubblehouse"
)

var aliceByEmail = bubblehouse.ByEmail(DemoCustomerEmail)

func TestFailNextWithRetryAfterIsRetriedThrough(t *testing.T) {
	srv := NewServer(t, WithDemoData())
	srv.FailNext(EndpointCustomerBalance3, 1, Failure{Status: 429, ID: "rate_limit_exceeded", Message: rateLimitMessage, RetryAfter: time.Second})
	srv.FailNext(EndpointCustomerBalance3, 1, Failure{Status: 503})
	c := srv.Client()

	start := time.Now()
	bal, err := c.CustomerBalance3(context.Background(), &bubblehouse.CustomerBalance3Input{Customer: aliceByEmail})
	require.NoError(t, err)
	assert.Equal(t, int64(1850), bal.PtsAvailable)
	assert.GreaterOrEqual(t, time.Since(start), time.Second, "the client obeyed Retry-After")

	reqs := srv.Requests()
	require.Len(t, reqs, 3, "three attempts")
	assert.Equal(t, []int{429, 503, 200}, []int{reqs[0].Status, reqs[1].Status, reqs[2].Status})
	assert.True(t, reqs[0].Injected)
	assert.Equal(t, "rate_limit_exceeded", reqs[0].ErrorID)
	assert.Equal(t, DemoShop, reqs[2].Subject)
	assert.Equal(t, DemoCustomerEmail, reqs[2].Body["customer"].(map[string]any)["email"])

	// The raw answer carries the header and body as scripted.
	srv.FailNext(AnyEndpoint, 1, Failure{Status: 429, Message: rateLimitMessage, RetryAfter: 1500 * time.Millisecond})
	a := post(t, srv, EndpointStatus2, shopToken(t, srv), "{}")
	assert.Equal(t, "2", a.Header.Get("Retry-After"), "rounded up to whole seconds")
	assert.Equal(t, "rate_limit_exceeded", a.ID)
	assert.Equal(t, rateLimitMessage, a.Msg)

	// Without retries the typed error shows the scripted failure.
	srv.FailNext(EndpointCustomerDetails1, 1, Failure{Status: 401, Message: "The token has expired"})
	_, err = c.CustomerDetails1(context.Background(), &bubblehouse.CustomerDetails1Input{Customer: aliceByEmail})
	assert.ErrorIs(t, err, bubblehouse.ErrInvalidToken)

	srv.Reset()
	assert.Empty(t, srv.Requests())
}

// A scripted failure stands for what the real service answers after it has
// read the token (its limiter is per customer), so the record carries the
// token's claims; a bad token still gets the scripted answer, unrecorded.
func TestScriptedFailureRecordsTheToken(t *testing.T) {
	srv := NewServer(t, WithDemoData())
	srv.FailNext(AnyEndpoint, 2, Failure{Status: 429})
	tok := mint(t, hs256(DefaultKeyID), claims(DemoShop+"/"+DemoCustomerShopID, "l", "admin", "ce", DemoCustomerEmail), defaultKey)

	a := post(t, srv, EndpointCustomerBalance3, tok, "{}")
	assert.Equal(t, http.StatusTooManyRequests, a.Status)
	bad := mint(t, hs256(DefaultKeyID), claims(DemoShop), []byte("another-secret"))
	a = post(t, srv, EndpointCustomerBalance3, bad, "{}")
	assert.Equal(t, http.StatusTooManyRequests, a.Status, "the script wins over a bad token")

	reqs := srv.Requests()
	require.Len(t, reqs, 2)
	assert.True(t, reqs[0].Injected)
	assert.Equal(t, DemoShop+"/"+DemoCustomerShopID, reqs[0].Subject)
	assert.Equal(t, DefaultKeyID, reqs[0].KeyID)
	assert.Equal(t, "admin", reqs[0].Level)
	assert.Equal(t, DemoCustomerEmail, reqs[0].CustomerEmail)
	assert.True(t, reqs[1].Injected)
	assert.Empty(t, reqs[1].Subject, "a token that would be refused leaves no claims")
	assert.Empty(t, reqs[1].KeyID)
}

// reportingTB is a testing.TB whose Errorf is recorded instead of failing
// the test, to see what the server reports.
type reportingTB struct {
	testing.TB
	mu   sync.Mutex
	errs []string
}

func (r *reportingTB) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

func (r *reportingTB) reported() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.errs...)
}

func TestFailNextRefusesBadScripts(t *testing.T) {
	tests := []struct {
		name     string
		endpoint string
		f        Failure
		want     string
	}{
		{"a success status", EndpointStatus2, Failure{Status: 200}, "status 200 is not an error status"},
		{"a status beyond 599", EndpointStatus2, Failure{Status: 600}, "status 600 is not an error status"},
		{"a negative status", EndpointStatus2, Failure{Status: -1}, "status -1 is not an error status"},
		{"a misspelled endpoint", "CustomerBalance", Failure{Status: 503}, `unknown endpoint "CustomerBalance"`},
		{"a lowercase endpoint", "status2", Failure{Status: 503}, `unknown endpoint "status2"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tb := &reportingTB{TB: t}
			srv := NewServer(tb, WithDemoData())
			err := srv.FailNext(tc.endpoint, 1, tc.f)
			require.Error(t, err)
			assert.Contains(t, err.Error(), "bubblehousetest: FailNext: "+tc.want)
			assert.Equal(t, []string{err.Error()}, tb.reported(), "the test is failed once, with the error")

			// Nothing was scripted: the next call succeeds.
			a := post(t, srv, EndpointStatus2, shopToken(t, srv), "{}")
			assert.Equal(t, http.StatusOK, a.Status)
		})
	}

	t.Run("a started server returns the error only", func(t *testing.T) {
		srv, err := Start()
		require.NoError(t, err)
		defer srv.Close()
		assert.ErrorContains(t, srv.FailNext("Status3", 1, Failure{}), `unknown endpoint "Status3"`)
		assert.NoError(t, srv.FailNext(AnyEndpoint, 1, Failure{}))
		assert.NoError(t, srv.FailNext(EndpointStatus2, 0, Failure{Status: 404}), "n <= 0 scripts nothing, and is no mistake")
		assert.Equal(t, http.StatusServiceUnavailable, post(t, srv, EndpointStatus2, shopToken(t, srv), "{}").Status)
		assert.Equal(t, http.StatusOK, post(t, srv, EndpointStatus2, shopToken(t, srv), "{}").Status)
	})
}

// SetLatency and CutNext take the same endpoint names, and a misspelled one
// would as silently never apply.
func TestSetLatencyAndCutNextRefuseUnknownEndpoints(t *testing.T) {
	tb := &reportingTB{TB: t}
	srv := NewServer(tb, WithDemoData())
	errLatency := srv.SetLatency("CustomerBalance", time.Hour)
	errCut := srv.CutNext("customerbalance3", 1, 10)
	require.Error(t, errLatency)
	require.Error(t, errCut)
	assert.Contains(t, errLatency.Error(), `bubblehousetest: SetLatency: unknown endpoint "CustomerBalance"`)
	assert.Contains(t, errCut.Error(), `bubblehousetest: CutNext: unknown endpoint "customerbalance3"`)
	assert.Equal(t, []string{errLatency.Error(), errCut.Error()}, tb.reported())

	assert.NoError(t, srv.SetLatency(AnyEndpoint, 0))
	assert.NoError(t, srv.CutNext(EndpointExportCustomerData1, 0, 10))
	assert.Empty(t, tb.reported()[2:], "known names are no mistake")
}

func TestFailNextDefaultIDs(t *testing.T) {
	srv := NewServer(t, WithDemoData())
	for status, id := range map[int]string{
		0:   "internal_server_error", // 503
		400: "bad_request",
		401: "invalid_token",
		403: "forbidden",
		404: "not_found",
		418: "bad_request",
		429: "rate_limit_exceeded",
		500: "internal_server_error",
		502: "internal_server_error",
		503: "internal_server_error",
	} {
		srv.FailNext(EndpointStatus2, 1, Failure{Status: status})
		a := post(t, srv, EndpointStatus2, shopToken(t, srv), "{}")
		assert.Equal(t, id, a.ID, "status %d", status)
	}
	srv.FailNext(EndpointStatus2, 1, Failure{Status: 503, ID: "maintenance"})
	assert.Equal(t, "maintenance", post(t, srv, EndpointStatus2, shopToken(t, srv), "{}").ID, "a scripted id is sent as it is")
}

func TestCutNextMidBody(t *testing.T) {
	srv := NewServer(t, WithDemoData())
	c := srv.Client()
	ctx := context.Background()

	// A typed call is retried after the cut.
	srv.CutNext(EndpointCustomerBalance3, 1, 100)
	bal, err := c.CustomerBalance3(ctx, &bubblehouse.CustomerBalance3Input{Customer: aliceByEmail, IncludeFullProgram: true})
	require.NoError(t, err)
	assert.Len(t, bal.Tiers, 3)
	reqs := srv.Requests()
	require.Len(t, reqs, 2)
	assert.True(t, reqs[0].Cut)
	assert.False(t, reqs[1].Cut)

	// A streamed export that already wrote bytes reports how many.
	srv.Reset()
	srv.CutNext(EndpointExportCustomerData1, 1, 2000)
	var buf bytes.Buffer
	n, err := c.ExportCustomerData1To(ctx, &bubblehouse.ExportCustomerData1Input{Customer: aliceByEmail}, &buf)
	var expErr *bubblehouse.ExportError
	require.ErrorAs(t, err, &expErr)
	assert.Equal(t, int64(2000), n)
	assert.Equal(t, int64(2000), expErr.Written)
	assert.Equal(t, 2000, buf.Len())
	assert.Len(t, srv.Requests(), 1, "not retried once written")

	// The in-memory export is retried.
	srv.CutNext(EndpointExportCustomerData1, 1, 10)
	raw, err := c.ExportCustomerData1(ctx, &bubblehouse.ExportCustomerData1Input{Customer: aliceByEmail})
	require.NoError(t, err)
	assert.Greater(t, len(raw), 2000)
}

func TestLatencyHonoursTheContext(t *testing.T) {
	srv := NewServer(t, WithDemoData())
	srv.SetLatency(EndpointCustomerDetails1, time.Hour)
	c := srv.Client()

	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.CustomerDetails1(ctx, &bubblehouse.CustomerDetails1Input{Customer: aliceByEmail})
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, time.Since(start), 5*time.Second)

	srv.SetLatency(EndpointCustomerDetails1, 0)
	srv.SetLatency(AnyEndpoint, 50*time.Millisecond)
	start = time.Now()
	_, err = c.Status2(context.Background())
	require.NoError(t, err)
	assert.GreaterOrEqual(t, time.Since(start), 50*time.Millisecond)

	// A wait in progress ends when the server closes.
	srv.SetLatency(AnyEndpoint, time.Hour)
	done := make(chan error, 1)
	go func() {
		_, err := c.Status2(context.Background())
		done <- err
	}()
	time.Sleep(50 * time.Millisecond) // let the call reach the wait
	srv.Close()
	select {
	case err := <-done:
		assert.Error(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not end the latency wait")
	}
}

func TestCustomerRateLimit(t *testing.T) {
	// A frozen clock keeps every call in the same second.
	frozen := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	srv := NewServer(t, WithDemoData(), WithCustomerRateLimit(2), WithClock(func() time.Time { return frozen }))
	tok := mint(t, hs256(DefaultKeyID), map[string]any{"aud": "BH", "sub": DemoShop}, defaultKey)
	alice := `{"customer":{"email":"alice@example.com"}}`
	bob := `{"customer":{"email":"bob@example.com"}}`

	assert.Equal(t, http.StatusOK, post(t, srv, EndpointCustomerDetails1, tok, alice).Status)
	assert.Equal(t, http.StatusOK, post(t, srv, EndpointCustomerBalance3, tok, `{"customer":{"shopid":"shop-customer-123"}}`).Status)
	a := post(t, srv, EndpointCustomerHistory2, tok, alice)
	assert.Equal(t, http.StatusTooManyRequests, a.Status)
	assert.Equal(t, "rate_limit_exceeded", a.ID)
	assert.Equal(t, "You are over the read limit per second for this customer", a.Msg)
	assert.Equal(t, "1", a.Header.Get("Retry-After"))
	assert.Equal(t, http.StatusOK, post(t, srv, EndpointCustomerDetails1, tok, bob).Status, "other customers are unaffected")

	frozen = frozen.Add(time.Second)
	assert.Equal(t, http.StatusOK, post(t, srv, EndpointCustomerDetails1, tok, alice).Status, "a new second")
}

func TestCustomerRateLimitThroughTheSDK(t *testing.T) {
	srv := NewServer(t, WithDemoData(), WithCustomerRateLimit(1))
	c := srv.Client(bubblehouse.WithCustomerRateLimit(rate.Inf, 1), bubblehouse.WithMaxRetries(0))
	ctx := context.Background()
	in := &bubblehouse.CustomerDetails1Input{Customer: aliceByEmail}
	var err error
	for range 3 {
		if _, err = c.CustomerDetails1(ctx, in); err != nil {
			break
		}
	}
	require.ErrorIs(t, err, bubblehouse.ErrRateLimitExceeded)
	var apiErr *bubblehouse.APIError
	require.True(t, errors.As(err, &apiErr))
	assert.Equal(t, time.Second, apiErr.RetryAfter)
}

func TestConcurrentUse(t *testing.T) {
	srv := NewServer(t, WithDemoData())
	c := srv.Client(bubblehouse.WithCustomerRateLimit(rate.Inf, 1))
	ctx := context.Background()
	var wg sync.WaitGroup
	const workers, calls = 8, 10
	errs := make(chan error, workers*calls)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range calls {
				switch (w + i) % 4 {
				case 0:
					srv.FailNext(AnyEndpoint, 1, Failure{Status: 503})
				case 1:
					srv.AddCustomer(Customer{Details: bubblehouse.Customer2{Email: "extra@example.com"}})
				case 2:
					_ = srv.Requests()
				case 3:
					srv.SetLatency(EndpointStatus2, time.Millisecond)
				}
				_, err := c.CustomerBalance3(ctx, &bubblehouse.CustomerBalance3Input{Customer: aliceByEmail})
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		// A run of scripted 503s may outlast the retries; nothing else fails.
		if err != nil {
			assert.ErrorContains(t, err, "503")
		}
	}
	assert.GreaterOrEqual(t, len(srv.Requests()), workers*calls)
}

func TestOptionsAndConstructors(t *testing.T) {
	_, err := Start(WithShop("Bad Shop"))
	assert.Error(t, err)
	_, err = Start(WithSigningKey("k", "%%%"))
	assert.Error(t, err)
	_, err = Start(WithAPIVersions())
	assert.Error(t, err)
	_, err = Start(WithCustomerRateLimit(-1))
	assert.Error(t, err)
	_, err = Start(WithClock(nil))
	assert.Error(t, err)

	srv, err := Start(WithShop("my-shop"), WithSigningKey("k1", "c2VjcmV0LWJ5dGVz"), WithAPIVersions("v202401"))
	require.NoError(t, err)
	defer srv.Close()
	assert.Equal(t, "my-shop", srv.Shop())
	assert.Equal(t, "k1", srv.KeyID())
	assert.Equal(t, "c2VjcmV0LWJ5dGVz", srv.Secret())
	c, err := srv.NewClient(bubblehouse.WithAPIVersion("v202401"))
	require.NoError(t, err)
	require.NoError(t, c.Check(context.Background()))
	c, err = srv.NewClient()
	require.NoError(t, err)
	assert.ErrorIs(t, c.Check(context.Background()), bubblehouse.ErrInvalidGlobalAPIVersion)
	assert.Nil(t, srv.Client(bubblehouse.WithMaxRetries(-1)), "Start-ed servers get nil on error")
	srv.Close()
	srv.Close() // idempotent

	bhid := NewServer(t).AddCustomer(Customer{Details: bubblehouse.Customer2{ID: "x"}})
	assert.Len(t, string(bhid), 16)
}
