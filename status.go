package bubblehouse

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// StatusResult1 is the answer of Status2
// (https://app.bubblehouse.com/apidocs/apis/loyalty/StatusResult1): who the
// server takes the caller to be, and its clock.
type StatusResult1 struct {
	// Now is the server's time.
	Now Time `json:"now"`
	// LoggedIn is true when the token identifies a customer or the shop.
	LoggedIn bool `json:"logged_in"`
	// User is brief information on the caller; nil for anonymous calls
	// (the API sends null). Its shape is not documented, so it is kept as
	// JSON.
	User json.RawMessage `json:"user,omitempty"`
	// ShopSlug is the shop of the call.
	ShopSlug string `json:"shop_slug"`
	// Membership is the customer's membership, such as "full", "guest" or
	// "none".
	Membership MembershipStatus `json:"membership"`
	// ProgramEnabled says whether the loyalty program is enabled for the
	// evaluated customer.
	ProgramEnabled bool `json:"program_enabled"`

	raw json.RawMessage
}

// MembershipStatus is a customer's membership (MembershipStatus1). The list
// is open: unknown values are kept as they are.
type MembershipStatus string

// Documented membership values.
const (
	MembershipFull  MembershipStatus = "full"
	MembershipGuest MembershipStatus = "guest"
	MembershipNone  MembershipStatus = "none"
)

// UnmarshalJSON decodes the result and keeps its JSON for Raw.
func (r *StatusResult1) UnmarshalJSON(b []byte) error {
	type plain StatusResult1
	if err := keepRaw(b, (*plain)(r), &r.raw); err != nil {
		return err
	}
	nullAsAbsent(&r.User)
	return nil
}

// Raw returns the JSON the result was decoded from, with any fields this
// SDK does not model.
func (r *StatusResult1) Raw() json.RawMessage {
	if r == nil {
		return nil
	}
	return r.raw
}

// Field decodes the top-level key name of the result's JSON into v, for
// properties this package does not model. It reports false when the key is
// absent; v may be nil to test for presence only.
func (r *StatusResult1) Field(name string, v any) (bool, error) {
	return rawField(r.Raw(), name, v)
}

var endpointStatus2 = &endpoint{name: "Status2", class: ClassRead}

// Status2 asks Bubblehouse who the client's token identifies
// (https://app.bubblehouse.com/apidocs/apis/loyalty/Status2). Check builds
// a preflight on it.
func (c *Client) Status2(ctx context.Context) (*StatusResult1, error) {
	return decode[StatusResult1](ctx, c, endpointStatus2, nil)
}

// MaxClockSkew is the largest difference between the local and the server's
// clock that Check accepts. Tokens carry "iat" and "exp" from the local
// clock, so a larger skew makes fresh tokens look not yet valid or expired.
const MaxClockSkew = 10 * time.Second

// CheckError is a failed preflight: what is wrong and how to fix it, in one
// line each.
type CheckError struct {
	// Problem says what is wrong.
	Problem string
	// Fix says what to change.
	Fix string
	// Err is the underlying error, if any.
	Err error
}

// Error gives the problem and its fix in one line.
func (e *CheckError) Error() string {
	return "bubblehouse: check: " + e.Problem + "; fix: " + e.Fix
}

// Unwrap returns the underlying error.
func (e *CheckError) Unwrap() error { return e.Err }

// Check is a preflight for deployment: it calls Status2 and turns a wrong
// key or secret, a wrong shop slug, an unusable API version, an anonymous
// token or a skewed clock into a *CheckError saying what to fix. It returns
// nil when the client's configuration works.
func (c *Client) Check(ctx context.Context) error {
	st, err := c.Status2(ctx)
	if err != nil {
		return explain(c, err)
	}
	switch {
	case !st.LoggedIn:
		return &CheckError{Problem: "Bubblehouse took the token as anonymous", Fix: "send a shop or customer token: check WithSigningKey/WithToken"}
	case st.ShopSlug != "" && st.ShopSlug != c.core.shop:
		return &CheckError{
			Problem: fmt.Sprintf("the token is for shop %q, but the client calls shop %q", st.ShopSlug, c.core.shop),
			Fix:     "use the slug the Bubblehouse admin shows for the shop the key belongs to",
		}
	}
	if !st.Now.IsZero() {
		skew := c.core.clk.Now().Sub(st.Now.Time)
		if skew > MaxClockSkew || skew < -MaxClockSkew {
			dir := "ahead of"
			if skew < 0 {
				dir, skew = "behind", -skew
			}
			return &CheckError{
				Problem: fmt.Sprintf("this machine's clock is %s %s the server's", skew.Round(time.Second), dir),
				Fix:     "synchronise the clock (NTP); tokens are dated by it",
			}
		}
	}
	return nil
}

// explain turns the error of Check's Status2 call into a *CheckError. Its
// text holds no URL: the slug and version are named, and a URL could carry
// a proxy's credentials.
func explain(c *Client, err error) error {
	var apiErr *APIError
	switch {
	case errors.Is(err, ErrInvalidToken):
		return &CheckError{Problem: "Bubblehouse refused the token (invalid or expired)", Fix: "check the key ID and shared secret in the API console, that the key is not revoked, and the clock", Err: err}
	case errors.Is(err, ErrAPIVersion) && errors.As(err, &apiErr):
		return &CheckError{
			Problem: fmt.Sprintf("the API version %q is not usable (%s)", c.core.apiVersion, apiErr.ID),
			Fix:     fmt.Sprintf("use WithAPIVersion(%q) or the version your account has enabled", DefaultAPIVersion),
			Err:     err,
		}
	case errors.Is(err, ErrAuth):
		return &CheckError{Problem: "Bubblehouse refused the call for this token", Fix: "use a shop token for this shop (WithSigningKey with the shop's key)", Err: err}
	case errors.Is(err, ErrNotFound):
		return &CheckError{Problem: fmt.Sprintf("Bubblehouse does not know shop %q at the client's base URL", c.core.shop), Fix: "check the shop slug and WithBaseURL", Err: err}
	case errors.Is(err, ErrRateLimitExceeded):
		return &CheckError{Problem: "rate limited", Fix: "try again later", Err: err}
	default:
		return &CheckError{Problem: "Bubblehouse could not be reached or answered strangely: " + err.Error(), Fix: "check WithBaseURL, the network and any proxy", Err: err}
	}
}
