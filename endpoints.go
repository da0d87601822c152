package bubblehouse

import "context"

// The four Loyalty API read calls. Each is a three-line method on the one
// call path (call.go); the types they return live in customer.go,
// history.go, balance.go and referrals.go.

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

var endpointCustomerDetails1 = &endpoint{name: "CustomerDetails1", class: ClassRead, customer: true}

// CustomerDetails1 returns what Bubblehouse knows of a customer: the data
// the shop sent through the API and what first-party integrations collected
// (https://app.bubblehouse.com/apidocs/apis/loyalty/CustomerDetails1).
// Auth: shop token (with in.Customer) or customer token.
func (c *Client) CustomerDetails1(ctx context.Context, in *CustomerDetails1Input) (*Customer2, error) {
	return decode[Customer2](ctx, c, endpointCustomerDetails1, in)
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

var endpointCustomerHistory2 = &endpoint{name: "CustomerHistory2", class: ClassRead, customer: true}

// CustomerHistory2 returns the customer's loyalty history, newest first as
// the server orders it, optionally filtered
// (https://app.bubblehouse.com/apidocs/apis/loyalty/CustomerHistory2). The
// API documents no pagination: the whole history comes in one answer.
// Auth: shop token (with in.Customer) or customer token.
func (c *Client) CustomerHistory2(ctx context.Context, in *CustomerHistory2Input) (*CustomerHistory2Output, error) {
	return decode[CustomerHistory2Output](ctx, c, endpointCustomerHistory2, in)
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

var endpointCustomerBalance3 = &endpoint{name: "CustomerBalance3", class: ClassRead, customer: true}

// CustomerBalance3 returns the customer's loyalty state: points, tier,
// redemption limits and, on request, the whole program
// (https://app.bubblehouse.com/apidocs/apis/loyalty/CustomerBalance3). It is
// the main call for showing a customer's loyalty status.
// Auth: shop token (with in.Customer) or customer token.
func (c *Client) CustomerBalance3(ctx context.Context, in *CustomerBalance3Input) (*CustomerBalanceResult3, error) {
	return decode[CustomerBalanceResult3](ctx, c, endpointCustomerBalance3, in)
}

// CustomerReferrals2Input is the input of CustomerReferrals2.
type CustomerReferrals2Input struct {
	// Customer names the customer; required with a shop token.
	Customer *CustomerIdentity1 `json:"customer,omitempty"`
	// Deanonymize turns off the masking of referral destinations, for
	// callers allowed to see them (a shop token or an admin-level customer
	// token).
	Deanonymize bool `json:"deanonymize,omitempty"`
}

func (in *CustomerReferrals2Input) identity() *CustomerIdentity1 {
	if in == nil {
		return nil
	}
	return in.Customer
}

var endpointCustomerReferrals2 = &endpoint{name: "CustomerReferrals2", class: ClassRead, customer: true}

// CustomerReferrals2 returns the customer's referral history, one item per
// referral row, with no pagination
// (https://app.bubblehouse.com/apidocs/apis/loyalty/CustomerReferrals2).
// Auth: shop token (with in.Customer) or customer token.
func (c *Client) CustomerReferrals2(ctx context.Context, in *CustomerReferrals2Input) (*CustomerReferrals2Output, error) {
	return decode[CustomerReferrals2Output](ctx, c, endpointCustomerReferrals2, in)
}
