package bubblehouse

import (
	"context"
	"encoding/json"
)

// CustomerHistory2Output is the result of CustomerHistory2: the customer's
// loyalty history. The API documents no pagination for it.
//
// Docs: https://app.bubblehouse.com/apidocs/apis/loyalty/CustomerHistory2
type CustomerHistory2Output struct {
	// Changes are the history entries. Entries with an Area or Type this
	// package does not know are kept; see Change2.
	Changes []Change2 `json:"changes"`

	raw json.RawMessage
}

// UnmarshalJSON decodes the output and keeps the exact input for Raw. JSON
// null leaves o unchanged.
func (o *CustomerHistory2Output) UnmarshalJSON(b []byte) error {
	type plain CustomerHistory2Output
	return keepRaw(b, (*plain)(o), &o.raw)
}

// MarshalJSON encodes a nil Changes as [], since the API documents the key
// as a required array.
func (o CustomerHistory2Output) MarshalJSON() ([]byte, error) {
	type plain CustomerHistory2Output
	p := plain(o)
	if p.Changes == nil {
		p.Changes = []Change2{}
	}
	return json.Marshal(p)
}

// Raw returns the JSON the output was decoded from (nil for a value built in
// Go). It is shared, not copied: do not modify it.
func (o *CustomerHistory2Output) Raw() json.RawMessage {
	if o == nil {
		return nil
	}
	return o.raw
}

// Field decodes the top-level key name of the output's JSON into v. It
// reports false when the key is absent.
func (o *CustomerHistory2Output) Field(name string, v any) (bool, error) {
	return rawField(o.Raw(), name, v)
}

// Change2 is one entry of a customer's loyalty history.
//
// Docs: https://app.bubblehouse.com/apidocs/apis/loyalty/Change2
//
// Area decides which other fields apply, and the API adds areas and types
// over time: the docs require clients to ignore unknown areas, and to ignore
// unknown types or fall back to the area's generic fields. Both decode as
// sent; use ChangeArea.Known and ChangeType.Known.
//
// The type page is incomplete. It documents a non-negative monetary amount
// "corresponding to the loyalty points", filled only for some redemptions,
// whose JSON name was not captured ([INF] possibly "amount"); it is not
// modelled here, so read it with Field once its name is confirmed, for
// example c.Field("amount", &m) with m a *Money. Fields after discount_code
// are likewise only reachable through Field and Raw.
type Change2 struct {
	// ID is the change's Bubblehouse ID.
	ID BHID `json:"id"`
	// Area is the part of the loyalty data that changed.
	Area ChangeArea `json:"area"`
	// Type is the exact kind of change.
	Type ChangeType `json:"type"`
	// Desc is the user-visible description, ready for a history page.
	Desc string `json:"desc"`
	// CustomerBHID is the customer's Bubblehouse ID.
	CustomerBHID BHID `json:"customer_bhid"`
	// CustomerShopID is the customer's shop ID; "" when Bubblehouse does not
	// know it (for example after an import). Always sent.
	CustomerShopID string `json:"customer_shopid"`
	// CustomerEmail is the customer's email; "" when unknown. Always sent.
	CustomerEmail string `json:"customer_email"`
	// OrderShopID is the shop's ID of the order that caused the change.
	OrderShopID string `json:"order_shopid,omitempty"`
	// OrderShort is the shop's short order name, for display.
	OrderShort string `json:"order_short,omitempty"`
	// Hidden entries should be left out of user-visible history.
	Hidden bool `json:"hidden,omitempty"`
	// PtsDelta is the change in points: positive when earned, negative when
	// spent or lost (redemptions are always negative). The API requires it
	// when Area is ChangeAreaPoints, where 0 is a real value; for other
	// areas it is absent and reads as 0. MarshalJSON follows that: it
	// writes pts_delta in the points area even when it is 0, and elsewhere
	// only when it is not.
	PtsDelta int64 `json:"pts_delta,omitempty"`
	// DiscountCode is the discount code the change produced, if any; see
	// CustomerHistory2's only_unused filter. The docs' condition for its
	// presence is incomplete.
	DiscountCode string `json:"discount_code,omitempty"`

	raw json.RawMessage
}

