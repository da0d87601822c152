package bubblehouse

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/bits"
)

// CustomerBalanceResult3 is a customer's loyalty state: the output of
// CustomerBalance3 (and of LoggedOutBalance1, for a visitor).
//
// Docs: https://app.bubblehouse.com/apidocs/apis/loyalty/CustomerBalanceResult3
// and https://app.bubblehouse.com/apidocs/apis/loyalty/CustomerBalance3.
//
// The type page was captured only up to pts_global_expiration. The fields
// after PtsGlobalExpiration are named on other doc pages. Sources,
// Milestones and ReferralStats have [INF] element types: if the API sends
// another shape, the field stays empty instead of failing the call, and the
// JSON is still in Raw.
//
// The result also carries objects of these documented types under keys the
// docs do not name: RedemptionConfiguration2, CustomerSubscriptionStatus3,
// CustomerRollingPointExpiration3 and lists of Asset2. Decode them yourself
// from Field once you know the key (inspect Raw), for example
//
//	var rc RedemptionConfiguration2
//	found, err := res.Field("<key>", &rc)
type CustomerBalanceResult3 struct {
	// PtsAvailable is the number of points the customer can spend now.
	PtsAvailable int64 `json:"pts_available"`
	// PtsAvailableValue is the money value of PtsAvailable; nil when the
	// shop's points cannot be converted to money.
	PtsAvailableValue *Money `json:"pts_available_value,omitempty"`
	// PtsPending counts points earned but not yet spendable.
	PtsPending int64 `json:"pts_pending"`
	// PtsPendingValue is the money value of PtsPending; nil as for
	// PtsAvailableValue.
	PtsPendingValue *Money `json:"pts_pending_value,omitempty"`
	// PtsEarned is the total of points ever earned.
	PtsEarned int64 `json:"pts_earned"`
	// PtsRedeemed is the total of points ever redeemed.
	PtsRedeemed int64 `json:"pts_redeemed"`
	// PtsExpired is the total of points that expired.
	PtsExpired int64 `json:"pts_expired"`
	// TotalSpend is the customer's spend that counts toward loyalty.
	TotalSpend Money `json:"total_spend"`
	// UpgradeSpend is the spend that counts toward a tier upgrade or renewal.
	UpgradeSpend Money `json:"upgrade_spend"`
	// LoyaltyAnniversaryDay is the day the customer joined the program. The
	// API sends "" or a zero day when the customer has not joined or
	// tracking is off: check Valid before using it.
	LoyaltyAnniversaryDay Date `json:"loyalty_anniversary_day,omitzero"`
	// PtsGlobalExpiration is a future moment when all of the customer's
	// points expire; zero when none is set. (The docs' sentence is cut off.)
	PtsGlobalExpiration Time `json:"pts_global_expiration,omitzero"`

	// CurTier is the customer's current tier, without Features; nil when
	// the customer has none.
	CurTier *TierStatus3 `json:"cur_tier,omitempty"`
	// NextTier is the next tier to reach, without Features; nil at the top.
	NextTier *TierStatus3 `json:"next_tier,omitempty"`
	// Tiers lists every tier of the program. Only with include_full_program.
	Tiers []TierStatus3 `json:"tiers,omitzero"`
	// RedemptionLimit is the redemption limit in effect for this customer;
	// nil when none applies. See EffectiveRedemptionLimit.
	RedemptionLimit *RedemptionLimitInfo1 `json:"redemption_limit,omitempty"`
	// GlobalRedemptionLimit is the shop's default limit, which a tier's own
	// limit replaces entirely.
	GlobalRedemptionLimit *RedemptionLimitInfo1 `json:"global_redemption_limit,omitempty"`
	// UnusedRewards is sent only with include_unused_rewards. Its element
	// type is not documented, so it is kept as raw JSON; nil when absent or
	// null.
	UnusedRewards json.RawMessage `json:"unused_rewards,omitempty"`
	// Sources are the ways to earn points. Only with include_full_program.
	// [INF] element type Source2.
	Sources []Source2 `json:"sources,omitzero"`
	// Offers are the rewards the customer can redeem. Only with
	// include_full_program.
	Offers []Offer1 `json:"offers,omitzero"`
	// Milestones are the program's milestones. Only with
	// include_full_program. [INF] element type MilestoneStatus3.
	Milestones []MilestoneStatus3 `json:"milestones,omitzero"`
	// ReferralStats sums up the customer's referrals. [INF] Named by
	// LoggedOutBalance1, which returns "the same referral_stats structure as
	// CustomerBalance3"; nil when absent.
	ReferralStats *CustomerReferralStats3 `json:"referral_stats,omitempty"`

	raw json.RawMessage
}

