package bubblehouse

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestOutputFieldsAllSet decodes, for each output type, a hand-written
// answer in which every field is set, each to a value of its own (so that
// two swapped tags cannot both pass), and checks every Go field against a
// literal. Enum values are written as wire strings, not as this package's
// constants. It then checks that every JSON field of every output type was
// decoded with a non-zero value somewhere here: a new field without a case
// fails the test.
func TestOutputFieldsAllSet(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want any // a pointer to the expected value
	}{
		{"CustomerBalanceResult3", `{
			"pts_available": 1850, "pts_available_value": "18.5", "pts_pending": 240,
			"pts_pending_value": "2.4", "pts_earned": 5240, "pts_redeemed": 3000, "pts_expired": 150,
			"total_spend": "1250", "upgrade_spend": "830.5", "loyalty_anniversary_day": "2020-01-15",
			"pts_global_expiration": "2026-01-15T00:00:00Z",
			"cur_tier": {"name": "Gold",
				"expiration": {"deadline": "2026-06-30T00:00:00Z", "downgraded_tier_name": "Silver",
					"keep_reqs": {"threshold_pts": 11, "threshold_spend": "12", "threshold_events": ["kept_a"],
						"extra_pts": 13, "extra_spend": "14", "extra_events": ["kept_b"],
						"extra_desc": "Spend $14 more", "progress": 15},
					"keep_extended_deadline": "2027-06-30T00:00:00Z"},
				"reqs": {"threshold_pts": 2000, "threshold_spend": "500", "threshold_events": ["signed_up"],
					"extra_pts": 21, "extra_spend": "22", "extra_events": ["joined_newsletter"],
					"extra_desc": "Join the newsletter", "progress": 7595},
				"features": [{"bhid": "20b31881b3010001", "title": "Birthday gift", "value": "yes"}],
				"redemption_limit": {"total": 5000, "remaining": 2000, "period": "monthly"}},
			"next_tier": {"name": "Platinum", "reqs": {"threshold_pts": 10000}},
			"tiers": [{"name": "Silver", "reqs": {"progress": 1}}],
			"redemption_limit": {"total": 4000, "remaining": 1000, "period": "yearly"},
			"global_redemption_limit": {"total": 900, "remaining": 800, "period": "daily"},
			"unused_rewards": [{"code": "BH-1"}],
			"sources": [{"bhid": "20b31881b3020001", "slugs": ["follow-instagram", "instagram"],
				"title": "Follow us", "can_complete": true, "is_completed": true}],
			"offers": [{"id": "off_tote", "type": "free_product", "title": "Free tote bag",
				"desc": "A tote", "points": 2500, "available": true, "section": "products",
				"product": {"id": "778899"}, "variant": {"id": "778899-1"},
				"image_url": "https://cdn.example.com/tote.png", "visibility": "tier >= 'Silver'",
				"availability": "pts_available >= 2500"}],
			"milestones": [{"slugs": ["third-box"], "name": "Third box", "cycle": 3}],
			"referral_stats": {"sent": 7, "approved": 3, "rejected": 1, "earned_pts": 1500}
		}`, &CustomerBalanceResult3{
			PtsAvailable: 1850, PtsAvailableValue: moneyPtr(t, "18.5"), PtsPending: 240,
			PtsPendingValue: moneyPtr(t, "2.4"), PtsEarned: 5240, PtsRedeemed: 3000, PtsExpired: 150,
			TotalSpend: money(t, "1250"), UpgradeSpend: money(t, "830.5"),
			LoyaltyAnniversaryDay: Date{2020, time.January, 15},
			PtsGlobalExpiration:   Time{utc(2026, 1, 15, 0, 0, 0)},
			CurTier: &TierStatus3{
				Name: "Gold",
				Expiration: &TierExpirationStatus3{
					Deadline: Time{utc(2026, 6, 30, 0, 0, 0)}, DowngradedTierName: "Silver",
					KeepReqs: TierRequirements3{
						ThresholdPts: 11, ThresholdSpend: money(t, "12"), ThresholdEvents: []string{"kept_a"},
						ExtraPts: 13, ExtraSpend: money(t, "14"), ExtraEvents: []string{"kept_b"},
						ExtraDesc: "Spend $14 more", Progress: 15,
					},
					KeepExtendedDeadline: Time{utc(2027, 6, 30, 0, 0, 0)},
				},
				Reqs: TierRequirements3{
					ThresholdPts: 2000, ThresholdSpend: money(t, "500"), ThresholdEvents: []string{"signed_up"},
					ExtraPts: 21, ExtraSpend: money(t, "22"), ExtraEvents: []string{"joined_newsletter"},
					ExtraDesc: "Join the newsletter", Progress: 7595,
				},
				Features:        []TierFeatureValue1{{BHID: "20b31881b3010001", Title: "Birthday gift", Value: "yes"}},
				RedemptionLimit: &RedemptionLimitInfo1{Total: 5000, Remaining: 2000, Period: "monthly"},
			},
			NextTier:              &TierStatus3{Name: "Platinum", Reqs: TierRequirements3{ThresholdPts: 10000}},
			Tiers:                 []TierStatus3{{Name: "Silver", Reqs: TierRequirements3{Progress: 1}}},
			RedemptionLimit:       &RedemptionLimitInfo1{Total: 4000, Remaining: 1000, Period: "yearly"},
			GlobalRedemptionLimit: &RedemptionLimitInfo1{Total: 900, Remaining: 800, Period: "daily"},
			UnusedRewards:         json.RawMessage(`[{"code": "BH-1"}]`),
			Sources: []Source2{{
				BHID: "20b31881b3020001", Slugs: []string{"follow-instagram", "instagram"},
				Title: "Follow us", CanComplete: true, IsCompleted: true,
			}},
			Offers: []Offer1{{
				ID: "off_tote", Type: "free_product", Title: "Free tote bag", Desc: "A tote", Points: 2500,
				Available: true, Section: "products",
				Product: json.RawMessage(`{"id": "778899"}`), Variant: json.RawMessage(`{"id": "778899-1"}`),
				ImageURL: "https://cdn.example.com/tote.png", Visibility: "tier >= 'Silver'",
				Availability: "pts_available >= 2500",
			}},
			Milestones:    []MilestoneStatus3{{Slugs: []string{"third-box"}, Name: "Third box", Cycle: 3}},
			ReferralStats: &CustomerReferralStats3{Sent: 7, Approved: 3, Rejected: 1, EarnedPts: 1500},
		}},
		{"RedemptionConfiguration2", `{"pt_value": "0.01", "min": 100, "max": 5000, "step": 50,
			"buckets": [500, 1000], "point_value_buckets": [{"threshold": 1000, "value": "12"}]}`,
			&RedemptionConfiguration2{
				PtValue: money(t, "0.01"), Min: 100, Max: int64Ptr(5000), Step: 50, Buckets: []int64{500, 1000},
				PointValueBuckets: []PointValueBucket2{{Threshold: 1000, Value: money(t, "12")}},
			}},
		{"CustomerSubscriptionStatus3", `{"active": true, "cycle": 4,
			"cur_milestone": {"slugs": ["third-box"], "name": "Third box", "cycle": 3},
			"next_milestone": {"slugs": ["sixth-box"], "name": "Sixth box", "cycle": 6}}`,
			&CustomerSubscriptionStatus3{
				Active: true, Cycle: 4,
				CurMilestone:  &MilestoneStatus3{Slugs: []string{"third-box"}, Name: "Third box", Cycle: 3},
				NextMilestone: &MilestoneStatus3{Slugs: []string{"sixth-box"}, Name: "Sixth box", Cycle: 6},
			}},
		{"CustomerRollingPointExpiration3", `{"time": "2025-07-01T04:00:00Z", "amount": 300}`,
			&CustomerRollingPointExpiration3{Time: Time{utc(2025, 7, 1, 4, 0, 0)}, Amount: 300}},
		{"Asset2", `{"bhid": "20b31881b3040001", "apiname": "early_bird", "slugs": ["early-bird"]}`,
			&Asset2{BHID: "20b31881b3040001", APIName: "early_bird", Slugs: []string{"early-bird"}}},
		{"Customer2", `{"id": "123456789", "bh_id": "0000018abc123def", "email": "jane@example.com",
			"phone": "+15551234567", "name": "Jane Q", "first_name": "Jane", "last_name": "Doe",
			"full_name": "Jane Q. Doe", "extras": {"favorite_color": "blue"}, "tags": ["vip"],
			"birthday": "0000-05-15", "anniversary": "2015-08-20", "personal_referral_code": "JANE20",
			"order_count": 42, "total_spent": "1250.00", "signed_up_at": "2020-01-15T10:30:00Z",
			"email_marketing_consent": "subscribed",
			"email_marketing_consent_change_time": "2023-03-01T09:15:00Z",
			"sms_marketing_consent": "unsubscribed", "email_verified": "unknown", "optin": true,
			"alt_emails": ["old.email@example.com"]}`,
			&Customer2{
				ID: "123456789", BHID: "0000018abc123def", Email: "jane@example.com", Phone: "+15551234567",
				Name: "Jane Q", FirstName: "Jane", LastName: "Doe", FullName: "Jane Q. Doe",
				Extras: map[string]json.RawMessage{"favorite_color": json.RawMessage(`"blue"`)},
				Tags:   []string{"vip"}, Birthday: Date{0, time.May, 15}, Anniversary: Date{2015, time.August, 20},
				PersonalReferralCode: "JANE20", OrderCount: 42, TotalSpent: money(t, "1250"),
				SignedUpAt:                      Time{utc(2020, 1, 15, 10, 30, 0)},
				EmailMarketingConsent:           "subscribed",
				EmailMarketingConsentChangeTime: Time{utc(2023, 3, 1, 9, 15, 0)},
				SMSMarketingConsent:             "unsubscribed", EmailVerified: "unknown", Optin: true,
				AltEmails: []string{"old.email@example.com"},
			}},
		{"CustomerHistory2Output", `{"changes": [{"id": "0a1b2c3d4e5f0001", "area": "points",
			"type": "earned_from_order", "desc": "Earned 125 points", "customer_bhid": "0000018abc123def",
			"customer_shopid": "shop-customer-123", "customer_email": "alice@example.com",
			"order_shopid": "5512345678", "order_short": "#1042", "hidden": true, "pts_delta": 125,
			"discount_code": "BH-5OFF"}]}`,
			&CustomerHistory2Output{Changes: []Change2{{
				ID: "0a1b2c3d4e5f0001", Area: "points", Type: "earned_from_order", Desc: "Earned 125 points",
				CustomerBHID: "0000018abc123def", CustomerShopID: "shop-customer-123",
				CustomerEmail: "alice@example.com", OrderShopID: "5512345678", OrderShort: "#1042",
				Hidden: true, PtsDelta: 125, DiscountCode: "BH-5OFF",
			}}}},
		{"CustomerReferrals2Output", `{"referrals": [{"referral_bhid": "20b31881b3050005",
			"acceptance_bhid": "20b31881b3060003", "channel": "qr-code", "destination": "c***@example.com",
			"status": "approved", "link": "https://shop.example.com/r/ALICE20",
			"sent_at": "2024-05-02T10:00:00Z", "updated_at": "2024-05-05T12:00:00Z",
			"accepted_at": "2024-05-04T12:00:00Z", "reward_pts": 500, "reward_pts_value": "5",
			"reward_amount": "2.5", "coupon_code": "THANKS-ALICE"}]}`,
			&CustomerReferrals2Output{Referrals: []Referral2{{
				ReferralBHID: "20b31881b3050005", AcceptanceBHID: "20b31881b3060003", Channel: "qr-code",
				Destination: "c***@example.com", Status: "approved", Link: "https://shop.example.com/r/ALICE20",
				SentAt: Time{utc(2024, 5, 2, 10, 0, 0)}, UpdatedAt: Time{utc(2024, 5, 5, 12, 0, 0)},
				AcceptedAt: Time{utc(2024, 5, 4, 12, 0, 0)}, RewardPts: int64Ptr(500),
				RewardPtsValue: moneyPtr(t, "5"), RewardAmount: moneyPtr(t, "2.5"), CouponCode: "THANKS-ALICE",
			}}}},
		{"StatusResult1", `{"now": "2026-11-22T12:00:00Z", "logged_in": true, "user": {"kind": "shop"},
			"shop_slug": "test-shop", "membership": "full", "program_enabled": true}`,
			&StatusResult1{
				Now: Time{utc(2026, 11, 22, 12, 0, 0)}, LoggedIn: true, User: json.RawMessage(`{"kind": "shop"}`),
				ShopSlug: "test-shop", Membership: "full", ProgramEnabled: true,
			}},
	}

	set := map[string]bool{} // "Type.json_name" decoded with a non-zero value
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := reflect.ValueOf(tt.want)
			got := reflect.New(want.Type().Elem())
			require.NoError(t, json.Unmarshal([]byte(tt.in), got.Interface()))
			compareFields(t, tt.name, want.Elem(), got.Elem(), set)
		})
	}

	for _, typ := range outputStructs() {
		for i := range typ.NumField() {
			if name := jsonName(typ.Field(i)); name != "" {
				assert.True(t, set[typ.Name()+"."+name], "no case decodes %s %q with a non-zero value", typ.Name(), name)
			}
		}
	}
}

