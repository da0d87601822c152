// Command ratelimits shows how the client behaves under Bubblehouse's
// per-customer rate limit, and how to handle what it returns.
//
//	go run ./examples/ratelimits
//
// It runs against the embedded fake Bubblehouse, set to answer 429 beyond
// two calls per second per customer, as the real service does beyond its
// (undocumented) per-customer read limit.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/bubblehouse-go/bubblehouse"
	"github.com/bubblehouse-go/bubblehouse/bubblehousetest"
)

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "ratelimits:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, out io.Writer) error {
	bh, err := bubblehousetest.Start(bubblehousetest.WithDemoData(), bubblehousetest.WithCustomerRateLimit(2))
	if err != nil {
		return err
	}
	defer bh.Close()
	alice := &bubblehouse.CustomerBalance3Input{Customer: bubblehouse.ByEmail(bubblehousetest.DemoCustomerEmail)}

	// 1. A client whose own limit is above the server's: the server answers
	// 429, the client backs off (obeying Retry-After), and every caller for
	// that customer waits out the cooldown instead of hammering the server.
	eager, err := bh.NewClient(bubblehouse.WithCustomerRateLimit(rate.Inf, 0))
	if err != nil {
		return err
	}
	start := time.Now()
	ok, failed := burst(ctx, eager, alice, 6)
	fmt.Fprintf(out, "eager client: %d ok, %d failed, server saw %d requests (%d answered 429)\n",
		ok, failed, len(bh.Requests()), count429(bh))
	fmt.Fprintln(out, "  the burst took at least a second:", time.Since(start) >= time.Second)

	// 2. A client that paces itself below the server's limit never sees a
	// 429: callers queue in the client instead. Pacing at the limit itself
	// (2/s) would not do: a call held up on its way can land in the next
	// second of the server's clock with the two after it.
	bh.Reset()
	polite, err := bh.NewClient(bubblehouse.WithCustomerRateLimit(1.5, 1))
	if err != nil {
		return err
	}
	ok, failed = burst(ctx, polite, alice, 4)
	fmt.Fprintf(out, "paced client:  %d ok, %d failed, %d answered 429\n", ok, failed, count429(bh))

	// 3. A caller that cannot wait: with a short deadline the client fails
	// at once with ErrRateLimitExceeded and says how long to wait, instead
	// of sleeping past the deadline.
	_, _ = polite.CustomerBalance3(ctx, alice) // use up the burst
	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	_, err = polite.CustomerBalance3(short, alice)
	wait, _ := bubblehouse.RetryAfter(err)
	fmt.Fprintf(out, "hurried call:  rate limited=%t, retry after about %s\n",
		errors.Is(err, bubblehouse.ErrRateLimitExceeded), wait.Round(100*time.Millisecond))
	return nil
}

// burst calls n times at once and counts the outcomes.
func burst(ctx context.Context, c *bubblehouse.Client, in *bubblehouse.CustomerBalance3Input, n int) (ok, failed int) {
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := c.CustomerBalance3(ctx, in)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				failed++
			} else {
				ok++
			}
		}()
	}
	wg.Wait()
	return ok, failed
}

func count429(bh *bubblehousetest.Server) int {
	n := 0
	for _, r := range bh.Requests() {
		if r.Status == 429 {
			n++
		}
	}
	return n
}