// UnmarshalJSON decodes the result and keeps the exact input for Raw and
// Field. The fields typed by inference are decoded on their own, so that a
// shape the docs did not promise leaves them empty instead of failing the
// call. JSON null leaves r unchanged.
func (r *CustomerBalanceResult3) UnmarshalJSON(b []byte) error {
	if isJSONNull(b) {
		return nil
	}
	type plain CustomerBalanceResult3
	var p struct {
		plain
		// These shadow the typed fields of plain (a shallower field wins).
		Sources       json.RawMessage `json:"sources"`
		Milestones    json.RawMessage `json:"milestones"`
		ReferralStats json.RawMessage `json:"referral_stats"`
	}
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	res := CustomerBalanceResult3(p.plain)
	decodeInferred(p.Sources, &res.Sources)
	decodeInferred(p.Milestones, &res.Milestones)
	decodeInferred(p.ReferralStats, &res.ReferralStats)
	nullAsAbsent(&res.UnusedRewards)
	res.raw = bytes.Clone(b)
	*r = res
	return nil
}

// decodeInferred decodes b into *dst, or leaves *dst zero when b is absent or
// does not fit: the type of dst is an inference, so a mismatch is not an
// error of the call.
func decodeInferred[T any](b json.RawMessage, dst *T) {
	if len(b) == 0 {
		return
	}
	var v T
	if json.Unmarshal(b, &v) == nil {
		*dst = v
	}
}

// Raw returns the JSON the result was decoded from (nil for a value built in
// Go). It is shared, not copied: do not modify it.
func (r *CustomerBalanceResult3) Raw() json.RawMessage {
	if r == nil {
		return nil
	}
	return r.raw
}

// Field decodes the top-level key name of the result's JSON into v: the way
// to read objects whose key the docs do not name (see the type's comment).
// It reports false when the key is absent. Each call parses Raw again, so to
// read many unmodelled keys, decode Raw once into your own struct instead.
func (r *CustomerBalanceResult3) Field(name string, v any) (bool, error) {
	return rawField(r.Raw(), name, v)
}

// TierByName returns the entry of Tiers named name, or nil. Only the entries
// of Tiers carry Features and a tier's own RedemptionLimit, which CurTier
// and NextTier lack.
func (r *CustomerBalanceResult3) TierByName(name string) *TierStatus3 {
	if r == nil {
		return nil
	}
	for i := range r.Tiers {
		if r.Tiers[i].Name == name {
			return &r.Tiers[i]
		}
	}
	return nil
}

// RedemptionLimitSource says where the limit returned by
// EffectiveRedemptionLimit comes from.
type RedemptionLimitSource int

// The sources of an effective redemption limit.
const (
	// RedemptionLimitNone: the result reports no limit at all.
	RedemptionLimitNone RedemptionLimitSource = iota
	// RedemptionLimitReported: the API's own redemption_limit, which already
	// accounts for the customer's tier.
	RedemptionLimitReported
	// RedemptionLimitTier: derived from the current tier's own limit in
	// Tiers, because redemption_limit was absent.
	RedemptionLimitTier
	// RedemptionLimitGlobal: derived from global_redemption_limit, because
	// redemption_limit was absent and no tier limit was visible.
	RedemptionLimitGlobal
)