// compareFields compares got with want field by field, walking into this
// package's output structs (whose unexported raw JSON it skips), and marks
// in set every JSON field of theirs that got holds a non-zero value in.
func compareFields(t *testing.T, path string, want, got reflect.Value, set map[string]bool) {
	t.Helper()
	switch {
	case want.Kind() == reflect.Pointer && isOutputStruct(want.Type().Elem()):
		if want.IsNil() {
			assert.True(t, got.IsNil(), "%s: want nil", path)
			return
		}
		if assert.False(t, got.IsNil(), "%s: got nil", path) {
			compareFields(t, path, want.Elem(), got.Elem(), set)
		}
	case want.Kind() == reflect.Slice && isOutputStruct(want.Type().Elem()):
		if assert.Equal(t, want.Len(), got.Len(), "%s: length", path) {
			for i := range want.Len() {
				compareFields(t, path+"["+strconv.Itoa(i)+"]", want.Index(i), got.Index(i), set)
			}
		}
	case isOutputStruct(want.Type()):
		typ := want.Type()
		for i := range typ.NumField() {
			f := typ.Field(i)
			if !f.IsExported() {
				continue
			}
			if name := jsonName(f); name != "" && !got.Field(i).IsZero() {
				set[typ.Name()+"."+name] = true
			}
			compareFields(t, path+"."+f.Name, want.Field(i), got.Field(i), set)
		}
	case want.Type() == reflect.TypeFor[json.RawMessage]():
		assert.JSONEq(t, string(want.Bytes()), string(got.Bytes()), path)
	default:
		assert.Equal(t, want.Interface(), got.Interface(), path)
	}
}

