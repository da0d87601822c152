package bubblehouse

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"

	"github.com/bubblehouse-go/bubblehouse/internal/ratelimit"
)

// TestStress sends 256 goroutines' calls through one client while the
// server answers with a mix of successes, 429s (cooldowns), 503s and
// connection resets (retries), under a client-wide limit that makes them
// queue (limiter waits). It checks that retries happened and rescued
// calls, that cooldowns held calls and that no held call was sent before
// its cooldown ended, and that the limit held. Run with -race; goleak in
// TestMain checks that nothing is left running.
func TestStress(t *testing.T) {
	const (
		workers = 256
		calls   = 4
		limit   = 1500 // client-wide requests per second
		burst   = 50
		// floor is the cooldown after a 429 without Retry-After: long
		// enough that a call sent during it stands out from the
		// microseconds the client's own bookkeeping takes, short enough
		// to keep the test fast.
		floor = 20 * time.Millisecond
	)
	var n atomic.Int64
	srv := newCountingServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch n.Add(1) % 10 {
		case 1:
			w.WriteHeader(429)
			_, _ = io.WriteString(w, `{"id":"rate_limit_exceeded"}`)
		case 2, 5:
			w.WriteHeader(503)
		case 7:
			resetConn(t, w, "")
		default:
			_, _ = io.WriteString(w, statusAnswer)
		}
	})
	cooldowns := &cooldownRecorder{CooldownStore: newLocalCooldowns(ratelimit.RealClock{})}
	tr := newTransport()
	t.Cleanup(tr.CloseIdleConnections)
	sends := &sendRecorder{next: tr, sends: map[int][]time.Time{}}
	c := newSentinelClient(t, srv.URL,
		WithRateLimit(rate.Limit(limit), burst),
		WithCustomerRateLimit(rate.Limit(200), 5),
		WithExportRateLimit(rate.Inf, 0),
		WithMaxWait(3*time.Second),
		withTestBackoff(time.Millisecond),
		withRateLimitFloor(floor),
		WithCooldownStore(cooldowns),
		WithHTTPClient(&http.Client{Transport: sends}))

	var ok, failed atomic.Int64
	errCh := make(chan error, workers*calls)
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Second)
	defer cancel()
	start := time.Now()
	var wg sync.WaitGroup
	for i := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cust := c.ForCustomer(fmt.Sprintf("cust-%d", i%8))
			for j := range calls {
				ctx := context.WithValue(ctx, stressCallKey{}, i*calls+j)
				var err error
				switch (i + j) % 3 {
				case 0:
					_, err = c.Status2(ctx)
				case 1:
					_, err = c.ExportCustomerData1(ctx, &ExportCustomerData1Input{Customer: ByShopID(fmt.Sprintf("c-%d", i%16))})
				default:
					_, err = cust.Status2(ctx)
				}
				if err == nil {
					ok.Add(1)
					continue
				}
				failed.Add(1)
				errCh <- err
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	close(errCh)

	refused := 0 // calls that failed fast rather than wait out a cooldown
	for err := range errCh {
		var apiErr *APIError
		var tErr *TransportError
		var rlErr *RateLimitError
		var dErr *DecodeError
		switch {
		case errors.As(err, &apiErr):
			assert.Contains(t, []int{429, 503}, apiErr.StatusCode, "%v", err)
		case errors.As(err, &tErr):
			assert.NotErrorIs(t, err, context.DeadlineExceeded, "a call ran out of time: %v", err)
		case errors.As(err, &rlErr):
			if rlErr.Cooldown {
				refused++
			}
		case errors.As(err, &dErr):
			t.Errorf("decode error: %v", err)
		default:
			t.Errorf("untyped error %T: %v", err, err)
		}
	}
	const total = workers * calls
	hits := srv.hits.Load()
	held, early := cooldowns.check(sends)
	t.Logf("%d calls: %d ok, %d failed; %d requests in %v; %d requests sent after a cooldown held them, %d calls refused by one",
		total, ok.Load(), failed.Load(), hits, elapsed, held, refused)
	assert.Less(t, elapsed, 10*time.Second)
	// Retries happened: more requests than calls.
	assert.Greater(t, hits, int64(total), "no retries: the server saw no more requests than there were calls")
	// And they rescued calls: 4 answers in 10 fail, so without retries at
	// most 6 calls in 10 could succeed.
	assert.Greater(t, ok.Load(), int64(total*8/10), "retries did not rescue the failed attempts")
	// 429s started cooldowns that held later attempts, and none of those
	// was sent before its cooldown ended.
	assert.Positive(t, held, "no request was held by a cooldown")
	assert.Zero(t, early, "requests were sent during the cooldown that should have held them")
	// The limiter is paid on every attempt, retries included.
	allowed := float64(burst) + limit*elapsed.Seconds() + 10
	assert.LessOrEqual(t, float64(hits), allowed, "the server saw more requests than the client-wide limit allows")
}

