package bubblehouse

import (
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func money(t testing.TB, s string) Money {
	t.Helper()
	m, err := ParseMoney(s)
	require.NoError(t, err)
	return m
}

func moneyPtr(t testing.TB, s string) *Money {
	m := money(t, s)
	return &m
}

func TestCustomerBalanceResult3Full(t *testing.T) {
	r := decodeFixture[CustomerBalanceResult3](t, "balance_full.json")

	assert.Equal(t, int64(1850), r.PtsAvailable)
	assert.Equal(t, moneyPtr(t, "18.5"), r.PtsAvailableValue)
	assert.Equal(t, int64(240), r.PtsPending)
	assert.Nil(t, r.PtsPendingValue, "null: points cannot be converted")
	assert.Equal(t, int64(5240), r.PtsEarned)
	assert.Equal(t, int64(3000), r.PtsRedeemed)
	assert.Equal(t, int64(150), r.PtsExpired)
	assert.Equal(t, money(t, "1250"), r.TotalSpend)
	assert.Equal(t, money(t, "830.5"), r.UpgradeSpend)
	assert.Equal(t, Date{2020, time.January, 15}, r.LoyaltyAnniversaryDay)
	assert.True(t, r.LoyaltyAnniversaryDay.Valid())
	assert.Equal(t, utc(2026, 1, 15, 0, 0, 0), r.PtsGlobalExpiration.Time)

	t.Run("current and next tier", func(t *testing.T) {
		require.NotNil(t, r.CurTier)
		assert.Equal(t, "Gold", r.CurTier.Name)
		assert.Nil(t, r.CurTier.Features, "cur_tier never carries features")
		assert.Nil(t, r.CurTier.RedemptionLimit)
		assert.Equal(t, TierRequirements3{ThresholdPts: 2000, ThresholdSpend: money(t, "500")}, r.CurTier.Reqs)
		exp := r.CurTier.Expiration
		require.NotNil(t, exp)
		assert.Equal(t, utc(2017, 1, 1, 0, 0, 0), exp.Deadline.Time, "leap second inside a nested struct")
		assert.True(t, exp.KeepExtendedDeadline.IsZero(), "zero time inside a nested struct reads as absent")
		assert.Equal(t, "Silver", exp.DowngradedTierName)
		assert.Equal(t, TierRequirements3{
			ThresholdSpend: money(t, "500"), ExtraSpend: money(t, "120.25"),
			ExtraDesc: "Spend $120.25 more", Progress: 7595,
		}, exp.KeepReqs)

		require.NotNil(t, r.NextTier)
		assert.Equal(t, "Platinum", r.NextTier.Name)
		assert.Nil(t, r.NextTier.Expiration, "null: the tier never expires")
		assert.Equal(t, TierRequirements3{
			ThresholdPts: 10000, ExtraPts: 4760, ExtraEvents: []string{"joined_newsletter"}, Progress: 5240,
		}, r.NextTier.Reqs)
	})

	t.Run("tiers with features and limits", func(t *testing.T) {
		require.Len(t, r.Tiers, 3)
		assert.Equal(t, "Silver", r.Tiers[0].Name)
		assert.Equal(t, TierRequirements3{}, r.Tiers[0].Reqs)
		assert.Equal(t, []TierFeatureValue1{{BHID: "20b31881b3010001", Title: "Birthday gift", Value: "yes"}}, r.Tiers[0].Features)
		assert.Nil(t, r.Tiers[0].RedemptionLimit, "no tier limit: the global one applies")
		assert.Equal(t, []TierFeatureValue1{
			{BHID: "20b31881b3010001", Title: "Birthday gift", Value: "yes"},
			{BHID: "20b31881b3010002", Title: "Points multiplier", Value: "2x"},
		}, r.Tiers[1].Features)
		assert.Equal(t, &RedemptionLimitInfo1{Total: 5000, Remaining: 2000, Period: LimitPeriodMonthly}, r.Tiers[1].RedemptionLimit)

		plat := r.TierByName("Platinum")
		require.NotNil(t, plat)
		assert.Same(t, &r.Tiers[2], plat)
		assert.Equal(t, LimitPeriod("fortnightly"), plat.RedemptionLimit.Period, "unknown period kept")
		assert.False(t, plat.RedemptionLimit.Period.Known())
		var color string
		found, err := plat.Field("badge_color", &color)
		require.NoError(t, err)
		assert.True(t, found)
		assert.Equal(t, "#e5e4e2", color)
		assert.Nil(t, r.TierByName("Bronze"))
	})

	t.Run("limits", func(t *testing.T) {
		assert.Equal(t, &RedemptionLimitInfo1{Total: 5000, Remaining: 2000, Period: LimitPeriodMonthly}, r.RedemptionLimit)
		assert.Equal(t, &RedemptionLimitInfo1{Total: 1000, Remaining: 1000, Period: LimitPeriodDaily}, r.GlobalRedemptionLimit)
	})

	t.Run("program", func(t *testing.T) {
		assert.JSONEq(t, `[]`, string(r.UnusedRewards))

		require.Len(t, r.Sources, 2)
		s := r.Sources[0]
		assert.Equal(t, BHID("20b31881b3020001"), s.BHID)
		assert.Equal(t, []string{"follow-instagram", "instagram"}, s.Slugs)
		assert.Equal(t, "Follow us on Instagram", s.Title)
		assert.True(t, s.CanComplete)
		assert.False(t, s.IsCompleted)
		var pts int
		found, err := s.Field("pts", &pts)
		require.NoError(t, err)
		assert.True(t, found)
		assert.Equal(t, 50, pts)
		assert.True(t, r.Sources[1].IsCompleted)

		require.Len(t, r.Offers, 3)
		o := r.Offers[1]
		assert.Equal(t, "off_tote", o.ID)
		assert.Equal(t, OfferType("free_product"), o.Type)
		assert.Equal(t, "Free tote bag", o.Title)
		assert.Empty(t, o.Desc)
		assert.Equal(t, int64(2500), o.Points)
		assert.False(t, o.Available)
		assert.Equal(t, "products", o.Section)
		assert.JSONEq(t, `{"id":"778899","title":"Tote bag"}`, string(o.Product))
		assert.JSONEq(t, `{"id":"778899-1"}`, string(o.Variant))
		assert.Equal(t, "tier >= 'Silver'", o.Visibility)
		assert.Equal(t, "pts_available >= 2500", o.Availability)
		assert.Equal(t, "https://cdn.example.com/5off.png", r.Offers[0].ImageURL)
		assert.Equal(t, "Five dollars off", r.Offers[0].Desc)
		assert.Zero(t, r.Offers[2].Points, "no points key: free")
		assert.Nil(t, r.Offers[2].Product)

		require.Len(t, r.Milestones, 2)
		m := r.Milestones[0]
		assert.Equal(t, []string{"third-box"}, m.Slugs)
		assert.Equal(t, "Third box", m.Name)
		assert.Equal(t, int64(3), m.Cycle)
		id, ok := m.InferredBHID()
		assert.True(t, ok)
		assert.Equal(t, BHID("20b31881b3030001"), id)
		assert.Zero(t, r.Milestones[1].Cycle)

		assert.Equal(t, &CustomerReferralStats3{Sent: 7, Approved: 3, Rejected: 1, EarnedPts: 1500}, r.ReferralStats)
	})

	t.Run("types under undocumented keys decode through Field", func(t *testing.T) {
		// The keys below are this fixture's invention: the docs do not name them.
		var rc RedemptionConfiguration2
		found, err := r.Field("redemption_config", &rc)
		require.NoError(t, err)
		require.True(t, found)
		assert.Equal(t, RedemptionConfiguration2{
			PtValue: money(t, "0.01"), Min: 100, Step: 100, Buckets: []int64{500, 1000, 2500},
			PointValueBuckets: []PointValueBucket2{
				{Threshold: 1000, Value: money(t, "12")},
				{Threshold: 2500, Value: money(t, "25")}, // sent as integer micro-units
			},
		}, rc)
		assert.Nil(t, rc.Max, "null max: unlimited")

		var sub CustomerSubscriptionStatus3
		found, err = r.Field("subscription", &sub)
		require.NoError(t, err)
		require.True(t, found)
		assert.True(t, sub.Active)
		assert.Equal(t, int64(2), sub.Cycle)
		assert.Nil(t, sub.CurMilestone)
		require.NotNil(t, sub.NextMilestone)
		assert.Equal(t, "Third box", sub.NextMilestone.Name)

		var exp CustomerRollingPointExpiration3
		found, err = r.Field("next_expiration", &exp)
		require.NoError(t, err)
		require.True(t, found)
		assert.Equal(t, utc(2025, 7, 1, 4, 0, 0), exp.Time.Time)
		assert.Equal(t, int64(300), exp.Amount)
		var lastDay Date
		found, err = exp.Field("date", &lastDay)
		require.NoError(t, err)
		assert.True(t, found)
		assert.Equal(t, Date{2025, time.June, 30}, lastDay)

		var assets []Asset2
		found, err = r.Field("assets", &assets)
		require.NoError(t, err)
		require.True(t, found)
		require.Len(t, assets, 1)
		assert.Equal(t, BHID("20b31881b3040001"), assets[0].BHID)
		assert.Equal(t, "early_bird", assets[0].APIName)
		assert.Equal(t, []string{"early-bird"}, assets[0].Slugs)
		var maxUses int
		found, _ = assets[0].Field("max_uses", &maxUses)
		assert.True(t, found)
		assert.Equal(t, 1, maxUses)
	})

	t.Run("raw is kept at every level", func(t *testing.T) {
		assert.JSONEq(t, string(fixture(t, "balance_full.json")), string(r.Raw()))
		assert.NotEmpty(t, r.CurTier.Raw())
		assert.NotEmpty(t, r.Offers[0].Raw())
		assert.NotEmpty(t, r.Sources[0].Raw())
		assert.NotEmpty(t, r.Milestones[0].Raw())
	})
}

func TestCustomerBalanceResult3Minimal(t *testing.T) {
	r := decodeFixture[CustomerBalanceResult3](t, "balance_minimal.json")
	assert.Zero(t, r.PtsAvailable)
	assert.Nil(t, r.PtsAvailableValue, "absent value stays nil")
	assert.Nil(t, r.PtsPendingValue)
	assert.True(t, r.TotalSpend.IsZero())
	assert.True(t, r.LoyaltyAnniversaryDay.IsZero(), `"" means not joined`)
	assert.False(t, r.LoyaltyAnniversaryDay.Valid())
	assert.True(t, r.PtsGlobalExpiration.IsZero())
	assert.Nil(t, r.CurTier)
	assert.Nil(t, r.NextTier)
	assert.Nil(t, r.Tiers)
	assert.Nil(t, r.RedemptionLimit)
	assert.Nil(t, r.GlobalRedemptionLimit)
	assert.Nil(t, r.UnusedRewards)
	assert.Nil(t, r.Sources)
	assert.Nil(t, r.Offers)
	assert.Nil(t, r.Milestones)
	assert.Nil(t, r.ReferralStats)
	lim, src := r.EffectiveRedemptionLimit()
	assert.Nil(t, lim)
	assert.Equal(t, RedemptionLimitNone, src)
}

func TestCustomerBalanceResult3OptionalValues(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want *Money
	}{
		{"absent", `{}`, nil},
		{"null", `{"pts_available_value":null}`, nil},
		{"zero", `{"pts_available_value":"0.000000"}`, &Money{}},
		{"micro-units", `{"pts_available_value":1500000}`, moneyPtr(t, "1.5")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r CustomerBalanceResult3
			require.NoError(t, json.Unmarshal([]byte(tt.in), &r))
			assert.Equal(t, tt.want, r.PtsAvailableValue)
		})
	}

	t.Run("zero anniversary day", func(t *testing.T) {
		var r CustomerBalanceResult3
		require.NoError(t, json.Unmarshal([]byte(`{"loyalty_anniversary_day":"2021-03-00"}`), &r))
		assert.False(t, r.LoyaltyAnniversaryDay.IsZero())
		assert.False(t, r.LoyaltyAnniversaryDay.Valid(), "zero day: not applicable")
	})
}

