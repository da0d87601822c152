package redislimit

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bubblehouse-go/bubblehouse"
	"github.com/bubblehouse-go/bubblehouse/redislimit/internal/redistest"
)

// fakeAPI is a Bubblehouse stand-in that counts the calls it receives and
// answers them with answer (200 and a Status2 result by default).
type fakeAPI struct {
	*httptest.Server
	calls  atomic.Int64
	mu     sync.Mutex
	times  []time.Time
	answer func(n int64, w http.ResponseWriter) bool // true: answered
}

func newFakeAPI(t *testing.T) *fakeAPI {
	f := &fakeAPI{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := f.calls.Add(1)
		f.mu.Lock()
		f.times = append(f.times, time.Now())
		answer := f.answer
		f.mu.Unlock()
		if answer != nil && answer(n, w) {
			return
		}
		w.Header().Set("Content-Type", "application/json")
		if strings.HasSuffix(r.URL.Path, "/Status2") {
			_, _ = w.Write([]byte(`{"logged_in":true,"shop_slug":"test-shop","membership":"none"}`))
			return
		}
		_, _ = w.Write([]byte(`{}`))
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeAPI) callTimes() []time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]time.Time(nil), f.times...)
}

// replica is one service replica: its own Redis connection pool, its own
// Limiter and its own bubblehouse.Client, sharing Redis with the others.
func replica(t *testing.T, api *fakeAPI, redisAddr string, lopts []Option, copts ...bubblehouse.Option) (*bubblehouse.Client, *Limiter) {
	t.Helper()
	// A generous command timeout by default: a loaded test machine must not
	// make a slow command look like an outage, unless a test wants it to.
	l, err := New(newRedisClient(t, redisAddr), append([]Option{WithPrefix("test:" + t.Name() + ":"), WithOpTimeout(time.Second)}, lopts...)...)
	require.NoError(t, err)
	return apiClient(t, api, append([]bubblehouse.Option{bubblehouse.WithLimiter(l), bubblehouse.WithCooldownStore(l)}, copts...)...), l
}

// apiClient is a client of api with no retries, a static token and opts.
func apiClient(t *testing.T, api *fakeAPI, opts ...bubblehouse.Option) *bubblehouse.Client {
	t.Helper()
	c, err := bubblehouse.NewClient("test-shop", append([]bubblehouse.Option{
		bubblehouse.WithToken("test-token"),
		bubblehouse.WithBaseURL(api.URL),
		bubblehouse.WithMaxRetries(0),
	}, opts...)...)
	require.NoError(t, err)
	return c
}

// Three replicas sharing a limit of R/s make R calls a second between
// them, not R each.
func TestReplicasShareOneRate(t *testing.T) {
	srv := redistest.Start(t)
	api := newFakeAPI(t)
	const (
		rps      = 40
		burst    = 5
		replicas = 3
		workers  = 4 // per replica
		calls    = 85
	)
	var clients []*bubblehouse.Client
	for range replicas {
		c, _ := replica(t, api, srv.Addr(), []Option{WithRateLimit(rps, burst)})
		clients = append(clients, c)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, calls)
	start := time.Now()
	for _, c := range clients {
		for range workers {
			wg.Go(func() {
				for next.Add(1) <= calls {
					if _, err := c.Status2(ctx); err != nil {
						errs <- err
					}
				}
			})
		}
	}
	wg.Wait()
	elapsed := time.Since(start)
	close(errs)
	for err := range errs {
		t.Errorf("call failed: %v", err)
	}
	require.EqualValues(t, calls, api.calls.Load())

	// The burst at once, then one every 1/R s. (A burst above 1 lets a
	// waiter that wakes a little late still have its slot.)
	want := time.Duration(calls-burst) * time.Second / rps
	t.Logf("%d calls in %v (want %v)", calls, elapsed, want)
	assert.InEpsilon(t, want.Seconds(), elapsed.Seconds(), 0.05, "elapsed %v, want %v (±5%%)", elapsed, want)
	times := api.callTimes()
	got := float64(len(times)-burst) / times[len(times)-1].Sub(times[0]).Seconds()
	assert.InEpsilon(t, float64(rps), got, 0.05, "the server saw %.1f calls/s", got)
}

