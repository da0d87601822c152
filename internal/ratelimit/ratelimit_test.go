package ratelimit

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"
)

// fakeClock moves only when Sleep is called, so waits cost no real time.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
	// slept records every sleep asked for.
	slept []time.Duration
}

func newFakeClock() *fakeClock {
	// Start at the real time: context deadlines are real times.
	return &fakeClock{now: time.Now()}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.slept = append(c.slept, d)
	c.now = c.now.Add(d)
	return nil
}

func TestWaitAllTakesTheSlowestAndFailsFast(t *testing.T) {
	clk := newFakeClock()
	fast := rate.NewLimiter(rate.Limit(100), 1)
	slow := rate.NewLimiter(rate.Limit(2), 1)
	ctx := context.Background()

	require.NoError(t, waitFor(ctx, clk, time.Second, fast, slow, nil))
	assert.Empty(t, clk.slept, "first token is free")

	require.NoError(t, waitFor(ctx, clk, time.Second, fast, slow))
	assert.Equal(t, []time.Duration{500 * time.Millisecond}, clk.slept, "waits for the slow bucket")

	// A wait longer than allowed takes nothing from any bucket.
	err := waitFor(ctx, clk, 100*time.Millisecond, fast, slow)
	var tl *TooLongError
	require.ErrorAs(t, err, &tl)
	assert.Equal(t, 500*time.Millisecond, tl.Wait)
	assert.InDelta(t, 1.0, fast.TokensAt(clk.Now().Add(10*time.Millisecond)), 0.01, "fast token was given back")

	// The context's deadline also bounds the wait.
	dctx, cancel := context.WithDeadline(ctx, clk.Now().Add(100*time.Millisecond))
	defer cancel()
	assert.ErrorAs(t, waitFor(dctx, clk, time.Hour, slow), &tl)

	// Infinite limits cost nothing.
	require.NoError(t, waitFor(ctx, clk, 0, rate.NewLimiter(rate.Inf, 0)))

	// Burst 0 with a finite rate can never pass.
	assert.ErrorAs(t, waitFor(ctx, clk, time.Hour, rate.NewLimiter(1, 0)), &tl)
}

func TestWaitAllCancelledContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	assert.ErrorIs(t, waitFor(ctx, RealClock{}, time.Second, rate.NewLimiter(1, 1)), context.Canceled)

	// Cancelled during a real wait: returns at once and gives the token back.
	lim := rate.NewLimiter(rate.Limit(1), 1)
	require.NoError(t, waitFor(context.Background(), RealClock{}, time.Second, lim))
	ctx, cancel = context.WithCancel(context.Background())
	go func() { time.Sleep(20 * time.Millisecond); cancel() }()
	start := time.Now()
	assert.ErrorIs(t, waitFor(ctx, RealClock{}, 5*time.Second, lim), context.Canceled)
	assert.Less(t, time.Since(start), 500*time.Millisecond)
}

func TestKeyedEvictsOnlyIdleFullLimiters(t *testing.T) {
	clk := newFakeClock()
	k := NewKeyed(rate.Limit(10), 2)
	// Fill past the sweep threshold with keys that each used their burst.
	for i := 0; i < minSweep; i++ {
		l := k.Get(fmt.Sprint("k", i), clk.Now())
		l.AllowN(clk.Now(), 2)
	}
	assert.Equal(t, minSweep, k.Len())
	// Nothing is idle yet: the next insert sweeps but keeps everyone.
	k.Get("fresh", clk.Now())
	assert.Equal(t, minSweep+1, k.Len())

	// Once they refilled, the next sweep drops them.
	_ = clk.Sleep(context.Background(), time.Second)
	for i := 0; i < 2*minSweep; i++ {
		k.Get(fmt.Sprint("late", i), clk.Now())
	}
	assert.Less(t, k.Len(), 3*minSweep, "idle keys were evicted")
	assert.Nil(t, NewKeyed(rate.Inf, 0).Get("x", clk.Now()))
}

func TestKeyedBoundedUnderManyKeys(t *testing.T) {
	clk := newFakeClock()
	k := NewKeyed(rate.Limit(100), 1)
	for i := 0; i < 50_000; i++ {
		k.Get(fmt.Sprint("customer-", i), clk.Now())
		_ = clk.Sleep(context.Background(), time.Millisecond) // each key idles 20ms+ before the next sweep
	}
	assert.Less(t, k.Len(), 4*minSweep)
}

func TestGate(t *testing.T) {
	clk := newFakeClock()
	g := NewGate()
	now := clk.Now()
	assert.True(t, g.Until("a", now).IsZero())
	g.Extend("a", now.Add(2*time.Second), now)
	g.Extend("a", now.Add(time.Second), now) // never shortened
	assert.Equal(t, now.Add(2*time.Second), g.Until("a", now))
	assert.True(t, g.Until("b", now).IsZero(), "other keys unaffected")

	require.NoError(t, waitGate(context.Background(), clk, g, 5*time.Second, "a", "b"))
	assert.Equal(t, []time.Duration{2 * time.Second}, clk.slept)
	assert.True(t, g.Until("a", clk.Now()).IsZero(), "expired entry dropped")
	assert.Equal(t, 0, g.Len())

	g.Extend("c", clk.Now().Add(time.Minute), clk.Now())
	err := waitGate(context.Background(), clk, g, 5*time.Second, "c")
	var tl *TooLongError
	require.ErrorAs(t, err, &tl)
	assert.True(t, tl.Cooldown)
	assert.Equal(t, time.Minute, tl.Wait)
}

