package bubblehouse_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"

	"github.com/bubblehouse-go/bubblehouse"
	"github.com/bubblehouse-go/bubblehouse/bubblehousetest"
)

// off is a limit that is not there.
var off = bubblehouse.RateLimit{Rate: rate.Inf}

func TestRateLimitValidate(t *testing.T) {
	for _, ok := range []bubblehouse.RateLimit{off, {Rate: rate.Inf, Burst: -1}, {Rate: 0.001, Burst: 1}, {Rate: 1e9, Burst: 1}} {
		assert.NoError(t, ok.Validate(), "%+v", ok)
	}
	for _, bad := range []bubblehouse.RateLimit{{Rate: 0, Burst: 1}, {Rate: -1, Burst: 1}, {Rate: 1e9 + 1, Burst: 1}, {Rate: 5, Burst: 0}} {
		assert.Error(t, bad.Validate(), "%+v", bad)
		// The client's options refuse exactly the same.
		_, err := bubblehouse.NewClient("shop", bubblehouse.WithToken("t"), bubblehouse.WithCustomerRateLimit(bad.Rate, bad.Burst))
		assert.ErrorContains(t, err, "WithCustomerRateLimit", "%+v", bad)
	}
}

func TestNewLocalLimiterValidates(t *testing.T) {
	bad := bubblehouse.RateLimit{Rate: 1, Burst: 0}
	for name, limits := range map[string]bubblehouse.LocalLimits{
		"global":   {Global: bad},
		"customer": {Customer: bad},
		"export":   {Export: bad},
	} {
		l, err := bubblehouse.NewLocalLimiter(limits)
		assert.Nil(t, l)
		assert.ErrorContains(t, err, "the "+name+" limit", name)
	}
}

// The local limiter keeps the client's policy: a bucket per customer, one
// for exports, one for everything; a wait that does not fit fails at once
// with a *RateLimitError, taking nothing.
func TestNewLocalLimiterPolicy(t *testing.T) {
	l, err := bubblehouse.NewLocalLimiter(bubblehouse.LocalLimits{
		Global:   bubblehouse.RateLimit{Rate: 1, Burst: 3},
		Customer: bubblehouse.RateLimit{Rate: 10, Burst: 1},
		Export:   bubblehouse.RateLimit{Rate: 1, Burst: 1},
	})
	require.NoError(t, err)
	ctx := context.Background()
	req := func(customer, class string) bubblehouse.LimitRequest {
		return bubblehouse.LimitRequest{Endpoint: "CustomerBalance3", Class: class, Customer: customer, Cost: 1}
	}

	require.NoError(t, l.Wait(ctx, req("email:a@example.com", bubblehouse.ClassRead)))
	err = l.Wait(ctx, req("email:a@example.com", bubblehouse.ClassRead))
	var rl *bubblehouse.RateLimitError
	require.ErrorAs(t, err, &rl, "a's bucket is empty")
	assert.ErrorIs(t, err, bubblehouse.ErrRateLimitExceeded)
	assert.Equal(t, "CustomerBalance3", rl.Endpoint)
	assert.InDelta(t, 100*time.Millisecond, rl.RetryAfter, float64(20*time.Millisecond), "a's next token is 1/10 s away")
	assert.False(t, rl.Cooldown)

	require.NoError(t, l.Wait(ctx, req("email:b@example.com", bubblehouse.ClassExport)), "b has a bucket of its own")
	require.ErrorAs(t, l.Wait(ctx, req("email:c@example.com", bubblehouse.ClassExport)), &rl, "the export bucket is empty")
	require.NoError(t, l.Wait(ctx, req("", bubblehouse.ClassRead)), "the refusal took nothing from the global bucket")
	require.ErrorAs(t, l.Wait(ctx, req("", bubblehouse.ClassRead)), &rl, "the global burst of 3 is spent")

	// An attempt costing more than a burst can never pass.
	big := req("", bubblehouse.ClassRead)
	big.Cost, big.MaxWait = 4, time.Hour
	require.ErrorAs(t, l.Wait(ctx, big), &rl)
}

