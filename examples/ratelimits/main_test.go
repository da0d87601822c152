package main

import (
	"bytes"
	"context"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestRateLimitsExample(t *testing.T) {
	if testing.Short() {
		t.Skip("waits out a real one-second cooldown")
	}
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), &out))
	got := out.String()
	assert.Contains(t, got, "eager client: 6 ok, 0 failed")
	assert.Contains(t, got, "the burst took at least a second: true")
	assert.Contains(t, got, "paced client:  4 ok, 0 failed, 0 answered 429")

	// The paced client allows one call per 667 ms, and the hurried call has
	// a 100 ms deadline, so the wait it reports is above 100 ms (else it
	// would have waited) and at most 667 ms, printed rounded to 700ms. Only
	// the upper end is exact: the time between the two calls, longer under
	// -race on a busy machine, comes off it.
	m := regexp.MustCompile(`hurried call:  rate limited=true, retry after about (\S+)\n`).FindStringSubmatch(got)
	require.NotNil(t, m, "no rate-limited hurried call in:\n%s", got)
	wait, err := time.ParseDuration(m[1])
	require.NoError(t, err)
	assert.GreaterOrEqual(t, wait, 100*time.Millisecond)
	assert.LessOrEqual(t, wait, 700*time.Millisecond)
}
