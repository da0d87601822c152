package bubblehousetest

import (
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bubblehouse-go/bubblehouse"
)

// Dave of the demo data: imported, known by email only, no shop ID.
const (
	daveEmail = "dave@example.net"
	daveBHID  = "0000018f00d00d1e"
)

// statusResult is the part of Status2's answer these tests read.
type statusResult struct {
	LoggedIn   bool   `json:"logged_in"`
	Membership string `json:"membership"`
	User       *struct {
		Kind   string `json:"kind"`
		ShopID string `json:"shopid"`
		BHID   string `json:"bhid"`
	} `json:"user"`
}

// Status2 finds the caller as every other call does: a customer token's
// customer ID first, then its "ce" email for a customer without a shop ID.
func TestStatus2ResolvesTheCallerLikeEveryCall(t *testing.T) {
	srv := NewServer(t, WithDemoData())
	tests := []struct {
		name       string
		claims     map[string]any
		membership string
		bhid       string
	}{
		{"by customer ID", claims(DemoShop + "/" + DemoCustomerShopID), "full", DemoCustomerBHID},
		{"by ce, the customer has no shop ID", claims(DemoShop+"/dave-web-1", "ce", daveEmail), "full", daveBHID},
		{"ce names a customer with another shop ID", claims(DemoShop+"/nobody", "ce", DemoCustomerEmail), "none", ""},
		{"unknown, no ce", claims(DemoShop + "/nobody"), "none", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tok := mint(t, hs256(DefaultKeyID), tc.claims, defaultKey)
			var st statusResult
			decode(t, post(t, srv, EndpointStatus2, tok, "{}"), &st)
			assert.True(t, st.LoggedIn, "a valid customer token is logged in, known or not")
			assert.Equal(t, tc.membership, st.Membership)
			require.NotNil(t, st.User)
			assert.Equal(t, "customer", st.User.Kind)
			assert.Equal(t, tc.bhid, st.User.BHID)

			// CustomerDetails1 agrees on who the caller is.
			a := post(t, srv, EndpointCustomerDetails1, tok, "{}")
			if tc.bhid == "" {
				assert.Equal(t, http.StatusNotFound, a.Status, "%s", a.Body)
				return
			}
			var det struct {
				BHID string `json:"bh_id"`
			}
			decode(t, a, &det)
			assert.Equal(t, tc.bhid, det.BHID)
		})
	}
}

func TestStatus2ShopAndAnonymous(t *testing.T) {
	srv := NewServer(t, WithDemoData())
	var st statusResult
	decode(t, post(t, srv, EndpointStatus2, shopToken(t, srv), "{}"), &st)
	assert.True(t, st.LoggedIn)
	assert.Equal(t, "none", st.Membership)
	require.NotNil(t, st.User)
	assert.Equal(t, "shop", st.User.Kind)

	a := post(t, srv, EndpointStatus2, "", "{}")
	require.Equal(t, http.StatusOK, a.Status, "%s", a.Body)
	var raw map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(a.Body, &raw))
	assert.JSONEq(t, "false", string(raw["logged_in"]))
	assert.JSONEq(t, "null", string(raw["user"]))
}

