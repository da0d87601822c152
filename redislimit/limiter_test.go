package redislimit

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"

	"github.com/bubblehouse-go/bubblehouse"
	"github.com/bubblehouse-go/bubblehouse/redislimit/internal/redistest"
)

func newLimiter(t *testing.T, addr string, opts ...Option) *Limiter {
	t.Helper()
	// A generous command timeout unless the test sets one: a loaded machine
	// must not make a slow command look like an outage.
	l, err := New(newRedisClient(t, addr), append([]Option{WithPrefix("test:" + t.Name() + ":"), WithOpTimeout(time.Second)}, opts...)...)
	require.NoError(t, err)
	return l
}

func read(maxWait time.Duration) bubblehouse.LimitRequest {
	return bubblehouse.LimitRequest{Endpoint: "Status2", Class: bubblehouse.ClassRead, Cost: 1, MaxWait: maxWait}
}

func TestNewValidates(t *testing.T) {
	_, err := New(nil)
	require.Error(t, err)

	plain := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	defer plain.Close()
	_, err = New(plain)
	require.ErrorContains(t, err, "ContextTimeoutEnabled")

	good := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", ContextTimeoutEnabled: true})
	defer good.Close()
	for name, o := range map[string]Option{
		"WithRateLimit":         WithRateLimit(0, 1),
		"WithCustomerRateLimit": WithCustomerRateLimit(1, 0),
		"WithExportRateLimit":   WithExportRateLimit(-1, 1),
		"WithPrefix":            WithPrefix(""),
		"WithOpTimeout":         WithOpTimeout(0),
		"WithProbeInterval":     WithProbeInterval(-time.Second),
		"WithFallback":          WithFallback(Fallback(7)),
		"WithKeySecret":         WithKeySecret([]byte("short")),
	} {
		_, err := New(good, o)
		assert.ErrorContains(t, err, name, name)
	}
	_, err = New(good, WithRateLimit(rate.Inf, 0), WithFallback(FailClosed), nil)
	assert.NoError(t, err)
}

// A wait longer than MaxWait fails at once and takes nothing; a shorter
// one sleeps; the context's deadline counts as well.
func TestWaitHonoursMaxWaitAndDeadline(t *testing.T) {
	srv := redistest.Start(t)
	l := newLimiter(t, srv.Addr(), WithRateLimit(2, 1)) // a token every 500ms
	ctx := context.Background()

	require.NoError(t, l.Wait(ctx, read(time.Second)))

	start := time.Now()
	err := l.Wait(ctx, read(100*time.Millisecond))
	var rl *bubblehouse.RateLimitError
	require.ErrorAs(t, err, &rl)
	assert.ErrorIs(t, err, bubblehouse.ErrRateLimitExceeded)
	assert.Equal(t, "Status2", rl.Endpoint)
	assert.InDelta(t, 500*time.Millisecond, rl.RetryAfter, float64(60*time.Millisecond))
	assert.Less(t, time.Since(start), 50*time.Millisecond, "a refusal must not wait")

	dctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	require.ErrorAs(t, l.Wait(dctx, read(10*time.Second)), &rl, "the deadline is shorter than the wait")

	// The refusals took nothing: the next token is due 500ms after the
	// first, not later.
	start = time.Now()
	require.NoError(t, l.Wait(ctx, read(2*time.Second)))
	assert.InDelta(t, 500*time.Millisecond, time.Since(start), float64(80*time.Millisecond))

	cctx, cancel2 := context.WithCancel(ctx)
	cancel2()
	assert.ErrorIs(t, l.Wait(cctx, read(time.Second)), context.Canceled)
}

// With several buckets, an attempt refused by one takes nothing from the
// others.
func TestRefusalTakesFromNoBucket(t *testing.T) {
	srv := redistest.Start(t)
	l := newLimiter(t, srv.Addr(), WithRateLimit(0.1, 2), WithCustomerRateLimit(0.1, 1))
	ctx := context.Background()
	c1 := read(0)
	c1.Customer = "email:c1@example.com"
	c2 := read(0)
	c2.Customer = "email:c2@example.com"

	require.NoError(t, l.Wait(ctx, c1))    // global 1 left, c1 empty
	require.Error(t, l.Wait(ctx, c1))      // refused by c1's bucket...
	require.NoError(t, l.Wait(ctx, c2))    // ...so the global token is still there
	require.Error(t, l.Wait(ctx, read(0))) // and now it is gone
	require.Error(t, l.Wait(ctx, c2))      // both buckets refuse
}

