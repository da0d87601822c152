package bubblehouse

import (
	"context"
	"net/http"
	"os"
	"path"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fixtureServer answers each endpoint with a testdata fixture.
func fixtureServer(t *testing.T, fixtures map[string]string) *rawServer {
	t.Helper()
	bodies := map[string][]byte{}
	for ep, file := range fixtures {
		b, err := os.ReadFile("testdata/" + file)
		require.NoError(t, err)
		bodies[ep] = b
	}
	return newRawServer(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		b, ok := bodies[path.Base(r.URL.Path)]
		if !ok {
			jsonReply(w, 404, `{"id":"unknown_method"}`)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(b)
	})
}

// TestRequestBodies pins the exact JSON of every input and flag combination.
func TestRequestBodies(t *testing.T) {
	srv := newRawServer(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		switch path.Base(r.URL.Path) {
		case "CustomerHistory2":
			jsonReply(w, 200, `{"changes":[]}`)
		case "CustomerReferrals2":
			jsonReply(w, 200, `{"referrals":[]}`)
		default:
			jsonReply(w, 200, `{}`)
		}
	})
	c := newTestClient(t, srv)
	ctx := context.Background()
	id := ByBHID("0000018abc123def")
	calls := []struct {
		name string
		call func() error
		path string
		body string
		sub  string // the token's subject
	}{
		{"details by bhid", func() error { _, err := c.CustomerDetails1(ctx, &CustomerDetails1Input{Customer: id}); return err },
			"CustomerDetails1", `{"customer":{"bhid":"0000018abc123def"}}`, testShop},
		{"details by all fields", func() error {
			_, err := c.CustomerDetails1(ctx, &CustomerDetails1Input{Customer: &CustomerIdentity1{BHID: "0000018abc123def", ShopID: "123", Email: "a@b.c"}})
			return err
		}, "CustomerDetails1", `{"customer":{"bhid":"0000018abc123def","shopid":"123","email":"a@b.c"}}`, testShop},
		{"history plain", func() error { _, err := c.CustomerHistory2(ctx, &CustomerHistory2Input{Customer: id}); return err },
			"CustomerHistory2", `{"customer":{"bhid":"0000018abc123def"}}`, testShop},
		{"history only points", func() error {
			_, err := c.CustomerHistory2(ctx, &CustomerHistory2Input{Customer: id, OnlyPoints: true})
			return err
		}, "CustomerHistory2", `{"customer":{"bhid":"0000018abc123def"},"only_points":true}`, testShop},
		{"history only unused", func() error {
			_, err := c.CustomerHistory2(ctx, &CustomerHistory2Input{Customer: id, OnlyUnused: true})
			return err
		}, "CustomerHistory2", `{"customer":{"bhid":"0000018abc123def"},"only_unused":true}`, testShop},
		{"history both", func() error {
			_, err := c.CustomerHistory2(ctx, &CustomerHistory2Input{Customer: id, OnlyUnused: true, OnlyPoints: true})
			return err
		}, "CustomerHistory2", `{"customer":{"bhid":"0000018abc123def"},"only_unused":true,"only_points":true}`, testShop},
		{"balance plain", func() error { _, err := c.CustomerBalance3(ctx, &CustomerBalance3Input{Customer: id}); return err },
			"CustomerBalance3", `{"customer":{"bhid":"0000018abc123def"}}`, testShop},
		{"balance unused rewards", func() error {
			_, err := c.CustomerBalance3(ctx, &CustomerBalance3Input{Customer: id, IncludeUnusedRewards: true})
			return err
		}, "CustomerBalance3", `{"customer":{"bhid":"0000018abc123def"},"include_unused_rewards":true}`, testShop},
		{"balance full program", func() error {
			_, err := c.CustomerBalance3(ctx, &CustomerBalance3Input{Customer: id, IncludeFullProgram: true})
			return err
		}, "CustomerBalance3", `{"customer":{"bhid":"0000018abc123def"},"include_full_program":true}`, testShop},
		{"balance both", func() error {
			_, err := c.CustomerBalance3(ctx, &CustomerBalance3Input{Customer: id, IncludeUnusedRewards: true, IncludeFullProgram: true})
			return err
		}, "CustomerBalance3", `{"customer":{"bhid":"0000018abc123def"},"include_unused_rewards":true,"include_full_program":true}`, testShop},
		{"referrals plain", func() error {
			_, err := c.CustomerReferrals2(ctx, &CustomerReferrals2Input{Customer: ByShopID("123")})
			return err
		}, "CustomerReferrals2", `{"customer":{"shopid":"123"}}`, testShop},
		{"referrals deanonymized", func() error {
			_, err := c.CustomerReferrals2(ctx, &CustomerReferrals2Input{Customer: ByShopID("123"), Deanonymize: true})
			return err
		}, "CustomerReferrals2", `{"customer":{"shopid":"123"},"deanonymize":true}`, testShop},
		{"export", func() error {
			_, err := c.ExportCustomerData1(ctx, &ExportCustomerData1Input{Customer: ByEmail("a@b.c")})
			return err
		}, "ExportCustomerData1", `{"customer":{"email":"a@b.c"}}`, testShop},
		{"customer token, nil input", func() error { _, err := c.ForCustomer("123").CustomerBalance3(ctx, nil); return err },
			"CustomerBalance3", `{}`, testShop + "/123"},
	}
	for i, tc := range calls {
		t.Run(tc.name, func(t *testing.T) {
			require.NoError(t, tc.call())
			reqs := srv.requests()
			require.Len(t, reqs, i+1)
			r := reqs[i]
			assert.Equal(t, http.MethodPost, r.Method)
			assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
			assert.Equal(t, testPrefix+"/api/v2023061/test-shop/"+tc.path, r.Path)
			assert.Equal(t, tc.body, r.RawBody, "exact bytes, field order included")
			require.NoError(t, r.TokenErr, "a verified bearer token")
			assert.Equal(t, tc.sub, r.Subject)
		})
	}
}

