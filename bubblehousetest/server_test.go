package bubblehousetest

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bubblehouse-go/bubblehouse"
)

func TestDemoDataThroughEveryEndpoint(t *testing.T) {
	srv := NewServer(t, WithDemoData())
	c := srv.Client()
	ctx := context.Background()
	alice := bubblehouse.ByEmail(DemoCustomerEmail)

	require.NoError(t, c.Check(ctx))

	det, err := c.CustomerDetails1(ctx, &bubblehouse.CustomerDetails1Input{Customer: alice})
	require.NoError(t, err)
	assert.Equal(t, DemoCustomerShopID, det.ID)
	assert.Equal(t, bubblehouse.BHID(DemoCustomerBHID), det.BHID)
	assert.Equal(t, "Alice", det.FirstName)
	assert.Equal(t, int64(42), det.OrderCount)
	assert.Equal(t, "1250.000000", det.TotalSpent.String())
	assert.Equal(t, []string{"vip", "wholesale"}, det.Tags)

	his, err := c.CustomerHistory2(ctx, &bubblehouse.CustomerHistory2Input{Customer: alice})
	require.NoError(t, err)
	require.Len(t, his.Changes, 16)
	assert.Equal(t, "2025-12-18", bhidDay(t, his.Changes[0].ID), "newest first")
	var earned, redeemed, expired int64
	for _, ch := range his.Changes {
		assert.Equal(t, bubblehouse.BHID(DemoCustomerBHID), ch.CustomerBHID)
		switch {
		case ch.Type == bubblehouse.ChangeTypePointsExpired:
			expired -= ch.PtsDelta
		case ch.PtsDelta < 0:
			redeemed -= ch.PtsDelta
		default:
			earned += ch.PtsDelta
		}
	}
	bal, err := c.CustomerBalance3(ctx, &bubblehouse.CustomerBalance3Input{Customer: alice, IncludeFullProgram: true, IncludeUnusedRewards: true})
	require.NoError(t, err)
	assert.Equal(t, bal.PtsEarned, earned, "the history adds up to the balance")
	assert.Equal(t, bal.PtsRedeemed, redeemed)
	assert.Equal(t, bal.PtsExpired, expired)
	assert.Equal(t, bal.PtsEarned-bal.PtsRedeemed-bal.PtsExpired, bal.PtsAvailable+bal.PtsPending)
	assert.Equal(t, "Gold", bal.CurTier.Name)
	assert.Len(t, bal.Tiers, 3)
	for _, tier := range bal.Tiers {
		assert.NotEmpty(t, tier.Features, "tiers carry the demo's features: %s", tier.Name)
	}
	assert.Len(t, bal.Offers, 4)
	assert.NotEmpty(t, bal.UnusedRewards)
	var rc bubblehouse.RedemptionConfiguration2
	found, err := bal.Field("redemption_config", &rc)
	require.NoError(t, err)
	assert.True(t, found, "keys the SDK does not model are served from the seed's JSON")
	lim, src := bal.EffectiveRedemptionLimit()
	assert.Equal(t, bubblehouse.RedemptionLimitReported, src)
	assert.Equal(t, int64(5000), lim.Total)

	ref, err := c.CustomerReferrals2(ctx, &bubblehouse.CustomerReferrals2Input{Customer: alice, Deanonymize: true})
	require.NoError(t, err)
	require.Len(t, ref.Referrals, 4)
	assert.Equal(t, "bob@example.com", ref.Referrals[0].Destination)
	stats, key, err := ref.ReferralStats()
	require.NoError(t, err)
	assert.Equal(t, "referral_stats", key)
	assert.Equal(t, bubblehouse.CustomerReferralStats3{Sent: 4, Approved: 2, Rejected: 1, EarnedPts: 1000}, *stats)

	raw, err := c.ExportCustomerData1(ctx, &bubblehouse.ExportCustomerData1Input{Customer: alice})
	require.NoError(t, err)
	var exp map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(raw, &exp))
	assert.Contains(t, exp, "customer")
	assert.Contains(t, exp, "history")

	var buf bytes.Buffer
	n, err := c.ExportCustomerData1To(ctx, &bubblehouse.ExportCustomerData1Input{Customer: alice}, &buf)
	require.NoError(t, err)
	assert.Equal(t, int64(buf.Len()), n)

	// The same customer through a customer token.
	cc := c.ForCustomer(DemoCustomerShopID)
	bal2, err := cc.CustomerBalance3(ctx, nil)
	require.NoError(t, err)
	assert.Equal(t, bal.PtsAvailable, bal2.PtsAvailable)
	st, err := cc.Status2(ctx)
	require.NoError(t, err)
	assert.True(t, st.LoggedIn)
	assert.Equal(t, bubblehouse.MembershipFull, st.Membership)
	assert.Equal(t, DemoShop, st.ShopSlug)

	// Every demo customer is reachable, by email and by BHID.
	for _, dc := range DemoCustomers() {
		d, err := c.CustomerDetails1(ctx, &bubblehouse.CustomerDetails1Input{Customer: bubblehouse.ByBHID(dc.Details.BHID)})
		require.NoError(t, err, dc.Details.Email)
		assert.Equal(t, dc.Details.Email, d.Email)
		_, err = c.CustomerHistory2(ctx, &bubblehouse.CustomerHistory2Input{Customer: bubblehouse.ByEmail(dc.Details.Email)})
		require.NoError(t, err)
		_, err = c.CustomerBalance3(ctx, &bubblehouse.CustomerBalance3Input{Customer: bubblehouse.ByEmail(dc.Details.Email)})
		require.NoError(t, err)
		r, err := c.CustomerReferrals2(ctx, &bubblehouse.CustomerReferrals2Input{Customer: bubblehouse.ByEmail(dc.Details.Email)})
		require.NoError(t, err)
		assert.NotNil(t, r.Referrals)
	}
}

