package bubblehouse

import (
	"context"
	"errors"
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

// Limit scopes, the values of LimitRequest.Class.
const (
	// ClassRead is the class of the four Loyalty API reads and Status2.
	ClassRead = "read"
	// ClassExport is the class of ExportCustomerData1, which Bubblehouse calls
	// expensive and may limit heavily: it has its own, slower bucket.
	ClassExport = "export"
)

// LimitRequest describes one attempt to a Limiter.
type LimitRequest struct {
	// Endpoint is the function called, such as "CustomerBalance3".
	Endpoint string
	// Class is ClassRead or ClassExport.
	Class string
	// Customer is a stable key of the customer the call names (a hash-free
	// canonical form of its identity, or of the customer token's subject);
	// empty when the call names none. It may hold personal data such as an
	// email address: keep it out of logs, and hash it before storing it
	// outside the process.
	Customer string
	// Cost is the number of tokens the attempt takes; 1 for every call today.
	Cost int
	// MaxWait is the longest the attempt may wait (the client's WithMaxWait;
	// the context's deadline also applies). A Limiter that would have to wait
	// longer returns a *RateLimitError at once, taking nothing.
	MaxWait time.Duration
}

// Limiter paces attempts. Wait blocks until the attempt described by r may
// be sent, or returns an error without waiting when it could not be sent in
// time: a *RateLimitError for a wait longer than r.MaxWait or the context's
// deadline, or the context's error. Implementations must be safe for
// concurrent use, must return when ctx ends, and must not start goroutines
// that outlive a call.
type Limiter interface {
	Wait(ctx context.Context, r LimitRequest) error
}

// CooldownStore remembers, per key, until when calls must not be sent
// because Bubblehouse answered 429. A key is a customer key as in
// LimitRequest.Customer, or "" for the whole client. Implementations must be
// safe for concurrent use.
type CooldownStore interface {
	// CooldownUntil returns the end of key's cooldown, or the zero time if
	// none is in force.
	CooldownUntil(ctx context.Context, key string) (time.Time, error)
	// StartCooldown makes key wait until until, unless it already waits
	// longer: a cooldown is never shortened.
	StartCooldown(ctx context.Context, key string, until time.Time) error
}

// localLimiter is the default Limiter: a client-wide bucket, a bucket per
// customer and one for exports, all in this process.
type localLimiter struct {
	clk       ratelimit.Clock
	global    *rate.Limiter
	customers *ratelimit.Keyed
	export    *rate.Limiter
	// group keeps the limiters' clocks in order across goroutines.
	group ratelimit.Group
}

func newLocalLimiter(clk ratelimit.Clock, global, customer, export limitSetting) *localLimiter {
	l := &localLimiter{clk: clk, customers: ratelimit.NewKeyed(customer.limit, customer.burst)}
	if global.limit != rate.Inf {
		l.global = rate.NewLimiter(global.limit, global.burst)
	}
	if export.limit != rate.Inf {
		l.export = rate.NewLimiter(export.limit, export.burst)
	}
	return l
}

func (l *localLimiter) Wait(ctx context.Context, r LimitRequest) error {
	var perCustomer, perClass *rate.Limiter
	if r.Customer != "" {
		perCustomer = l.customers.Get(r.Customer, l.clk.Now())
	}
	if r.Class == ClassExport {
		perClass = l.export
	}
	err := l.group.WaitAll(ctx, l.clk, r.MaxWait, l.global, perCustomer, perClass)
	var tooLong *ratelimit.TooLongError
	if errors.As(err, &tooLong) {
		return &RateLimitError{Endpoint: r.Endpoint, RetryAfter: tooLong.Wait}
	}
	return err
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

// limitSetting is a rate and burst as given to the With*RateLimit options.
type limitSetting struct {
	limit rate.Limit
	burst int
}