func TestCustomerBalanceResult3InferredFieldsAreLenient(t *testing.T) {
	// sources, milestones and referral_stats are typed by inference; a
	// different shape must not fail the whole call.
	in := `{"pts_available":5,"sources":{"count":2},"milestones":"none","referral_stats":[1,2],
		"offers":[{"id":"a","type":"mystery_box","title":"?","available":true,"section":"s","new_key":1}]}`
	var r CustomerBalanceResult3
	require.NoError(t, json.Unmarshal([]byte(in), &r))
	assert.Equal(t, int64(5), r.PtsAvailable)
	assert.Nil(t, r.Sources)
	assert.Nil(t, r.Milestones)
	assert.Nil(t, r.ReferralStats)
	var sources map[string]int
	found, err := r.Field("sources", &sources)
	require.NoError(t, err)
	assert.True(t, found)
	assert.Equal(t, map[string]int{"count": 2}, sources)
	require.Len(t, r.Offers, 1)
	assert.Equal(t, OfferType("mystery_box"), r.Offers[0].Type)

	// A documented field of the wrong type is an error.
	assert.Error(t, json.Unmarshal([]byte(`{"total_spend":1.5}`), &r))
	assert.Error(t, json.Unmarshal([]byte(`{"offers":{}}`), &r))
}

