package bubblehouse_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/bubblehouse-go/bubblehouse"
	"github.com/bubblehouse-go/bubblehouse/bubblehousetest"
)

// These examples run against the fake server of package bubblehousetest
// with its demo data, so their output is checked by go test. Against the
// real API, make the client with NewClient and WithSigningKey instead of
// srv.NewClient.

// demo starts the fake server and a client for it.
func demo() (*bubblehousetest.Server, *bubblehouse.Client) {
	srv, err := bubblehousetest.Start(bubblehousetest.WithDemoData())
	if err != nil {
		panic(err) // examples only: a real program returns the error
	}
	c, err := srv.NewClient()
	if err != nil {
		panic(err)
	}
	return srv, c
}

func ExampleNewClient() {
	// The shop slug and the signing key are checked when the client is made,
	// not on its first call.
	_, err := bubblehouse.NewClient("My Shop", bubblehouse.WithSigningKey("key-1", "c2VjcmV0"))
	fmt.Println(err)

	c, err := bubblehouse.NewClient("my-shop",
		bubblehouse.WithSigningKey("key-1", "c2VjcmV0"), // as the API console shows them
		bubblehouse.WithMaxRetries(2),
		bubblehouse.WithMaxWait(5*time.Second),
	)
	fmt.Println(c, err)
	// Output:
	// bubblehouse: invalid shop slug "My Shop": use lowercase letters, digits and dashes
	// bubblehouse.Client{shop: my-shop, base: https://app.bubblehouse.com, version: v2023061, token: shop [redacted]} <nil>
}