// A 429 seen by one replica holds the others for its Retry-After.
func TestCooldownHoldsEveryReplica(t *testing.T) {
	srv := redistest.Start(t)
	api := newFakeAPI(t)
	api.answer = func(n int64, w http.ResponseWriter) bool {
		if n != 1 {
			return false
		}
		w.Header().Set("Retry-After", "1")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = w.Write([]byte(`{"error":"rate_limit_exceeded","message":"slow down"}`))
		return true
	}
	a, _ := replica(t, api, srv.Addr(), nil)
	b, _ := replica(t, api, srv.Addr(), nil, bubblehouse.WithMaxWait(200*time.Millisecond))
	c, _ := replica(t, api, srv.Addr(), nil)
	ctx := context.Background()

	_, err := a.Status2(ctx)
	require.ErrorIs(t, err, bubblehouse.ErrRateLimitExceeded)
	var apiErr *bubblehouse.APIError
	require.ErrorAs(t, err, &apiErr)
	require.Equal(t, http.StatusTooManyRequests, apiErr.StatusCode)

	// Replica b may wait 200ms only: it fails at once without calling.
	start := time.Now()
	_, err = b.Status2(ctx)
	var rl *bubblehouse.RateLimitError
	require.ErrorAs(t, err, &rl)
	assert.True(t, rl.Cooldown)
	assert.Greater(t, rl.RetryAfter, 700*time.Millisecond)
	assert.Less(t, time.Since(start), 100*time.Millisecond)
	assert.EqualValues(t, 1, api.calls.Load(), "b sent nothing")

	// Replica c waits the cooldown out, then succeeds.
	_, err = c.Status2(ctx)
	require.NoError(t, err)
	times := api.callTimes()
	require.Len(t, times, 2)
	assert.GreaterOrEqual(t, times[1].Sub(times[0]), 950*time.Millisecond)
}

// Redis killed in the middle of a run: calls go on through the in-process
// fallback, no error reaches a caller, and each replica logs it once.
func TestRedisKilledMidRunFallsBack(t *testing.T) {
	srv := redistest.Start(t)
	api := newFakeAPI(t)
	var logs syncBuffer
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	lopts := []Option{WithRateLimit(200, 20), WithCustomerRateLimit(100, 10), WithExportRateLimit(100, 10),
		WithLogger(logger), WithOpTimeout(250 * time.Millisecond)}
	var clients []*bubblehouse.Client
	for range 2 {
		c, _ := replica(t, api, srv.Addr(), lopts)
		clients = append(clients, c)
	}
	ctx := context.Background()
	stop := time.Now().Add(time.Second)
	killAt := time.Now().Add(400 * time.Millisecond)
	var wg sync.WaitGroup
	var failures, done atomic.Int64
	for _, c := range clients {
		for range 3 {
			wg.Go(func() {
				for time.Now().Before(stop) {
					var err error
					if n := done.Add(1); n%2 == 0 {
						_, err = c.Status2(ctx)
					} else {
						cust := bubblehouse.ByShopID("customer-" + strconv.FormatInt(n%7, 10))
						_, err = c.ExportCustomerData1(ctx, &bubblehouse.ExportCustomerData1Input{Customer: cust})
					}
					if err != nil {
						failures.Add(1)
						t.Errorf("call failed: %v", err)
					}
				}
			})
		}
	}
	time.Sleep(time.Until(killAt))
	srv.Kill()
	wg.Wait()

	assert.Zero(t, failures.Load())
	assert.Equal(t, 2, strings.Count(logs.String(), "Redis is unavailable"), "once per replica:\n%s", logs.String())
	assert.Greater(t, api.calls.Load(), int64(20))
}

// With FailClosed and nothing listening on the Redis port, calls fail with
// ErrUnavailable and send nothing: the first within the command timeout
// (go-redis would retry the dial for longer), the next ones at once, since the
// Limiter remembers the outage until its next probe.
func TestFailClosedClientFailsFast(t *testing.T) {
	api := newFakeAPI(t)
	addr := "127.0.0.1:" + strconv.Itoa(redistest.FreePort(t))
	c, _ := replica(t, api, addr, []Option{WithFallback(FailClosed), WithOpTimeout(50 * time.Millisecond)})
	ctx := context.Background()
	for i, limit := range []time.Duration{250 * time.Millisecond, 20 * time.Millisecond, 20 * time.Millisecond} {
		start := time.Now()
		_, err := c.Status2(ctx)
		require.ErrorIs(t, err, ErrUnavailable, "call %d", i)
		var te *bubblehouse.TransportError
		assert.ErrorAs(t, err, &te)
		assert.Less(t, time.Since(start), limit, "call %d", i)
	}
	assert.Zero(t, api.calls.Load())
}

// countingLimiter counts the attempts a Limiter lets through: the calls its
// replica sends, whether or not they then finish in time.
type countingLimiter struct {
	bubblehouse.Limiter
	granted atomic.Int64
}

func (c *countingLimiter) Wait(ctx context.Context, r bubblehouse.LimitRequest) error {
	err := c.Limiter.Wait(ctx, r)
	if err == nil {
		c.granted.Add(1)
	}
	return err
}

// counted is a replica whose limiter counts what it lets through.
func counted(t *testing.T, api *fakeAPI, redisAddr string, lopts []Option) (*bubblehouse.Client, *Limiter, *countingLimiter) {
	t.Helper()
	_, l := replica(t, api, redisAddr, lopts)
	cl := &countingLimiter{Limiter: l}
	return apiClient(t, api, bubblehouse.WithLimiter(cl), bubblehouse.WithCooldownStore(l)), l, cl
}

