package redislimit

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"golang.org/x/time/rate"

	"github.com/bubblehouse-go/bubblehouse"
	"github.com/bubblehouse-go/bubblehouse/redislimit/internal/redistest"
)

// The benchmarks measure what the client does for every attempt: read the
// client-wide and the customer's cooldown, then take from the limiter.
// Limits are set high enough never to block, so only the cost shows.
//
//	go test -run '^$' -bench 'Limiter|Client' -benchmem ./
//
// BenchmarkLimiterLocal runs the in-process code the client uses by
// default (bubblehouse.NewLocalCooldownStore and NewLocalLimiter, as the
// fallback here holds them); BenchmarkLimiterRedis the Redis path.

const benchRate, benchBurst = rate.Limit(1e9), 1 << 30

// benchCases are the two shapes of attempt: a read naming a customer with
// the default buckets (only the customer's is on), and an export with all
// three buckets on.
var benchCases = []struct {
	name string
	opts []Option
	req  bubblehouse.LimitRequest
}{
	{"read-customer", []Option{WithCustomerRateLimit(benchRate, benchBurst)},
		bubblehouse.LimitRequest{Endpoint: "CustomerBalance3", Class: bubblehouse.ClassRead, Customer: "email:jane@example.com", Cost: 1, MaxWait: time.Second}},
	{"export-3-buckets", []Option{WithRateLimit(benchRate, benchBurst), WithCustomerRateLimit(benchRate, benchBurst), WithExportRateLimit(benchRate, benchBurst)},
		bubblehouse.LimitRequest{Endpoint: "ExportCustomerData1", Class: bubblehouse.ClassExport, Customer: "email:jane@example.com", Cost: 1, MaxWait: time.Second}},
}

func benchLimiter(b *testing.B, addr string, opts []Option) *Limiter {
	rdb := redis.NewClient(&redis.Options{Addr: addr, ContextTimeoutEnabled: true})
	b.Cleanup(func() { _ = rdb.Close() })
	l, err := New(rdb, append([]Option{WithPrefix("bench:")}, opts...)...)
	if err != nil {
		b.Fatal(err)
	}
	return l
}

func BenchmarkLimiterLocal(b *testing.B) {
	for _, bc := range benchCases {
		b.Run(bc.name, func(b *testing.B) {
			// No Redis is touched: the address is never dialled.
			l := benchLimiter(b, "127.0.0.1:1", bc.opts)
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				_, _ = l.localCooldowns.CooldownUntil(ctx, "")
				_, _ = l.localCooldowns.CooldownUntil(ctx, bc.req.Customer)
				if err := l.waitLocal(ctx, bc.req, time.Now()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkLimiterRedis(b *testing.B) {
	srv := redistest.Start(b)
	for _, bc := range benchCases {
		b.Run(bc.name, func(b *testing.B) {
			l := benchLimiter(b, srv.Addr(), bc.opts)
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := l.CooldownUntil(ctx, ""); err != nil {
					b.Fatal(err)
				}
				if _, err := l.CooldownUntil(ctx, bc.req.Customer); err != nil {
					b.Fatal(err)
				}
				if err := l.Wait(ctx, bc.req); err != nil {
					b.Fatal(err)
				}
			}
			if l.health.down.Load() {
				b.Fatal("Redis fell over during the benchmark")
			}
		})
	}
}

// The client benchmarks make whole calls (an export naming a customer)
// against a local HTTP server, with the client's default in-process limiter
// or with the Redis one, so the difference is the added cost per call.
func benchClient(b *testing.B, opts ...bubblehouse.Option) {
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{}`))
	}))
	b.Cleanup(api.Close)
	c, err := bubblehouse.NewClient("bench-shop", append([]bubblehouse.Option{
		bubblehouse.WithToken("bench-token"), bubblehouse.WithBaseURL(api.URL),
		bubblehouse.WithRateLimit(benchRate, benchBurst), bubblehouse.WithCustomerRateLimit(benchRate, benchBurst),
		bubblehouse.WithExportRateLimit(benchRate, benchBurst),
	}, opts...)...)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	in := &bubblehouse.ExportCustomerData1Input{Customer: bubblehouse.ByEmail("jane@example.com")}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.ExportCustomerData1(ctx, in); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkClientLocal(b *testing.B) { benchClient(b) }

func BenchmarkClientRedis(b *testing.B) {
	srv := redistest.Start(b)
	l := benchLimiter(b, srv.Addr(), benchCases[1].opts)
	benchClient(b, bubblehouse.WithLimiter(l), bubblehouse.WithCooldownStore(l))
}
