package main

import (
	"bytes"
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/bubblehouse-go/bubblehouse"
	"github.com/bubblehouse-go/bubblehouse/bubblehousetest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestStorefrontToken(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), &out))
	assert.Equal(t, `storefront got a token: 200 OK no-store
token kind: customer
balance as the customer: 1850 points
someone else's balance: refused, the token is for another customer
`, out.String())
}

// asAlice is a client holding a customer token for the demo's Alice, as the
// storefront has it.
func asAlice(t *testing.T, srv *bubblehousetest.Server) *bubblehouse.Client {
	t.Helper()
	tok, err := srv.Signer().CustomerToken(bubblehousetest.DemoCustomerShopID, time.Minute)
	require.NoError(t, err)
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	c, err := bubblehouse.NewClient(srv.Shop(), bubblehouse.WithToken(tok), bubblehouse.WithBaseURL(srv.URL()),
		bubblehouse.WithHTTPClient(&http.Client{Transport: tr}), bubblehouse.WithMaxRetries(0))
	require.NoError(t, err)
	return c
}

func TestReadSomeoneElse(t *testing.T) {
	const refused = "someone else's balance: refused, the token is for another customer\n"
	ctx := context.Background()

	t.Run("Bubblehouse answers 403", func(t *testing.T) {
		srv := bubblehousetest.NewServer(t, bubblehousetest.WithDemoData())
		var out bytes.Buffer
		require.NoError(t, readSomeoneElse(ctx, &out, asAlice(t, srv), bubblehouse.ByEmail("bob@example.com")))
		assert.Equal(t, refused, out.String())
		reqs := srv.Requests()
		require.Len(t, reqs, 1, "the call reached the server")
		assert.Equal(t, http.StatusForbidden, reqs[0].Status)
		assert.Equal(t, bubblehouse.IDCustomerIdentityDoesNotMatchToken, reqs[0].ErrorID)
	})
	t.Run("the client refuses a shop ID itself", func(t *testing.T) {
		srv := bubblehousetest.NewServer(t, bubblehousetest.WithDemoData())
		var out bytes.Buffer
		require.NoError(t, readSomeoneElse(ctx, &out, asAlice(t, srv), bubblehouse.ByShopID("shop-customer-456")))
		assert.Equal(t, refused, out.String())
		assert.Empty(t, srv.Requests(), "nothing was sent")
	})
	t.Run("a 401 is not that refusal", func(t *testing.T) {
		srv := bubblehousetest.NewServer(t, bubblehousetest.WithDemoData())
		srv.FailNext(bubblehousetest.EndpointCustomerBalance3, 1, bubblehousetest.Failure{Status: http.StatusUnauthorized, Message: "The token has expired"})
		var out bytes.Buffer
		err := readSomeoneElse(ctx, &out, asAlice(t, srv), bubblehouse.ByEmail("bob@example.com"))
		require.ErrorIs(t, err, bubblehouse.ErrInvalidToken)
		assert.NotErrorIs(t, err, bubblehouse.ErrCustomerIdentityDoesNotMatchToken)
		assert.Empty(t, out.String(), "no refusal is claimed")
		assert.NotContains(t, err.Error(), "eyJ", "no token in the error")
	})
	t.Run("a readable balance is a failure", func(t *testing.T) {
		srv := bubblehousetest.NewServer(t, bubblehousetest.WithDemoData())
		var out bytes.Buffer
		err := readSomeoneElse(ctx, &out, asAlice(t, srv), bubblehouse.ByEmail(bubblehousetest.DemoCustomerEmail))
		require.Error(t, err)
		assert.Empty(t, out.String())
	})
}
