package bubblehousetest_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/bubblehouse-go/bubblehouse"
	"github.com/bubblehouse-go/bubblehouse/bubblehousetest"
)

// A user's test scripts a 429 with a Retry-After and checks that the
// client waited and tried again. In a test, use
// bubblehousetest.NewServer(t, ...) and srv.Client() instead of Start and
// NewClient: they close the server and fail the test by themselves.
func Example_scriptedRateLimit() {
	srv, err := bubblehousetest.Start(bubblehousetest.WithDemoData())
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Close()

	srv.FailNext(bubblehousetest.EndpointCustomerBalance3, 1, bubblehousetest.Failure{
		Status:     429,
		ID:         bubblehouse.IDRateLimitExceeded,
		Message:    "You are over the read limit per second for this customer",
		RetryAfter: time.Second,
	})
	c, err := srv.NewClient()
	if err != nil {
		fmt.Println(err)
		return
	}
	bal, err := c.CustomerBalance3(context.Background(), &bubblehouse.CustomerBalance3Input{
		Customer: bubblehouse.ByEmail(bubblehousetest.DemoCustomerEmail),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("points:", bal.PtsAvailable)
	for _, r := range srv.Requests() {
		fmt.Println(r.Endpoint, r.Status, r.ErrorID != "")
	}

	// A Retry-After longer than the client's WithMaxWait (10 s by default)
	// reaches the caller at once, with the wait it asked for.
	srv.FailNext(bubblehousetest.EndpointCustomerBalance3, 1, bubblehousetest.Failure{Status: 429, RetryAfter: 30 * time.Second})
	_, err = c.CustomerBalance3(context.Background(), &bubblehouse.CustomerBalance3Input{
		Customer: bubblehouse.ByShopID(bubblehousetest.DemoCustomerShopID),
	})
	wait, _ := bubblehouse.RetryAfter(err)
	fmt.Println(errors.Is(err, bubblehouse.ErrRateLimitExceeded), wait)
	// Output:
	// points: 1850
	// CustomerBalance3 429 true
	// CustomerBalance3 200 false
	// true 30s
}
