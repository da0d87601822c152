package bubblehousetest

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/bubblehouse-go/bubblehouse"
)

// Error ids the fake answers beyond those of the bubblehouse package. [INF]
// They are the ids of the API author's public Go framework; Bubblehouse
// does not document them.
const (
	idForbidden           = "forbidden"
	idNotFound            = "not_found"
	idInvalidHTTPMethod   = "invalid_http_method"
	idInvalidContentType  = "invalid_content_type"
	idBadRequest          = "bad_request"
	idInternalServerError = "internal_server_error"
)

// rateLimitMessage is the message Bubblehouse's docs show for a 429.
const rateLimitMessage = "You are over the read limit per second for this customer"

// customer resolves the customer a call is about, with the rules and errors
// Bubblehouse documents for CustomerIdentity1 (spec §4.3), then applies the
// per-customer rate limit.
func (s *Server) customer(c *call) (*customerRecord, *apiError) {
	rec, apiErr := s.resolve(c.tok, c.in.Customer)
	if apiErr != nil {
		return nil, apiErr
	}
	if apiErr := s.takeRate(string(rec.c.Details.BHID)); apiErr != nil {
		return nil, apiErr
	}
	return rec, nil
}

func (s *Server) resolve(tok tokenInfo, id *bubblehouse.CustomerIdentity1) (*customerRecord, *apiError) {
	switch tok.kind {
	case tokenShop:
		if id == nil {
			return nil, errorf(http.StatusBadRequest, bubblehouse.IDMissingCustomerIdentity, "A shop token needs the customer input")
		}
		if blank(id) {
			return nil, errorf(http.StatusNotFound, bubblehouse.IDEmptyCustomerIdentity, "Every field of the customer input is empty")
		}
		return s.match(id)
	case tokenCustomer:
		rec := s.lookup(byShopID, tok.customerID)
		if rec == nil {
			// [INF] "ce" supplies the customer's email for identity
			// resolution: the fake uses it for a customer whose shop ID
			// Bubblehouse does not know yet.
			if r := s.lookup(byEmail, tok.email); r != nil && r.c.Details.ID == "" {
				rec = r
			}
		}
		if rec == nil {
			return nil, errorf(http.StatusNotFound, bubblehouse.IDNoCustomersMatchCustomerIdentity, "No customer matches the token")
		}
		if id != nil && !blank(id) && !rec.agrees(id) {
			return nil, errorf(http.StatusForbidden, bubblehouse.IDCustomerIdentityDoesNotMatchToken, "The customer input names another customer than the token")
		}
		return rec, nil
	default:
		// [INF] The docs say anonymous reads act on an empty customer state,
		// but the endpoint pages list only customer and shop tokens; the
		// fake refuses them so a client that forgot its token fails loudly.
		return nil, errorf(http.StatusUnauthorized, bubblehouse.IDInvalidToken, "This call needs a shop or customer token")
	}
}

// match finds the customer an identity names: by BHID, else shop ID, else
// email (primary or alternate). Every other non-empty field must agree
// with it, or be unknown on the customer.
func (s *Server) match(id *bubblehouse.CustomerIdentity1) (*customerRecord, *apiError) {
	var rec *customerRecord
	for _, by := range [...]struct {
		f idField
		v string
	}{{byBHID, string(id.BHID)}, {byShopID, id.ShopID}, {byEmail, id.Email}} {
		if rec = s.lookup(by.f, by.v); rec != nil {
			break
		}
	}
	if rec == nil {
		return nil, errorf(http.StatusNotFound, bubblehouse.IDNoCustomersMatchCustomerIdentity, "No customer matches the customer input")
	}
	if !rec.agrees(id) {
		return nil, errorf(http.StatusNotFound, bubblehouse.IDCustomerIdentityPartiallyMismatchesMatchedCustomer, "A customer matched one field of the customer input, and another field disagrees")
	}
	return rec, nil
}

