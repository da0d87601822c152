package ratelimit

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"golang.org/x/time/rate"
)

// preemptedClock is the wall clock, with the goroutine preempted just
// after each reading, as a busy scheduler may do.
type preemptedClock struct{ RealClock }

func (preemptedClock) Now() time.Time {
	t := time.Now()
	runtime.Gosched()
	return t
}

// TestWaitAllHoldsTheRateUnderConcurrency: many goroutines pacing through
// the same limiters never get more than the burst plus the rate over the
// time they ran. (x/time/rate moves a limiter's clock back when it is
// handed an older time than the last, and then refills the same interval
// twice; reservations taken with times read outside a shared lock hand it
// such times whenever goroutines are preempted in between.)
func TestWaitAllHoldsTheRateUnderConcurrency(t *testing.T) {
	const (
		limit   = 2000
		burst   = 10
		workers = 64
	)
	global := rate.NewLimiter(limit, burst)
	other := rate.NewLimiter(rate.Limit(1e6), 1000)
	var g Group
	var passed atomic.Int64
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	start := time.Now()
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for g.WaitAll(ctx, preemptedClock{}, time.Second, global, other) == nil {
				passed.Add(1)
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	allowed := burst + limit*elapsed.Seconds()
	t.Logf("%d passed in %v, %.0f allowed", passed.Load(), elapsed, allowed)
	assert.LessOrEqual(t, float64(passed.Load()), allowed+1)
}
