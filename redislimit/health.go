package redislimit

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// health tracks whether Redis answers, so that an outage is logged once
// when it starts and once when it ends, and so that while it lasts only one
// call per probe interval pays a Redis timeout. It needs no goroutine: the
// calls themselves probe.
type health struct {
	logger        *slog.Logger
	mode          Fallback
	probeInterval time.Duration

	down      atomic.Bool
	mu        sync.Mutex
	nextProbe time.Time
}

// useRedis reports whether an operation starting at now should go to
// Redis: always while it is up; while it is down, for the first caller
// after each probe interval.
func (h *health) useRedis(now time.Time) bool {
	if !h.down.Load() {
		return true
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.down.Load() {
		return true
	}
	if now.Before(h.nextProbe) {
		return false
	}
	h.nextProbe = now.Add(h.probeInterval)
	return true
}

// failed records that Redis failed at now, logging the switch to the
// fallback if Redis was up.
func (h *health) failed(ctx context.Context, err error, now time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.nextProbe = now.Add(h.probeInterval)
	if h.down.Swap(true) || h.logger == nil {
		return
	}
	// err comes from go-redis: an address and a network or Redis error,
	// never a key (keys are digests anyway) or a value.
	h.logger.LogAttrs(ctx, slog.LevelWarn, "redislimit: Redis is unavailable; limits are no longer shared",
		slog.String("mode", h.mode.String()), slog.String("error", err.Error()))
}

// ok records that Redis answered, logging the return if it was down.
func (h *health) ok(ctx context.Context) {
	if !h.down.Load() {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.down.Swap(false) || h.logger == nil {
		return
	}
	h.logger.LogAttrs(ctx, slog.LevelInfo, "redislimit: Redis is reachable again; limits are shared again")
}
