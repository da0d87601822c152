package bubblehouse_test

import (
	"encoding/json"
	"fmt"

	"github.com/bubblehouse-go/bubblehouse"
)

func ExampleMoney() {
	// The API sends money as decimal strings, sometimes with fewer than six
	// digits, and accepts integer micro-units.
	var m struct {
		Spent bubblehouse.Money  `json:"total_spent"`
		Value *bubblehouse.Money `json:"pts_available_value"`
	}
	_ = json.Unmarshal([]byte(`{"total_spent":"1250.00","pts_available_value":null}`), &m)
	fmt.Println(m.Spent, m.Spent.Micros(), m.Value == nil)

	price, _ := bubblehouse.ParseMoney("19.99")
	b, _ := json.Marshal(bubblehouse.MoneyFromMicros(price.Micros() * 3))
	fmt.Println(string(b))
	// Output:
	// 1250.000000 1250000000 true
	// "59.970000"
}

func ExampleRedemptionConfiguration2_ValueOf() {
	cfg := bubblehouse.RedemptionConfiguration2{
		PtValue: bubblehouse.MoneyFromMicros(10_000), // 1 point = $0.01
		PointValueBuckets: []bubblehouse.PointValueBucket2{
			{Threshold: 1000, Value: bubblehouse.MoneyFromMicros(12_000_000)}, // 1000 points = $12
			{Threshold: 2500, Value: bubblehouse.MoneyFromMicros(35_000_000)}, // 2500 points = $35
		},
	}
	for _, pts := range []int64{500, 1000, 1500, 2500, 4000} {
		v, err := cfg.ValueOf(pts)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Printf("%d points = $%s\n", pts, v)
	}
	// Output:
	// 500 points = $5.000000
	// 1000 points = $12.000000
	// 1500 points = $18.000000
	// 2500 points = $35.000000
	// 4000 points = $56.000000
}

func ExampleCustomerBalanceResult3_EffectiveRedemptionLimit() {
	// Without redemption_limit (as from an older server), the current tier's
	// own limit replaces the global one.
	var res bubblehouse.CustomerBalanceResult3
	_ = json.Unmarshal([]byte(`{
		"cur_tier": {"name": "Gold", "reqs": {}},
		"tiers": [{"name": "Gold", "reqs": {}, "redemption_limit": {"total": 5000, "remaining": 1200, "period": "monthly"}}],
		"global_redemption_limit": {"total": 1000, "remaining": 1000, "period": "daily"}
	}`), &res)
	lim, src := res.EffectiveRedemptionLimit()
	fmt.Printf("%d of %d points left this %s period (from the %s limit)\n", lim.Remaining, lim.Total, lim.Period, src)
	// Output:
	// 1200 of 5000 points left this monthly period (from the tier limit)
}

func ExampleCustomerBalanceResult3_Field() {
	// The docs do not say under which key the result carries its
	// RedemptionConfiguration2; once you know it, decode it yourself.
	var res bubblehouse.CustomerBalanceResult3
	_ = json.Unmarshal([]byte(`{"pts_available": 700, "redemption_config": {"pt_value": "0.010000", "min": 100, "step": 50}}`), &res)

	var cfg bubblehouse.RedemptionConfiguration2
	if ok, err := res.Field("redemption_config", &cfg); ok && err == nil {
		v, _ := cfg.ValueOf(res.PtsAvailable)
		fmt.Println("worth", v)
	}
	// Output:
	// worth 7.000000
}

func ExampleParseTime() {
	leap, _ := bubblehouse.ParseTime("1990-12-31T23:59:60Z") // the API docs' own example
	none, _ := bubblehouse.ParseTime("0001-01-01T00:00:00Z") // Go's zero time means "no value"
	fmt.Println(leap.UTC(), none.IsZero())
	// Output:
	// 1991-01-01 00:00:00 +0000 UTC true
}

func ExampleCustomerReferrals2Output_ReferralStats() {
	var out bubblehouse.CustomerReferrals2Output
	_ = json.Unmarshal([]byte(`{"referrals": [], "referral_stats": {"sent": 4, "approved": 1, "rejected": 1, "earned_pts": 500}}`), &out)
	stats, key, err := out.ReferralStats()
	if err != nil || stats == nil {
		fmt.Println("no stats")
		return
	}
	fmt.Printf("%s: %d sent, %d points earned\n", key, stats.Sent, stats.EarnedPts)
	// Output:
	// referral_stats: 4 sent, 500 points earned
}
