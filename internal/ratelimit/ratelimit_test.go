package ratelimit

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
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

// TestConcurrentLimiterAndGate runs 64 goroutines through shared buckets
// and a gate, for 8 keys, and checks every key's admissions against its
// limit: no more than rate*elapsed+burst may have passed at any moment.
// -race checks the locking. It runs in a synctest bubble, whose clock
// (read by RealClock) is fake and moves only when every goroutine waits,
// so the check is exact however loaded the machine, and the 1.55 s of
// limited calls take no real time.
func TestConcurrentLimiterAndGate(t *testing.T) {
	const (
		keys, perKey, calls = 8, 8, 20 // perKey goroutines for each key, calls each
		// The keys' limits together (800/s) are under the client's, so
		// each key's is the one that binds.
		keyRate, keyBurst = 100, 5
		allRate, allBurst = 1000, 50
	)
	for _, tc := range []struct {
		name string
		all  Setting
	}{
		// A Client's default: no client-wide limit. Then a key's
		// admissions keep to its limit in every interval, not only
		// since the start.
		{"client limit off", Setting{Limit: rate.Inf}},
		// With one, a call the client's bucket holds past the moment its
		// key's token was due is admitted later than that token was
		// spent, and may bunch up with the key's next calls: a key can
		// briefly see more than its burst, so only the count since the
		// start is checked.
		{"client limit on", Setting{Limit: allRate, Burst: allBurst}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				b := NewBuckets(RealClock{}, tc.all, Setting{Limit: keyRate, Burst: keyBurst}, Setting{Limit: rate.Inf})
				g := NewGate()
				ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
				defer cancel()
				var mu sync.Mutex
				admitted := map[string][]time.Time{}
				start := time.Now()
				var wg sync.WaitGroup
				for i := range keys * perKey {
					wg.Go(func() {
						key := fmt.Sprint("c", i%keys)
						for j := range calls {
							now := time.Now()
							if j == 5 && i%keys == 0 {
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
							at := time.Now()
							mu.Lock()
							admitted[key] = append(admitted[key], at)
							mu.Unlock()
						}
					})
				}
				wg.Wait()
				elapsed := time.Since(start)

				assert.Equal(t, keys, b.Keys())
				var all []time.Time
				for key, times := range admitted {
					assert.Len(t, times, perKey*calls, key)
					from := []time.Time{start}
					if tc.all.Limit == rate.Inf {
						from = times
					}
					checkRate(t, key, times, from, keyRate, keyBurst)
					all = append(all, times...)
				}
				if tc.all.Limit != rate.Inf {
					checkRate(t, "the client", all, []time.Time{start}, tc.all.Limit, tc.all.Burst)
				}
				// Nor are calls held longer than the keys' limit needs: 155
				// calls after the burst at 100/s, and a little for the
				// cooldown.
				t.Logf("%d calls in %v of fake time", len(all), elapsed)
				assert.LessOrEqual(t, elapsed, time.Duration(float64(perKey*calls-keyBurst)/keyRate*float64(time.Second))+50*time.Millisecond)
			})
		})
	}
}

// checkRate fails t if, in an interval from one of from to one of times,
// more of times fall than limit*interval + burst allows.
func checkRate(t *testing.T, what string, times, from []time.Time, limit rate.Limit, burst int) {
	t.Helper()
	times = slices.Clone(times)
	slices.SortFunc(times, time.Time.Compare)
	for _, f := range from {
		n := 0
		for _, at := range times {
			if at.Before(f) {
				continue
			}
			n++
			// A little slack for x/time/rate's floating-point token count.
			if allowed := float64(limit)*at.Sub(f).Seconds() + float64(burst) + 1e-6; float64(n) > allowed {
				t.Errorf("%s: %d admissions in %v, more than %v/s with a burst of %d allows", what, n, at.Sub(f), limit, burst)
				return
			}
		}
	}
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