// UnmarshalJSON decodes the change and keeps the exact input for Raw and
// Field. JSON null leaves c unchanged.
func (c *Change2) UnmarshalJSON(b []byte) error {
	type plain Change2
	return keepRaw(b, (*plain)(c), &c.raw)
}

// MarshalJSON encodes the change as the API sends it. It differs from the
// struct tags in one place: in the points area pts_delta is required, so a
// PtsDelta of 0 is written instead of being left out.
func (c Change2) MarshalJSON() ([]byte, error) {
	type plain Change2
	v := struct {
		plain
		// This shadows plain's PtsDelta (a shallower field wins), and moves
		// pts_delta to the end of the object.
		PtsDelta *int64 `json:"pts_delta,omitempty"`
	}{plain: plain(c)}
	if c.PtsDelta != 0 || c.Area == ChangeAreaPoints {
		v.PtsDelta = &c.PtsDelta
	}
	return json.Marshal(v)
}

// Raw returns the JSON the change was decoded from (nil for a value built in
// Go). It is shared, not copied: do not modify it.
func (c *Change2) Raw() json.RawMessage {
	if c == nil {
		return nil
	}
	return c.raw
}

// Field decodes the top-level key name of the change's JSON into v, for
// properties this package does not model (such as the monetary amount of a
// redemption). It reports false when the key is absent.
func (c *Change2) Field(name string, v any) (bool, error) {
	return rawField(c.Raw(), name, v)
}

// AffectsPoints reports whether the change is in the points area, the only
// area where PtsDelta is meaningful.
func (c *Change2) AffectsPoints() bool { return c != nil && c.Area == ChangeAreaPoints }

// ChangeArea is the part of the loyalty data a Change2 touches (ChangeArea1).
// The list is open: the docs require clients to ignore areas they do not
// know, so an unknown value decodes as sent.
//
// Docs: https://app.bubblehouse.com/apidocs/apis/analytics/ChangeArea1
type ChangeArea string

// The documented change areas.
const (
	ChangeAreaPoints      ChangeArea = "points"
	ChangeAreaTier        ChangeArea = "tier"
	ChangeAreaMilestone   ChangeArea = "milestone"
	ChangeAreaAchievement ChangeArea = "achievement"
	ChangeAreaReferral    ChangeArea = "referral"
	ChangeAreaCustomer    ChangeArea = "customer"
)

// Known reports whether a is a documented area. Entries in other areas
// should be skipped, as the docs require.
func (a ChangeArea) Known() bool {
	switch a {
	case ChangeAreaPoints, ChangeAreaTier, ChangeAreaMilestone,
		ChangeAreaAchievement, ChangeAreaReferral, ChangeAreaCustomer:
		return true
	}
	return false
}

// ChangeType is the exact kind of a Change2 (ChangeType1). The list is open,
// and the docs were only captured up to the first tier values, so unknown
// values are normal: handle them by ignoring the entry or by falling back to
// the fields of its area.
//
// Docs: https://app.bubblehouse.com/apidocs/apis/analytics/ChangeType1
type ChangeType string

// Points earned.
const (
	ChangeTypeEarnedFromOrder         ChangeType = "earned_from_order"
	ChangeTypeEarnedFromSubscription  ChangeType = "earned_from_subscription"
	ChangeTypeEarnedForBackdatedOrder ChangeType = "earned_for_backdated_order"
	ChangeTypeEarnedFromSource        ChangeType = "earned_from_source"
	ChangeTypeEarnedAsReferree        ChangeType = "earned_as_referree" // sic: the API's spelling
	ChangeTypeEarnedAsReferrer        ChangeType = "earned_as_referrer"
	ChangeTypeBirthdayGift            ChangeType = "birthday_gift"
	ChangeTypeEarnedAsReward          ChangeType = "earned_as_reward"
	ChangeTypeEarnedByVoting          ChangeType = "earned_by_voting"
)