// Customer keys reach Redis only as digests.
func TestCustomerKeysAreHashed(t *testing.T) {
	srv := redistest.Start(t)
	rdb := newRedisClient(t, srv.Addr())
	ctx := context.Background()
	for _, secret := range [][]byte{nil, []byte("0123456789abcdef")} {
		opts := []Option{WithPrefix("hash:"), WithExportRateLimit(100, 10)}
		if secret != nil {
			opts = append(opts, WithKeySecret(secret))
		}
		l, err := New(rdb, opts...)
		require.NoError(t, err)
		r := read(time.Second)
		r.Class, r.Customer = bubblehouse.ClassExport, "email:jane.doe@example.com"
		require.NoError(t, l.Wait(ctx, r))
		require.NoError(t, l.StartCooldown(ctx, r.Customer, time.Now().Add(time.Minute)))
	}
	keys, err := rdb.Keys(ctx, "*").Result()
	require.NoError(t, err)
	assert.Len(t, keys, 5, "%v", keys) // 2 customer buckets, 1 export bucket, 2 cooldowns
	for _, k := range keys {
		assert.NotContains(t, k, "jane")
		assert.NotContains(t, k, "example")
	}
}

// A cooldown is shared through Redis and never shortened, by this replica
// or another.
func TestCooldownNeverShortened(t *testing.T) {
	srv := redistest.Start(t)
	a := newLimiter(t, srv.Addr(), WithPrefix("cd:"))
	b := newLimiter(t, srv.Addr(), WithPrefix("cd:"))
	ctx := context.Background()
	now := time.Now()

	u, err := b.CooldownUntil(ctx, "")
	require.NoError(t, err)
	assert.True(t, u.IsZero())

	require.NoError(t, a.StartCooldown(ctx, "", now.Add(5*time.Second)))
	require.NoError(t, b.StartCooldown(ctx, "", now.Add(time.Second))) // shorter: ignored
	u, err = b.CooldownUntil(ctx, "")
	require.NoError(t, err)
	assert.WithinDuration(t, now.Add(5*time.Second), u, 100*time.Millisecond)

	require.NoError(t, b.StartCooldown(ctx, "", now.Add(8*time.Second))) // longer: kept
	u, err = a.CooldownUntil(ctx, "")
	require.NoError(t, err)
	assert.WithinDuration(t, now.Add(8*time.Second), u, 100*time.Millisecond)

	// Per customer, independent of the client-wide one.
	require.NoError(t, a.StartCooldown(ctx, "shopid:42", now.Add(2*time.Second)))
	u, err = b.CooldownUntil(ctx, "shopid:42")
	require.NoError(t, err)
	assert.WithinDuration(t, now.Add(2*time.Second), u, 100*time.Millisecond)
	u, err = b.CooldownUntil(ctx, "shopid:43")
	require.NoError(t, err)
	assert.True(t, u.IsZero())
}

// A cooldown read from Redis never ends before the one written: the TTL is
// measured when Redis answers, so the end is counted from the answer, not
// from before the question. (Redis is frozen during the read to make the
// round trip long enough to see.)
func TestCooldownReadNeverEndsEarly(t *testing.T) {
	srv := redistest.Start(t)
	a := newLimiter(t, srv.Addr(), WithPrefix("cd:"))
	b := newLimiter(t, srv.Addr(), WithPrefix("cd:"), WithOpTimeout(5*time.Second))
	ctx := context.Background()
	_, err := b.CooldownUntil(ctx, "") // b's connection is open
	require.NoError(t, err)
	end := time.Now().Add(3 * time.Second)
	require.NoError(t, a.StartCooldown(ctx, "", end))

	srv.Pause(t)
	got := make(chan time.Time, 1)
	go func() {
		u, err := b.CooldownUntil(ctx, "")
		assert.NoError(t, err)
		got <- u
	}()
	time.Sleep(300 * time.Millisecond)
	srv.Resume(t)
	u := <-got
	assert.False(t, u.Before(end), "the cooldown read ends %v early", end.Sub(u))
	assert.WithinDuration(t, end, u, 100*time.Millisecond)
}

