// Package ratelimit paces a client's attempts in-process: token buckets
// (golang.org/x/time/rate) for the whole client and per key, and a cooldown
// gate that holds a key after a 429. Nothing here starts a goroutine: idle
// state is dropped lazily when it is touched.
package ratelimit

import (
	"context"
	"errors"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// TooLongError is returned when a wait would last longer than the caller
// allows (its maximum wait or its context's deadline). Nothing was taken
// from any bucket.
type TooLongError struct {
	Wait     time.Duration
	Cooldown bool
}

// Error says how long the refused wait would have been.
func (e *TooLongError) Error() string {
	if e.Cooldown {
		return "cooldown wait of " + e.Wait.String() + " is too long"
	}
	return "rate limit wait of " + e.Wait.String() + " is too long"
}

// MaxRate bounds a finite rate: beyond it a limit means nothing (no client
// makes a billion calls a second), and GCRA stores that count per period
// as an integer, which a larger rate could overflow.
const MaxRate = rate.Limit(1e9)

// CheckSetting validates a rate and burst as the With*RateLimit options of
// both the client and the redislimit module take them: rate.Inf (off), or a
// rate in (0, MaxRate] with a burst of at least 1.
func CheckSetting(r rate.Limit, burst int) error {
	if r != rate.Inf && (r <= 0 || r > MaxRate || burst < 1) {
		return errors.New("the rate must be in (0, 1e9] and the burst at least 1 (rate.Inf turns the limit off)")
	}
	return nil
}

// Clock lets tests move time by hand. Real clients use time.Now and
// time.NewTimer.
type Clock interface {
	Now() time.Time
	// Sleep waits for d or until ctx ends, whichever is first.
	Sleep(ctx context.Context, d time.Duration) error
}

// RealClock is the wall clock.
type RealClock struct{}

// Now returns time.Now().
func (RealClock) Now() time.Time { return time.Now() }

// Sleep waits for d unless ctx ends first.
func (RealClock) Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// allowed returns how long a caller may wait from now: maxWait, shortened
// by ctx's deadline.
func allowed(ctx context.Context, now time.Time, maxWait time.Duration) time.Duration {
	if dl, ok := ctx.Deadline(); ok {
		if left := dl.Sub(now); left < maxWait {
			return left
		}
	}
	return maxWait
}

// Setting is a rate and burst as the With*RateLimit options of the client
// and of the redislimit module take them; a Limit of rate.Inf is no limit.
type Setting struct {
	Limit rate.Limit
	Burst int
}

// Buckets are a client's in-process limits: one token bucket for all its
// calls, one per key (a customer), and one for a class of costly calls
// (exports). They are the client's default limiter, which the root package
// also exports (NewLocalLimiter) for redislimit's fallback, so the two
// cannot drift apart.
//
// The reservations of all the buckets are made under one lock, so that
// each limiter sees the times it is given in order: x/time/rate moves a
// limiter's clock back when handed an older time than the last one, and
// then refills the same interval twice, so goroutines that read the clock
// and reserve outside a shared lock would, whenever one is preempted in
// between, get more than the rate. Only the reservations are serialised,
// never the waits.
type Buckets struct {
	clk    Clock
	all    *rate.Limiter
	perKey *Keyed
	class  *rate.Limiter
	mu     sync.Mutex
}

// NewBuckets returns the buckets for the three settings; a bucket whose
// limit is rate.Inf is left out.
func NewBuckets(clk Clock, all, perKey, class Setting) *Buckets {
	b := &Buckets{clk: clk, perKey: NewKeyed(perKey.Limit, perKey.Burst)}
	if all.Limit != rate.Inf {
		b.all = rate.NewLimiter(all.Limit, all.Burst)
	}
	if class.Limit != rate.Inf {
		b.class = rate.NewLimiter(class.Limit, class.Burst)
	}
	return b
}

// Wait takes n tokens from the client's bucket, from key's bucket unless
// key is "", and from the class bucket when inClass, waiting for the
// slowest. If that wait is longer than maxWait or ctx's deadline allows, or
// n is more than a bucket's burst, it takes nothing and returns a
// *TooLongError at once; if ctx ends during the wait, the tokens are given
// back and ctx's error returned.
func (b *Buckets) Wait(ctx context.Context, n int, maxWait time.Duration, key string, inClass bool) error {
	var perKey, class *rate.Limiter
	if key != "" {
		perKey = b.perKey.Get(key, b.clk.Now())
	}
	if inClass {
		class = b.class
	}
	return waitAll(ctx, &b.mu, b.clk, n, maxWait, []*rate.Limiter{b.all, perKey, class})
}

// Keys returns how many keys hold a bucket (for tests and metrics).
func (b *Buckets) Keys() int { return b.perKey.Len() }

// waitAll takes n tokens from every non-nil limiter, making its
// reservations under mu.
func waitAll(ctx context.Context, mu *sync.Mutex, clk Clock, n int, maxWait time.Duration, lims []*rate.Limiter) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	mu.Lock()
	delay, res, err := reserveAll(ctx, clk, n, maxWait, lims)
	mu.Unlock()
	if err != nil || delay == 0 {
		return err
	}
	if err := clk.Sleep(ctx, delay); err != nil {
		mu.Lock()
		defer mu.Unlock()
		cancelAll(res, clk.Now())
		return err
	}
	return nil
}