// String names the source, for logs.
func (s RedemptionLimitSource) String() string {
	switch s {
	case RedemptionLimitNone:
		return "none"
	case RedemptionLimitReported:
		return "reported"
	case RedemptionLimitTier:
		return "tier"
	case RedemptionLimitGlobal:
		return "global"
	}
	return fmt.Sprintf("RedemptionLimitSource(%d)", int(s))
}

// EffectiveRedemptionLimit returns the redemption limit that applies to this
// customer, and where it comes from.
//
// The docs define three limits: global_redemption_limit, the shop's
// default; a tier's own redemption_limit (in Tiers, with
// include_full_program), which replaces the global one entirely for
// customers in that tier (limits are never combined or added); and the
// result's redemption_limit, which is the one in effect. So redemption_limit
// wins whenever it is present. [INF] When it is absent, the rule is applied
// by hand: the current tier's own limit if Tiers shows one, otherwise the
// global limit. Without include_full_program a tier's limit is invisible, so
// that fallback may return the global limit for a customer whose tier
// overrides it. The returned pointer aliases r; nil means no limit.
func (r *CustomerBalanceResult3) EffectiveRedemptionLimit() (*RedemptionLimitInfo1, RedemptionLimitSource) {
	if r == nil {
		return nil, RedemptionLimitNone
	}
	if r.RedemptionLimit != nil {
		return r.RedemptionLimit, RedemptionLimitReported
	}
	if r.CurTier != nil {
		if t := r.TierByName(r.CurTier.Name); t != nil && t.RedemptionLimit != nil {
			return t.RedemptionLimit, RedemptionLimitTier
		}
	}
	if r.GlobalRedemptionLimit != nil {
		return r.GlobalRedemptionLimit, RedemptionLimitGlobal
	}
	return nil, RedemptionLimitNone
}

// TierStatus3 describes one tier of the shop's program, and the customer's
// standing toward it.
//
// Docs: https://app.bubblehouse.com/apidocs/apis/loyalty/TierStatus3
type TierStatus3 struct {
	// Name is the tier's name.
	Name string `json:"name"`
	// Expiration says when the customer would lose the tier; nil if the
	// tier never expires.
	Expiration *TierExpirationStatus3 `json:"expiration,omitempty"`
	// Reqs says how to reach the tier.
	Reqs TierRequirements3 `json:"reqs"`
	// Features are the tier's perks; only in Tiers (never in CurTier or
	// NextTier), with include_full_program.
	Features []TierFeatureValue1 `json:"features,omitzero"`
	// RedemptionLimit is the tier's own limit, which replaces the global
	// one; only in Tiers, with include_full_program, when the tier has a
	// limit. For the current tier Remaining shows real usage; for other
	// tiers it is the full limit.
	RedemptionLimit *RedemptionLimitInfo1 `json:"redemption_limit,omitempty"`

	raw json.RawMessage
}

// UnmarshalJSON decodes the tier and keeps the exact input for Raw. JSON
// null leaves t unchanged.
func (t *TierStatus3) UnmarshalJSON(b []byte) error {
	type plain TierStatus3
	return keepRaw(b, (*plain)(t), &t.raw)
}

// Raw returns the JSON the tier was decoded from (nil for a value built in
// Go). It is shared, not copied: do not modify it.
func (t *TierStatus3) Raw() json.RawMessage {
	if t == nil {
		return nil
	}
	return t.raw
}

// Field decodes the top-level key name of the tier's JSON into v. It reports
// false when the key is absent.
func (t *TierStatus3) Field(name string, v any) (bool, error) {
	return rawField(t.Raw(), name, v)
}

