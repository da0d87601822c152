package bubblehouse_test

import (
	"context"
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"

	"github.com/bubblehouse-go/bubblehouse"
	"github.com/bubblehouse-go/bubblehouse/bubblehousetest"
)

// These tests run the endpoints against bubblehousetest: the fake checks
// tokens and identities as Bubblehouse does, so a test here fails if the
// client sends something the service would refuse. The exact wire bytes
// are pinned separately against a hand-checked raw server (client_test.go,
// endpoints_test.go).

func fixture[T any](t *testing.T, name string) T {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	require.NoError(t, err)
	var v T
	require.NoError(t, json.Unmarshal(b, &v))
	return v
}

// sameJSON compares two values by their JSON encodings: the fake serves
// from typed values, so money comes back normalised to six digits
// ("1250.00" as "1250.000000") and a leap second as the next instant; the
// values are equal, the bytes need not be.
func sameJSON(t *testing.T, want, got any) {
	t.Helper()
	w, err := json.Marshal(want)
	require.NoError(t, err)
	g, err := json.Marshal(got)
	require.NoError(t, err)
	assert.JSONEq(t, string(w), string(g))
}

// TestEndpointsOnTheFake seeds the fake with the spec fixtures and reads
// them back through every endpoint, with every kind of identity.
func TestEndpointsOnTheFake(t *testing.T) {
	details := fixture[bubblehouse.Customer2](t, "customer_details_alice.json")
	balance := fixture[bubblehouse.CustomerBalanceResult3](t, "balance_full.json")
	history := fixture[bubblehouse.CustomerHistory2Output](t, "history.json")
	referrals := fixture[bubblehouse.CustomerReferrals2Output](t, "referrals_new.json")

	srv := bubblehousetest.NewServer(t)
	bhid := srv.AddCustomer(bubblehousetest.Customer{
		Details:   details,
		Balance:   balance,
		History:   history.Changes,
		Referrals: referrals.Referrals,
		Export:    json.RawMessage(`{"takeout":true}`),
	})
	assert.Equal(t, details.BHID, bhid)
	// 20 calls in a row for one customer, four exports: no client-side pacing.
	c := srv.Client(bubblehouse.WithCustomerRateLimit(rate.Inf, 0), bubblehouse.WithExportRateLimit(rate.Inf, 0))
	ctx := context.Background()

	for _, id := range []*bubblehouse.CustomerIdentity1{
		bubblehouse.ByBHID(details.BHID),
		bubblehouse.ByShopID(details.ID),
		bubblehouse.ByEmail(details.Email),
		{BHID: details.BHID, ShopID: details.ID, Email: details.Email},
	} {
		t.Run(id.String(), func(t *testing.T) {
			det, err := c.CustomerDetails1(ctx, &bubblehouse.CustomerDetails1Input{Customer: id})
			require.NoError(t, err)
			assert.Equal(t, details.FirstName, det.FirstName)
			sameJSON(t, details, det)

			bal, err := c.CustomerBalance3(ctx, &bubblehouse.CustomerBalance3Input{Customer: id, IncludeFullProgram: true, IncludeUnusedRewards: true})
			require.NoError(t, err)
			assert.Equal(t, balance.PtsAvailable, bal.PtsAvailable)
			sameJSON(t, balance, bal)

			his, err := c.CustomerHistory2(ctx, &bubblehouse.CustomerHistory2Input{Customer: id})
			require.NoError(t, err)
			sameJSON(t, history, his)

			ref, err := c.CustomerReferrals2(ctx, &bubblehouse.CustomerReferrals2Input{Customer: id, Deanonymize: true})
			require.NoError(t, err)
			sameJSON(t, referrals.Referrals, ref.Referrals)

			raw, err := c.ExportCustomerData1(ctx, &bubblehouse.ExportCustomerData1Input{Customer: id})
			require.NoError(t, err)
			assert.JSONEq(t, `{"takeout":true}`, string(raw))
		})
	}

	// A customer token reads the same customer without naming it.
	bal, err := c.ForCustomer(details.ID).CustomerBalance3(ctx, nil)
	require.NoError(t, err)
	assert.Equal(t, balance.PtsAvailable, bal.PtsAvailable)

	// The fake's identity semantics reach the caller as typed errors.
	_, err = c.CustomerDetails1(ctx, &bubblehouse.CustomerDetails1Input{Customer: bubblehouse.ByEmail("nobody@example.com")})
	assert.ErrorIs(t, err, bubblehouse.ErrNoCustomersMatchCustomerIdentity)
	_, err = c.CustomerDetails1(ctx, &bubblehouse.CustomerDetails1Input{Customer: &bubblehouse.CustomerIdentity1{BHID: details.BHID, Email: "someone.else@example.com"}})
	assert.ErrorIs(t, err, bubblehouse.ErrCustomerIdentityPartiallyMismatchesMatchedCustomer)
}

// TestShowsPoints is the README's "Testing your code" example, word for
// word (TestReadmeTestingSnippet holds them together), so that what the
// README shows compiles and passes.
func TestShowsPoints(t *testing.T) {
	ctx := context.Background()
	srv := bubblehousetest.NewServer(t, bubblehousetest.WithDemoData())
	c := srv.Client() // a *bubblehouse.Client already pointed at the fake

	// Script a 429: the client waits out Retry-After and retries.
	srv.FailNext(bubblehousetest.EndpointCustomerBalance3, 1, bubblehousetest.Failure{Status: 429, RetryAfter: time.Second})

	bal, err := c.CustomerBalance3(ctx, &bubblehouse.CustomerBalance3Input{Customer: bubblehouse.ByEmail(bubblehousetest.DemoCustomerEmail)})
	require.NoError(t, err)
	assert.Equal(t, int64(1850), bal.PtsAvailable) // the demo customer's points
	assert.Len(t, srv.Requests(), 2)               // the 429, then the retry
}

// TestReadmeTestingSnippet fails when the Go block under "Testing your
// code" in README.md and TestShowsPoints differ by more than whitespace.
func TestReadmeTestingSnippet(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	require.NoError(t, err)
	_, section, ok := strings.Cut(string(readme), "\n## Testing your code\n")
	require.True(t, ok, "README.md has no Testing your code section")
	_, block, ok := strings.Cut(section, "```go\n")
	require.True(t, ok, "the section has no Go block")
	block, _, ok = strings.Cut(block, "\n```")
	require.True(t, ok, "the Go block is not closed")

	src, err := os.ReadFile("fake_test.go")
	require.NoError(t, err)
	fset := token.NewFileSet()
	file, err := parser.ParseFile(fset, "fake_test.go", src, parser.ParseComments)
	require.NoError(t, err)
	var own string
	for _, d := range file.Decls {
		if fn, ok := d.(*ast.FuncDecl); ok && fn.Name.Name == "TestShowsPoints" {
			// From "func" to the closing brace: the doc comment is ours.
			own = string(src[fset.Position(fn.Type.Func).Offset:fset.Position(fn.End()).Offset])
		}
	}
	require.NotEmpty(t, own, "fake_test.go has no TestShowsPoints")

	words := func(s string) string { return strings.Join(strings.Fields(s), " ") }
	assert.Equal(t, words(own), words(block), "README.md's testing snippet and TestShowsPoints differ; change both")
}