// TestEndpointsDecodeThroughTheClient runs the spec fixtures through the
// real call path. Field-by-field decoding is tested beside each type; this
// shows each method returns the right type, filled, with its raw JSON.
func TestEndpointsDecodeThroughTheClient(t *testing.T) {
	srv := fixtureServer(t, map[string]string{
		"CustomerDetails1":   "customer_details_alice.json",
		"CustomerHistory2":   "history.json",
		"CustomerBalance3":   "balance_full.json",
		"CustomerReferrals2": "referrals_new.json",
	})
	c := newTestClient(t, srv)
	ctx := context.Background()
	id := ByEmail("alice@example.com")

	det, err := c.CustomerDetails1(ctx, &CustomerDetails1Input{Customer: id})
	require.NoError(t, err)
	assert.Equal(t, BHID("0000018abc123def"), det.BHID)
	assert.Equal(t, "Alice", det.FirstName)
	assert.Equal(t, "shop-customer-123", det.ID)
	assert.Equal(t, int64(1250_000_000), det.TotalSpent.Micros())
	assert.Equal(t, Date{Year: 1990, Month: time.May, Day: 15}, det.Birthday)
	alice, _ := os.ReadFile("testdata/customer_details_alice.json")
	assert.JSONEq(t, string(alice), string(det.Raw()))

	his, err := c.CustomerHistory2(ctx, &CustomerHistory2Input{Customer: id})
	require.NoError(t, err)
	require.NotEmpty(t, his.Changes)
	assert.NotEmpty(t, his.Changes[0].ID)
	assert.NotEmpty(t, his.Raw())

	bal, err := c.CustomerBalance3(ctx, &CustomerBalance3Input{Customer: id, IncludeFullProgram: true})
	require.NoError(t, err)
	assert.Equal(t, int64(1850), bal.PtsAvailable)
	require.NotNil(t, bal.CurTier)
	assert.Equal(t, "Gold", bal.CurTier.Name)
	assert.NotEmpty(t, bal.Tiers)

	ref, err := c.CustomerReferrals2(ctx, &CustomerReferrals2Input{Customer: id})
	require.NoError(t, err)
	assert.NotEmpty(t, ref.Referrals)
	assert.NotEmpty(t, ref.Raw())
}

func TestEndpointsRefuseMissingIdentityWithShopToken(t *testing.T) {
	srv := newRawServer(t, func(w http.ResponseWriter, r *http.Request, _ int) { jsonReply(w, 200, `{}`) })
	c := newTestClient(t, srv)
	ctx := context.Background()
	_, err := c.CustomerDetails1(ctx, nil)
	assert.ErrorIs(t, err, ErrMissingCustomerIdentity)
	_, err = c.CustomerHistory2(ctx, &CustomerHistory2Input{OnlyPoints: true})
	assert.ErrorIs(t, err, ErrMissingCustomerIdentity)
	_, err = c.CustomerBalance3(ctx, &CustomerBalance3Input{Customer: &CustomerIdentity1{}})
	assert.ErrorIs(t, err, ErrEmptyCustomerIdentity)
	_, err = c.CustomerReferrals2(ctx, &CustomerReferrals2Input{})
	assert.ErrorIs(t, err, ErrMissingCustomerIdentity)
	assert.Equal(t, 0, srv.count())
}