// TierRequirements3 lists what it takes to reach or keep a tier. The API
// omits every field that is zero or empty, so zero here means "no such
// requirement".
//
// Docs: https://app.bubblehouse.com/apidocs/apis/loyalty/TierRequirements3
type TierRequirements3 struct {
	// ThresholdPts is the number of points the tier needs.
	ThresholdPts int64 `json:"threshold_pts,omitempty"`
	// ThresholdSpend is the spend the tier needs.
	ThresholdSpend Money `json:"threshold_spend,omitzero"`
	// ThresholdEvents are events that must happen.
	ThresholdEvents []string `json:"threshold_events,omitempty"`
	// ExtraPts is how many more points the customer needs.
	ExtraPts int64 `json:"extra_pts,omitempty"`
	// ExtraSpend is how much more the customer must spend.
	ExtraSpend Money `json:"extra_spend,omitzero"`
	// ExtraEvents are the events still to happen.
	ExtraEvents []string `json:"extra_events,omitempty"`
	// ExtraDesc describes what is still to do, for display.
	ExtraDesc string `json:"extra_desc,omitempty"`
	// Progress is the progress toward the requirements as a permyriad
	// ([INF] 0 to 10000, so 2500 is 25%).
	Progress int64 `json:"progress,omitempty"`
}

// TierExpirationStatus3 says when a customer would drop out of a tier, and
// how to keep it.
//
// Docs: https://app.bubblehouse.com/apidocs/apis/loyalty/TierExpirationStatus3
type TierExpirationStatus3 struct {
	// Deadline is when the downgrade would happen.
	Deadline Time `json:"deadline"`
	// DowngradedTierName is the tier the customer would drop to.
	DowngradedTierName string `json:"downgraded_tier_name"`
	// KeepReqs is what to meet before Deadline to keep the tier.
	KeepReqs TierRequirements3 `json:"keep_reqs"`
	// KeepExtendedDeadline is the new deadline once KeepReqs is met.
	KeepExtendedDeadline Time `json:"keep_extended_deadline"`
}

// TierFeatureValue1 is one perk of a tier, as the shop words it.
//
// Docs: https://app.bubblehouse.com/apidocs/apis/loyalty/TierFeatureValue1
type TierFeatureValue1 struct {
	// BHID identifies the feature, so the same perk can be lined up across
	// tiers.
	BHID BHID `json:"bhid"`
	// Title is the feature's name.
	Title string `json:"title"`
	// Value is the tier's level of the feature: "yes", "all", "2x", "5x"
	// or free text.
	Value string `json:"value"`
}

// RedemptionLimitInfo1 is a cap on the points a customer may redeem per
// period. It counts points, not money.
//
// Docs: https://app.bubblehouse.com/apidocs/apis/loyalty/RedemptionLimitInfo1
type RedemptionLimitInfo1 struct {
	// Total is the number of points that may be redeemed per period.
	Total int64 `json:"total"`
	// Remaining is Total minus the points already redeemed this period.
	Remaining int64 `json:"remaining"`
	// Period is how often the limit resets.
	Period LimitPeriod `json:"period"`
}

// LimitPeriod is how often a redemption limit resets (LimitPeriod1). Resets
// happen at midnight, on the first of the month, or on January 1, in the
// shop's time zone. Unknown values decode as sent.
//
// Docs: https://app.bubblehouse.com/apidocs/apis/loyalty/LimitPeriod1
type LimitPeriod string

// The documented limit periods.
const (
	LimitPeriodDaily   LimitPeriod = "daily"
	LimitPeriodMonthly LimitPeriod = "monthly"
	LimitPeriodYearly  LimitPeriod = "yearly"
)

// Known reports whether p is a documented period.
func (p LimitPeriod) Known() bool {
	switch p {
	case LimitPeriodDaily, LimitPeriodMonthly, LimitPeriodYearly:
		return true
	}
	return false
}

