package redislimit

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"
	"golang.org/x/time/rate"

	"github.com/bubblehouse-go/bubblehouse"
)

// ErrUnavailable is matched (errors.Is) by the errors a FailClosed Limiter
// returns while Redis is slow or down. The client passes it on wrapped in a
// *bubblehouse.TransportError; the call was not sent.
var ErrUnavailable = errors.New("redislimit: Redis is unavailable and the limiter fails closed")

// Limiter is a bubblehouse.Limiter and bubblehouse.CooldownStore whose
// state lives in Redis, so that every replica using the same Redis and key
// prefix shares one set of limits and one record of 429 cooldowns. Give it
// to a client with both bubblehouse.WithLimiter and
// bubblehouse.WithCooldownStore.
//
// Its Redis keys are "rate:"+prefix+"global", "rate:"+prefix+"export" and
// "rate:"+prefix+"customer:<digest>" for the buckets (redis_rate adds the
// "rate:"), and prefix+"cooldown:client" and
// prefix+"cooldown:customer:<digest>" for cooldowns; all expire on their
// own once idle.
//
// It is safe for concurrent use and needs no Close; the Redis client stays
// the caller's to close. It starts no goroutine that outlives a call (a
// Wait with several buckets asks them concurrently and joins before it
// returns).
type Limiter struct {
	rdb       redis.UniversalClient
	gcra      *redis_rate.Limiter
	prefix    string
	keySecret []byte
	opTimeout time.Duration
	fallback  Fallback

	global, customer, export *bucketSpec

	// The fallback: the client's own default limiter and cooldown store,
	// with the same limits. Cooldowns are always recorded here too, so that
	// a replica remembers its own 429s through an outage.
	local          bubblehouse.Limiter
	localCooldowns bubblehouse.CooldownStore

	health health
}

var (
	_ bubblehouse.Limiter       = (*Limiter)(nil)
	_ bubblehouse.CooldownStore = (*Limiter)(nil)
)

// bucketSpec is one GCRA bucket's limit; nil when the limit is off.
type bucketSpec struct {
	limit redis_rate.Limit
	// interval is the time one token takes to come back.
	interval time.Duration
}

func newBucketSpec(l bubblehouse.RateLimit) *bucketSpec {
	if l.Rate == rate.Inf {
		return nil
	}
	// redis_rate counts whole events per period: one event per emission
	// interval states any rate exactly, to the nanosecond.
	iv := time.Duration(float64(time.Second) / float64(l.Rate))
	return &bucketSpec{limit: redis_rate.Limit{Rate: 1, Period: iv, Burst: l.Burst}, interval: iv}
}

// New returns a Limiter on rdb. rdb must have been made with
// ContextTimeoutEnabled set, so that the per-command timeout and the
// call's deadline reach the network reads; New refuses a *redis.Client,
// *redis.ClusterClient or *redis.Ring without it. Redis 7.0 or later is
// needed (cooldowns use PEXPIRE ... GT).
func New(rdb redis.UniversalClient, opts ...Option) (*Limiter, error) {
	if rdb == nil {
		return nil, errors.New("redislimit: the Redis client is nil")
	}
	if !contextTimeouts(rdb) {
		return nil, errors.New("redislimit: make the Redis client with ContextTimeoutEnabled: true, or a slow Redis could hold calls past their deadline")
	}
	s := defaultSettings()
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(&s); err != nil {
			return nil, fmt.Errorf("redislimit: %w", err)
		}
	}
	local, err := bubblehouse.NewLocalLimiter(bubblehouse.LocalLimits{Global: s.global, Customer: s.customer, Export: s.export})
	if err != nil { // the options have validated the limits already
		return nil, fmt.Errorf("redislimit: %w", err)
	}
	return &Limiter{
		rdb:            rdb,
		gcra:           redis_rate.NewLimiter(rdb),
		prefix:         s.prefix,
		keySecret:      s.keySecret,
		opTimeout:      s.opTimeout,
		fallback:       s.fallback,
		global:         newBucketSpec(s.global),
		customer:       newBucketSpec(s.customer),
		export:         newBucketSpec(s.export),
		local:          local,
		localCooldowns: bubblehouse.NewLocalCooldownStore(),
		health:         health{logger: s.logger, mode: s.fallback, probeInterval: s.probeInterval},
	}, nil
}