// TestCancelReleasesAtOnce cancels calls blocked in each of the client's
// waits and checks that each returns within ~50 ms with context.Canceled.
func TestCancelReleasesAtOnce(t *testing.T) {
	type blocked struct {
		name string
		// serve is the server's behaviour; setup primes the client (the
		// first call, say) before the call that will block.
		serve func(w http.ResponseWriter, r *http.Request, hit int64)
		opts  []Option
		setup func(t *testing.T, c *Client)
		call  func(ctx context.Context, c *Client) error
	}
	cases := []blocked{
		{
			name: "limiter wait",
			serve: func(w http.ResponseWriter, _ *http.Request, _ int64) {
				_, _ = io.WriteString(w, statusAnswer)
			},
			opts: []Option{WithRateLimit(rate.Limit(0.01), 1), WithMaxWait(time.Hour)},
			setup: func(t *testing.T, c *Client) {
				_, err := c.Status2(context.Background())
				require.NoError(t, err)
			},
			call: callStatus,
		},
		{
			name: "cooldown wait",
			serve: func(w http.ResponseWriter, _ *http.Request, hit int64) {
				if hit == 1 {
					w.Header().Set("Retry-After", "30")
					w.WriteHeader(429)
					return
				}
				_, _ = io.WriteString(w, statusAnswer)
			},
			opts: []Option{WithMaxRetries(0), WithMaxWait(time.Hour)},
			setup: func(t *testing.T, c *Client) {
				_, err := c.Status2(context.Background())
				require.ErrorIs(t, err, ErrRateLimitExceeded)
			},
			call: callStatus,
		},
		{
			name: "backoff sleep",
			serve: func(w http.ResponseWriter, _ *http.Request, _ int64) {
				w.Header().Set("Retry-After", "30")
				w.WriteHeader(503)
			},
			opts: []Option{WithMaxWait(time.Hour)},
			call: callStatus,
		},
		{
			name: "slow body",
			serve: func(w http.ResponseWriter, r *http.Request, _ int64) {
				w.Header().Set("Content-Length", "1000")
				_, _ = io.WriteString(w, statusAnswer[:20])
				_ = http.NewResponseController(w).Flush()
				<-r.Context().Done()
			},
			call: callStatus,
		},
		{
			name: "slow body, streamed export",
			serve: func(w http.ResponseWriter, r *http.Request, _ int64) {
				w.Header().Set("Content-Length", "100000")
				_, _ = io.WriteString(w, `{"pad":"`+fmt.Sprintf("%01000d", 0))
				_ = http.NewResponseController(w).Flush()
				<-r.Context().Done()
			},
			call: callExportTo,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var hits atomic.Int64
			srv := newCountingServer(t, func(w http.ResponseWriter, r *http.Request) {
				tc.serve(w, r, hits.Add(1))
			})
			c := newSentinelClient(t, srv.URL, tc.opts...)
			if tc.setup != nil {
				tc.setup(t, c)
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			done := make(chan error, 1)
			go func() { done <- tc.call(ctx, c) }()

			// Let the call reach its wait.
			time.Sleep(150 * time.Millisecond)
			select {
			case err := <-done:
				t.Fatalf("the call did not block: %v", err)
			default:
			}
			cancelled := time.Now()
			cancel()
			select {
			case err := <-done:
				took := time.Since(cancelled)
				t.Logf("returned %v after cancel: %v", took, err)
				assert.ErrorIs(t, err, context.Canceled)
				assert.Less(t, took, 100*time.Millisecond, "~50 ms wanted")
			case <-time.After(2 * time.Second):
				t.Fatal("the call did not return after cancel")
			}
		})
	}
}

// withRateLimitFloor sets the cooldown after a 429 without Retry-After
// (one second outside tests).
func withRateLimitFloor(d time.Duration) Option {
	return func(s *settings) error {
		s.rateLimitMin = d
		return nil
	}
}

// stressCallKey carries a call's number in its context, so that the
// cooldown store and the transport can tell whose attempt they see.
type stressCallKey struct{}

func stressCall(ctx context.Context) int {
	n, _ := ctx.Value(stressCallKey{}).(int)
	return n
}

// cooldownHold is a read of the cooldown store that found a cooldown in
// force: the attempt of call must not be sent before until.
type cooldownHold struct {
	call        int
	read, until time.Time
}

// cooldownRecorder is a CooldownStore that notes every read finding a
// cooldown in force.
type cooldownRecorder struct {
	CooldownStore
	mu    sync.Mutex
	holds []cooldownHold
}

func (r *cooldownRecorder) CooldownUntil(ctx context.Context, key string) (time.Time, error) {
	now := time.Now()
	until, err := r.CooldownStore.CooldownUntil(ctx, key)
	if err == nil && until.After(now) {
		r.mu.Lock()
		r.holds = append(r.holds, cooldownHold{call: stressCall(ctx), read: now, until: until})
		r.mu.Unlock()
	}
	return until, err
}

// check matches each hold with the next request its call sent, and
// returns how many requests were sent after a hold, once the cooldown was
// over (held), and how many before (early). An attempt reads the
// client's cooldown and its customer's, so one request may follow two
// holds; a hold followed by no request is a call that failed fast.
func (r *cooldownRecorder) check(s *sendRecorder) (held, early int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	type request struct{ call, i int }
	sent, sentEarly := map[request]bool{}, map[request]bool{}
	for _, h := range r.holds {
		for i, at := range s.sends[h.call] { // in order: a call's attempts are sequential
			if !at.After(h.read) {
				continue
			}
			sent[request{h.call, i}] = true
			if at.Before(h.until) {
				sentEarly[request{h.call, i}] = true
			}
			break
		}
	}
	return len(sent) - len(sentEarly), len(sentEarly)
}

// sendRecorder is a transport that notes when each call's requests leave.
type sendRecorder struct {
	next  http.RoundTripper
	mu    sync.Mutex
	sends map[int][]time.Time
}

func (s *sendRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	n := stressCall(req.Context())
	s.mu.Lock()
	s.sends[n] = append(s.sends[n], time.Now())
	s.mu.Unlock()
	return s.next.RoundTrip(req)
}