// A frozen Redis costs a call no more than the per-command timeout.
func TestSlowRedisDoesNotHang(t *testing.T) {
	srv := redistest.Start(t)
	local := newLimiter(t, srv.Addr(), WithRateLimit(100, 10), WithOpTimeout(50*time.Millisecond))
	closed := newLimiter(t, srv.Addr(), WithRateLimit(100, 10), WithOpTimeout(50*time.Millisecond), WithFallback(FailClosed))
	ctx := context.Background()
	require.NoError(t, local.Wait(ctx, read(time.Second))) // connections are open
	require.NoError(t, closed.Wait(ctx, read(time.Second)))

	srv.Pause(t)
	defer srv.Resume(t)

	start := time.Now()
	require.NoError(t, local.Wait(ctx, read(time.Second)))
	assert.Less(t, time.Since(start), 300*time.Millisecond)

	start = time.Now()
	require.ErrorIs(t, closed.Wait(ctx, read(time.Second)), ErrUnavailable)
	_, err := closed.CooldownUntil(ctx, "")
	require.ErrorIs(t, err, ErrUnavailable)
	assert.Less(t, time.Since(start), 300*time.Millisecond)

	// A context shorter than the command timeout still bounds the call,
	// and its error is the context's.
	fresh := newLimiter(t, srv.Addr(), WithRateLimit(100, 10), WithOpTimeout(time.Second))
	dctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	start = time.Now()
	assert.ErrorIs(t, fresh.Wait(dctx, read(time.Second)), context.DeadlineExceeded)
	assert.Less(t, time.Since(start), 300*time.Millisecond)
}

// The switch to the fallback and back is logged once each, and Redis is
// used again when it returns.
func TestFallbackLoggedOnceAndRecovers(t *testing.T) {
	srv := redistest.Start(t)
	var logs syncBuffer
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	l := newLimiter(t, srv.Addr(), WithRateLimit(1000, 1000), WithLogger(logger),
		WithOpTimeout(250*time.Millisecond), WithProbeInterval(50*time.Millisecond))
	ctx := context.Background()
	require.NoError(t, l.Wait(ctx, read(time.Second)))

	srv.Kill()
	for range 20 {
		require.NoError(t, l.Wait(ctx, read(time.Second)))
		_, err := l.CooldownUntil(ctx, "email:x@example.com")
		require.NoError(t, err)
	}
	assert.Equal(t, 1, strings.Count(logs.String(), "Redis is unavailable"), logs.String())
	assert.NotContains(t, logs.String(), "example.com")

	srv.Restart(t)
	require.Eventually(t, func() bool {
		return l.Wait(ctx, read(time.Second)) == nil && !l.health.down.Load()
	}, 3*time.Second, 20*time.Millisecond)
	for range 5 {
		require.NoError(t, l.Wait(ctx, read(time.Second)))
	}
	assert.Equal(t, 1, strings.Count(logs.String(), "reachable again"), logs.String())
	assert.Equal(t, 1, strings.Count(logs.String(), "Redis is unavailable"), logs.String())

	n, err := newRedisClient(t, srv.Addr()).Exists(ctx, "rate:test:"+t.Name()+":global").Result()
	require.NoError(t, err)
	assert.Equal(t, int64(1), n, "the limiter writes to Redis again")
}

func TestFailClosedOnClosedPortIsFast(t *testing.T) {
	addr := "127.0.0.1:" + strconv.Itoa(redistest.FreePort(t))
	l := newLimiter(t, addr, WithRateLimit(10, 10), WithFallback(FailClosed), WithOpTimeout(50*time.Millisecond))
	ctx := context.Background()
	for i, limit := range []time.Duration{250 * time.Millisecond, 20 * time.Millisecond, 20 * time.Millisecond} {
		start := time.Now()
		err := l.Wait(ctx, read(time.Second))
		require.ErrorIs(t, err, ErrUnavailable, "call %d", i)
		assert.False(t, errors.Is(err, bubblehouse.ErrRateLimitExceeded))
		assert.Less(t, time.Since(start), limit, "call %d", i)
	}
}
