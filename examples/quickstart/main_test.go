package main

import (
	"bytes"
	"context"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/bubblehouse-go/bubblehouse"
	"github.com/bubblehouse-go/bubblehouse/bubblehousetest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestQuickstartOnTheDemoServer(t *testing.T) {
	var out bytes.Buffer
	err := run(context.Background(), &out, func(string) string { return "" })
	require.NoError(t, err)
	got := out.String()
	for _, want := range []string{
		`Bubblehouse shop "demo-shop" (embedded demo server`,
		"Customer  Alice Smith <alice@example.com>, member since 2020-01-15",
		"Points    1850 points available (worth 18.50), 240 pending",
		"Tier      Gold (next: Platinum)",
		"Last changes (16 in all)",
		"Referrals (4)",
	} {
		assert.Contains(t, got, want)
	}
	m := regexp.MustCompile(`(?m)^GDPR export  (\d+) bytes$`).FindStringSubmatch(got)
	require.NotNil(t, m, "no export line in:\n%s", got)
	size, err := strconv.ParseInt(m[1], 10, 64)
	require.NoError(t, err)
	assert.Greater(t, size, int64(0), "the export has content")
	// The demo export differs between servers only in its timestamp, whose
	// width is fixed: another demo server's export has the same size.
	srv := bubblehousetest.NewServer(t, bubblehousetest.WithDemoData())
	raw, err := srv.Client().ExportCustomerData1(context.Background(), &bubblehouse.ExportCustomerData1Input{
		Customer: bubblehouse.ByEmail(bubblehousetest.DemoCustomerEmail),
	})
	require.NoError(t, err)
	assert.Equal(t, int64(len(raw)), size, "the printed size is the export's")
	changes := got[strings.Index(got, "Last changes"):strings.Index(got, "Referrals")]
	assert.Equal(t, 5, strings.Count(changes, "\n  2025-"), "the five latest changes are listed")
}

// The live branch, end to end: a fake with its own shop and key stands in
// for the real API, reached through BUBBLEHOUSE_BASE_URL.
func TestQuickstartLiveAPI(t *testing.T) {
	srv := bubblehousetest.NewServer(t, bubblehousetest.WithDemoData(),
		bubblehousetest.WithShop("acme-shop"),
		bubblehousetest.WithSigningKey("live-key-1", "bGl2ZS1zaGFyZWQtc2VjcmV0LW9mLWFjbWUtc2hvcA=="))
	env := map[string]string{
		"BUBBLEHOUSE_SHOP":           "acme-shop",
		"BUBBLEHOUSE_KEY_ID":         "live-key-1",
		"BUBBLEHOUSE_SECRET":         "bGl2ZS1zaGFyZWQtc2VjcmV0LW9mLWFjbWUtc2hvcA==",
		"BUBBLEHOUSE_CUSTOMER_EMAIL": "bob@example.com",
		"BUBBLEHOUSE_BASE_URL":       srv.URL(),
	}
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), &out, func(k string) string { return env[k] }))
	got := out.String()
	assert.Contains(t, got, `Bubblehouse shop "acme-shop" (live API)`)
	assert.Contains(t, got, "Customer  Bob Jones <bob@example.com>")
	assert.Regexp(t, `(?m)^GDPR export  [1-9]\d* bytes$`, got)

	var endpoints []string
	for _, r := range srv.Requests() {
		assert.Equal(t, http.StatusOK, r.Status, r.Endpoint)
		assert.Equal(t, "acme-shop", r.Subject, "signed with the settings' shop and key")
		assert.Equal(t, "live-key-1", r.KeyID)
		assert.Equal(t, "bob@example.com", r.Body["customer"].(map[string]any)["email"])
		endpoints = append(endpoints, r.Endpoint)
	}
	assert.Equal(t, []string{
		bubblehousetest.EndpointCustomerDetails1, bubblehousetest.EndpointCustomerBalance3,
		bubblehousetest.EndpointCustomerHistory2, bubblehousetest.EndpointCustomerReferrals2,
		bubblehousetest.EndpointExportCustomerData1,
	}, endpoints)
}

func TestQuickstartRefusesPartialSettings(t *testing.T) {
	env := map[string]string{"BUBBLEHOUSE_SHOP": "my-shop"}
	err := run(context.Background(), &bytes.Buffer{}, func(k string) string { return env[k] })
	require.Error(t, err)
	assert.Contains(t, err.Error(), "missing: BUBBLEHOUSE_KEY_ID, BUBBLEHOUSE_SECRET, BUBBLEHOUSE_CUSTOMER_EMAIL")
}

func TestQuickstartRefusesABaseURLAlone(t *testing.T) {
	env := map[string]string{"BUBBLEHOUSE_BASE_URL": "https://bubblehouse.example.com"}
	var out bytes.Buffer
	err := run(context.Background(), &out, func(k string) string { return env[k] })
	require.Error(t, err)
	assert.Contains(t, err.Error(), "BUBBLEHOUSE_BASE_URL is for the live API")
	assert.Empty(t, out.String(), "no demo run")
}

func TestQuickstartLiveSettingsAreValidated(t *testing.T) {
	env := map[string]string{
		"BUBBLEHOUSE_SHOP":           "my-shop",
		"BUBBLEHOUSE_KEY_ID":         "k",
		"BUBBLEHOUSE_SECRET":         "not base64 !!",
		"BUBBLEHOUSE_CUSTOMER_EMAIL": "a@b.c",
	}
	err := run(context.Background(), &bytes.Buffer{}, func(k string) string { return env[k] })
	require.Error(t, err)
	assert.Contains(t, err.Error(), "base64")
	assert.NotContains(t, err.Error(), "not base64 !!")
}