// [INF] A customer token whose customer ID the fake does not know falls back
// to its "ce" email, but only for a customer without a shop ID: one with a
// shop ID is named by it, not by an email.
func TestCustomerEmailClaimFallback(t *testing.T) {
	srv := NewServer(t, WithDemoData())
	ctx := context.Background()
	as := func(t *testing.T, customerID string, opts ...bubblehouse.TokenOption) *bubblehouse.Client {
		t.Helper()
		tok, err := srv.Signer().CustomerToken(customerID, time.Minute, opts...)
		require.NoError(t, err)
		c, err := bubblehouse.NewClient(srv.Shop(), bubblehouse.WithBaseURL(srv.URL()), bubblehouse.WithToken(tok),
			bubblehouse.WithHTTPClient(srv.hs.Client()))
		require.NoError(t, err)
		return c
	}

	t.Run("an email-only customer is found by ce", func(t *testing.T) {
		c := as(t, "dave-web-1", bubblehouse.WithCustomerEmail("DAVE@example.net"))
		det, err := c.CustomerDetails1(ctx, nil)
		require.NoError(t, err)
		assert.Equal(t, bubblehouse.BHID(daveBHID), det.BHID)
		assert.Equal(t, daveEmail, det.Email)
		_, err = c.CustomerBalance3(ctx, nil)
		require.NoError(t, err)
		// An input that names the same customer agrees with the token...
		_, err = c.CustomerDetails1(ctx, &bubblehouse.CustomerDetails1Input{Customer: bubblehouse.ByEmail(daveEmail)})
		require.NoError(t, err)
		// ...and one that names someone else does not.
		_, err = c.CustomerDetails1(ctx, &bubblehouse.CustomerDetails1Input{Customer: bubblehouse.ByEmail(DemoCustomerEmail)})
		assert.ErrorIs(t, err, bubblehouse.ErrCustomerIdentityDoesNotMatchToken)

		reqs := srv.Requests()
		require.NotEmpty(t, reqs)
		assert.Equal(t, "DAVE@example.net", reqs[0].CustomerEmail, "the ce claim is recorded")
	})
	t.Run("a customer with a shop ID is not found by ce", func(t *testing.T) {
		_, err := as(t, "web-alice", bubblehouse.WithCustomerEmail(DemoCustomerEmail)).CustomerDetails1(ctx, nil)
		assert.ErrorIs(t, err, bubblehouse.ErrNoCustomersMatchCustomerIdentity)
	})
	t.Run("the customer ID wins over ce", func(t *testing.T) {
		det, err := as(t, DemoCustomerShopID, bubblehouse.WithCustomerEmail(daveEmail)).CustomerDetails1(ctx, nil)
		require.NoError(t, err)
		assert.Equal(t, DemoCustomerEmail, det.Email)
	})
	t.Run("an unknown ce finds nobody", func(t *testing.T) {
		_, err := as(t, "dave-web-1", bubblehouse.WithCustomerEmail("nobody@example.net")).CustomerDetails1(ctx, nil)
		assert.ErrorIs(t, err, bubblehouse.ErrNoCustomersMatchCustomerIdentity)
	})
	t.Run("a ce that is not a string is no email", func(t *testing.T) {
		tok := mint(t, hs256(DefaultKeyID), claims(DemoShop+"/dave-web-1", "ce", 42), defaultKey)
		a := post(t, srv, EndpointCustomerDetails1, tok, "{}")
		assert.Equal(t, http.StatusNotFound, a.Status, "%s", a.Body)
		assert.Equal(t, bubblehouse.IDNoCustomersMatchCustomerIdentity, a.ID)
	})
}