// RedemptionConfiguration2 says how points convert to money when redeemed,
// and which amounts may be redeemed.
//
// Docs: https://app.bubblehouse.com/apidocs/apis/loyalty/RedemptionConfiguration2
//
// It is part of CustomerBalanceResult3 under a key the docs do not name:
// decode it from CustomerBalanceResult3.Field (or Raw) yourself.
type RedemptionConfiguration2 struct {
	// PtValue is the baseline money value of one point.
	PtValue Money `json:"pt_value"`
	// Min is the smallest number of points per redemption.
	Min int64 `json:"min"`
	// Max is the largest number of points per redemption; nil (absent or
	// null) means unlimited.
	Max *int64 `json:"max,omitempty"`
	// Step is the increment: valid amounts are Min + n*Step.
	Step int64 `json:"step"`
	// Buckets are preset amounts for a UI picker; when set, a UI should
	// offer them instead of Min and Step.
	Buckets []int64 `json:"buckets,omitzero"`
	// PointValueBuckets are tiered conversion rates (newer docs only); see
	// ValueOf.
	PointValueBuckets []PointValueBucket2 `json:"point_value_buckets,omitzero"`
}

// PointValueBucket2 is one tiered conversion rate: Threshold points are
// worth Value.
//
// Docs: https://app.bubblehouse.com/apidocs/apis/loyalty/PointValueBucket2
type PointValueBucket2 struct {
	// Threshold is the number of points the rate starts at.
	Threshold int64 `json:"threshold"`
	// Value is the money value of exactly Threshold points.
	Value Money `json:"value"`
}

// ValueOf returns the money value of redeeming points points, as the docs
// define it: the bucket with the highest threshold that points reaches sets
// the rate, amount = points*value/threshold; below every threshold, or with
// no buckets, each point is worth PtValue. Buckets with a threshold of zero
// or less are ignored, since they define no rate.
//
// The arithmetic is exact on micro-units with a 128-bit intermediate; a
// fraction of a micro-unit is truncated toward zero. It fails for a negative
// points, and with an error wrapping ErrInvalidMoney when the amount does not
// fit a Money.
func (c *RedemptionConfiguration2) ValueOf(points int64) (Money, error) {
	if c == nil {
		return Money{}, errors.New("bubblehouse: nil RedemptionConfiguration2")
	}
	if points < 0 {
		return Money{}, fmt.Errorf("bubblehouse: cannot value a negative number of points (%d)", points)
	}
	value, per := c.PtValue.Micros(), int64(1)
	best := int64(0)
	for _, b := range c.PointValueBuckets {
		if b.Threshold > 0 && b.Threshold <= points && b.Threshold > best {
			best = b.Threshold
			value, per = b.Value.Micros(), b.Threshold
		}
	}
	micros, ok := mulDiv(points, value, per)
	if !ok {
		return Money{}, fmt.Errorf("%w: %d points overflow", ErrInvalidMoney, points)
	}
	return MoneyFromMicros(micros), nil
}

// mulDiv returns n*v/d truncated toward zero, for n >= 0 and d > 0, and
// false when the result does not fit an int64.
func mulDiv(n, v, d int64) (int64, bool) {
	mag := uint64(v)
	if v < 0 {
		mag = uint64(-v) // right for math.MinInt64 too, by wrap-around
	}
	hi, lo := bits.Mul64(uint64(n), mag)
	if hi >= uint64(d) {
		return 0, false // the quotient would not fit 64 bits
	}
	q, _ := bits.Div64(hi, lo, uint64(d))
	if v < 0 {
		if q > uint64(math.MaxInt64)+1 {
			return 0, false
		}
		return int64(-q), true //nolint:gosec // q <= 1<<63 was checked
	}
	if q > math.MaxInt64 {
		return 0, false
	}
	return int64(q), true
}