func TestNewLocalCooldownStore(t *testing.T) {
	cs := bubblehouse.NewLocalCooldownStore()
	ctx := context.Background()
	now := time.Now()

	u, err := cs.CooldownUntil(ctx, "")
	require.NoError(t, err)
	assert.True(t, u.IsZero())

	require.NoError(t, cs.StartCooldown(ctx, "shopid:1", now.Add(time.Hour)))
	require.NoError(t, cs.StartCooldown(ctx, "shopid:1", now.Add(time.Minute)), "shorter: ignored")
	u, err = cs.CooldownUntil(ctx, "shopid:1")
	require.NoError(t, err)
	assert.Equal(t, now.Add(time.Hour), u)
	u, _ = cs.CooldownUntil(ctx, "")
	assert.True(t, u.IsZero(), "a customer's cooldown is not the client's")

	require.NoError(t, cs.StartCooldown(ctx, "", now.Add(-time.Second)))
	u, _ = cs.CooldownUntil(ctx, "")
	assert.True(t, u.IsZero(), "a cooldown that is over is none")
}

// Two clients given the same local limiter and cooldown store share one
// budget: what one spends, the other waits for.
func TestClientsShareALocalLimiter(t *testing.T) {
	srv := bubblehousetest.NewServer(t, bubblehousetest.WithDemoData())
	lim, err := bubblehouse.NewLocalLimiter(bubblehouse.LocalLimits{Customer: bubblehouse.RateLimit{Rate: 0.1, Burst: 1}, Export: off})
	require.NoError(t, err)
	cs := bubblehouse.NewLocalCooldownStore()
	a := srv.Client(bubblehouse.WithLimiter(lim), bubblehouse.WithCooldownStore(cs), bubblehouse.WithMaxWait(0))
	b := srv.Client(bubblehouse.WithLimiter(lim), bubblehouse.WithCooldownStore(cs), bubblehouse.WithMaxWait(0))
	ctx := context.Background()
	in := &bubblehouse.CustomerDetails1Input{Customer: bubblehouse.ByEmail(bubblehousetest.DemoCustomerEmail)}

	_, err = a.CustomerDetails1(ctx, in)
	require.NoError(t, err)
	_, err = b.CustomerDetails1(ctx, in)
	var rl *bubblehouse.RateLimitError
	require.ErrorAs(t, err, &rl, "a took the customer's one token")
	assert.Len(t, srv.Requests(), 1, "b sent nothing")
}

// LocalLimits{} is the client's default policy: no client-wide bucket, the
// default per-customer and export buckets.
func TestLocalLimitsZeroIsTheDefault(t *testing.T) {
	l, err := bubblehouse.NewLocalLimiter(bubblehouse.LocalLimits{})
	require.NoError(t, err)
	ctx := context.Background()
	req := func(customer, class string) bubblehouse.LimitRequest {
		return bubblehouse.LimitRequest{Endpoint: "CustomerBalance3", Class: class, Customer: customer, Cost: 1}
	}
	var rl *bubblehouse.RateLimitError
	for i := range bubblehouse.DefaultCustomerBurst {
		require.NoError(t, l.Wait(ctx, req("email:a@example.com", bubblehouse.ClassRead)), "call %d of the default burst", i+1)
	}
	require.ErrorAs(t, l.Wait(ctx, req("email:a@example.com", bubblehouse.ClassRead)), &rl, "past DefaultCustomerBurst")
	for i := range 100 {
		require.NoError(t, l.Wait(ctx, req("", bubblehouse.ClassRead)), "no client-wide bucket: call %d", i+1)
	}
	for i := range bubblehouse.DefaultExportBurst {
		require.NoError(t, l.Wait(ctx, req(fmt.Sprint("shopid:", i), bubblehouse.ClassExport)), "export %d of the default burst", i+1)
	}
	require.ErrorAs(t, l.Wait(ctx, req("shopid:x", bubblehouse.ClassExport)), &rl, "past DefaultExportBurst")
}
