package bubblehousetest

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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
