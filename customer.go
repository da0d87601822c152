package bubblehouse

import "encoding/json"

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
	if isJSONNull(b) {
		return nil
	}
	type plain Customer2
	var p plain
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	*c = Customer2(p)
	c.raw = cloneRaw(b)
	return nil
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