func TestCustomerBalanceResult3Null(t *testing.T) {
	var r *CustomerBalanceResult3
	require.NoError(t, json.Unmarshal([]byte(`null`), &r))
	assert.Nil(t, r)
	assert.Nil(t, r.Raw())
	assert.Nil(t, r.TierByName("Gold"))
	lim, src := r.EffectiveRedemptionLimit()
	assert.Nil(t, lim)
	assert.Equal(t, RedemptionLimitNone, src)

	var v CustomerBalanceResult3
	require.NoError(t, json.Unmarshal([]byte(`{"cur_tier":null,"tiers":[null],"offers":[null],"sources":[null],"redemption_limit":null}`), &v))
	assert.Nil(t, v.CurTier)
	assert.Equal(t, []TierStatus3{{}}, v.Tiers)
	assert.Equal(t, []Offer1{{}}, v.Offers)
	assert.Equal(t, []Source2{{}}, v.Sources)
}

func TestCustomerBalanceResult3RoundTrip(t *testing.T) {
	r := decodeFixture[CustomerBalanceResult3](t, "balance_full.json")
	b, err := json.Marshal(r)
	require.NoError(t, err)
	var again CustomerBalanceResult3
	require.NoError(t, json.Unmarshal(b, &again))
	b2, err := json.Marshal(&again)
	require.NoError(t, err)
	assert.JSONEq(t, string(b), string(b2))

	var keys map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(b, &keys))
	assert.JSONEq(t, `"18.500000"`, string(keys["pts_available_value"]))
	assert.NotContains(t, keys, "pts_pending_value", "nil optional value is omitted")
	assert.NotContains(t, keys, "redemption_config", "unmodelled keys are not re-encoded")

	b, err = json.Marshal(CustomerBalanceResult3{})
	require.NoError(t, err)
	assert.JSONEq(t, `{"pts_available":0,"pts_pending":0,"pts_earned":0,"pts_redeemed":0,"pts_expired":0,
		"total_spend":"0.000000","upgrade_spend":"0.000000"}`, string(b), "the required fields, nothing else")
}

