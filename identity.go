package bubblehouse

import (
	"fmt"
	"log/slog"
	"strings"
)

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
