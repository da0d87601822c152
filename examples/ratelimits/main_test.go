package main

import (
	"bytes"
	"context"
	"testing"

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
	assert.Contains(t, got, "hurried call:  rate limited=true, retry after about 500ms")
}
