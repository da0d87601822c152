package bubblehouse

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
)

// Customer2 is a customer as Bubblehouse knows it: the output of
// CustomerDetails1, which returns this object unwrapped.
//
// Docs: https://app.bubblehouse.com/apidocs/apis/loyalty/Customer2 and
// https://app.bubblehouse.com/apidocs/apis/loyalty/CustomerDetails1.
//
// The type page is documented only up to extras. Every field after Extras in
// this struct is [INF]: its name and value shape come from the CustomerDetails1
// example responses, and its type is inferred from them. Fields the examples
// do not show, such as a possible sms_marketing_consent_change_time, are not
// modelled; read them with Field or Raw.
type Customer2 struct {
	// ID is the customer's ID in the shop (for Shopify, the digits without
	// the gid://shopify/Customer/ prefix). Empty when Bubblehouse only knows
	// the customer by email.
	ID string `json:"id,omitempty"`
	// BHID is the Bubblehouse customer ID. This type spells the key "bh_id",
	// unlike most others, which use "bhid".
	BHID BHID `json:"bh_id,omitempty"`
	// Email is the customer's primary email address.
	Email string `json:"email,omitempty"`
	// Phone is stored as given; it cannot identify a customer on its own.
	Phone string `json:"phone,omitempty"`
	// Name is the fallback for FirstName and LastName. [INF] Named by the
	// docs as a fallback source; its own entry was not seen.
	Name string `json:"name,omitempty"`
	// FirstName falls back to Name on the Bubblehouse side when empty.
	FirstName string `json:"first_name,omitempty"`
	// LastName falls back to Name on the Bubblehouse side when empty.
	LastName string `json:"last_name,omitempty"`
	// FullName falls back to FirstName + " " + LastName when empty.
	FullName string `json:"full_name,omitempty"`
	// Extras holds the shop's free-form custom data, kept as raw JSON values
	// because their types are the shop's choice.
	Extras map[string]json.RawMessage `json:"extras,omitempty"`

	// Tags are the shop's customer tags. [INF] A nil slice means the key
	// was absent; an empty one means the API sent [].
	Tags []string `json:"tags,omitzero"`
	// Birthday may lack a year (Year 0, sent as "0000-MM-DD"). [INF] type.
	Birthday Date `json:"birthday,omitzero"`
	// Anniversary is a shop-defined anniversary date. [INF] type.
	Anniversary Date `json:"anniversary,omitzero"`
	// PersonalReferralCode is the customer's own referral code. [INF]
	PersonalReferralCode string `json:"personal_referral_code,omitempty"`
	// OrderCount is the number of orders Bubblehouse knows of. [INF] Both
	// documented examples carry it, so it is encoded even when zero.
	OrderCount int64 `json:"order_count"`
	// TotalSpent is the customer's total spend. [INF] Both documented
	// examples carry it (with two fractional digits, "1250.00"), so it is
	// encoded even when zero.
	TotalSpent Money `json:"total_spent"`
	// SignedUpAt is when the customer signed up; zero when absent. [INF]
	SignedUpAt Time `json:"signed_up_at,omitzero"`
	// EmailMarketingConsent is the email marketing consent state. [INF]
	EmailMarketingConsent MarketingConsent `json:"email_marketing_consent,omitempty"`
	// EmailMarketingConsentChangeTime is when EmailMarketingConsent last
	// changed; zero when absent. Only the newest docs show it. [INF]
	EmailMarketingConsentChangeTime Time `json:"email_marketing_consent_change_time,omitzero"`
	// SMSMarketingConsent is the SMS marketing consent state. [INF]
	SMSMarketingConsent MarketingConsent `json:"sms_marketing_consent,omitempty"`
	// EmailVerified says whether the email address was verified; the docs
	// only show "unknown". [INF]
	EmailVerified EmailVerification `json:"email_verified,omitempty"`
	// Optin is the customer's loyalty-program opt-in flag. [INF] Both
	// documented examples carry it, so it is encoded even when false.
	Optin bool `json:"optin"`
	// AltEmails are other addresses the customer has used, such as an email
	// changed in the shop. [INF]
	AltEmails []string `json:"alt_emails,omitzero"`

	raw json.RawMessage
}

// UnmarshalJSON decodes the customer and keeps the exact input for Raw and
// Field. JSON null leaves c unchanged.
func (c *Customer2) UnmarshalJSON(b []byte) error {
	type plain Customer2
	return keepRaw(b, (*plain)(c), &c.raw)
}

// Raw returns the JSON the customer was decoded from (nil for a value built
// in Go). It is shared, not copied: do not modify it.
func (c *Customer2) Raw() json.RawMessage {
	if c == nil {
		return nil
	}
	return c.raw
}

// Field decodes the top-level key name of the customer's JSON into v, for
// properties this package does not model. It reports false when the key is
// absent; a JSON null is present (true) and leaves v unchanged.
func (c *Customer2) Field(name string, v any) (bool, error) {
	return rawField(c.Raw(), name, v)
}

// MarketingConsent is a customer's consent to marketing on one channel.
//
// [INF] The docs show only the values below, in the CustomerDetails1
// examples; the type is open, so any other value decodes as sent.
type MarketingConsent string

// Marketing consent values seen in the CustomerDetails1 examples.
const (
	MarketingConsentSubscribed   MarketingConsent = "subscribed"
	MarketingConsentUnsubscribed MarketingConsent = "unsubscribed"
)