// callWindow has workers goroutines make calls for d. Each call's context
// ends with the window, so a limiter refuses at once (a
// *bubblehouse.RateLimitError) any wait that would end after it, and a
// worker stops at its first refusal: every attempt let through was let
// through inside the window. A limit of R/s with bursts of b thus lets
// through at most b + R·d, however fast the machine; and as long as some
// worker is always waiting, nearly that many, however slow.
func callWindow(t *testing.T, d time.Duration, workers int, call func(context.Context) error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				err := call(ctx)
				var rl *bubblehouse.RateLimitError
				switch {
				case err == nil:
					continue
				case errors.As(err, &rl), ctx.Err() != nil:
					return // the window is over
				}
				t.Errorf("call failed: %v", err)
				return
			}
		})
	}
	wg.Wait()
}

// Once Redis is gone, each replica's in-process fallback paces it at the
// configured rate: no faster (that would be no limit at all), and no slower.
//
// The replicas' Limiters are driven directly, each wait allowed to last
// until the end of the window (LimitRequest.MaxWait) and never cut short
// by a context: the in-process buckets hand out future slots in order, so
// what passes is exactly the slots inside the window, whenever the waiters
// happen to wake up. (TestRedisKilledMidRunFallsBack covers the client.)
func TestFallbackPacesEachReplica(t *testing.T) {
	srv := redistest.Start(t)
	const (
		rps    = 25
		window = 4 * time.Second
		// Per replica: the waiters hold the next workers/rps = 2 s of
		// slots, so a loaded machine must stall a replica for longer than
		// that before a slot goes unused.
		workers = 50
	)
	ctx := context.Background()
	var replicas []*Limiter
	for range 2 {
		l := newLimiter(t, srv.Addr(), WithRateLimit(rps, 1), WithOpTimeout(100*time.Millisecond), WithProbeInterval(500*time.Millisecond))
		require.NoError(t, l.Wait(ctx, read(time.Second))) // through Redis: its connections are open
		replicas = append(replicas, l)
	}

	srv.Kill()
	for i, l := range replicas {
		// The first wait after the kill finds Redis gone and falls back,
		// taking the local bucket's one token: the window starts empty.
		require.NoError(t, l.Wait(ctx, read(time.Second)))
		require.True(t, l.health.down.Load(), "replica %d has not fallen back", i)
	}

	end := time.Now().Add(window)
	counts := make([]atomic.Int64, len(replicas))
	var wg sync.WaitGroup
	for i, l := range replicas {
		for range workers {
			wg.Go(func() {
				for {
					left := time.Until(end)
					if left <= 0 {
						return
					}
					err := l.Wait(ctx, read(left))
					var rl *bubblehouse.RateLimitError
					if errors.As(err, &rl) {
						return // the next slot is after the window
					}
					if !assert.NoError(t, err) {
						return
					}
					counts[i].Add(1)
				}
			})
		}
	}
	wg.Wait()

	for i := range counts {
		n := counts[i].Load()
		got := float64(n) / window.Seconds()
		t.Logf("replica %d on the fallback: %d calls in %v, %.2f/s (limit %d/s)", i, n, window, got, rps)
		assert.InEpsilon(t, float64(rps), got, 0.05, "replica %d made %.2f calls/s on the fallback; its limit is %d/s (±5%%)", i, got, rps)
	}
}

// Per-customer limits are shared too: replicas calling for the same customer
// make that customer's R calls a second between them, not R each.
func TestReplicasShareOneCustomerRate(t *testing.T) {
	srv := redistest.Start(t)
	api := newFakeAPI(t)
	const (
		rps = 20
		// A GCRA bucket banks up to burst tokens, so a loaded machine must
		// stall every replica (or Redis) for longer than burst/rps = 2 s to
		// lose one. More waiters would not help: those Redis refuses poll
		// it again, and only load the machine.
		burst    = 40
		window   = 5 * time.Second
		replicas = 3
		workers  = 2 // per replica
	)
	in := &bubblehouse.CustomerDetails1Input{Customer: bubblehouse.ByEmail("jane@example.com")}
	var clients []*bubblehouse.Client
	var counts []*countingLimiter
	for range replicas {
		// The client-wide bucket is off (the default): only the customer's
		// bucket paces these calls.
		c, _, cl := counted(t, api, srv.Addr(), []Option{WithCustomerRateLimit(rps, burst)})
		clients, counts = append(clients, c), append(counts, cl)
	}

	var wg sync.WaitGroup
	for _, c := range clients {
		wg.Go(func() {
			callWindow(t, window, workers, func(ctx context.Context) error {
				_, err := c.CustomerDetails1(ctx, in)
				return err
			})
		})
	}
	wg.Wait()

	var total int64
	for _, cl := range counts {
		total += cl.granted.Load()
	}
	// The full bucket at the start, then rps a second.
	got := float64(total-burst) / window.Seconds()
	t.Logf("%d calls for one customer from %d replicas in %v: %.2f/s after the burst (limit %d/s)", total, replicas, window, got, rps)
	assert.InEpsilon(t, float64(rps), got, 0.05, "%.2f calls/s for one customer in total; the shared limit is %d/s (±5%%)", got, rps)
}