// AddCustomer replaces the customer with the same BHID (in any case) or the
// same non-empty shop ID; customers without a shop ID never replace each
// other by it.
func TestAddCustomerReplaces(t *testing.T) {
	srv := NewServer(t)
	c := srv.Client()
	ctx := context.Background()
	details := func(id *bubblehouse.CustomerIdentity1) (*bubblehouse.Customer2, error) {
		return c.CustomerDetails1(ctx, &bubblehouse.CustomerDetails1Input{Customer: id})
	}

	first := srv.AddCustomer(Customer{Details: bubblehouse.Customer2{BHID: "0000018abc000001", ID: "s1", Email: "old@example.com", FirstName: "Old"}})
	assert.Equal(t, bubblehouse.BHID("0000018abc000001"), first)

	t.Run("by BHID", func(t *testing.T) {
		// Another shop ID, so that only the BHID (in another case) matches.
		got := srv.AddCustomer(Customer{Details: bubblehouse.Customer2{BHID: "0000018ABC000001", ID: "s1b", Email: "new@example.com", FirstName: "New"}})
		assert.Equal(t, bubblehouse.BHID("0000018ABC000001"), got)
		det, err := details(bubblehouse.ByShopID("s1b"))
		require.NoError(t, err)
		assert.Equal(t, "New", det.FirstName)
		for _, old := range []*bubblehouse.CustomerIdentity1{bubblehouse.ByShopID("s1"), bubblehouse.ByEmail("old@example.com")} {
			_, err = details(old)
			assert.ErrorIs(t, err, bubblehouse.ErrNoCustomersMatchCustomerIdentity, "the old record is gone: %v", old)
		}
	})
	t.Run("by shop ID", func(t *testing.T) {
		got := srv.AddCustomer(Customer{Details: bubblehouse.Customer2{ID: "s1b", Email: "newer@example.com", FirstName: "Newer"}})
		assert.NotEqual(t, bubblehouse.BHID("0000018ABC000001"), got, "a new BHID is generated for the new record")
		det, err := details(bubblehouse.ByShopID("s1b"))
		require.NoError(t, err)
		assert.Equal(t, "Newer", det.FirstName)
		assert.Equal(t, got, det.BHID)
		_, err = details(bubblehouse.ByBHID("0000018abc000001"))
		assert.ErrorIs(t, err, bubblehouse.ErrNoCustomersMatchCustomerIdentity, "the replaced record's BHID is gone")
		_, err = details(bubblehouse.ByEmail("new@example.com"))
		assert.ErrorIs(t, err, bubblehouse.ErrNoCustomersMatchCustomerIdentity)
	})
	t.Run("no shop ID is no match", func(t *testing.T) {
		a := srv.AddCustomer(Customer{Details: bubblehouse.Customer2{Email: "a@example.com"}})
		b := srv.AddCustomer(Customer{Details: bubblehouse.Customer2{Email: "b@example.com"}})
		assert.NotEqual(t, a, b)
		for _, e := range []string{"a@example.com", "b@example.com", "newer@example.com"} {
			_, err := details(bubblehouse.ByEmail(e))
			assert.NoError(t, err, e)
		}
	})
	t.Run("the server keeps its own copy", func(t *testing.T) {
		history := []bubblehouse.Change2{{Desc: "seeded"}}
		srv.AddCustomer(Customer{Details: bubblehouse.Customer2{ID: "s2"}, History: history})
		history[0].Desc = "changed by the test afterwards"
		his, err := c.CustomerHistory2(ctx, &bubblehouse.CustomerHistory2Input{Customer: bubblehouse.ByShopID("s2")})
		require.NoError(t, err)
		require.Len(t, his.Changes, 1)
		assert.Equal(t, "seeded", his.Changes[0].Desc)
		assert.Empty(t, history[0].ID, "the caller's slice is not written to")
	})
	t.Run("a deep copy: nested slices, maps and pointers too", func(t *testing.T) {
		seed := DemoCustomers()[0]
		seed.Details.ID = "deep"
		seed.Details.BHID = ""
		seed.Details.Email = "deep@example.com"
		srv.AddCustomer(seed)
		require.NotEmpty(t, seed.Details.Tags)
		require.NotEmpty(t, seed.Balance.Tiers)
		require.NotNil(t, seed.Balance.CurTier)
		wantTag, wantTier, wantCur := seed.Details.Tags[0], seed.Balance.Tiers[0].Name, seed.Balance.CurTier.Name
		seed.Details.Tags[0] = "changed afterwards"
		seed.Details.Extras = map[string]json.RawMessage{"late": json.RawMessage(`1`)}
		seed.Balance.Tiers[0].Name = "changed afterwards"
		seed.Balance.CurTier.Name = "changed afterwards"

		det, err := details(bubblehouse.ByShopID("deep"))
		require.NoError(t, err)
		assert.Equal(t, wantTag, det.Tags[0])
		assert.NotContains(t, det.Extras, "late")
		bal, err := c.CustomerBalance3(ctx, &bubblehouse.CustomerBalance3Input{Customer: bubblehouse.ByShopID("deep"), IncludeFullProgram: true})
		require.NoError(t, err)
		assert.Equal(t, wantTier, bal.Tiers[0].Name)
		require.NotNil(t, bal.CurTier)
		assert.Equal(t, wantCur, bal.CurTier.Name)
	})
	t.Run("a replacement keeps its place", func(t *testing.T) {
		srv.AddCustomer(Customer{Details: bubblehouse.Customer2{ID: "first", Email: "shared@example.com", FirstName: "First"}})
		srv.AddCustomer(Customer{Details: bubblehouse.Customer2{ID: "second", Email: "shared@example.com", FirstName: "Second"}})
		srv.AddCustomer(Customer{Details: bubblehouse.Customer2{ID: "first", Email: "shared@example.com", FirstName: "First again"}})
		det, err := details(bubblehouse.ByEmail("shared@example.com"))
		require.NoError(t, err)
		assert.Equal(t, "First again", det.FirstName, "the first match by email is still the first customer")
	})
	t.Run("a new customer matching two replaces both", func(t *testing.T) {
		a := srv.AddCustomer(Customer{Details: bubblehouse.Customer2{ID: "twin-a", FirstName: "A"}})
		b := srv.AddCustomer(Customer{Details: bubblehouse.Customer2{ID: "twin-b", FirstName: "B"}})
		srv.AddCustomer(Customer{Details: bubblehouse.Customer2{BHID: a, ID: "twin-b", FirstName: "Both"}})
		for _, id := range []*bubblehouse.CustomerIdentity1{bubblehouse.ByBHID(a), bubblehouse.ByShopID("twin-b")} {
			det, err := details(id)
			require.NoError(t, err)
			assert.Equal(t, "Both", det.FirstName)
		}
		_, err := details(bubblehouse.ByShopID("twin-a"))
		assert.ErrorIs(t, err, bubblehouse.ErrNoCustomersMatchCustomerIdentity, "the record matched by BHID is gone")
		_, err = details(bubblehouse.ByBHID(b))
		assert.ErrorIs(t, err, bubblehouse.ErrNoCustomersMatchCustomerIdentity, "the record matched by shop ID is gone too")
	})
}