func TestEffectiveRedemptionLimit(t *testing.T) {
	global := &RedemptionLimitInfo1{Total: 1000, Remaining: 800, Period: LimitPeriodDaily}
	goldLimit := &RedemptionLimitInfo1{Total: 5000, Remaining: 4000, Period: LimitPeriodMonthly}
	tiers := []TierStatus3{
		{Name: "Silver"},
		{Name: "Gold", RedemptionLimit: goldLimit},
	}
	tests := []struct {
		name    string
		r       CustomerBalanceResult3
		want    *RedemptionLimitInfo1
		wantSrc RedemptionLimitSource
	}{
		{"none", CustomerBalanceResult3{}, nil, RedemptionLimitNone},
		{"reported wins over everything",
			CustomerBalanceResult3{RedemptionLimit: goldLimit, GlobalRedemptionLimit: global, CurTier: &TierStatus3{Name: "Silver"}, Tiers: tiers},
			goldLimit, RedemptionLimitReported},
		{"tier limit replaces the global one",
			CustomerBalanceResult3{GlobalRedemptionLimit: global, CurTier: &TierStatus3{Name: "Gold"}, Tiers: tiers},
			goldLimit, RedemptionLimitTier},
		{"tier without its own limit: global",
			CustomerBalanceResult3{GlobalRedemptionLimit: global, CurTier: &TierStatus3{Name: "Silver"}, Tiers: tiers},
			global, RedemptionLimitGlobal},
		{"tier limit without a global one",
			CustomerBalanceResult3{CurTier: &TierStatus3{Name: "Gold"}, Tiers: tiers},
			goldLimit, RedemptionLimitTier},
		{"no full program: tier limits invisible",
			CustomerBalanceResult3{GlobalRedemptionLimit: global, CurTier: &TierStatus3{Name: "Gold"}},
			global, RedemptionLimitGlobal},
		{"other tiers' limits never apply",
			CustomerBalanceResult3{CurTier: &TierStatus3{Name: "Silver"}, Tiers: tiers},
			nil, RedemptionLimitNone},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, src := tt.r.EffectiveRedemptionLimit()
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.wantSrc, src)
		})
	}

	t.Run("fixture", func(t *testing.T) {
		r := decodeFixture[CustomerBalanceResult3](t, "balance_full.json")
		got, src := r.EffectiveRedemptionLimit()
		assert.Equal(t, RedemptionLimitReported, src)
		assert.Same(t, r.RedemptionLimit, got)
		assert.Equal(t, *r.TierByName(r.CurTier.Name).RedemptionLimit, *got, "the Gold tier's limit is the one in effect")

		r.RedemptionLimit = nil
		got, src = r.EffectiveRedemptionLimit()
		assert.Equal(t, RedemptionLimitTier, src)
		assert.Equal(t, int64(5000), got.Total)
	})

	for src, want := range map[RedemptionLimitSource]string{
		RedemptionLimitNone: "none", RedemptionLimitReported: "reported", RedemptionLimitTier: "tier",
		RedemptionLimitGlobal: "global", RedemptionLimitSource(9): "RedemptionLimitSource(9)",
	} {
		assert.Equal(t, want, src.String())
	}
}