func ExampleClient_CustomerDetails1() {
	srv, c := demo()
	defer srv.Close()

	det, err := c.CustomerDetails1(context.Background(), &bubblehouse.CustomerDetails1Input{
		Customer: bubblehouse.ByEmail(bubblehousetest.DemoCustomerEmail),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(det.FirstName, det.LastName, det.BHID)
	fmt.Println("orders:", det.OrderCount, "spent:", det.TotalSpent.StringFixed(2))
	fmt.Println("birthday:", det.Birthday, "tags:", det.Tags)
	// Output:
	// Alice Smith 0000018abc123def
	// orders: 42 spent: 1250.00
	// birthday: 1990-05-15 tags: [vip wholesale]
}

func ExampleClient_CustomerHistory2() {
	srv, c := demo()
	defer srv.Close()

	his, err := c.CustomerHistory2(context.Background(), &bubblehouse.CustomerHistory2Input{
		Customer:   bubblehouse.ByShopID(bubblehousetest.DemoCustomerShopID),
		OnlyPoints: true,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, ch := range his.Changes[:3] {
		fmt.Printf("%+d %s (%s)\n", ch.PtsDelta, ch.Desc, ch.Type)
	}
	// Output:
	// +240 240 points pending for order #1266 (earned_from_order)
	// +720 Earned 720 points for order #1251 (earned_from_order)
	// -1000 Redeemed 1,000 points for a $10 off code (vendible_redemption)
}

func ExampleClient_CustomerBalance3() {
	srv, c := demo()
	defer srv.Close()

	bal, err := c.CustomerBalance3(context.Background(), &bubblehouse.CustomerBalance3Input{
		Customer:           bubblehouse.ByEmail(bubblehousetest.DemoCustomerEmail),
		IncludeFullProgram: true,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%d points, worth %s\n", bal.PtsAvailable, bal.PtsAvailableValue.StringFixed(2))
	fmt.Println("tier:", bal.CurTier.Name, "next:", bal.NextTier.Name)
	limit, source := bal.EffectiveRedemptionLimit()
	fmt.Printf("may redeem %d of %d points %s (%s limit)\n", limit.Remaining, limit.Total, limit.Period, source)
	fmt.Println("offers:", len(bal.Offers), "tiers:", len(bal.Tiers))
	// Output:
	// 1850 points, worth 18.50
	// tier: Gold next: Platinum
	// may redeem 2000 of 5000 points monthly (reported limit)
	// offers: 4 tiers: 3
}

func ExampleClient_CustomerReferrals2() {
	srv, c := demo()
	defer srv.Close()

	ref, err := c.CustomerReferrals2(context.Background(), &bubblehouse.CustomerReferrals2Input{
		Customer: bubblehouse.ByEmail(bubblehousetest.DemoCustomerEmail),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	// Destinations are masked unless Deanonymize is set (and allowed).
	for _, r := range ref.Referrals {
		fmt.Println(strings.TrimSpace(fmt.Sprint(r.Channel, " ", r.Status, " ", r.Destination)))
	}
	// Output:
	// email approved b***@example.com
	// email approved d***@example.org
	// whatsapp rejected
	// email invited e***@example.net
}

func ExampleClient_ExportCustomerData1() {
	srv, c := demo()
	defer srv.Close()

	raw, err := c.ExportCustomerData1(context.Background(), &bubblehouse.ExportCustomerData1Input{
		Customer: bubblehouse.ByEmail(bubblehousetest.DemoCustomerEmail),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	// The export has no documented schema: keep it as it came, for the
	// customer to download.
	fmt.Println(json.Valid(raw), len(raw) > 1000)
	// Output:
	// true true
}

func ExampleClient_ExportCustomerData1To() {
	srv, c := demo()
	defer srv.Close()

	// Stream to any io.Writer (a file, an HTTP response) in constant memory.
	h := sha256.New()
	n, err := c.ExportCustomerData1To(context.Background(), &bubblehouse.ExportCustomerData1Input{
		Customer: bubblehouse.ByEmail(bubblehousetest.DemoCustomerEmail),
	}, h)
	var partial *bubblehouse.ExportError
	switch {
	case errors.As(err, &partial):
		fmt.Println("incomplete after", partial.Written, "bytes: discard the output")
	case err != nil:
		fmt.Println(err)
	default:
		fmt.Println(n > 1000, len(h.Sum(nil)))
	}
	// Output:
	// true 32
}

func ExampleClient_ForCustomer() {
	srv, c := demo()
	defer srv.Close()

	// A client for one customer sends customer tokens; inputs may then leave
	// Customer nil. It shares the parent's connections and limits.
	alice := c.ForCustomer(bubblehousetest.DemoCustomerShopID)
	bal, err := alice.CustomerBalance3(context.Background(), nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(bal.PtsAvailable)

	// It cannot read another customer.
	_, err = alice.CustomerBalance3(context.Background(), &bubblehouse.CustomerBalance3Input{Customer: bubblehouse.ByShopID("shop-customer-456")})
	fmt.Println(errors.Is(err, bubblehouse.ErrCustomerIdentityDoesNotMatchToken))
	// Output:
	// 1850
	// true
}

func ExampleSigner_CustomerToken() {
	signer, err := bubblehouse.NewSigner("my-shop", "key-1", "c2VjcmV0")
	if err != nil {
		fmt.Println(err)
		return
	}
	// Mint a short-lived token for a storefront to call the Loyalty API as
	// this customer.
	tok, err := signer.CustomerToken("shop-customer-123", 5*time.Minute)
	if err != nil {
		fmt.Println(err)
		return
	}
	header, _ := base64.RawURLEncoding.DecodeString(strings.Split(tok, ".")[0])
	payload, _ := base64.RawURLEncoding.DecodeString(strings.Split(tok, ".")[1])
	var claims struct {
		Aud string `json:"aud"`
		Sub string `json:"sub"`
		Iat int64  `json:"iat"`
		Exp int64  `json:"exp"`
	}
	_ = json.Unmarshal(payload, &claims)
	fmt.Println(string(header))
	fmt.Println(claims.Aud, claims.Sub, claims.Exp-claims.Iat)
	// Output:
	// {"alg":"HS256","kid":"key-1","typ":"JWT"}
	// BH my-shop/shop-customer-123 300
}

func ExampleAPIError() {
	srv, c := demo()
	defer srv.Close()

	_, err := c.CustomerBalance3(context.Background(), &bubblehouse.CustomerBalance3Input{
		Customer: bubblehouse.ByEmail("nobody@example.com"),
	})
	var apiErr *bubblehouse.APIError
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.StatusCode, apiErr.ID)
	}
	fmt.Println(errors.Is(err, bubblehouse.ErrNoCustomersMatchCustomerIdentity), errors.Is(err, bubblehouse.ErrNotFound))
	fmt.Println(err)
	// Output:
	// 404 no_customers_match_customer_identity
	// true true
	// bubblehouse: CustomerBalance3: HTTP 404 no_customers_match_customer_identity: No customer matches the customer input
}

func Example_rateLimit() {
	srv, c := demo()
	defer srv.Close()

	// Script a 429 whose Retry-After is longer than the client may wait
	// (WithMaxWait, default 10 s): the call returns at once, with the wait.
	srv.FailNext(bubblehousetest.EndpointCustomerBalance3, 1, bubblehousetest.Failure{Status: 429, RetryAfter: 30 * time.Second})
	ctx := context.Background()
	who := &bubblehouse.CustomerBalance3Input{Customer: bubblehouse.ByEmail(bubblehousetest.DemoCustomerEmail)}

	_, err := c.CustomerBalance3(ctx, who)
	wait, _ := bubblehouse.RetryAfter(err)
	fmt.Println(errors.Is(err, bubblehouse.ErrRateLimitExceeded), wait)

	// Until then, calls for this customer fail locally without being sent...
	_, err = c.CustomerBalance3(ctx, who)
	var local *bubblehouse.RateLimitError
	fmt.Println(errors.As(err, &local), local.Cooldown)

	// ...while other customers are not held.
	_, err = c.CustomerBalance3(ctx, &bubblehouse.CustomerBalance3Input{Customer: bubblehouse.ByEmail("bob@example.com")})
	fmt.Println(err, len(srv.Requests()))
	// Output:
	// true 30s
	// true true
	// <nil> 2
}

func ExampleClient_Status2() {
	srv, c := demo()
	defer srv.Close()
	ctx := context.Background()

	// A shop token is logged in as the shop; with no customer in the token,
	// there is no membership to report.
	st, err := c.Status2(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(st.LoggedIn, st.ShopSlug, st.Membership, st.ProgramEnabled)
	// Now is the server's clock, which judges every token's iat and exp.
	fmt.Println("clocks agree:", time.Since(st.Now.Time).Abs() < bubblehouse.MaxClockSkew)

	// A customer token reports that customer's membership.
	st, err = c.ForCustomer(bubblehousetest.DemoCustomerShopID).Status2(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(st.LoggedIn, st.ShopSlug, st.Membership)
	// Output:
	// true demo-shop none true
	// clocks agree: true
	// true demo-shop full
}

func ExampleClient_Check() {
	srv, c := demo()
	defer srv.Close()
	fmt.Println(c.Check(context.Background()))

	// A client with the wrong secret gets one line saying what to fix.
	bad, _ := srv.NewClient(bubblehouse.WithSigningKey(srv.KeyID(), "d3Jvbmc="))
	fmt.Println(bad.Check(context.Background()))
	// Output:
	// <nil>
	// bubblehouse: check: Bubblehouse refused the token (invalid or expired); fix: check the key ID and shared secret in the API console, that the key is not revoked, and the clock
}