// Offer1 is a reward the customer can redeem (with RedeemOffer1).
//
// Docs: https://app.bubblehouse.com/apidocs/apis/loyalty/Offer1
//
// The product and variant objects changed type between doc versions
// (ProductView2/ProductPublic2, ProductVariantView2/ProductVariantPublic2)
// and are not modelled: they are kept as raw JSON.
type Offer1 struct {
	// ID identifies the offer for RedeemOffer1.
	ID string `json:"id"`
	// Type is the kind of offer.
	Type OfferType `json:"type"`
	// Title is the list-item title.
	Title string `json:"title"`
	// Desc is an optional longer description.
	Desc string `json:"desc,omitempty"`
	// Points is the point cost; 0 (or absent) when no points are needed.
	Points int64 `json:"points,omitempty"`
	// Available says whether the offer can be redeemed now.
	Available bool `json:"available"`
	// Section is the loyalty-page section the offer belongs to.
	Section string `json:"section"`
	// Product is the product the offer is for, as raw JSON; nil if none
	// (absent or null).
	Product json.RawMessage `json:"product,omitempty"`
	// Variant is the product variant the offer is for, as raw JSON; nil if
	// none (absent or null).
	Variant json.RawMessage `json:"variant,omitempty"`
	// ImageURL is an absolute image URL; empty if there is no image.
	ImageURL string `json:"image_url,omitempty"`
	// Visibility is a rules expression deciding whether to show the offer
	// (newer docs only).
	Visibility string `json:"visibility,omitempty"`
	// Availability is a rules expression deciding whether the offer can be
	// redeemed (newer docs only; their description is incomplete).
	Availability string `json:"availability,omitempty"`

	raw json.RawMessage
}

// UnmarshalJSON decodes the offer and keeps the exact input for Raw and
// Field. A null product or variant decodes to nil. JSON null leaves o
// unchanged.
func (o *Offer1) UnmarshalJSON(b []byte) error {
	type plain Offer1
	if err := keepRaw(b, (*plain)(o), &o.raw); err != nil {
		return err
	}
	nullAsAbsent(&o.Product, &o.Variant)
	return nil
}

// Raw returns the JSON the offer was decoded from (nil for a value built in
// Go). It is shared, not copied: do not modify it.
func (o *Offer1) Raw() json.RawMessage {
	if o == nil {
		return nil
	}
	return o.raw
}

// Field decodes the top-level key name of the offer's JSON into v. It
// reports false when the key is absent.
func (o *Offer1) Field(name string, v any) (bool, error) {
	return rawField(o.Raw(), name, v)
}

// OfferType is the kind of an Offer1. Its values are not documented, so the
// type is open and this package names none.
type OfferType string

// Source2 is a point source: one of the program's "ways to earn".
//
// Docs: https://app.bubblehouse.com/apidocs/apis/loyalty/Source2
//
// The type page is incomplete after is_completed; later fields are reachable
// through Field and Raw.
type Source2 struct {
	// BHID is the source's Bubblehouse ID.
	BHID BHID `json:"bhid"`
	// Slugs are the source's slugs, current first, then older ones.
	Slugs []string `json:"slugs"`
	// Title is the source's name.
	Title string `json:"title"`
	// CanComplete says the source is available, visible, and not yet
	// completed by the customer.
	CanComplete bool `json:"can_complete"`
	// IsCompleted says the customer has completed the source.
	IsCompleted bool `json:"is_completed"`

	raw json.RawMessage
}

// UnmarshalJSON decodes the source and keeps the exact input for Raw and
// Field. JSON null leaves s unchanged.
func (s *Source2) UnmarshalJSON(b []byte) error {
	type plain Source2
	return keepRaw(b, (*plain)(s), &s.raw)
}

// Raw returns the JSON the source was decoded from (nil for a value built in
// Go). It is shared, not copied: do not modify it.
func (s *Source2) Raw() json.RawMessage {
	if s == nil {
		return nil
	}
	return s.raw
}

// Field decodes the top-level key name of the source's JSON into v. It
// reports false when the key is absent.
func (s *Source2) Field(name string, v any) (bool, error) {
	return rawField(s.Raw(), name, v)
}

