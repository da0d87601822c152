// Package redislimit shares a bubblehouse client's rate limits and 429
// cooldowns between the replicas of a service through Redis, so that a
// fleet of N replicas stays under Bubblehouse's limits instead of each
// replica allowing the whole rate by itself.
//
// It is a module of its own, so that users of the client who do not need it
// pull in no Redis dependency.
//
//	rdb := redis.NewClient(&redis.Options{
//		Addr:                  "redis:6379",
//		ContextTimeoutEnabled: true, // required: lets deadlines reach Redis I/O
//	})
//	lim, err := redislimit.New(rdb,
//		redislimit.WithPrefix("bubblehouse:my-shop:"),
//		redislimit.WithRateLimit(10, 20),         // every replica together
//		redislimit.WithCustomerRateLimit(5, 5),   // per customer, every replica together
//		redislimit.WithLogger(logger),            // logs the switch to the fallback, once
//	)
//	if err != nil { ... }
//	c, err := bubblehouse.NewClient("my-shop",
//		bubblehouse.WithSigningKey(keyID, secret),
//		bubblehouse.WithLimiter(lim),
//		bubblehouse.WithCooldownStore(lim),
//	)
//
// # Limits
//
// The policy is the client's own in-process one: a client-wide bucket (off
// by default), a bucket per customer (keyed by LimitRequest.Customer) and a
// bucket for ExportCustomerData1, with the same defaults. Each bucket is a
// GCRA bucket kept by github.com/go-redis/redis_rate, shared by every
// Limiter using the same Redis and prefix. A Wait takes one token from each
// bucket of its attempt. When Redis says a bucket would make it wait longer
// than LimitRequest.MaxWait or the context's deadline allows, it returns a
// *bubblehouse.RateLimitError at once, having taken nothing; otherwise it
// sleeps (waking if the context ends) and tries again.
//
// # Cooldowns
//
// A 429 seen by any replica starts a cooldown in Redis: a key whose TTL is
// the Retry-After, written with SET NX PX and PEXPIRE GT in one transaction
// so that it is never shortened. Every replica reads it before each attempt
// and waits it out, or fails fast as the client does with its own.
//
// # Keys and privacy
//
// Customer keys may hold email addresses, so they reach Redis only as
// digests (128 bits of SHA-256, or of HMAC-SHA-256 with WithKeySecret).
// Nothing about a customer is logged.
//
// # When Redis is slow or down
//
// Every Redis command runs under a short timeout (WithOpTimeout) and the
// call's context, so a call never hangs on Redis. A failure switches the
// Limiter to its fallback, logged once: the in-process limits of the same
// rates (FallbackLocal, the default; each replica then allows the whole
// rate by itself) or refusing calls with ErrUnavailable (FailClosed). One
// call per WithProbeInterval tries Redis again, and once it answers the
// Limiter uses it again, logged once too. No goroutine is started.
//
// Redis 7.0 or later is required.
package redislimit