// Known reports whether c is one of the values this package names, so that
// callers can route the rest to a fallback instead of misreading them.
func (c MarketingConsent) Known() bool {
	switch c {
	case MarketingConsentSubscribed, MarketingConsentUnsubscribed:
		return true
	}
	return false
}

// EmailVerification says whether a customer's email address is verified.
//
// [INF] The docs show only "unknown"; other values decode as sent.
type EmailVerification string

// EmailVerificationUnknown is the only value the CustomerDetails1 examples
// show.
const EmailVerificationUnknown EmailVerification = "unknown"

// Known reports whether v is a value this package names.
func (v EmailVerification) Known() bool { return v == EmailVerificationUnknown }

// CustomerDetails1Input is the input of CustomerDetails1.
type CustomerDetails1Input struct {
	// Customer names the customer; required with a shop token.
	Customer *CustomerIdentity1 `json:"customer,omitempty"`
}

func (in *CustomerDetails1Input) identity() *CustomerIdentity1 {
	if in == nil {
		return nil
	}
	return in.Customer
}

var endpointCustomerDetails1 = &endpoint{name: "CustomerDetails1", class: ClassRead}

// CustomerDetails1 returns what Bubblehouse knows of a customer: the data
// the shop sent through the API and what first-party integrations collected
// (https://app.bubblehouse.com/apidocs/apis/loyalty/CustomerDetails1).
// Auth: shop token (with in.Customer) or customer token.
func (c *Client) CustomerDetails1(ctx context.Context, in *CustomerDetails1Input) (*Customer2, error) {
	return decode[Customer2](ctx, c, endpointCustomerDetails1, in)
}

// CustomerIdentity1 names the customer a call is about
// (https://app.bubblehouse.com/apidocs/apis/loyalty/CustomerIdentity1). A
// call made with a shop token must name one; with a customer token it may
// be left nil, and if given must name the token's customer.
//
// Set at least one field. Every field that is set must match the same
// customer on the Bubblehouse side (or be missing there). BHID is the
// quickest lookup.
//
// An identity holds personal data: its String and LogValue methods mask the
// email address.
type CustomerIdentity1 struct {
	// BHID is the customer's Bubblehouse ID.
	BHID BHID `json:"bhid,omitempty"`
	// ShopID is the customer's ID in the online shop.
	ShopID string `json:"shopid,omitempty"`
	// Email is the customer's email address.
	Email string `json:"email,omitempty"`
}

// ByBHID names a customer by Bubblehouse ID.
func ByBHID(id BHID) *CustomerIdentity1 { return &CustomerIdentity1{BHID: id} }

// ByShopID names a customer by the shop's own customer ID.
func ByShopID(id string) *CustomerIdentity1 { return &CustomerIdentity1{ShopID: id} }

// ByEmail names a customer by email address.
func ByEmail(email string) *CustomerIdentity1 { return &CustomerIdentity1{Email: email} }

// IsEmpty reports whether no field is set (a nil identity is empty).
func (id *CustomerIdentity1) IsEmpty() bool {
	return id == nil || (id.BHID == "" && strings.TrimSpace(id.ShopID) == "" && strings.TrimSpace(id.Email) == "")
}

// key is the identity's key for the per-customer rate limit and cooldown:
// the most specific field set, in a canonical form. Two identities that name
// the same customer by different fields get different keys; the client
// cannot know they are the same person.
func (id *CustomerIdentity1) key() string {
	switch {
	case id.IsEmpty():
		return ""
	case id.BHID != "":
		return "bhid:" + strings.ToLower(string(id.BHID))
	case strings.TrimSpace(id.ShopID) != "":
		return "shopid:" + strings.TrimSpace(id.ShopID)
	default:
		return "email:" + strings.ToLower(strings.TrimSpace(id.Email))
	}
}

// String describes the identity with the email masked.
func (id *CustomerIdentity1) String() string {
	if id == nil {
		return "<no customer>"
	}
	var parts []string
	if id.BHID != "" {
		parts = append(parts, "bhid="+string(id.BHID))
	}
	if id.ShopID != "" {
		parts = append(parts, "shopid="+id.ShopID)
	}
	if id.Email != "" {
		parts = append(parts, "email="+maskEmail(id.Email))
	}
	return fmt.Sprintf("customer{%s}", strings.Join(parts, " "))
}

// LogValue describes the identity to log/slog with the email masked.
func (id *CustomerIdentity1) LogValue() slog.Value {
	if id == nil {
		return slog.StringValue("<no customer>")
	}
	var attrs []slog.Attr
	if id.BHID != "" {
		attrs = append(attrs, slog.String("bhid", string(id.BHID)))
	}
	if id.ShopID != "" {
		attrs = append(attrs, slog.String("shopid", id.ShopID))
	}
	if id.Email != "" {
		attrs = append(attrs, slog.String("email", maskEmail(id.Email)))
	}
	return slog.GroupValue(attrs...)
}

// maskEmail keeps the first letter of the local part and the domain:
// "alice@example.com" becomes "a***@example.com".
func maskEmail(e string) string {
	local, domain, ok := strings.Cut(e, "@")
	if !ok || local == "" {
		return "***"
	}
	r := []rune(local)
	return string(r[0]) + "***@" + domain
}