// A seed decoded from JSON keeps the keys the SDK does not model, but a
// field the test clears in Go is served cleared, even where its key is
// omitted when empty and the seed's JSON still has it.
func TestSeedEditsWinOverSeedJSON(t *testing.T) {
	srv := NewServer(t)
	c := srv.Client()
	ctx := context.Background()

	var det bubblehouse.Customer2
	require.NoError(t, json.Unmarshal([]byte(`{"id":"e1","email":"e1@example.com","phone":"+15550100","tags":["vip"],`+
		`"extras":{"a":1,"b":2},"future_field":{"x":1}}`), &det))
	var bal bubblehouse.CustomerBalanceResult3
	require.NoError(t, json.Unmarshal([]byte(`{"pts_available":100,"pts_available_value":"1.00",`+
		`"next_tier":{"id":"gold","name":"Gold","future_tier_field":true},"future_balance_field":7}`), &bal))
	det.Phone = ""
	det.Tags = nil
	delete(det.Extras, "b")
	bal.PtsAvailableValue = nil
	bal.NextTier = nil
	srv.AddCustomer(Customer{Details: det, Balance: bal})

	got, err := c.CustomerDetails1(ctx, &bubblehouse.CustomerDetails1Input{Customer: bubblehouse.ByShopID("e1")})
	require.NoError(t, err)
	assert.Empty(t, got.Phone)
	assert.Nil(t, got.Tags)
	assert.Equal(t, map[string]json.RawMessage{"a": json.RawMessage(`1`)}, got.Extras, "a map is the Go value's alone")
	var future map[string]int
	ok, err := got.Field("future_field", &future)
	require.NoError(t, err)
	assert.True(t, ok, "an unmodelled key is still served")
	assert.Equal(t, map[string]int{"x": 1}, future)

	b, err := c.CustomerBalance3(ctx, &bubblehouse.CustomerBalance3Input{Customer: bubblehouse.ByShopID("e1")})
	require.NoError(t, err)
	assert.Nil(t, b.PtsAvailableValue)
	assert.Nil(t, b.NextTier)
	ok, err = b.Field("future_balance_field", nil)
	require.NoError(t, err)
	assert.True(t, ok)
}

