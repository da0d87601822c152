package redislimit

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// A cooldown in Redis is one key per cooldown key, prefix+"cooldown:client"
// for the whole client and prefix+"cooldown:customer:<digest>" for a
// customer, whose TTL is what is left of the cooldown. Its value means
// nothing. TTLs are relative, kept by Redis's own clock, so replicas whose
// clocks differ still agree on when a cooldown ends.

func (l *Limiter) cooldownKey(key string) string {
	if key == "" {
		return l.prefix + "cooldown:client"
	}
	return l.prefix + "cooldown:customer:" + l.hashKey(key)
}

// CooldownUntil returns the end of key's cooldown (see
// bubblehouse.CooldownStore): the later of the one in Redis and the one
// this process recorded itself. While Redis is down it returns the local
// one, or with FailClosed an error matching ErrUnavailable.
func (l *Limiter) CooldownUntil(ctx context.Context, key string) (time.Time, error) {
	now := time.Now()
	local, _ := l.localCooldowns.CooldownUntil(ctx, key) // in-process: never fails
	if !l.health.useRedis(now) {
		if l.fallback == FailClosed {
			return time.Time{}, ErrUnavailable
		}
		return local, nil
	}
	var ttl time.Duration
	err := l.op(ctx, func(ctx context.Context) error {
		var err error
		ttl, err = l.rdb.PTTL(ctx, l.cooldownKey(key)).Result()
		return err
	})
	if err != nil {
		var rerr *redisError
		if !errors.As(err, &rerr) {
			return time.Time{}, err
		}
		l.health.failed(ctx, rerr, time.Now())
		if l.fallback == FailClosed {
			return time.Time{}, fmt.Errorf("%w: %w", ErrUnavailable, rerr.err)
		}
		return local, nil
	}
	// PTTL answers -2 for no key and -1 for a key without expiry, which
	// this package never writes. Redis measured the TTL at some moment
	// before its answer arrived: counted from now, after the answer, the
	// end is at worst one round trip late, never early (counted from before
	// the question, it would be early by up to one round trip).
	if ttl > 0 {
		if until := time.Now().Add(ttl); until.After(local) {
			return until, nil
		}
	}
	return local, nil
}

// StartCooldown makes key wait until until, in this process and in Redis,
// unless it already waits longer (see bubblehouse.CooldownStore). In Redis
// the record is created with SET NX PX and extended with PEXPIRE GT in one
// MULTI/EXEC transaction, so concurrent writers never shorten it. While
// Redis is down the cooldown is kept in this process only (with FailClosed
// an error matching ErrUnavailable is returned too, which the client logs).
func (l *Limiter) StartCooldown(ctx context.Context, key string, until time.Time) error {
	now := time.Now()
	_ = l.localCooldowns.StartCooldown(ctx, key, until) // in-process: never fails
	d := until.Sub(now)
	if d <= 0 {
		return nil
	}
	ms := (d + time.Millisecond - 1).Milliseconds() // round up: never end early
	if !l.health.useRedis(now) {
		if l.fallback == FailClosed {
			return ErrUnavailable
		}
		return nil
	}
	k := l.cooldownKey(key)
	err := l.op(ctx, func(ctx context.Context) error {
		_, err := l.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.SetNX(ctx, k, "1", time.Duration(ms)*time.Millisecond)
			p.Do(ctx, "PEXPIRE", k, ms, "GT")
			return nil
		})
		return err
	})
	var rerr *redisError
	if errors.As(err, &rerr) {
		l.health.failed(ctx, rerr, time.Now())
		if l.fallback == FailClosed {
			return fmt.Errorf("%w: %w", ErrUnavailable, rerr.err)
		}
		return nil
	}
	return err
}
