package bubblehousetest

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRejectsBadTokens(t *testing.T) {
	srv := NewServer(t, WithDemoData())
	now := time.Now().Unix()
	body := `{"customer":{"email":"alice@example.com"}}`
	tests := []struct {
		name  string
		token string
		msg   string
	}{
		{"bad signature", mint(t, hs256(DefaultKeyID), claims(DemoShop), []byte("another-secret")), "The token's signature is invalid"},
		{"secret used undecoded", mint(t, hs256(DefaultKeyID), claims(DemoShop), []byte(DefaultSecret)), "The token's signature is invalid"},
		{"wrong kid", mint(t, hs256("other-key"), claims(DemoShop), defaultKey), "The token's key ID is unknown or revoked"},
		{"no kid", mint(t, map[string]any{"alg": "HS256"}, claims(DemoShop), defaultKey), "The token has no key ID (kid)"},
		{"alg none", mint(t, map[string]any{"alg": "none", "kid": DefaultKeyID}, claims(DemoShop), defaultKey), "The token must be signed with HS256"},
		{"alg HS512", mint(t, map[string]any{"alg": "HS512", "kid": DefaultKeyID}, claims(DemoShop), defaultKey), "The token must be signed with HS256"},
		{"header names are case-sensitive", mint(t, map[string]any{"ALG": "HS256", "kid": DefaultKeyID}, claims(DemoShop), defaultKey), "The token must be signed with HS256"},
		{"kid not a string", mint(t, map[string]any{"alg": "HS256", "kid": 1}, claims(DemoShop), defaultKey), "The token has no key ID (kid)"},
		{"wrong aud", mint(t, hs256(DefaultKeyID), claims(DemoShop, "aud", "bh"), defaultKey), `The token's audience (aud) must be "BH"`},
		{"no aud", mint(t, hs256(DefaultKeyID), claims(DemoShop, "aud", nil), defaultKey), `The token's audience (aud) must be "BH"`},
		{"aud an array holding BH", mint(t, hs256(DefaultKeyID), claims(DemoShop, "aud", []string{"BH"}), defaultKey), `The token's audience (aud) must be "BH"`},
		{"aud an array holding more", mint(t, hs256(DefaultKeyID), claims(DemoShop, "aud", []string{"x", "BH"}), defaultKey), `The token's audience (aud) must be "BH"`},
		{"expired", mint(t, hs256(DefaultKeyID), claims(DemoShop, "exp", now-60), defaultKey), "The token has expired"},
		{"iat in the future", mint(t, hs256(DefaultKeyID), claims(DemoShop, "iat", now+60), defaultKey), "The token is not valid yet"},
		{"iat not a number", mint(t, hs256(DefaultKeyID), claims(DemoShop, "iat", "now"), defaultKey), "The token's iat is not a number"},
		{"exp null", mint(t, hs256(DefaultKeyID), claims(DemoShop, "exp", json.RawMessage("null")), defaultKey), "The token's exp is not a number"},
		{"iat null", mint(t, hs256(DefaultKeyID), claims(DemoShop, "iat", json.RawMessage("null")), defaultKey), "The token's iat is not a number"},
		{"another shop", mint(t, hs256(DefaultKeyID), claims("other-shop"), defaultKey), "The token is for another shop"},
		{"shop prefix is not a shop", mint(t, hs256(DefaultKeyID), claims(DemoShop+"x"), defaultKey), "The token is for another shop"},
		{"empty customer id", mint(t, hs256(DefaultKeyID), claims(DemoShop+"/"), defaultKey), "The token is for another shop"},
		{"no sub", mint(t, hs256(DefaultKeyID), claims("", "sub", nil), defaultKey), "The token has no subject (sub)"},
		{"not a JWT", "not-a-jwt", "The token is not a JWT"},
		{"garbage segments", "a.b.c", "The token is not a JWT"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := post(t, srv, EndpointCustomerDetails1, tc.token, body)
			assert.Equal(t, http.StatusUnauthorized, a.Status, "%s", a.Body)
			assert.Equal(t, "invalid_token", a.ID)
			assert.Equal(t, tc.msg, a.Msg)
			assert.NotContains(t, string(a.Body), tc.token)
		})
	}

	t.Run("within the clock skew", func(t *testing.T) {
		tok := mint(t, hs256(DefaultKeyID), claims(DemoShop, "iat", now+5, "exp", now-5), defaultKey)
		assert.Equal(t, http.StatusOK, post(t, srv, EndpointCustomerDetails1, tok, body).Status)
	})
	t.Run("no exp never expires", func(t *testing.T) {
		tok := mint(t, hs256(DefaultKeyID), claims(DemoShop, "exp", nil, "iat", nil), defaultKey)
		assert.Equal(t, http.StatusOK, post(t, srv, EndpointCustomerDetails1, tok, body).Status)
	})
	t.Run("non-Bearer header", func(t *testing.T) {
		req, err := http.NewRequest(http.MethodPost, srv.URL()+"/api/v2023061/demo-shop/Status2", nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Basic dXNlcjpwYXNz")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	})
	t.Run("revoked and added keys", func(t *testing.T) {
		s2 := NewServer(t, WithDemoData())
		require.NoError(t, s2.AddSigningKey("key-2", "c2Vjb25kLXNlY3JldA=="))
		tok := mint(t, hs256("key-2"), claims(DemoShop), []byte("second-secret"))
		assert.Equal(t, http.StatusOK, post(t, s2, EndpointStatus2, tok, "{}").Status)
		s2.RevokeKey("key-2")
		assert.Equal(t, http.StatusUnauthorized, post(t, s2, EndpointStatus2, tok, "{}").Status)
	})
}

// [DOC] An empty token is an anonymous call, like no token at all. Go's
// HTTP server trims the space after "Bearer", so the header arrives as the
// bare scheme.
func TestEmptyBearerTokenIsAnonymous(t *testing.T) {
	srv := NewServer(t, WithDemoData())
	send := func(t *testing.T, fn, header string) answer {
		t.Helper()
		req, err := http.NewRequest(http.MethodPost, srv.URL()+"/api/v2023061/"+DemoShop+"/"+fn, strings.NewReader(`{"customer":{"email":"alice@example.com"}}`))
		require.NoError(t, err)
		if header != "" {
			req.Header.Set("Authorization", header)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		a := answer{Status: resp.StatusCode, Body: b}
		if resp.StatusCode >= 400 {
			var e struct{ ID, Message string }
			require.NoError(t, json.Unmarshal(b, &e))
			a.ID, a.Msg = e.ID, e.Message
		}
		return a
	}
	for _, fn := range []string{EndpointStatus2, EndpointCustomerDetails1} {
		want := send(t, fn, "") // no Authorization header
		for _, h := range []string{"Bearer ", "Bearer", "bearer   ", "BEARER \t "} {
			t.Run(fn+"/"+h, func(t *testing.T) {
				got := send(t, fn, h)
				assert.Equal(t, want.Status, got.Status, "%s", got.Body)
				assert.Equal(t, want.ID, got.ID)
				assert.Equal(t, want.Msg, got.Msg)
			})
		}
	}
	var st struct {
		LoggedIn bool            `json:"logged_in"`
		User     json.RawMessage `json:"user"`
	}
	require.NoError(t, json.Unmarshal(send(t, EndpointStatus2, "Bearer ").Body, &st))
	assert.False(t, st.LoggedIn)
	assert.Equal(t, "null", string(st.User))

	// Another scheme, or a scheme with no separator, is still refused.
	for _, h := range []string{"Basic ", "Bearerx", "Token abc"} {
		a := send(t, EndpointStatus2, h)
		assert.Equal(t, http.StatusUnauthorized, a.Status, h)
		assert.Equal(t, "invalid_token", a.ID, h)
	}
}

func TestTokenTimesFollowTheServerClock(t *testing.T) {
	ahead := NewServer(t, WithDemoData(), WithClock(func() time.Time { return time.Now().Add(time.Hour) }))
	a := post(t, ahead, EndpointStatus2, shopToken(t, ahead), "{}")
	assert.Equal(t, http.StatusUnauthorized, a.Status)
	assert.Equal(t, "The token has expired", a.Msg)

	behind := NewServer(t, WithClock(func() time.Time { return time.Now().Add(-time.Minute) }))
	a = post(t, behind, EndpointStatus2, shopToken(t, behind), "{}")
	assert.Equal(t, "The token is not valid yet", a.Msg)
}

func TestRejectsBadIdentities(t *testing.T) {
	srv := NewServer(t, WithDemoData())
	shop := shopToken(t, srv)
	alice := mint(t, hs256(DefaultKeyID), claims(DemoShop+"/"+DemoCustomerShopID), defaultKey)
	ghost := mint(t, hs256(DefaultKeyID), claims(DemoShop+"/nobody"), defaultKey)
	tests := []struct {
		name, token, body string
		status            int
		id                string
	}{
		{"missing identity", shop, `{}`, 400, "missing_customer_identity"},
		{"null identity", shop, `{"customer":null}`, 400, "missing_customer_identity"},
		{"empty identity", shop, `{"customer":{}}`, 404, "empty_customer_identity"},
		{"blank identity", shop, `{"customer":{"bhid":"","shopid":" ","email":""}}`, 404, "empty_customer_identity"},
		{"no match", shop, `{"customer":{"email":"nobody@example.com"}}`, 404, "no_customers_match_customer_identity"},
		{"no match by bhid", shop, `{"customer":{"bhid":"00000000deadbeef"}}`, 404, "no_customers_match_customer_identity"},
		{"partial mismatch", shop, `{"customer":{"shopid":"shop-customer-123","email":"bob@example.com"}}`, 404, "customer_identity_partially_mismatches_matched_customer"},
		{"partial mismatch by bhid", shop, `{"customer":{"bhid":"0000018abc123def","shopid":"shop-customer-456"}}`, 404, "customer_identity_partially_mismatches_matched_customer"},
		{"customer token names someone else", alice, `{"customer":{"email":"bob@example.com"}}`, 403, "customer_identity_does_not_match_token"},
		{"customer token unknown customer", ghost, `{}`, 404, "no_customers_match_customer_identity"},
		{"anonymous", "", `{"customer":{"email":"alice@example.com"}}`, 401, "invalid_token"},
	}
	for _, ep := range []string{EndpointCustomerDetails1, EndpointCustomerHistory2, EndpointCustomerBalance3, EndpointCustomerReferrals2} {
		for _, tc := range tests {
			t.Run(ep+"/"+tc.name, func(t *testing.T) {
				a := post(t, srv, ep, tc.token, tc.body)
				assert.Equal(t, tc.status, a.Status, "%s", a.Body)
				assert.Equal(t, tc.id, a.ID)
			})
		}
	}

	ok := []struct{ name, token, body string }{
		{"alt email", shop, `{"customer":{"email":"OLD.email@example.com"}}`},
		{"all three agree", shop, `{"customer":{"bhid":"0000018abc123def","shopid":"shop-customer-123","email":"alice@example.com"}}`},
		{"email unknown on an email-less side is fine", shop, `{"customer":{"bhid":"0000018f00d00d1e","shopid":"dave-in-the-shop"}}`},
		{"customer token, no input", alice, `{}`},
		{"customer token, matching input", alice, `{"customer":{"email":"alice@example.com"}}`},
		{"customer token, empty input", alice, `{"customer":{}}`},
		{"empty body", shop, ``},
	}
	for _, tc := range ok {
		t.Run("ok/"+tc.name, func(t *testing.T) {
			body := tc.body
			if body == "" && tc.token == shop {
				a := post(t, srv, EndpointStatus2, tc.token, body)
				assert.Equal(t, http.StatusOK, a.Status, "%s", a.Body)
				return
			}
			a := post(t, srv, EndpointCustomerDetails1, tc.token, body)
			assert.Equal(t, http.StatusOK, a.Status, "%s", a.Body)
		})
	}
}

func TestExportNeedsAdmin(t *testing.T) {
	srv := NewServer(t, WithDemoData())
	body := `{"customer":{"shopid":"shop-customer-123"}}`
	plain := mint(t, hs256(DefaultKeyID), claims(DemoShop+"/"+DemoCustomerShopID), defaultKey)
	admin := mint(t, hs256(DefaultKeyID), claims(DemoShop+"/"+DemoCustomerShopID, "l", "admin"), defaultKey)

	a := post(t, srv, EndpointExportCustomerData1, plain, body)
	assert.Equal(t, http.StatusForbidden, a.Status)
	assert.Equal(t, "forbidden", a.ID)
	assert.Equal(t, http.StatusOK, post(t, srv, EndpointExportCustomerData1, admin, body).Status)
	assert.Equal(t, http.StatusOK, post(t, srv, EndpointExportCustomerData1, shopToken(t, srv), body).Status)
	assert.Equal(t, http.StatusUnauthorized, post(t, srv, EndpointExportCustomerData1, "", body).Status)

	reqs := srv.Requests()
	require.Len(t, reqs, 4)
	assert.Equal(t, "admin", reqs[1].Level)
	assert.Equal(t, DemoShop+"/"+DemoCustomerShopID, reqs[1].Subject)
}

func TestRejectsBadRequests(t *testing.T) {
	srv := NewServer(t, WithDemoData())
	tok := shopToken(t, srv)
	base := srv.URL() + "/api/"
	tests := []struct {
		name, method, url, body string
		status                  int
		id                      string
	}{
		{"GET", http.MethodGet, base + "v2023061/demo-shop/CustomerDetails1", "", 405, "invalid_http_method"},
		{"PUT", http.MethodPut, base + "v2023061/demo-shop/Status2", "{}", 405, "invalid_http_method"},
		{"invalid JSON", http.MethodPost, base + "v2023061/demo-shop/CustomerDetails1", `{"customer":`, 400, "invalid_json"},
		{"form body", http.MethodPost, base + "v2023061/demo-shop/CustomerDetails1", `customer.email=a@b.c`, 400, "invalid_json"},
		{"JSON array", http.MethodPost, base + "v2023061/demo-shop/CustomerDetails1", `[]`, 400, "invalid_json"},
		{"wrong type", http.MethodPost, base + "v2023061/demo-shop/CustomerHistory2", `{"customer":{"email":"alice@example.com"},"only_points":"yes"}`, 400, "invalid_json"},
		{"wrong type of bhid", http.MethodPost, base + "v2023061/demo-shop/CustomerDetails1", `{"customer":{"bhid":123}}`, 400, "invalid_json"},
		{"wrong type of shopid", http.MethodPost, base + "v2023061/demo-shop/CustomerDetails1", `{"customer":{"shopid":123}}`, 400, "invalid_json"},
		{"unknown function", http.MethodPost, base + "v2023061/demo-shop/CustomerDetails9", "{}", 404, "unknown_method"},
		{"wrong version", http.MethodPost, base + "v2099/demo-shop/Status2", "{}", 400, "invalid_global_api_version"},
		{"wrong shop", http.MethodPost, base + "v2023061/other-shop/Status2", "{}", 401, "invalid_token"},
		{"not an API path", http.MethodPost, srv.URL() + "/v2023061/demo-shop/Status2", "{}", 404, "not_found"},
		{"8-digit version", http.MethodPost, base + "v20230601/demo-shop/Status2", "{}", 200, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := do(t, tc.method, tc.url, tok, tc.body)
			assert.Equal(t, tc.status, a.Status, "%s", a.Body)
			assert.Equal(t, tc.id, a.ID)
		})
	}
	// A body that is valid JSON is never called invalid JSON.
	assert.Equal(t, "Invalid value of \"only_points\"", post(t, srv, EndpointCustomerHistory2, tok, `{"only_points":"yes"}`).Msg)
	assert.Equal(t, "Invalid value of \"customer.shopid\"", post(t, srv, EndpointCustomerDetails1, tok, `{"customer":{"shopid":1}}`).Msg)
	assert.Equal(t, "A value in the body has the wrong type", post(t, srv, EndpointCustomerDetails1, tok, `{"customer":{"bhid":1}}`).Msg)
	assert.Equal(t, "The body is not valid JSON", post(t, srv, EndpointCustomerDetails1, tok, `{"customer":{"bhid":1}`).Msg)

	big := `{"x":"` + string(make([]byte, MaxBodyBytes)) + `"}`
	assert.Equal(t, "invalid_json", post(t, srv, EndpointStatus2, tok, big).ID)
}

func TestFilters(t *testing.T) {
	srv := NewServer(t, WithDemoData())
	tok := shopToken(t, srv)
	alice := `"customer":{"email":"alice@example.com"}`

	var his struct {
		Changes []map[string]any `json:"changes"`
	}
	decode(t, post(t, srv, EndpointCustomerHistory2, tok, `{`+alice+`,"only_points":true}`), &his)
	assert.Len(t, his.Changes, 15, "the tier change is left out")
	decode(t, post(t, srv, EndpointCustomerHistory2, tok, `{`+alice+`,"only_unused":true}`), &his)
	assert.Len(t, his.Changes, 3)
	for _, ch := range his.Changes {
		assert.NotEmpty(t, ch["discount_code"])
	}

	var bal map[string]any
	decode(t, post(t, srv, EndpointCustomerBalance3, tok, `{`+alice+`}`), &bal)
	for _, k := range []string{"tiers", "offers", "sources", "milestones", "unused_rewards"} {
		assert.NotContains(t, bal, k)
	}
	assert.Contains(t, bal, "redemption_config")
	assert.Contains(t, bal, "cur_tier")
	decode(t, post(t, srv, EndpointCustomerBalance3, tok, `{`+alice+`,"include_unused_rewards":true}`), &bal)
	assert.Contains(t, bal, "unused_rewards")
	assert.NotContains(t, bal, "tiers")

	var ref struct {
		Referrals []struct {
			Destination string `json:"destination"`
		} `json:"referrals"`
	}
	decode(t, post(t, srv, EndpointCustomerReferrals2, tok, `{`+alice+`}`), &ref)
	assert.Equal(t, "b***@example.com", ref.Referrals[0].Destination, "masked by default")
	decode(t, post(t, srv, EndpointCustomerReferrals2, tok, `{`+alice+`,"deanonymize":true}`), &ref)
	assert.Equal(t, "bob@example.com", ref.Referrals[0].Destination)
	cust := mint(t, hs256(DefaultKeyID), claims(DemoShop+"/"+DemoCustomerShopID), defaultKey)
	decode(t, post(t, srv, EndpointCustomerReferrals2, cust, `{"deanonymize":true}`), &ref)
	assert.Equal(t, "b***@example.com", ref.Referrals[0].Destination, "a plain customer token may not deanonymize")
	admin := mint(t, hs256(DefaultKeyID), claims(DemoShop+"/"+DemoCustomerShopID, "l", 1), defaultKey)
	decode(t, post(t, srv, EndpointCustomerReferrals2, admin, `{"deanonymize":true}`), &ref)
	assert.Equal(t, "bob@example.com", ref.Referrals[0].Destination)
}

func decode(t *testing.T, a answer, v any) {
	t.Helper()
	require.Equal(t, http.StatusOK, a.Status, "%s", a.Body)
	require.NoError(t, jsonUnmarshal(a.Body, v))
}
