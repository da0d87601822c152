package ratelimit

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"
)

// manualClock is a Clock whose Sleep returns at once, or with ctx's error;
// with interrupt set, as if ctx were cancelled half-way through.
type manualClock struct {
	now       time.Time
	interrupt bool
}

func (c *manualClock) Now() time.Time { return c.now }
func (c *manualClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if c.interrupt {
		c.now = c.now.Add(d / 2)
		return context.Canceled
	}
	c.now = c.now.Add(d)
	return nil
}

// Memory stays bounded by the recently active keys: a stream of one-off
// customers, each seen once, never grows the map past a few sweeps' worth.
func TestKeyedStaysBounded(t *testing.T) {
	k := NewKeyed(rate.Limit(5), 5)
	now := time.Unix(1_700_000_000, 0)
	for i := range 100_000 {
		now = now.Add(10 * time.Millisecond)
		l := k.Get(fmt.Sprintf("email:user%d@example.com", i), now)
		require.True(t, l.AllowN(now, 1))
	}
	assert.LessOrEqual(t, k.Len(), 2*minSweep+200, "limiters held")
}

func TestGateStaysBounded(t *testing.T) {
	g := NewGate()
	now := time.Unix(1_700_000_000, 0)
	for i := range 100_000 {
		now = now.Add(10 * time.Millisecond)
		g.Extend(fmt.Sprintf("k%d", i), now.Add(time.Second), now)
	}
	assert.LessOrEqual(t, g.Len(), 2*minSweep+200, "cooldowns held")
}

// A wait cut short by its context gives its tokens back, and a wait that
// would be too long takes none: failed calls never starve later ones.
func TestWaitAllGivesTokensBack(t *testing.T) {
	clk := &manualClock{now: time.Unix(1_700_000_000, 0)}
	a := rate.NewLimiter(rate.Limit(1), 1)
	b := rate.NewLimiter(rate.Limit(1), 1)
	require.NoError(t, waitFor(context.Background(), clk, time.Minute, a, b))

	var tooLong *TooLongError
	require.ErrorAs(t, waitFor(context.Background(), clk, 10*time.Millisecond, a, b), &tooLong)
	assert.Equal(t, time.Second, tooLong.Wait)

	clk.interrupt = true
	require.ErrorIs(t, waitFor(context.Background(), clk, time.Minute, a, b), context.Canceled)

	clk.now = clk.now.Add(time.Second / 2)
	assert.InDelta(t, 1, a.TokensAt(clk.now), 0.001)
	assert.InDelta(t, 1, b.TokensAt(clk.now), 0.001)
}

func TestWaitGateFailsFastPastDeadline(t *testing.T) {
	clk := &manualClock{now: time.Unix(1_700_000_000, 0)}
	g := NewGate()
	g.Extend("c", clk.now.Add(5*time.Second), clk.now)
	ctx, cancel := context.WithDeadline(context.Background(), clk.now.Add(time.Second))
	defer cancel()
	var tooLong *TooLongError
	require.ErrorAs(t, waitGate(ctx, clk, g, time.Minute, "", "c"), &tooLong)
	assert.True(t, tooLong.Cooldown)
	assert.Equal(t, 5*time.Second, tooLong.Wait)
	require.NoError(t, waitGate(context.Background(), clk, g, time.Minute, "other"))
}