// contextTimeouts reports whether rdb lets contexts bound its network I/O;
// true for client types it cannot inspect.
func contextTimeouts(rdb redis.UniversalClient) bool {
	switch c := rdb.(type) {
	case *redis.Client:
		return c.Options().ContextTimeoutEnabled
	case *redis.ClusterClient:
		return c.Options().ContextTimeoutEnabled
	case *redis.Ring:
		return c.Options().ContextTimeoutEnabled
	}
	return true
}

// bucket is one GCRA bucket an attempt must pass, with its Redis key.
type bucket struct {
	key  string
	spec *bucketSpec
}

// bucketsFor lists the buckets of r as the in-process limiter picks them:
// the export bucket for exports, the customer's, the client-wide one. The
// scarcest usually comes first, so that a refusal is met before anything
// is taken.
func (l *Limiter) bucketsFor(r bubblehouse.LimitRequest, buf []bucket) []bucket {
	bs := buf[:0]
	if l.export != nil && r.Class == bubblehouse.ClassExport {
		bs = append(bs, bucket{l.prefix + "export", l.export})
	}
	if l.customer != nil && r.Customer != "" {
		bs = append(bs, bucket{l.prefix + "customer:" + l.hashKey(r.Customer), l.customer})
	}
	if l.global != nil {
		bs = append(bs, bucket{l.prefix + "global", l.global})
	}
	return bs
}

// hashKey turns a customer key, which may hold an email address, into a
// fixed-length digest fit for a Redis key: 128 bits of SHA-256, or of
// HMAC-SHA-256 with WithKeySecret.
func (l *Limiter) hashKey(key string) string {
	var sum []byte
	if l.keySecret != nil {
		m := hmac.New(sha256.New, l.keySecret)
		m.Write([]byte(key))
		sum = m.Sum(nil)
	} else {
		s := sha256.Sum256([]byte(key))
		sum = s[:]
	}
	return hex.EncodeToString(sum[:16])
}

// Wait blocks until the attempt r describes may be sent, taking r.Cost
// tokens from each of its buckets in Redis (see bubblehouse.Limiter). When
// Redis says the wait would be longer than what is left of r.MaxWait (which
// bounds the whole Wait) or the context's deadline allows, it returns a
// *bubblehouse.RateLimitError at once, having taken nothing. While
// Redis is slow or down it uses the in-process fallback, or with FailClosed
// returns an error matching ErrUnavailable.
func (l *Limiter) Wait(ctx context.Context, r bubblehouse.LimitRequest) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	var buf [3]bucket
	bs := l.bucketsFor(r, buf[:])
	if len(bs) == 0 {
		return nil
	}
	cost := max(r.Cost, 1)
	for _, b := range bs {
		if cost > b.spec.limit.Burst { // can never pass
			return &bubblehouse.RateLimitError{Endpoint: r.Endpoint, RetryAfter: r.MaxWait + 1}
		}
	}
	start := time.Now()
	if l.health.useRedis(start) {
		err := l.waitRedis(ctx, r, bs, cost, start)
		var rerr *redisError
		if !errors.As(err, &rerr) {
			return err
		}
		l.health.failed(ctx, rerr, time.Now())
		if l.fallback == FailClosed {
			return fmt.Errorf("%w: %w", ErrUnavailable, rerr.err)
		}
	} else if l.fallback == FailClosed {
		return ErrUnavailable
	}
	return l.waitLocal(ctx, r, start)
}