func TestRedemptionConfiguration2ValueOf(t *testing.T) {
	tiered := &RedemptionConfiguration2{
		PtValue: money(t, "0.01"),
		// Unsorted on purpose; the highest threshold reached wins.
		PointValueBuckets: []PointValueBucket2{
			{Threshold: 2500, Value: money(t, "30")},
			{Threshold: 1000, Value: money(t, "12")},
			{Threshold: 0, Value: money(t, "999")},  // no rate: ignored
			{Threshold: -5, Value: money(t, "999")}, // likewise
		},
	}
	tests := []struct {
		name   string
		c      *RedemptionConfiguration2
		points int64
		want   string
	}{
		{"zero points", tiered, 0, "0"},
		{"below every threshold uses pt_value", tiered, 999, "9.99"},
		{"at the first threshold", tiered, 1000, "12"},
		{"between thresholds", tiered, 1500, "18"},
		{"just below the second", tiered, 2499, "29.988"},
		{"at the second threshold", tiered, 2500, "30"},
		{"above every threshold", tiered, 10000, "120"},
		{"fraction of a micro-unit truncates", &RedemptionConfiguration2{
			PointValueBuckets: []PointValueBucket2{{Threshold: 3, Value: MoneyFromMicros(1)}},
		}, 4, "0.000001"},
		{"no buckets", &RedemptionConfiguration2{PtValue: money(t, "0.05")}, 300, "15"},
		{"no buckets, zero rate", &RedemptionConfiguration2{}, 300, "0"},
		{"largest exact result", &RedemptionConfiguration2{PtValue: MoneyFromMicros(1)}, math.MaxInt64, "9223372036854.775807"},
		{"128-bit intermediate", &RedemptionConfiguration2{
			PointValueBuckets: []PointValueBucket2{{Threshold: math.MaxInt64, Value: MoneyFromMicros(math.MaxInt64)}},
		}, math.MaxInt64, "9223372036854.775807"},
		{"negative rate", &RedemptionConfiguration2{PtValue: MoneyFromMicros(-2)}, 3, "-0.000006"},
		{"negative rate reaching min int64", &RedemptionConfiguration2{PtValue: MoneyFromMicros(math.MinInt64)}, 1, "-9223372036854.775808"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.c.ValueOf(tt.points)
			require.NoError(t, err)
			assert.Equal(t, money(t, tt.want), got, "got %s", got)
		})
	}

	overflows := []struct {
		name   string
		c      *RedemptionConfiguration2
		points int64
	}{
		{"pt_value times points", &RedemptionConfiguration2{PtValue: money(t, "1")}, math.MaxInt64},
		{"just past the int64 range", &RedemptionConfiguration2{PtValue: MoneyFromMicros(2)}, math.MaxInt64/2 + 1},
		{"bucket rate", &RedemptionConfiguration2{
			PointValueBuckets: []PointValueBucket2{{Threshold: 1, Value: MoneyFromMicros(math.MaxInt64)}},
		}, 2},
		{"negative past min int64", &RedemptionConfiguration2{PtValue: MoneyFromMicros(math.MinInt64)}, 2},
	}
	for _, tt := range overflows {
		t.Run("overflow/"+tt.name, func(t *testing.T) {
			_, err := tt.c.ValueOf(tt.points)
			assert.ErrorIs(t, err, ErrInvalidMoney)
		})
	}

	_, err := tiered.ValueOf(-1)
	assert.Error(t, err)
	var nilCfg *RedemptionConfiguration2
	_, err = nilCfg.ValueOf(1)
	assert.Error(t, err)
}

// TestLimitPeriodKnown: the documented periods are in TestEnumWireValues;
// any other is unknown.
func TestLimitPeriodKnown(t *testing.T) {
	assert.False(t, LimitPeriod("weekly").Known())
}