// blank reports whether every field of id is empty or spaces. Unlike the
// SDK's IsEmpty, a BHID of spaces counts as empty too, as for the other
// fields: the server takes nothing from it.
func blank(id *bubblehouse.CustomerIdentity1) bool {
	return strings.TrimSpace(string(id.BHID)) == "" && strings.TrimSpace(id.ShopID) == "" && strings.TrimSpace(id.Email) == ""
}

// agrees reports whether every non-empty field of id matches r, or names
// something r does not have (the docs: every property set "must match, or
// be missing, on the Bubblehouse side").
func (r *customerRecord) agrees(id *bubblehouse.CustomerIdentity1) bool {
	d := &r.c.Details
	switch {
	case strings.TrimSpace(string(id.BHID)) != "" && !r.has(byBHID, string(id.BHID)):
		return false
	case strings.TrimSpace(id.ShopID) != "" && d.ID != "" && !r.has(byShopID, id.ShopID):
		return false
	case strings.TrimSpace(id.Email) != "" && (d.Email != "" || len(d.AltEmails) > 0) && !r.has(byEmail, id.Email):
		return false
	}
	return true
}

// idField is a field of CustomerIdentity1 a customer can be looked up by.
type idField int

const (
	byBHID   idField = iota // the Bubblehouse ID, in any case
	byShopID                // the shop's customer ID, exactly
	byEmail                 // the primary or an alternate email, in any case
)

// has reports whether r's field f is v. Spaces around v are ignored; a
// blank v matches nothing.
func (r *customerRecord) has(f idField, v string) bool {
	v = strings.TrimSpace(v)
	if v == "" {
		return false
	}
	d := &r.c.Details
	switch f {
	case byBHID:
		return strings.EqualFold(v, string(d.BHID))
	case byShopID:
		return v == d.ID
	case byEmail:
		if strings.EqualFold(v, d.Email) {
			return true
		}
		for _, a := range d.AltEmails {
			if strings.EqualFold(v, a) {
				return true
			}
		}
	}
	return false
}

// lookup returns the first customer whose field f is v, or nil.
func (s *Server) lookup(f idField, v string) *customerRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range s.customers {
		if r.has(f, v) {
			return r
		}
	}
	return nil
}

// takeRate counts a call for the customer key in the current second of the
// server's clock, and refuses it beyond the limit. [INF] Bubblehouse
// documents neither the numbers nor a Retry-After header; the fake sends
// Retry-After: 1, the end of the second.
func (s *Server) takeRate(key string) *apiError {
	if s.limit <= 0 {
		return nil
	}
	sec := s.now().Unix()
	s.mu.Lock()
	defer s.mu.Unlock()
	w := s.windows[key]
	if w.second != sec {
		w = rateWindow{second: sec}
	}
	if w.count >= s.limit {
		return &apiError{status: http.StatusTooManyRequests, id: bubblehouse.IDRateLimitExceeded, message: rateLimitMessage, retryAfter: time.Second}
	}
	w.count++
	s.windows[key] = w
	return nil
}

func (s *Server) customerDetails1(c *call) ([]byte, *apiError) {
	rec, apiErr := s.customer(c)
	if apiErr != nil {
		return nil, apiErr
	}
	return render(rec.c.Details, rec.c.Details.Raw())
}

func (s *Server) customerHistory2(c *call) ([]byte, *apiError) {
	rec, apiErr := s.customer(c)
	if apiErr != nil {
		return nil, apiErr
	}
	changes := make([]json.RawMessage, 0, len(rec.c.History))
	for i := range rec.c.History {
		ch := &rec.c.History[i]
		// [DOC] only_points: entries that affect points. [INF] only_unused:
		// "entries with unused discount codes"; the fake knows no redemption
		// state, so every entry with a discount code counts as unused.
		if c.in.OnlyPoints && !ch.AffectsPoints() {
			continue
		}
		if c.in.OnlyUnused && ch.DiscountCode == "" {
			continue
		}
		b, apiErr := render(*ch, ch.Raw())
		if apiErr != nil {
			return nil, apiErr
		}
		changes = append(changes, b)
	}
	return marshal(struct {
		Changes []json.RawMessage `json:"changes"`
	}{changes})
}

