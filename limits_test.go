package bubblehouse

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDefaultLimiterGivesExportsTheirOwnBucket: the default Limiter draws
// an export from the client-wide export bucket as well, so that a slow
// WithExportRateLimit holds exports without holding reads. The second
// export names another customer, so that only the export bucket, not a
// per-customer one, can refuse it.
func TestDefaultLimiterGivesExportsTheirOwnBucket(t *testing.T) {
	srv := newRawServer(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		switch {
		case strings.HasSuffix(r.URL.Path, "/Status2"):
			jsonReply(w, 200, statusOK)
		case strings.HasSuffix(r.URL.Path, "/CustomerDetails1"):
			jsonReply(w, 200, `{"id":"c-1","email":"alice@example.com"}`)
		default:
			jsonReply(w, 200, `{"takeout":true}`)
		}
	})
	c := newTestClient(t, srv, WithExportRateLimit(1, 1), WithMaxWait(10*time.Millisecond))
	ctx := context.Background()

	_, err := c.ExportCustomerData1(ctx, &ExportCustomerData1Input{Customer: ByShopID("c-1")})
	require.NoError(t, err, "the bucket's one token")

	start := time.Now()
	_, err = c.ExportCustomerData1(ctx, &ExportCustomerData1Input{Customer: ByShopID("c-2")})
	var rlErr *RateLimitError
	require.ErrorAs(t, err, &rlErr)
	assert.ErrorIs(t, err, ErrRateLimitExceeded)
	assert.Equal(t, "ExportCustomerData1", rlErr.Endpoint)
	assert.False(t, rlErr.Cooldown, "held by the limiter, not by a 429")
	assert.Greater(t, rlErr.RetryAfter, 10*time.Millisecond, "the wait it refused is longer than WithMaxWait")
	assert.Less(t, time.Since(start), 500*time.Millisecond, "refused at once, not after waiting")
	assert.Equal(t, 1, srv.count(), "the refused export was not sent")

	// Reads do not draw on the export bucket, with or without a customer.
	_, err = c.Status2(ctx)
	require.NoError(t, err)
	_, err = c.CustomerDetails1(ctx, &CustomerDetails1Input{Customer: ByShopID("c-1")})
	require.NoError(t, err)
	assert.Equal(t, 3, srv.count())
}