// bhidDay is the UTC day a bubbleflake was made.
func bhidDay(t *testing.T, id bubblehouse.BHID) string {
	tm, ok := id.Time()
	require.True(t, ok)
	return tm.UTC().Format(time.DateOnly)
}

func TestDemoCustomersDecode(t *testing.T) {
	cs := DemoCustomers()
	require.Len(t, cs, 4)
	assert.Equal(t, DemoCustomerEmail, cs[0].Details.Email)
	for _, c := range cs {
		assert.NotEmpty(t, c.Details.BHID)
		assert.NotEmpty(t, c.History, c.Details.Email)
	}
}

// [DOC] cur_tier and next_tier never carry features; only the tiers of
// include_full_program do. The demo data has no features in cur_tier or
// next_tier to strip, so this seeds them: once as JSON, where they live in
// the balance's Raw, once as Go values.
func TestTierFeaturesOnlyInTiers(t *testing.T) {
	gold := []bubblehouse.TierFeatureValue1{{BHID: "20b31881b3010002", Title: "Points multiplier", Value: "2x"}}
	platinum := []bubblehouse.TierFeatureValue1{{BHID: "20b31881b3010002", Title: "Points multiplier", Value: "5x"}}

	var fromJSON bubblehouse.CustomerBalanceResult3
	require.NoError(t, json.Unmarshal([]byte(`{
		"pts_available": 10,
		"cur_tier": {"name": "Gold", "reqs": {}, "features": [{"bhid": "20b31881b3010002", "title": "Points multiplier", "value": "2x"}]},
		"next_tier": {"name": "Platinum", "reqs": {}, "features": [{"bhid": "20b31881b3010002", "title": "Points multiplier", "value": "5x"}]},
		"tiers": [
			{"name": "Gold", "reqs": {}, "features": [{"bhid": "20b31881b3010002", "title": "Points multiplier", "value": "2x"}]},
			{"name": "Platinum", "reqs": {}, "features": [{"bhid": "20b31881b3010002", "title": "Points multiplier", "value": "5x"}]}
		]}`), &fromJSON))
	require.Equal(t, gold, fromJSON.CurTier.Features, "the seed has cur_tier features to strip")
	fromGo := bubblehouse.CustomerBalanceResult3{
		PtsAvailable: 10,
		CurTier:      &bubblehouse.TierStatus3{Name: "Gold", Features: gold},
		NextTier:     &bubblehouse.TierStatus3{Name: "Platinum", Features: platinum},
		Tiers:        []bubblehouse.TierStatus3{{Name: "Gold", Features: gold}, {Name: "Platinum", Features: platinum}},
	}

	for name, balance := range map[string]bubblehouse.CustomerBalanceResult3{"JSON": fromJSON, "Go": fromGo} {
		t.Run(name, func(t *testing.T) {
			srv := NewServer(t)
			srv.AddCustomer(Customer{Details: bubblehouse.Customer2{ID: "c1", Email: "c1@example.com"}, Balance: balance})
			c := srv.Client()
			ctx := context.Background()
			who := bubblehouse.ByShopID("c1")

			for _, full := range []bool{false, true} {
				bal, err := c.CustomerBalance3(ctx, &bubblehouse.CustomerBalance3Input{Customer: who, IncludeFullProgram: full})
				require.NoError(t, err)
				var raw map[string]map[string]json.RawMessage
				_ = json.Unmarshal(bal.Raw(), &raw) // tiers is an array: only the objects matter here
				for _, key := range []string{"cur_tier", "next_tier"} {
					require.Contains(t, raw, key, "full=%v", full)
					assert.NotContains(t, raw[key], "features", "%s, full=%v", key, full)
				}
				require.NotNil(t, bal.CurTier)
				assert.Nil(t, bal.CurTier.Features)
				require.NotNil(t, bal.NextTier)
				assert.Nil(t, bal.NextTier.Features)
				if !full {
					assert.Empty(t, bal.Tiers)
					continue
				}
				require.Len(t, bal.Tiers, 2)
				assert.Equal(t, gold, bal.TierByName("Gold").Features, "tiers keep their features")
				assert.Equal(t, platinum, bal.TierByName("Platinum").Features)
			}

			// The generated export holds the full balance, by the same rule.
			raw, err := c.ExportCustomerData1(ctx, &bubblehouse.ExportCustomerData1Input{Customer: who})
			require.NoError(t, err)
			var exp struct {
				Loyalty struct {
					CurTier map[string]json.RawMessage   `json:"cur_tier"`
					Tiers   []map[string]json.RawMessage `json:"tiers"`
				} `json:"loyalty"`
			}
			require.NoError(t, json.Unmarshal(raw, &exp))
			assert.NotContains(t, exp.Loyalty.CurTier, "features")
			require.Len(t, exp.Loyalty.Tiers, 2)
			assert.Contains(t, exp.Loyalty.Tiers[0], "features")
		})
	}
}
