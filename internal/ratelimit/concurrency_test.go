package ratelimit

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// scriptedClock hands out scripted times in the order Now is called; the
// call numbered hold returns its time only once a later call has begun (or
// after a grace period), as a goroutine preempted between reading the clock
// and reserving would.
type scriptedClock struct {
	times []time.Time // the last one repeats
	hold  int

	mu       sync.Mutex
	calls    int
	overtook chan struct{}
}

func (c *scriptedClock) Now() time.Time {
	c.mu.Lock()
	n := c.calls
	c.calls++
	t := c.times[min(n, len(c.times)-1)]
	if n == c.hold+1 {
		close(c.overtook)
	}
	c.mu.Unlock()
	if n == c.hold {
		select {
		case <-c.overtook:
		case <-time.After(100 * time.Millisecond):
		}
	}
	return t
}

func (c *scriptedClock) Sleep(ctx context.Context, _ time.Duration) error { return ctx.Err() }

// TestBucketsReserveInClockOrder: a goroutine that read the clock, then
// was overtaken by another that read a later time, must not reserve after
// it. x/time/rate moves a limiter's clock back for the older time and then
// refills the interval between the two a second time, so more calls pass
// than the rate allows. Buckets read the clock and reserve under one lock,
// so the overtaking read cannot happen.
func TestBucketsReserveInClockOrder(t *testing.T) {
	t0 := time.Unix(1_700_000_000, 0)
	// Five calls at t0 empty the bucket (rate 1/s, burst 5); call 5 reads
	// t0+2s and is held; every later call reads t0+4s.
	clk := &scriptedClock{
		times:    []time.Time{t0, t0, t0, t0, t0, t0.Add(2 * time.Second), t0.Add(4 * time.Second)},
		hold:     5,
		overtook: make(chan struct{}),
	}
	b := NewBuckets(clk, Setting{Limit: 1, Burst: 5}, Setting{Limit: 1, Burst: 1}, Setting{Limit: 1, Burst: 1})
	ctx := context.Background()
	for range 5 {
		require.NoError(t, b.Wait(ctx, 1, 0, "", false))
	}

	var passed atomic.Int64
	wait := func() {
		err := b.Wait(ctx, 1, 0, "", false) // no waiting: only calls with a token pass
		var tooLong *TooLongError
		switch {
		case err == nil:
			passed.Add(1)
		case !errors.As(err, &tooLong):
			t.Error(err)
		}
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); wait() }() // reads t0+2s, is held
	for clk.callCount() < 6 {
		time.Sleep(time.Millisecond)
	}
	wg.Add(1)
	go func() { defer wg.Done(); wait() }() // reads t0+4s
	wg.Wait()
	for range 6 {
		wait() // t0+4s
	}
	// Four seconds refilled four tokens into the empty bucket.
	assert.Equal(t, int64(4), passed.Load())
}

// callCount returns how many times Now has been called.
func (c *scriptedClock) callCount() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.calls
}