// Asset2 is an achievement or reward a customer can unlock, possibly several
// times, each ownership with its own expiry and usage limits.
//
// Docs: https://app.bubblehouse.com/apidocs/apis/loyalty/Asset2
//
// Lists of Asset2 are part of CustomerBalanceResult3 under a key the docs do
// not name: decode them from CustomerBalanceResult3.Field yourself. The type
// page is incomplete after slugs; later fields are reachable through Field
// and Raw.
type Asset2 struct {
	// BHID is the asset's Bubblehouse ID; it differs between Bubblehouse's
	// development and production environments, unlike the slugs.
	BHID BHID `json:"bhid"`
	// APIName is the asset's optional name for API use.
	APIName string `json:"apiname,omitempty"`
	// Slugs are the asset's slugs, current first, then older ones.
	Slugs []string `json:"slugs"`

	raw json.RawMessage
}

// UnmarshalJSON decodes the asset and keeps the exact input for Raw and
// Field. JSON null leaves a unchanged.
func (a *Asset2) UnmarshalJSON(b []byte) error {
	type plain Asset2
	return keepRaw(b, (*plain)(a), &a.raw)
}

// Raw returns the JSON the asset was decoded from (nil for a value built in
// Go). It is shared, not copied: do not modify it.
func (a *Asset2) Raw() json.RawMessage {
	if a == nil {
		return nil
	}
	return a.raw
}

// Field decodes the top-level key name of the asset's JSON into v. It
// reports false when the key is absent.
func (a *Asset2) Field(name string, v any) (bool, error) {
	return rawField(a.Raw(), name, v)
}

// MilestoneStatus3 is a milestone of the program, such as a number of
// subscription cycles.
//
// Docs: https://app.bubblehouse.com/apidocs/apis/loyalty/MilestoneStatus3
//
// The docs list a Bubblehouse ID field whose JSON name was not captured; it
// is not modelled as a field. InferredBHID looks for it under the name the
// sibling types use. The page is incomplete after cycle; later fields are
// reachable through Field and Raw.
type MilestoneStatus3 struct {
	// Slugs are the milestone's slugs, current first, then older ones.
	Slugs []string `json:"slugs"`
	// Name is the milestone's name.
	Name string `json:"name"`
	// Cycle is the number of subscription cycles needed; sent for
	// cycle-based milestones, 0 for others.
	Cycle int64 `json:"cycle,omitempty"`

	raw json.RawMessage
}

// UnmarshalJSON decodes the milestone and keeps the exact input for Raw and
// Field. JSON null leaves m unchanged.
func (m *MilestoneStatus3) UnmarshalJSON(b []byte) error {
	type plain MilestoneStatus3
	return keepRaw(b, (*plain)(m), &m.raw)
}

// Raw returns the JSON the milestone was decoded from (nil for a value built
// in Go). It is shared, not copied: do not modify it.
func (m *MilestoneStatus3) Raw() json.RawMessage {
	if m == nil {
		return nil
	}
	return m.raw
}

// Field decodes the top-level key name of the milestone's JSON into v. It
// reports false when the key is absent.
func (m *MilestoneStatus3) Field(name string, v any) (bool, error) {
	return rawField(m.Raw(), name, v)
}

// InferredBHID returns the milestone's Bubblehouse ID from the key "bhid".
// [INF] The docs' name for this field was not captured; "bhid" is what the
// sibling types (Source2, Asset2) use. ok is false when the key is absent or
// not a string.
func (m *MilestoneStatus3) InferredBHID() (id BHID, ok bool) {
	found, err := m.Field("bhid", &id)
	return id, found && err == nil
}

// CustomerSubscriptionStatus3 is a customer's subscription standing, for
// subscription milestones.
//
// Docs: https://app.bubblehouse.com/apidocs/apis/loyalty/CustomerSubscriptionStatus3
//
// It is part of CustomerBalanceResult3 under a key the docs do not name:
// decode it from CustomerBalanceResult3.Field yourself.
type CustomerSubscriptionStatus3 struct {
	// Active says whether the subscription is active.
	Active bool `json:"active"`
	// Cycle is the customer's current subscription cycle count.
	Cycle int64 `json:"cycle"`
	// CurMilestone is the milestone reached; nil (JSON null) if none. The
	// key is always sent.
	CurMilestone *MilestoneStatus3 `json:"cur_milestone"`
	// NextMilestone is the milestone to reach next; nil if none. The key is
	// always sent.
	NextMilestone *MilestoneStatus3 `json:"next_milestone"`
}