func (s *Server) customerBalance3(c *call) ([]byte, *apiError) {
	rec, apiErr := s.customer(c)
	if apiErr != nil {
		return nil, apiErr
	}
	return renderBalance(rec.c.Balance, c.in.IncludeFullProgram, c.in.IncludeUnusedRewards)
}

// renderBalance strips what the include flags did not ask for: [DOC]
// include_full_program adds sources, offers, tiers and milestones, and
// include_unused_rewards adds unused_rewards; cur_tier and next_tier never
// carry features. The keys are dropped once, from the merged JSON, where
// both the Go values and the seed's Raw have put them.
func renderBalance(b bubblehouse.CustomerBalanceResult3, full, unused bool) ([]byte, *apiError) {
	drop := []string{"cur_tier.features", "next_tier.features"}
	if !full {
		drop = append(drop, "tiers", "offers", "sources", "milestones")
	}
	if !unused {
		drop = append(drop, "unused_rewards")
	}
	return render(b, b.Raw(), drop...)
}

func (s *Server) customerReferrals2(c *call) ([]byte, *apiError) {
	rec, apiErr := s.customer(c)
	if apiErr != nil {
		return nil, apiErr
	}
	// [DOC] Destinations are anonymized unless a shop token or an admin
	// customer token passes deanonymize. [INF] The masking format is not
	// documented; the fake keeps the first character and the domain.
	clear := c.in.Deanonymize && c.tok.admin()
	refs := make([]json.RawMessage, 0, len(rec.c.Referrals))
	for _, r := range rec.c.Referrals {
		if !clear {
			r.Destination = maskDestination(r.Destination)
		}
		b, apiErr := render(r, r.Raw())
		if apiErr != nil {
			return nil, apiErr
		}
		refs = append(refs, b)
	}
	// [INF] The newest docs add "referral counts and earnings totals" under
	// a name they do not give; the fake sends them as referral_stats, the
	// name CustomerBalance3 uses for the same numbers.
	return marshal(struct {
		ReferralStats bubblehouse.CustomerReferralStats3 `json:"referral_stats"`
		Referrals     []json.RawMessage                  `json:"referrals"`
	}{referralStats(rec.c.Referrals), refs})
}

func referralStats(refs []bubblehouse.Referral2) bubblehouse.CustomerReferralStats3 {
	var st bubblehouse.CustomerReferralStats3
	sent := map[bubblehouse.BHID]bool{}
	for _, r := range refs {
		if !sent[r.ReferralBHID] {
			sent[r.ReferralBHID] = true
			st.Sent++
		}
		switch r.Status {
		case bubblehouse.ReferralStatusApproved:
			st.Approved++
		case bubblehouse.ReferralStatusRejected:
			st.Rejected++
		}
		if r.RewardPts != nil {
			st.EarnedPts += *r.RewardPts
		}
	}
	return st
}

// maskDestination turns "alice@example.com" into "a***@example.com", and
// anything else into its first character and "***".
func maskDestination(d string) string {
	if d == "" {
		return ""
	}
	local, domain, ok := strings.Cut(d, "@")
	r := []rune(local)
	if len(r) == 0 {
		return "***@" + domain
	}
	if !ok {
		return string(r[0]) + "***"
	}
	return string(r[0]) + "***@" + domain
}

