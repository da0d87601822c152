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
	assert.Nil(t, bal.CurTier.Features, "cur_tier never carries features")
	assert.Len(t, bal.Tiers, 3)
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
