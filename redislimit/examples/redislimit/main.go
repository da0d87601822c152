// Command redislimit shows two replicas of a service sharing one rate limit
// through Redis. Both run in this process, each with its own Redis
// connection pool, redislimit.Limiter and bubblehouse.Client, against a
// local stand-in for Bubblehouse that counts the calls it receives.
//
//	go run ./examples/redislimit                 # Redis on 127.0.0.1:6379
//	go run ./examples/redislimit -redis host:port
//
// With Redis the two replicas make 10 calls a second between them (after a
// first burst of 5). Without it they say so and fall back to in-process
// limits, so each makes 10 a second by itself: about twice as many in total.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/bubblehouse-go/bubblehouse"
	"github.com/bubblehouse-go/bubblehouse/redislimit"
)

const (
	limit = 10 // calls a second, both replicas together
	// burst calls may go at once. More than 1, so that a call that wakes a
	// little late does not lose its slot.
	burst           = 5
	callsPerReplica = 15
)

func main() {
	addr := flag.String("redis", envOr("REDIS_ADDR", "127.0.0.1:6379"), "Redis address")
	flag.Parse()
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	if _, err := run(context.Background(), *addr, os.Stdout, logger); err != nil {
		fmt.Fprintln(os.Stderr, "redislimit example:", err)
		os.Exit(1)
	}
}

// result is what a run measured.
type result struct {
	shared  bool          // Redis answered, so the replicas shared the limit
	calls   int64         // calls the stand-in for Bubblehouse received
	elapsed time.Duration // from the first call to the end of the last
}

// rate is the calls a second after the first bursts, which go at once:
// one burst for the shared limit, one per replica without it.
func (r result) rate() float64 {
	bursts := int64(burst)
	if !r.shared {
		bursts *= 2
	}
	return float64(r.calls-bursts) / r.elapsed.Seconds()
}

// run makes the two replicas' calls, telling out what happens; logger gets
// the Limiters' log (the switch to the fallback when Redis is down).
func run(ctx context.Context, addr string, out io.Writer, logger *slog.Logger) (result, error) {
	var received atomic.Int64
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		received.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"logged_in":true,"shop_slug":"demo-shop","membership":"none"}`))
	}))
	defer api.Close()

	shared := reachable(ctx, addr)
	if shared {
		fmt.Fprintf(out, "Redis at %s: the two replicas share one limit of %d calls/s.\n", addr, limit)
	} else {
		fmt.Fprintf(out, "No Redis reachable at %s: each replica falls back to its own in-process limit\n"+
			"of %d calls/s, so together they make about %d. Start redis-server to see them share it.\n", addr, limit, 2*limit)
	}

	// A fresh prefix per run, so that a previous run's buckets do not count.
	prefix := fmt.Sprintf("bubblehouse-example:%d:", time.Now().UnixNano())
	var replicas []*bubblehouse.Client
	for i := range 2 {
		rdb := redis.NewClient(&redis.Options{Addr: addr, ContextTimeoutEnabled: true, MaxRetries: -1})
		defer rdb.Close()
		lim, err := redislimit.New(rdb,
			redislimit.WithPrefix(prefix),
			redislimit.WithRateLimit(limit, burst),
			redislimit.WithLogger(logger.With("replica", i+1)),
		)
		if err != nil {
			return result{}, err
		}
		c, err := bubblehouse.NewClient("demo-shop",
			bubblehouse.WithToken("demo-token"),
			bubblehouse.WithBaseURL(api.URL),
			bubblehouse.WithLimiter(lim),
			bubblehouse.WithCooldownStore(lim),
		)
		if err != nil {
			return result{}, err
		}
		replicas = append(replicas, c)
	}

	start := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, 2*callsPerReplica)
	for _, c := range replicas {
		wg.Go(func() {
			for range callsPerReplica {
				if _, err := c.Status2(ctx); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		return result{}, err
	}
	res := result{shared: shared, calls: received.Load(), elapsed: time.Since(start)}
	firstBursts := burst
	if !shared {
		firstBursts *= 2
	}
	fmt.Fprintf(out, "%d calls in %v: %.1f calls/s in total after the first %d (limit %d/s%s).\n",
		res.calls, res.elapsed.Round(10*time.Millisecond), res.rate(), firstBursts, limit, map[bool]string{true: ", shared", false: " per replica"}[shared])
	return res, nil
}

// reachable reports whether Redis answers PING within a second.
func reachable(ctx context.Context, addr string) bool {
	rdb := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1, ContextTimeoutEnabled: true})
	defer rdb.Close()
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	return rdb.Ping(ctx).Err() == nil
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}
