package bubblehouse

import (
	"context"
	"errors"
	"fmt"
	"time"

	"golang.org/x/time/rate"

	"github.com/bubblehouse-go/bubblehouse/internal/ratelimit"
)

// The client paces its own traffic so that it stays under Bubblehouse's
// limits instead of discovering them through 429s. Every attempt, retries
// included, first waits out any cooldown of its key (see CooldownStore),
// then takes a token from the Limiter. Both are in-process by default;
// replace them with WithLimiter and WithCooldownStore to share limits
// across the replicas of a service (the redislimit module does this with
// Redis).
//
// Limiter, LimitRequest and CooldownStore are the extension point for
// that. Per attempt, the client calls, in this order and on the call's
// context:
//
//	CooldownUntil(ctx, "")              the whole client's cooldown
//	CooldownUntil(ctx, r.Customer)      the customer's, when the call names one
//	Wait(ctx, r)                        r as described by LimitRequest
//
// and, as soon as an attempt's answer is a 429 (before the retry policy
// sees it), StartCooldown(ctx, key, now+wait), with key the customer's (or
// "" when the call names none) and wait the answer's Retry-After held to
// at least one second (a missing, zero or past one reads as one second)
// and at most an hour.

// Limit scopes, the values of LimitRequest.Class.
const (
	// ClassRead is the class of the four Loyalty API reads and Status2.
	ClassRead = "read"
	// ClassExport is the class of ExportCustomerData1, which Bubblehouse calls
	// expensive and may limit heavily: it has its own, slower bucket.
	ClassExport = "export"
)

// LimitRequest describes one attempt to a Limiter: which buckets it draws
// on (Class, Customer), how many tokens it takes (Cost) and how long it may
// wait for them (MaxWait, and the context's deadline).
type LimitRequest struct {
	// Endpoint is the function called, such as "CustomerBalance3". It is
	// for errors and metrics; the default Limiter does not key on it.
	Endpoint string
	// Class is ClassRead or ClassExport. The default Limiter draws an
	// export from a bucket of its own as well.
	Class string
	// Customer is a stable key of the customer the call names, such as
	// "shopid:123" or "email:jane@example.com" (a canonical form of its
	// identity, or of the customer token's subject; treat it as opaque);
	// empty when the call names none. The default Limiter keeps a bucket per
	// customer key. It may hold personal data such as an email address: keep
	// it out of logs and errors, and hash it before storing it outside the
	// process.
	Customer string
	// Cost is the number of tokens the attempt takes from each of its
	// buckets; 1 for every call today.
	Cost int
	// MaxWait is the longest Wait may block for this attempt (the client's
	// WithMaxWait); the context's deadline, when sooner, bounds it too. A
	// Limiter that would have to wait longer returns a *RateLimitError at
	// once, taking nothing.
	MaxWait time.Duration
}

// Limiter paces attempts. It is called once per attempt, retries included,
// after the attempt's cooldowns are over (see CooldownStore).
//
// Wait blocks until the attempt described by r may be sent, taking r.Cost
// tokens, and returns nil. It returns instead:
//   - a *RateLimitError (Endpoint and RetryAfter set), at once and having
//     taken nothing, when the wait would be longer than r.MaxWait or would
//     pass ctx's deadline; the call fails with it as it is;
//   - ctx's error when ctx ends first, giving back what it took if it can;
//   - any other error when it cannot decide (a shared store is down, say);
//     the call then fails without being sent or retried, with the error
//     wrapped in a *TransportError.
//
// Implementations must be safe for concurrent use, must return when ctx
// ends, and must not start goroutines that outlive a call.
type Limiter interface {
	Wait(ctx context.Context, r LimitRequest) error
}

// CooldownStore remembers, per key, until when calls must not be sent
// because Bubblehouse answered 429. A cooldown record is a key and an end
// time: the key is a customer key as in LimitRequest.Customer, or "" for the
// whole client; the end time is the moment the 429 reached the client plus
// its Retry-After, held to [1 s, 1 h]. A record only matters until it ends,
// so a store may drop it then (an expiring key, say). Times are read from
// the client's clock; a store shared between machines may keep the remaining
// duration instead, so that clock differences do not matter.
//
// Before each attempt the client reads the cooldowns of "" and of the
// attempt's customer and waits for the later one to end, or fails the call
// at once with a *RateLimitError (Cooldown set) when that wait would be
// longer than WithMaxWait or pass the context's deadline. An error from
// CooldownUntil fails the call unsent, wrapped in a *TransportError; an
// error from StartCooldown is logged at warning level and otherwise
// ignored, since the 429 itself is already the call's answer.
//
// Implementations must be safe for concurrent use.
type CooldownStore interface {
	// CooldownUntil returns the end of key's cooldown, or the zero time if
	// none is in force.
	CooldownUntil(ctx context.Context, key string) (time.Time, error)
	// StartCooldown makes key wait until until, unless it already waits
	// longer: a cooldown is never shortened, whatever order concurrent
	// callers (or replicas) write in.
	StartCooldown(ctx context.Context, key string, until time.Time) error
}

// RateLimit is the limit of one token bucket, as the With*RateLimit
// options take it. The zero RateLimit is not a limit; LocalLimits reads it
// as "the client's default".
type RateLimit struct {
	// Rate is how many tokens a second the bucket gains; rate.Inf is no
	// limit at all (Burst then does not matter).
	Rate rate.Limit
	// Burst is how many tokens the bucket holds, so how many calls may go
	// at once after a quiet spell; at least 1 unless Rate is rate.Inf.
	Burst int
}