var bhidPattern = regexp.MustCompile(`^[0-9a-f]{16}$`)

// AddCustomer generates bubbleflake-shaped IDs where the seed has none:
// the customer's BHID, change IDs (whose CustomerBHID becomes the
// customer's) and referral IDs, all dated by the server's clock and unique.
func TestAddCustomerGeneratesIDs(t *testing.T) {
	at := time.Now().UTC() // frozen: every ID is made in the same millisecond
	srv := NewServer(t, WithClock(func() time.Time { return at }))
	c := srv.Client()
	ctx := context.Background()

	bhid := srv.AddCustomer(Customer{
		Details: bubblehouse.Customer2{ID: "g1"},
		History: []bubblehouse.Change2{
			{Desc: "generated"},
			{ID: "0000018abc0000aa", CustomerBHID: "0000018abc0000bb", Desc: "kept as seeded"},
			{Desc: "generated too"},
		},
		Referrals: []bubblehouse.Referral2{{}, {ReferralBHID: "0000018abc0000cc"}},
	})
	assert.Regexp(t, bhidPattern, string(bhid))
	made, ok := bhid.Time()
	require.True(t, ok)
	assert.Equal(t, at.Truncate(time.Millisecond), made.UTC(), "dated by the server's clock")

	det, err := c.CustomerDetails1(ctx, &bubblehouse.CustomerDetails1Input{Customer: bubblehouse.ByShopID("g1")})
	require.NoError(t, err)
	assert.Equal(t, bhid, det.BHID, "AddCustomer returns the BHID the server serves")

	his, err := c.CustomerHistory2(ctx, &bubblehouse.CustomerHistory2Input{Customer: bubblehouse.ByBHID(bhid)})
	require.NoError(t, err)
	require.Len(t, his.Changes, 3)
	assert.Equal(t, bubblehouse.BHID("0000018abc0000aa"), his.Changes[1].ID)
	assert.Equal(t, bubblehouse.BHID("0000018abc0000bb"), his.Changes[1].CustomerBHID)
	seen := map[bubblehouse.BHID]bool{bhid: true}
	for _, i := range []int{0, 2} {
		ch := his.Changes[i]
		assert.Regexp(t, bhidPattern, string(ch.ID))
		assert.False(t, seen[ch.ID], "IDs are unique: %s", ch.ID)
		seen[ch.ID] = true
		assert.Equal(t, bhid, ch.CustomerBHID)
	}

	ref, err := c.CustomerReferrals2(ctx, &bubblehouse.CustomerReferrals2Input{Customer: bubblehouse.ByBHID(bhid)})
	require.NoError(t, err)
	require.Len(t, ref.Referrals, 2)
	assert.Regexp(t, bhidPattern, string(ref.Referrals[0].ReferralBHID))
	assert.False(t, seen[ref.Referrals[0].ReferralBHID])
	assert.Equal(t, bubblehouse.BHID("0000018abc0000cc"), ref.Referrals[1].ReferralBHID)

	// Many customers in the same millisecond still get distinct BHIDs.
	for range 100 {
		id := srv.AddCustomer(Customer{})
		assert.False(t, seen[id], "BHIDs are unique: %s", id)
		seen[id] = true
	}
}