// reserveAll reserves n tokens from every limiter and returns the longest
// delay, or takes nothing when that delay does not fit.
func reserveAll(ctx context.Context, clk Clock, n int, maxWait time.Duration, lims []*rate.Limiter) (time.Duration, []*rate.Reservation, error) {
	now := clk.Now()
	var rs [4]*rate.Reservation
	res := rs[:0]
	var delay time.Duration
	for _, l := range lims {
		if l == nil || l.Limit() == rate.Inf {
			continue
		}
		r := l.ReserveN(now, n)
		if !r.OK() { // n above the burst: it can never pass
			cancelAll(res, now)
			return 0, nil, &TooLongError{Wait: maxWait + 1}
		}
		res = append(res, r)
		delay = max(delay, r.DelayFrom(now))
	}
	if delay == 0 {
		return 0, nil, nil
	}
	if delay > allowed(ctx, now, maxWait) {
		cancelAll(res, now)
		return 0, nil, &TooLongError{Wait: delay}
	}
	return delay, res, nil
}

func cancelAll(res []*rate.Reservation, now time.Time) {
	for _, r := range res {
		r.CancelAt(now)
	}
}

// Keyed holds one limiter per key, made on first use. A limiter that has
// refilled to its full burst behaves exactly like a new one, so such idle
// limiters are dropped, lazily, when the map has grown: memory stays bounded
// by the number of recently active keys without a background sweeper, and
// eviction never changes what a caller sees.
type Keyed struct {
	limit rate.Limit
	burst int

	mu        sync.Mutex
	m         map[string]*keyedEntry
	nextSweep int
}

type keyedEntry struct {
	lim      *rate.Limiter
	lastUsed time.Time
}

// minSweep is the map size below which Keyed never sweeps.
const minSweep = 1024

// NewKeyed returns per-key limiters of the given rate and burst. A limit of
// rate.Inf makes Get return nil: no limit.
func NewKeyed(limit rate.Limit, burst int) *Keyed {
	return &Keyed{limit: limit, burst: burst, m: make(map[string]*keyedEntry), nextSweep: minSweep}
}

// Get returns the limiter of key, making it if needed. It returns nil when
// the limit is infinite.
func (k *Keyed) Get(key string, now time.Time) *rate.Limiter {
	if k == nil || k.limit == rate.Inf {
		return nil
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	e, ok := k.m[key]
	if !ok {
		if len(k.m) >= k.nextSweep {
			k.sweep(now)
		}
		e = &keyedEntry{lim: rate.NewLimiter(k.limit, k.burst)}
		k.m[key] = e
	}
	e.lastUsed = now
	return e.lim
}

// refillTime is how long an untouched limiter takes to refill completely.
func (k *Keyed) refillTime() time.Duration {
	if k.limit <= 0 {
		return 365 * 24 * time.Hour
	}
	return time.Duration(float64(k.burst+1) / float64(k.limit) * float64(time.Second))
}

func (k *Keyed) sweep(now time.Time) {
	idle := k.refillTime()
	for key, e := range k.m {
		if now.Sub(e.lastUsed) > idle && e.lim.TokensAt(now) >= float64(k.burst) {
			delete(k.m, key)
		}
	}
	// Sweep again only once the map has doubled past what survived, so the
	// cost of sweeping is amortised over the inserts.
	k.nextSweep = max(minSweep, 2*len(k.m))
}

// Len returns how many keys hold a limiter (for tests and metrics).
func (k *Keyed) Len() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return len(k.m)
}

// Gate holds keys after a 429 until the moment the server allowed. Expired
// entries are dropped lazily as for Keyed.
type Gate struct {
	mu        sync.Mutex
	until     map[string]time.Time
	nextSweep int
}

// NewGate returns an empty cooldown gate.
func NewGate() *Gate {
	return &Gate{until: make(map[string]time.Time), nextSweep: minSweep}
}

// Until returns when the cooldown of key ends; the zero time if there is
// none in force at now.
func (g *Gate) Until(key string, now time.Time) time.Time {
	g.mu.Lock()
	defer g.mu.Unlock()
	t, ok := g.until[key]
	if !ok {
		return time.Time{}
	}
	if !t.After(now) {
		delete(g.until, key)
		return time.Time{}
	}
	return t
}

// Extend makes key wait until t, unless it already waits longer: a late or
// shorter 429 never shortens a cooldown.
func (g *Gate) Extend(key string, t time.Time, now time.Time) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if cur, ok := g.until[key]; ok && !t.After(cur) {
		return
	}
	if len(g.until) >= g.nextSweep {
		for k, u := range g.until {
			if !u.After(now) {
				delete(g.until, k)
			}
		}
		g.nextSweep = max(minSweep, 2*len(g.until))
	}
	g.until[key] = t
}

// Len returns how many keys hold a cooldown entry (for tests).
func (g *Gate) Len() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.until)
}

// WaitUntil sleeps until the end of a cooldown, or returns a *TooLongError
// at once if that wait would not fit maxWait or ctx's deadline. A zero or
// past until returns at once.
func WaitUntil(ctx context.Context, clk Clock, until time.Time, maxWait time.Duration) error {
	now := clk.Now()
	if !until.After(now) {
		return nil
	}
	wait := until.Sub(now)
	if wait > allowed(ctx, now, maxWait) {
		return &TooLongError{Wait: wait, Cooldown: true}
	}
	return clk.Sleep(ctx, wait)
}