// Points redeemed.
const (
	ChangeTypeRedeemedTowardsOrder        ChangeType = "redeemed_towards_order"
	ChangeTypeRedeemedTowardsSubscription ChangeType = "redeemed_towards_subscription"
	ChangeTypeVendibleRedemption          ChangeType = "vendible_redemption"
)

// Corrections and imports.
const (
	ChangeTypeManualCorrection     ChangeType = "manual_correction"
	ChangeTypeBulkManualCorrection ChangeType = "bulk_manual_correction"
	ChangeTypeImport               ChangeType = "import"
	ChangeTypeImportAdjustment     ChangeType = "import_adjustment"
)

// Deductions.
const (
	ChangeTypeOrderRefund   ChangeType = "order_refund"
	ChangeTypePointsExpired ChangeType = "points_expired"
)

// Tier changes. The docs list more tier types after these, which were not
// captured.
const (
	ChangeTypeTierAcquired ChangeType = "tier_acquired"
	ChangeTypeTierExpired  ChangeType = "tier_expired"
	ChangeTypeTierManual   ChangeType = "tier_manual"
)

// Known reports whether t is one of the documented types. The docs list more
// tier types than were captured, so false does not mean the value is wrong.
func (t ChangeType) Known() bool {
	switch t {
	case ChangeTypeEarnedFromOrder, ChangeTypeEarnedFromSubscription,
		ChangeTypeEarnedForBackdatedOrder, ChangeTypeEarnedFromSource,
		ChangeTypeEarnedAsReferree, ChangeTypeEarnedAsReferrer,
		ChangeTypeBirthdayGift, ChangeTypeEarnedAsReward, ChangeTypeEarnedByVoting,
		ChangeTypeRedeemedTowardsOrder, ChangeTypeRedeemedTowardsSubscription,
		ChangeTypeVendibleRedemption,
		ChangeTypeManualCorrection, ChangeTypeBulkManualCorrection,
		ChangeTypeImport, ChangeTypeImportAdjustment,
		ChangeTypeOrderRefund, ChangeTypePointsExpired,
		ChangeTypeTierAcquired, ChangeTypeTierExpired, ChangeTypeTierManual:
		return true
	}
	return false
}

// CustomerHistory2Input is the input of CustomerHistory2.
type CustomerHistory2Input struct {
	// Customer names the customer; required with a shop token.
	Customer *CustomerIdentity1 `json:"customer,omitempty"`
	// OnlyUnused keeps only entries with unused discount codes.
	OnlyUnused bool `json:"only_unused,omitempty"`
	// OnlyPoints keeps only entries that change points.
	OnlyPoints bool `json:"only_points,omitempty"`
}

func (in *CustomerHistory2Input) identity() *CustomerIdentity1 {
	if in == nil {
		return nil
	}
	return in.Customer
}

var endpointCustomerHistory2 = &endpoint{name: "CustomerHistory2", class: ClassRead}

// CustomerHistory2 returns the customer's loyalty history, optionally
// filtered (https://app.bubblehouse.com/apidocs/apis/loyalty/CustomerHistory2).
// The API documents no pagination (the whole history comes in one answer)
// and no order: Changes are kept in the order the server sent them. Change2
// has no documented time field either; to sort by time, use ID.Time, whose
// layout is inferred rather than documented.
// Auth: shop token (with in.Customer) or customer token.
func (c *Client) CustomerHistory2(ctx context.Context, in *CustomerHistory2Input) (*CustomerHistory2Output, error) {
	return decode[CustomerHistory2Output](ctx, c, endpointCustomerHistory2, in)
}