// isOutputStruct reports whether typ is one of outputStructs.
func isOutputStruct(typ reflect.Type) bool {
	for _, s := range outputStructs() {
		if s == typ {
			return true
		}
	}
	return false
}

// TestEnumWireValues compares every enum constant with the wire string the
// API documents (spec sections 8.2 to 8.5), written out here by hand, so a
// constant with a wrong value fails. A constant of these types missing from
// the table fails too.
func TestEnumWireValues(t *testing.T) {
	tests := []struct {
		name  string
		got   string
		wire  string
		known bool
	}{
		{"ChangeAreaPoints", string(ChangeAreaPoints), "points", ChangeAreaPoints.Known()},
		{"ChangeAreaTier", string(ChangeAreaTier), "tier", ChangeAreaTier.Known()},
		{"ChangeAreaMilestone", string(ChangeAreaMilestone), "milestone", ChangeAreaMilestone.Known()},
		{"ChangeAreaAchievement", string(ChangeAreaAchievement), "achievement", ChangeAreaAchievement.Known()},
		{"ChangeAreaReferral", string(ChangeAreaReferral), "referral", ChangeAreaReferral.Known()},
		{"ChangeAreaCustomer", string(ChangeAreaCustomer), "customer", ChangeAreaCustomer.Known()},

		{"ChangeTypeEarnedFromOrder", string(ChangeTypeEarnedFromOrder), "earned_from_order", ChangeTypeEarnedFromOrder.Known()},
		{"ChangeTypeEarnedFromSubscription", string(ChangeTypeEarnedFromSubscription), "earned_from_subscription", ChangeTypeEarnedFromSubscription.Known()},
		{"ChangeTypeEarnedForBackdatedOrder", string(ChangeTypeEarnedForBackdatedOrder), "earned_for_backdated_order", ChangeTypeEarnedForBackdatedOrder.Known()},
		{"ChangeTypeEarnedFromSource", string(ChangeTypeEarnedFromSource), "earned_from_source", ChangeTypeEarnedFromSource.Known()},
		{"ChangeTypeEarnedAsReferree", string(ChangeTypeEarnedAsReferree), "earned_as_referree", ChangeTypeEarnedAsReferree.Known()},
		{"ChangeTypeEarnedAsReferrer", string(ChangeTypeEarnedAsReferrer), "earned_as_referrer", ChangeTypeEarnedAsReferrer.Known()},
		{"ChangeTypeBirthdayGift", string(ChangeTypeBirthdayGift), "birthday_gift", ChangeTypeBirthdayGift.Known()},
		{"ChangeTypeEarnedAsReward", string(ChangeTypeEarnedAsReward), "earned_as_reward", ChangeTypeEarnedAsReward.Known()},
		{"ChangeTypeEarnedByVoting", string(ChangeTypeEarnedByVoting), "earned_by_voting", ChangeTypeEarnedByVoting.Known()},
		{"ChangeTypeRedeemedTowardsOrder", string(ChangeTypeRedeemedTowardsOrder), "redeemed_towards_order", ChangeTypeRedeemedTowardsOrder.Known()},
		{"ChangeTypeRedeemedTowardsSubscription", string(ChangeTypeRedeemedTowardsSubscription), "redeemed_towards_subscription", ChangeTypeRedeemedTowardsSubscription.Known()},
		{"ChangeTypeVendibleRedemption", string(ChangeTypeVendibleRedemption), "vendible_redemption", ChangeTypeVendibleRedemption.Known()},
		{"ChangeTypeManualCorrection", string(ChangeTypeManualCorrection), "manual_correction", ChangeTypeManualCorrection.Known()},
		{"ChangeTypeBulkManualCorrection", string(ChangeTypeBulkManualCorrection), "bulk_manual_correction", ChangeTypeBulkManualCorrection.Known()},
		{"ChangeTypeImport", string(ChangeTypeImport), "import", ChangeTypeImport.Known()},
		{"ChangeTypeImportAdjustment", string(ChangeTypeImportAdjustment), "import_adjustment", ChangeTypeImportAdjustment.Known()},
		{"ChangeTypeOrderRefund", string(ChangeTypeOrderRefund), "order_refund", ChangeTypeOrderRefund.Known()},
		{"ChangeTypePointsExpired", string(ChangeTypePointsExpired), "points_expired", ChangeTypePointsExpired.Known()},
		{"ChangeTypeTierAcquired", string(ChangeTypeTierAcquired), "tier_acquired", ChangeTypeTierAcquired.Known()},
		{"ChangeTypeTierExpired", string(ChangeTypeTierExpired), "tier_expired", ChangeTypeTierExpired.Known()},
		{"ChangeTypeTierManual", string(ChangeTypeTierManual), "tier_manual", ChangeTypeTierManual.Known()},

		{"LimitPeriodDaily", string(LimitPeriodDaily), "daily", LimitPeriodDaily.Known()},
		{"LimitPeriodMonthly", string(LimitPeriodMonthly), "monthly", LimitPeriodMonthly.Known()},
		{"LimitPeriodYearly", string(LimitPeriodYearly), "yearly", LimitPeriodYearly.Known()},

		{"ReferralStatusInvited", string(ReferralStatusInvited), "invited", ReferralStatusInvited.Known()},
		{"ReferralStatusQualified", string(ReferralStatusQualified), "qualified", ReferralStatusQualified.Known()},
		{"ReferralStatusApproved", string(ReferralStatusApproved), "approved", ReferralStatusApproved.Known()},
		{"ReferralStatusRejected", string(ReferralStatusRejected), "rejected", ReferralStatusRejected.Known()},
		{"ReferralStatusExpired", string(ReferralStatusExpired), "expired", ReferralStatusExpired.Known()},
		{"ReferralStatusPending", string(ReferralStatusPending), "pending", ReferralStatusPending.Known()},

		{"ReferralChannelEmail", string(ReferralChannelEmail), "email", ReferralChannelEmail.Known()},
		{"ReferralChannelSMS", string(ReferralChannelSMS), "sms", ReferralChannelSMS.Known()},
		{"ReferralChannelFacebook", string(ReferralChannelFacebook), "facebook", ReferralChannelFacebook.Known()},
		{"ReferralChannelMessenger", string(ReferralChannelMessenger), "messenger", ReferralChannelMessenger.Known()},
		{"ReferralChannelWhatsApp", string(ReferralChannelWhatsApp), "whatsapp", ReferralChannelWhatsApp.Known()},
		{"ReferralChannelTwitter", string(ReferralChannelTwitter), "twitter", ReferralChannelTwitter.Known()},
		{"ReferralChannelInstagram", string(ReferralChannelInstagram), "instagram", ReferralChannelInstagram.Known()},
		{"ReferralChannelThreads", string(ReferralChannelThreads), "threads", ReferralChannelThreads.Known()},
		{"ReferralChannelTelegram", string(ReferralChannelTelegram), "telegram", ReferralChannelTelegram.Known()},
		{"ReferralChannelQRCode", string(ReferralChannelQRCode), "qr-code", ReferralChannelQRCode.Known()},
		{"ReferralChannelCustomPersonal", string(ReferralChannelCustomPersonal), "custom-personal", ReferralChannelCustomPersonal.Known()},
		{"ReferralChannelCustomSocial", string(ReferralChannelCustomSocial), "custom-social", ReferralChannelCustomSocial.Known()},

		{"MarketingConsentSubscribed", string(MarketingConsentSubscribed), "subscribed", MarketingConsentSubscribed.Known()},
		{"MarketingConsentUnsubscribed", string(MarketingConsentUnsubscribed), "unsubscribed", MarketingConsentUnsubscribed.Known()},
		{"EmailVerificationUnknown", string(EmailVerificationUnknown), "unknown", EmailVerificationUnknown.Known()},

		// MembershipStatus has no Known method.
		{"MembershipFull", string(MembershipFull), "full", true},
		{"MembershipGuest", string(MembershipGuest), "guest", true},
		{"MembershipNone", string(MembershipNone), "none", true},
	}
	listed := map[string]bool{}
	for _, tt := range tests {
		listed[tt.name] = true
		assert.Equal(t, tt.wire, tt.got, tt.name)
		assert.True(t, tt.known, "%s is Known", tt.name)
	}

	// Every string constant of an enum type in the package's sources must
	// be in the table.
	enumTypes := map[string]bool{
		"ChangeArea": true, "ChangeType": true, "LimitPeriod": true, "ReferralStatus": true,
		"ReferralChannel": true, "MarketingConsent": true, "EmailVerification": true,
		"MembershipStatus": true, "OfferType": true,
	}
	for _, name := range enumConstants(t, enumTypes) {
		assert.True(t, listed[name], "constant %s has no wire value in this test", name)
	}
}

// enumConstants returns the names of the constants declared with one of
// types in the package's non-test Go files.
func enumConstants(t *testing.T, types map[string]bool) []string {
	t.Helper()
	entries, err := os.ReadDir(".")
	require.NoError(t, err)
	var names []string
	fset := token.NewFileSet()
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".go") || strings.HasSuffix(e.Name(), "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, e.Name(), nil, parser.SkipObjectResolution)
		require.NoError(t, err)
		for _, d := range f.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok || g.Tok != token.CONST {
				continue
			}
			for _, s := range g.Specs {
				vs := s.(*ast.ValueSpec)
				if id, ok := vs.Type.(*ast.Ident); ok && types[id.Name] {
					for _, n := range vs.Names {
						names = append(names, n.Name)
					}
				}
			}
		}
	}
	require.NotEmpty(t, names)
	return names
}