func (s *Server) exportCustomerData1(c *call) ([]byte, *apiError) {
	switch {
	case c.tok.kind == tokenAnonymous:
		return nil, errorf(http.StatusUnauthorized, bubblehouse.IDInvalidToken, "This call needs a shop or admin customer token")
	case !c.tok.admin():
		// [DOC] Shop token or admin customer token. [INF] The id and status
		// of the refusal are not documented, nor the value of "l" that makes
		// a customer token admin-level: any non-empty "l" does here.
		return nil, errorf(http.StatusForbidden, idForbidden, "ExportCustomerData1 needs a shop token or an admin customer token")
	}
	rec, apiErr := s.customer(c)
	if apiErr != nil {
		return nil, apiErr
	}
	if rec.c.Export != nil {
		return rec.c.Export, nil
	}
	return s.generateExport(rec)
}

// generateExport builds an export from the customer's data. [INF]
// Bubblehouse documents no schema ("subject to change"); this one is the
// fake's own, indented like a file meant for a person.
func (s *Server) generateExport(rec *customerRecord) ([]byte, *apiError) {
	details, apiErr := render(rec.c.Details, rec.c.Details.Raw())
	if apiErr != nil {
		return nil, apiErr
	}
	balance, apiErr := renderBalance(rec.c.Balance, true, true)
	if apiErr != nil {
		return nil, apiErr
	}
	history := make([]json.RawMessage, 0, len(rec.c.History))
	for i := range rec.c.History {
		b, apiErr := render(rec.c.History[i], rec.c.History[i].Raw())
		if apiErr != nil {
			return nil, apiErr
		}
		history = append(history, b)
	}
	refs := make([]json.RawMessage, 0, len(rec.c.Referrals))
	for i := range rec.c.Referrals {
		b, apiErr := render(rec.c.Referrals[i], rec.c.Referrals[i].Raw())
		if apiErr != nil {
			return nil, apiErr
		}
		refs = append(refs, b)
	}
	out, err := json.MarshalIndent(struct {
		ExportedAt time.Time         `json:"exported_at"`
		Shop       string            `json:"shop"`
		Customer   json.RawMessage   `json:"customer"`
		Loyalty    json.RawMessage   `json:"loyalty"`
		History    []json.RawMessage `json:"history"`
		Referrals  []json.RawMessage `json:"referrals"`
	}{s.now().UTC().Truncate(time.Second), s.shop, details, balance, history, refs}, "", "  ")
	if err != nil {
		return nil, errorf(http.StatusInternalServerError, idInternalServerError, "The export could not be encoded")
	}
	return out, nil
}

func (s *Server) status2(c *call) ([]byte, *apiError) {
	// [DOC] now, logged_in, user, shop_slug, membership, program_enabled.
	// [INF] The shape of "user" is not documented; the fake's is its own.
	// Membership is "full" for a known customer, "none" otherwise.
	type user struct {
		Kind   string           `json:"kind"`
		ShopID string           `json:"shopid,omitempty"`
		BHID   bubblehouse.BHID `json:"bhid,omitempty"`
		Level  string           `json:"level,omitempty"`
	}
	out := struct {
		Now            time.Time `json:"now"`
		LoggedIn       bool      `json:"logged_in"`
		User           *user     `json:"user"`
		ShopSlug       string    `json:"shop_slug"`
		Membership     string    `json:"membership"`
		ProgramEnabled bool      `json:"program_enabled"`
	}{Now: s.now().UTC(), ShopSlug: s.shop, Membership: "none", ProgramEnabled: true}
	switch c.tok.kind {
	case tokenShop:
		out.LoggedIn, out.User = true, &user{Kind: "shop"}
	case tokenCustomer:
		out.LoggedIn, out.User = true, &user{Kind: "customer", ShopID: c.tok.customerID, Level: c.tok.level}
		// The caller is found as for every other call, "ce" fallback
		// included. Status2 takes no customer input, so the only refusal is
		// an unknown customer: logged in, but no member.
		if rec, apiErr := s.resolve(c.tok, nil); apiErr == nil {
			out.User.BHID, out.Membership = rec.c.Details.BHID, "full"
		}
	}
	return marshal(out)
}
