package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/bubblehouse-go/bubblehouse/redislimit/internal/redistest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// The example's point: two replicas on one Redis make limit calls a second
// between them, not limit each. (The 10% margin allows for the last call's
// latency, which the example's own measure includes; the module's tests
// hold the shared rate to 5%.)
func TestReplicasShareOneLimit(t *testing.T) {
	srv := redistest.Start(t)
	var out bytes.Buffer
	res, err := run(context.Background(), srv.Addr(), &out, slog.New(slog.NewTextHandler(io.Discard, nil)))
	require.NoError(t, err)
	t.Log(out.String())

	assert.True(t, res.shared, "Redis was running")
	assert.EqualValues(t, 2*callsPerReplica, res.calls)
	assert.InEpsilon(t, float64(limit), res.rate(), 0.10, "%.2f calls/s in total; the shared limit is %d/s", res.rate(), limit)
	assert.Contains(t, out.String(), "the two replicas share one limit of "+strconv.Itoa(limit)+" calls/s")
	assert.Contains(t, out.String(), ", shared).")
}

// Without Redis the example says so, and each replica falls back to its
// own limit: about twice the rate in total.
func TestWithoutRedisEachReplicaFallsBack(t *testing.T) {
	if testing.Short() {
		t.Skip("makes 30 rate-limited calls")
	}
	addr := "127.0.0.1:" + strconv.Itoa(redistest.FreePort(t))
	var out, logs bytes.Buffer
	res, err := run(context.Background(), addr, &out, slog.New(slog.NewTextHandler(&logs, nil)))
	require.NoError(t, err)

	assert.False(t, res.shared)
	assert.Contains(t, out.String(), "No Redis reachable at "+addr)
	assert.InEpsilon(t, 2.0*limit, res.rate(), 0.15, "%.2f calls/s in total; each replica makes %d/s by itself", res.rate(), limit)
	assert.Equal(t, 2, bytes.Count(logs.Bytes(), []byte("Redis is unavailable")), "once per replica:\n%s", logs.String())
}