// CustomerRollingPointExpiration3 is the next batch of points scheduled to
// expire.
//
// Docs: https://app.bubblehouse.com/apidocs/apis/loyalty/CustomerRollingPointExpiration3
//
// It is probably part of CustomerBalanceResult3, under a key the docs do not
// name: decode it from CustomerBalanceResult3.Field yourself. The docs also
// list a date-only field (the last day the points can be used, kept in sync
// with Time) whose name was not captured; read it with Field.
type CustomerRollingPointExpiration3 struct {
	// Time is the exact moment the points expire.
	Time Time `json:"time"`
	// Amount is how many points expire.
	Amount int64 `json:"amount"`

	raw json.RawMessage
}

// UnmarshalJSON decodes the expiration and keeps the exact input for Raw and
// Field. JSON null leaves e unchanged.
func (e *CustomerRollingPointExpiration3) UnmarshalJSON(b []byte) error {
	type plain CustomerRollingPointExpiration3
	return keepRaw(b, (*plain)(e), &e.raw)
}

// Raw returns the JSON the expiration was decoded from (nil for a value
// built in Go). It is shared, not copied: do not modify it.
func (e *CustomerRollingPointExpiration3) Raw() json.RawMessage {
	if e == nil {
		return nil
	}
	return e.raw
}

// Field decodes the top-level key name of the expiration's JSON into v, such
// as the date-only field whose name the docs do not give. It reports false
// when the key is absent.
func (e *CustomerRollingPointExpiration3) Field(name string, v any) (bool, error) {
	return rawField(e.Raw(), name, v)
}

// CustomerReferralStats3 sums up a customer's referrals.
//
// Docs: https://app.bubblehouse.com/apidocs/apis/loyalty/CustomerReferralStats3
type CustomerReferralStats3 struct {
	// Sent is the number of referrals sent.
	Sent int64 `json:"sent"`
	// Approved counts referrals accepted and rewarded.
	Approved int64 `json:"approved"`
	// Rejected counts referrals accepted but not (and never to be) rewarded.
	Rejected int64 `json:"rejected"`
	// EarnedPts is the number of points earned from referrals.
	EarnedPts int64 `json:"earned_pts"`
}

// CustomerBalance3Input is the input of CustomerBalance3.
type CustomerBalance3Input struct {
	// Customer names the customer; required with a shop token.
	Customer *CustomerIdentity1 `json:"customer,omitempty"`
	// IncludeUnusedRewards adds unused_rewards. Leave it off for faster
	// answers.
	IncludeUnusedRewards bool `json:"include_unused_rewards,omitempty"`
	// IncludeFullProgram adds sources, offers, tiers and milestones; use it
	// only for full program pages.
	IncludeFullProgram bool `json:"include_full_program,omitempty"`
}

func (in *CustomerBalance3Input) identity() *CustomerIdentity1 {
	if in == nil {
		return nil
	}
	return in.Customer
}

var endpointCustomerBalance3 = &endpoint{name: "CustomerBalance3", class: ClassRead}

// CustomerBalance3 returns the customer's loyalty state: points, tier,
// redemption limits and, on request, the whole program
// (https://app.bubblehouse.com/apidocs/apis/loyalty/CustomerBalance3). It is
// the main call for showing a customer's loyalty status.
// Auth: shop token (with in.Customer) or customer token.
func (c *Client) CustomerBalance3(ctx context.Context, in *CustomerBalance3Input) (*CustomerBalanceResult3, error) {
	return decode[CustomerBalanceResult3](ctx, c, endpointCustomerBalance3, in)
}