// Validate reports whether l is a limit the With*RateLimit options accept:
// a Rate of rate.Inf, or one in (0, 1e9] with a Burst of at least 1. It is
// there for Limiters that take the same settings as the client, so that
// they refuse the same ones.
//
// Its error has no prefix, so that the option or constructor that calls it
// can name itself in front.
func (l RateLimit) Validate() error {
	return ratelimit.CheckSetting(l.Rate, l.Burst)
}

func (l RateLimit) setting() ratelimit.Setting {
	return ratelimit.Setting{Limit: l.Rate, Burst: l.Burst}
}

// LocalLimits are the buckets of an in-process Limiter (NewLocalLimiter).
// A zero field is the client's default for that bucket, as if its option
// were not given; RateLimit{Rate: rate.Inf} turns a bucket off.
type LocalLimits struct {
	// Global is shared by every call (WithRateLimit). Default: none.
	Global RateLimit
	// Customer is kept for each LimitRequest.Customer
	// (WithCustomerRateLimit). Default: DefaultCustomerRate,
	// DefaultCustomerBurst.
	Customer RateLimit
	// Export is drawn on by ClassExport attempts as well
	// (WithExportRateLimit). Default: DefaultExportRate, DefaultExportBurst.
	Export RateLimit
}

// withDefaults fills in the zero fields of l.
func (l LocalLimits) withDefaults() LocalLimits {
	if l.Global == (RateLimit{}) {
		l.Global = RateLimit{Rate: rate.Inf}
	}
	if l.Customer == (RateLimit{}) {
		l.Customer = RateLimit{Rate: DefaultCustomerRate, Burst: DefaultCustomerBurst}
	}
	if l.Export == (RateLimit{}) {
		l.Export = RateLimit{Rate: DefaultExportRate, Burst: DefaultExportBurst}
	}
	return l
}

// NewLocalLimiter returns a new in-process Limiter with the policy a client
// uses when it is given no WithLimiter: a bucket of l.Global shared by
// every call, one of l.Customer for each LimitRequest.Customer, and one of
// l.Export for ClassExport attempts. Each attempt takes LimitRequest.Cost
// tokens from every bucket it draws on (see Limiter for what Wait returns).
// NewLocalLimiter(LocalLimits{}) is the client's default.
//
// It is for Limiter implementations that fall back on in-process limits
// (redislimit does while Redis is down), and for several clients of one
// shop in one process that should share one budget: give each the same
// Limiter with WithLimiter. Its keys do not name the shop, so clients of
// different shops must not share one. A limit that Validate refuses makes
// it fail, naming which one.
func NewLocalLimiter(l LocalLimits) (Limiter, error) {
	l = l.withDefaults()
	for _, b := range []struct {
		name string
		RateLimit
	}{{"global", l.Global}, {"customer", l.Customer}, {"export", l.Export}} {
		if err := b.Validate(); err != nil {
			return nil, fmt.Errorf("bubblehouse: NewLocalLimiter: the %s limit: %w", b.name, err)
		}
	}
	return newLocalLimiter(ratelimit.RealClock{}, l.Global.setting(), l.Customer.setting(), l.Export.setting()), nil
}

// localLimiter is the default Limiter: a client-wide bucket, a bucket per
// customer and one for exports, all in this process.
type localLimiter struct {
	buckets *ratelimit.Buckets
}

func newLocalLimiter(clk ratelimit.Clock, global, customer, export ratelimit.Setting) *localLimiter {
	return &localLimiter{buckets: ratelimit.NewBuckets(clk, global, customer, export)}
}

func (l *localLimiter) Wait(ctx context.Context, r LimitRequest) error {
	err := l.buckets.Wait(ctx, max(r.Cost, 1), r.MaxWait, r.Customer, r.Class == ClassExport)
	return rateLimitError(r.Endpoint, err)
}

// rateLimitError turns the *ratelimit.TooLongError of a local wait into the
// *RateLimitError callers see; other errors pass through.
func rateLimitError(endpoint string, err error) error {
	var tooLong *ratelimit.TooLongError
	if errors.As(err, &tooLong) {
		return &RateLimitError{Endpoint: endpoint, RetryAfter: tooLong.Wait, Cooldown: tooLong.Cooldown}
	}
	return err
}

// NewLocalCooldownStore returns a new in-process CooldownStore, the one a
// client keeps its cooldowns in when it is given no WithCooldownStore. Its
// methods never fail. Like NewLocalLimiter, it is for stores that fall
// back on it and for clients of one shop in one process that share one:
// its keys do not name the shop, so a 429 one shop's client records would
// hold another shop's.
func NewLocalCooldownStore() CooldownStore {
	return newLocalCooldowns(ratelimit.RealClock{})
}

func newLocalCooldowns(clk ratelimit.Clock) *localCooldowns {
	return &localCooldowns{clk: clk, gate: ratelimit.NewGate()}
}

// localCooldowns is the default CooldownStore, in this process.
type localCooldowns struct {
	clk  ratelimit.Clock
	gate *ratelimit.Gate
}

func (c *localCooldowns) CooldownUntil(_ context.Context, key string) (time.Time, error) {
	return c.gate.Until(key, c.clk.Now()), nil
}

func (c *localCooldowns) StartCooldown(_ context.Context, key string, until time.Time) error {
	c.gate.Extend(key, until, c.clk.Now())
	return nil
}
