// Package bubblehousetest is a fake Bubblehouse for tests: an HTTP server
// on the loopback interface that speaks the Loyalty API's wire format for
// CustomerDetails1, CustomerHistory2, CustomerBalance3, CustomerReferrals2,
// ExportCustomerData1 and Status2, checks tokens as Bubblehouse does, serves
// seeded customers, and lets a test script failures. It imports nothing
// beyond the standard library and the bubblehouse package.
//
// A test of code that calls Bubblehouse, with a scripted 429:
//
//	func TestShowsPoints(t *testing.T) {
//		ctx := context.Background()
//		srv := bubblehousetest.NewServer(t, bubblehousetest.WithDemoData())
//		srv.FailNext(bubblehousetest.EndpointCustomerBalance3, 1, bubblehousetest.Failure{
//			Status: 429, ID: "rate_limit_exceeded", RetryAfter: time.Second,
//		})
//		c := srv.Client() // points at srv, signs with its key
//
//		bal, err := c.CustomerBalance3(ctx, &bubblehouse.CustomerBalance3Input{
//			Customer: bubblehouse.ByEmail(bubblehousetest.DemoCustomerEmail),
//		})
//		// err == nil: the client waited a second and tried again.
//		// len(srv.Requests()) == 2.
//	}
//
// Seed customers with AddCustomer, built from the SDK's own output types,
// or load the demo shop with WithDemoData. Script failures with FailNext,
// slow answers with SetLatency, broken connections with CutNext, and a
// per-customer limit with WithCustomerRateLimit; assert on Requests.
// FailNext, SetLatency and CutNext return an error for a script that could
// never happen as asked (an unknown endpoint name, a status that is not an
// error); on a server made by NewServer they also fail the test, so their
// result may be ignored there, as the examples do.
//
// # What the fake checks
//
// Documented by Bubblehouse, and done as documented:
//   - calls are POST /api/<version>/<shop>/<Func> with a JSON body; errors are
//     {"id": ..., "message": ...} with the documented statuses;
//   - tokens are HS256 JWTs signed with the base64-decoded shared secret that
//     the "kid" header names, with "aud" "BH" and "sub" the shop slug or
//     "<slug>/<customer id>"; "iat" in the future or "exp" in the past is
//     401 invalid_token ("The token has expired");
//   - CustomerIdentity1 resolution and its errors: 400
//     missing_customer_identity, 404 empty_customer_identity, 404
//     no_customers_match_customer_identity, 404
//     customer_identity_partially_mismatches_matched_customer, 403
//     customer_identity_does_not_match_token; a customer token names its
//     customer by the shop's customer ID;
//   - include_full_program (tiers, offers, sources, milestones),
//     include_unused_rewards, only_points; cur_tier and next_tier never
//     carry features;
//   - ExportCustomerData1 needs a shop token or an admin customer token;
//   - unknown global versions are 400 invalid_global_api_version;
//   - 429 rate_limit_exceeded with "You are over the read limit per second
//     for this customer".
//
// Inferred, because Bubblehouse does not document it (change it if the real
// service disagrees):
//   - a clock skew of MaxClockSkew (10 s) is allowed on "iat" and "exp", as
//     in the API author's public Go framework;
//   - "aud" must be the string "BH": an array holding it, which RFC 7519
//     allows, is refused, since the docs and both official integrations use
//     a string and the author's framework reads claims as strings;
//   - any non-empty "l" claim makes a customer token admin-level (the real
//     value is not public); without it ExportCustomerData1 is 403 forbidden;
//   - a wrong shop slug in the URL is 401 invalid_token (the key does not
//     belong to that shop); the real service might answer 404;
//   - GET and other methods are 405 invalid_http_method, unknown functions
//     404 unknown_method, bodies that are not a JSON object 400 invalid_json
//     (ids of the author's framework). The real API also accepts GET and
//     form bodies for reads; the SDK never sends them, so the fake refuses
//     them to catch a client that does. An empty body is taken as {};
//   - only_unused keeps the changes that have a discount code (the fake
//     knows no redemption state);
//   - referral destinations are masked as "a***@example.com" unless a shop
//     token or an admin customer token passes deanonymize; the referral
//     counts are sent as "referral_stats";
//   - the per-customer limit counts calls per second of the server's clock
//     and answers with Retry-After: 1 (the docs show no header);
//   - anonymous calls (no token, or an empty one) are refused except for
//     Status2, whose "user" object and "membership" values are the fake's
//     own; the generated export's structure is the fake's own too;
//   - a customer token whose customer ID is unknown falls back to its "ce"
//     email for a customer without a shop ID.
//
// Values seeded from JSON (decoded into the SDK types) keep the keys the SDK
// does not model: the fake serves them from the values' Raw JSON.
package bubblehousetest