// waitRedis takes cost tokens from every bucket of bs. With more than one
// bucket it first reads how long each would make the attempt wait (a
// take of zero tokens), so that an attempt that must fail fails before it
// has taken anything; only a race with another replica between that read
// and the takes can leave tokens taken by an attempt that then fails. The
// buckets are asked concurrently, so several cost one round trip of
// latency, not one each.
func (l *Limiter) waitRedis(ctx context.Context, r bubblehouse.LimitRequest, bs []bucket, cost int, start time.Time) error {
	var buf [3]*redis_rate.Result
	pending := bs
	for {
		if len(pending) > 1 {
			res, err := l.allowAll(ctx, pending, 0, buf[:len(pending)])
			if err != nil {
				return err
			}
			var worst time.Duration
			for i, b := range pending {
				// ResetAfter is how far the bucket's theoretical arrival
				// time lies ahead; cost tokens fit once it is within burst.
				worst = max(worst, res[i].ResetAfter+time.Duration(cost-b.spec.limit.Burst)*b.spec.interval)
			}
			if worst > 0 {
				if err := l.pause(ctx, r, start, worst); err != nil {
					return err
				}
				continue
			}
		}
		res, err := l.allowAll(ctx, pending, cost, buf[:len(pending)])
		if err != nil {
			return err
		}
		// A refused bucket gave nothing (GCRA takes only on success); the
		// others are taken and stay so while the refused ones are waited for.
		refused := pending[:0:0]
		var wait time.Duration
		for i, b := range pending {
			if res[i].Allowed < cost {
				refused = append(refused, b)
				wait = max(wait, res[i].RetryAfter)
			}
		}
		if len(refused) == 0 {
			return nil
		}
		if err := l.pause(ctx, r, start, wait); err != nil {
			return err
		}
		pending = refused
	}
}

// allowAll takes n tokens from each bucket of bs into out, concurrently
// when there are several; the goroutines end before it returns. The error
// is the first bucket's that failed.
func (l *Limiter) allowAll(ctx context.Context, bs []bucket, n int, out []*redis_rate.Result) ([]*redis_rate.Result, error) {
	if len(bs) == 1 {
		res, err := l.allow(ctx, bs[0], n)
		out[0] = res
		return out, err
	}
	var errs [3]error
	var wg sync.WaitGroup
	for i, b := range bs {
		wg.Go(func() { out[i], errs[i] = l.allow(ctx, b, n) })
	}
	wg.Wait()
	for _, err := range errs[:len(bs)] {
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// allow runs one redis_rate take under the per-command timeout.
func (l *Limiter) allow(ctx context.Context, b bucket, n int) (*redis_rate.Result, error) {
	var res *redis_rate.Result
	err := l.op(ctx, func(ctx context.Context) error {
		var err error
		res, err = l.gcra.AllowN(ctx, b.key, b.spec.limit, n)
		return err
	})
	return res, err
}

// pause sleeps d if that fits what is left of r.MaxWait since start and of
// ctx's deadline; otherwise it returns a *bubblehouse.RateLimitError.
func (l *Limiter) pause(ctx context.Context, r bubblehouse.LimitRequest, start time.Time, d time.Duration) error {
	now := time.Now()
	left := r.MaxWait - now.Sub(start)
	if dl, ok := ctx.Deadline(); ok && dl.Sub(now) < left {
		left = dl.Sub(now)
	}
	if d > left {
		return &bubblehouse.RateLimitError{Endpoint: r.Endpoint, RetryAfter: d}
	}
	return sleep(ctx, d)
}

// sleep waits for d unless ctx ends first.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// waitLocal is the in-process fallback: the client's own default limiter,
// with what is left of r.MaxWait.
func (l *Limiter) waitLocal(ctx context.Context, r bubblehouse.LimitRequest, start time.Time) error {
	r.MaxWait = max(r.MaxWait-time.Since(start), 0)
	return l.local.Wait(ctx, r)
}

// redisError is a Redis command that failed or timed out while the call's
// own context was still live: Redis is slow or down.
type redisError struct{ err error }

func (e *redisError) Error() string { return "redis: " + e.err.Error() }
func (e *redisError) Unwrap() error { return e.err }

// op runs f with the per-command timeout. It returns the call's context
// error when that context ended, a *redisError when Redis failed, and marks
// Redis healthy when it answered.
func (l *Limiter) op(ctx context.Context, f func(context.Context) error) error {
	octx, cancel := context.WithTimeout(ctx, l.opTimeout)
	defer cancel()
	err := f(octx)
	if err == nil {
		l.health.ok(ctx)
		return nil
	}
	if cerr := ctx.Err(); cerr != nil {
		return cerr
	}
	return &redisError{err: err}
}
