// Package bubblehouse is a typed client for the Bubblehouse Loyalty API
// (https://app.bubblehouse.com/apidocs), for shop backends: a customer's
// details, points history, balance and referrals, and GDPR data exports.
//
// # Quick start
//
//	c, err := bubblehouse.NewClient("my-shop",
//		bubblehouse.WithSigningKey(keyID, secret), // as the API console shows them
//	)
//	if err != nil { ... }
//	bal, err := c.CustomerBalance3(ctx, &bubblehouse.CustomerBalance3Input{
//		Customer: bubblehouse.ByEmail("alice@example.com"),
//	})
//
// A Client is safe for concurrent use, owns no goroutines and needs no
// Close. Make one and share it.
//
// # Authentication
//
// Bubblehouse authenticates each call with an HS256 JWT signed with a shared
// secret from the API console. WithSigningKey makes the client mint shop
// tokens itself, cache them and renew them 30 s before they expire.
// ForCustomer derives a client that sends customer tokens for one customer,
// and Signer.CustomerToken mints a token to hand to a browser or app.
// WithToken and WithTokenSource take tokens minted elsewhere; an empty token
// from a TokenSource fails the call before it is sent (ErrEmptyToken), since
// Bubblehouse would run it anonymously. With a shop
// token every customer call must name the customer (CustomerIdentity1, made
// with ByBHID, ByShopID or ByEmail); the client refuses such a call without
// one before sending it.
//
// # Errors
//
// A failed call returns one of *APIError (Bubblehouse answered with an
// error status), *RateLimitError (the client's own limits refused to wait),
// *TransportError (no usable answer; context errors stay matchable),
// *DecodeError (a 2xx answer that is not the expected JSON) or *ExportError
// (a streamed export broke once writing to the writer had begun). Each
// documented error id has a sentinel for errors.Is, such as
// ErrNoCustomersMatchCustomerIdentity and ErrRateLimitExceeded, and
// ErrNotFound, ErrAuth and ErrAPIVersion match classes of answers; a call the
// client refused itself, before sending, matches them as the server's answer
// with the same id would. No error text holds a token, a secret, a URL or a
// response body.
//
// # Retries
//
// All five calls are reads, so they are retried on 429, 502, 503 and 504,
// on connection failures and on bodies cut off mid-read (a 500 at most
// once), with exponential backoff and full jitter, up to WithMaxRetries
// times. A Retry-After header is never undercut, and a 429 waits at least a
// second whatever its Retry-After says (0 or a past date included). A wait
// longer than WithMaxWait, or past the context's deadline, ends the call at
// once with RetryAfter set instead; when the server asked for it in a
// Retry-After, the error matches ErrRateLimitExceeded whatever the answer's
// status. Redirects are never followed.
//
// # Rate limits
//
// Every attempt, retries included, first waits out any 429 cooldown of its
// customer (or of the whole client), then takes a token from the client's
// limiter: per customer (WithCustomerRateLimit), for exports
// (WithExportRateLimit) and optionally for the whole client (WithRateLimit).
// WithLimiter and WithCooldownStore replace the in-process limiter and
// cooldowns, for example with the Redis-backed ones of the redislimit
// module, so that all replicas of a service share one budget (its example,
// redislimit/examples/redislimit, runs two clients sharing one limit).
// NewLocalLimiter and NewLocalCooldownStore return the in-process ones, to
// share between the clients of one shop in one process or to fall back on.
//
// # Logging
//
// WithLogger logs each attempt, each retry decision and each call that ends
// in an error answer at debug level, and a CooldownStore failure at warn
// level, always with the call's context and only the keys endpoint,
// attempt, status, error_id, error (a class such as "network", never an
// error's text), retry, reason and wait. Tokens, headers, bodies and
// customer identities are never logged. The client is silent without it.
//
// # Testing
//
// Package bubblehousetest runs a fake Bubblehouse that verifies tokens and
// customer identities as the real service does, serves seeded or demo data,
// records requests and injects faults (errors with Retry-After, latency,
// connections cut mid-body, per-customer 429s). Its Server.Client method
// returns a Client already pointed at it.
package bubblehouse