// TestConcurrentLimiterAndGate runs many goroutines through the shared
// structures; -race checks the locking, the counts check the limits.
func TestConcurrentLimiterAndGate(t *testing.T) {
	b := NewBuckets(RealClock{}, Setting{Limit: 2000, Burst: 50}, Setting{Limit: 1000, Burst: 10}, Setting{Limit: rate.Inf})
	g := NewGate()
	var passed atomic.Int64
	var wg sync.WaitGroup
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for i := 0; i < 64; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			key := fmt.Sprint("c", i%8)
			for j := 0; j < 20; j++ {
				now := time.Now()
				if j == 5 && i%8 == 0 {
					g.Extend(key, now.Add(20*time.Millisecond), now)
				}
				if err := waitGate(ctx, RealClock{}, g, time.Second, key); err != nil {
					t.Error(err)
					return
				}
				if err := b.Wait(ctx, 1, time.Second, key, false); err != nil {
					t.Error(err)
					return
				}
				passed.Add(1)
			}
		}(i)
	}
	wg.Wait()
	assert.Equal(t, int64(64*20), passed.Load())
	assert.Equal(t, 8, b.Keys())
}

// waitGate waits out the latest cooldown of keys in g, as the client does
// with its CooldownStore.
func waitGate(ctx context.Context, clk Clock, g *Gate, maxWait time.Duration, keys ...string) error {
	var until time.Time
	for _, k := range keys {
		if u := g.Until(k, clk.Now()); u.After(until) {
			until = u
		}
	}
	return WaitUntil(ctx, clk, until, maxWait)
}

// waitFor is waitAll for limiters no other goroutine uses.
func waitFor(ctx context.Context, clk Clock, maxWait time.Duration, lims ...*rate.Limiter) error {
	return waitAll(ctx, new(sync.Mutex), clk, 1, maxWait, lims)
}

// TestBucketsTakeFromTheBucketsACallUses: every call pays the client's
// bucket; a call for a key pays that key's bucket too, and a call of the
// class the class bucket.
func TestBucketsTakeFromTheBucketsACallUses(t *testing.T) {
	clk := newFakeClock()
	ctx := context.Background()
	b := NewBuckets(clk, Setting{Limit: 100, Burst: 3}, Setting{Limit: 1, Burst: 1}, Setting{Limit: 1, Burst: 1})
	var tl *TooLongError

	require.NoError(t, b.Wait(ctx, 1, 0, "a", false))
	require.ErrorAs(t, b.Wait(ctx, 1, 0, "a", false), &tl, "a's bucket is empty")
	require.NoError(t, b.Wait(ctx, 1, 0, "b", true), "b has its own bucket; the class bucket is full")
	require.ErrorAs(t, b.Wait(ctx, 1, 0, "", true), &tl, "the class bucket is empty")
	require.NoError(t, b.Wait(ctx, 1, 0, "", false), "no key, not in the class: only the client's bucket")
	require.ErrorAs(t, b.Wait(ctx, 1, 0, "", false), &tl, "the client's burst of 3 is spent")
	assert.Equal(t, 2, b.Keys())

	off := NewBuckets(clk, Setting{Limit: rate.Inf}, Setting{Limit: rate.Inf}, Setting{Limit: rate.Inf})
	for range 100 {
		require.NoError(t, off.Wait(ctx, 1, 0, "a", true))
	}
	assert.Equal(t, 0, off.Keys(), "no buckets are made when the limits are off")
}

// TestBucketsTakeN: an attempt of cost n takes n tokens from each bucket,
// and one that costs more than a burst can never pass, so it is refused at
// once, taking nothing.
func TestBucketsTakeN(t *testing.T) {
	clk := newFakeClock()
	ctx := context.Background()
	b := NewBuckets(clk, Setting{Limit: 10, Burst: 4}, Setting{Limit: 1, Burst: 3}, Setting{Limit: rate.Inf})
	var tl *TooLongError

	require.ErrorAs(t, b.Wait(ctx, 4, time.Hour, "a", false), &tl, "more than a's burst of 3")
	require.NoError(t, b.Wait(ctx, 3, 0, "a", false), "the refusal took nothing")
	require.ErrorAs(t, b.Wait(ctx, 1, 0, "a", false), &tl, "a's 3 tokens are spent")
	require.NoError(t, b.Wait(ctx, 1, 0, "", false), "one of the client's 4 is left")
	require.ErrorAs(t, b.Wait(ctx, 1, 0, "", false), &tl)
	require.NoError(t, clk.Sleep(ctx, 200*time.Millisecond)) // two of the client's tokens back
	require.NoError(t, b.Wait(ctx, 2, 0, "", false))
}
