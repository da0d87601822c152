package bubblehouse

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fixture returns the bytes of testdata/name.
func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	return b
}

// decodeFixture decodes testdata/name into a new T.
func decodeFixture[T any](t testing.TB, name string) *T {
	t.Helper()
	v := new(T)
	require.NoError(t, json.Unmarshal(fixture(t, name), v))
	return v
}

func utc(y int, m time.Month, d, hh, mm, ss int) time.Time {
	return time.Date(y, m, d, hh, mm, ss, 0, time.UTC)
}

func TestCustomer2DocExampleAlice(t *testing.T) {
	c := decodeFixture[Customer2](t, "customer_details_alice.json")

	assert.Equal(t, "shop-customer-123", c.ID)
	assert.Equal(t, BHID("0000018abc123def"), c.BHID)
	assert.Equal(t, "alice@example.com", c.Email)
	assert.Equal(t, "+15551234567", c.Phone)
	assert.Equal(t, "Alice", c.FirstName)
	assert.Equal(t, "Smith", c.LastName)
	assert.Empty(t, c.Name)
	assert.Empty(t, c.FullName)
	assert.Equal(t, map[string]json.RawMessage{
		"favorite_color": json.RawMessage(`"blue"`),
		"preferences":    json.RawMessage(`"organic"`),
	}, c.Extras)
	assert.Equal(t, []string{"vip", "wholesale"}, c.Tags)
	assert.Equal(t, Date{1990, time.May, 15}, c.Birthday)
	assert.Equal(t, Date{2015, time.August, 20}, c.Anniversary)
	assert.Equal(t, "ALICE20", c.PersonalReferralCode)
	assert.Equal(t, int64(42), c.OrderCount)
	assert.Equal(t, int64(1_250_000_000), c.TotalSpent.Micros())
	assert.Equal(t, utc(2020, 1, 15, 10, 30, 0), c.SignedUpAt.Time)
	assert.Equal(t, MarketingConsentSubscribed, c.EmailMarketingConsent)
	assert.Equal(t, utc(2023, 3, 1, 9, 15, 0), c.EmailMarketingConsentChangeTime.Time)
	assert.Empty(t, c.SMSMarketingConsent)
	assert.Equal(t, EmailVerificationUnknown, c.EmailVerified)
	assert.True(t, c.Optin)
	assert.Nil(t, c.AltEmails, "absent list stays nil")

	assert.JSONEq(t, string(fixture(t, "customer_details_alice.json")), string(c.Raw()))
}

func TestCustomer2DocExampleByEmail(t *testing.T) {
	c := decodeFixture[Customer2](t, "customer_details_by_email.json")

	assert.Equal(t, BHID("0000018def456789"), c.BHID)
	assert.Equal(t, []string{"old.email@example.com"}, c.AltEmails)
	assert.Equal(t, MarketingConsentUnsubscribed, c.EmailMarketingConsent)
	assert.Equal(t, MarketingConsentSubscribed, c.SMSMarketingConsent)
	assert.Equal(t, utc(2024, 1, 15, 11, 30, 0), c.EmailMarketingConsentChangeTime.Time)
	assert.Equal(t, EmailVerificationUnknown, c.EmailVerified)
	assert.True(t, c.Optin)
	assert.Equal(t, int64(5), c.OrderCount)
	assert.Equal(t, utc(2023, 6, 1, 14, 20, 0), c.SignedUpAt.Time)
	assert.Equal(t, "350.000000", c.TotalSpent.String())
	require.NotNil(t, c.Tags, `"tags":[] is not the same as no tags key`)
	assert.Empty(t, c.Tags)
	assert.True(t, c.Birthday.IsZero())
	assert.Empty(t, c.Phone)
	assert.Empty(t, c.PersonalReferralCode)
	assert.Nil(t, c.Extras)
}

func TestCustomer2RoundTripKeepsShape(t *testing.T) {
	for _, name := range []string{"customer_details_alice.json", "customer_details_by_email.json"} {
		t.Run(name, func(t *testing.T) {
			c := decodeFixture[Customer2](t, name)
			b, err := json.Marshal(c)
			require.NoError(t, err)
			var again Customer2
			require.NoError(t, json.Unmarshal(b, &again))
			again.raw, c.raw = nil, nil
			assert.Equal(t, *c, again)

			// The keys are the API's: a fake server can serve this JSON.
			var keys, want map[string]json.RawMessage
			require.NoError(t, json.Unmarshal(b, &keys))
			require.NoError(t, json.Unmarshal(fixture(t, name), &want))
			for k := range want {
				assert.Contains(t, keys, k)
			}
			for k := range keys {
				assert.Contains(t, want, k)
			}
			assert.JSONEq(t, string(want["tags"]), string(keys["tags"]))
		})
	}
}

func TestCustomer2Lenient(t *testing.T) {
	in := `{"id":"7","email":"x@y.z","email_verified":"verified","email_marketing_consent":"pending_double_optin",
		"sms_marketing_consent_change_time":"2024-02-02T00:00:00Z","birthday":"0000-12-24",
		"signed_up_at":"1990-12-31T23:59:60Z","email_marketing_consent_change_time":"0001-01-01T00:00:00Z",
		"loyalty":{"nested":[1,2,3]}}`
	var c Customer2
	require.NoError(t, json.Unmarshal([]byte(in), &c))

	assert.Equal(t, EmailVerification("verified"), c.EmailVerified, "unknown enum value kept as sent")
	assert.False(t, c.EmailVerified.Known())
	assert.Equal(t, MarketingConsent("pending_double_optin"), c.EmailMarketingConsent)
	assert.False(t, c.EmailMarketingConsent.Known())
	assert.True(t, MarketingConsentSubscribed.Known())
	assert.True(t, EmailVerificationUnknown.Known())

	assert.Equal(t, Date{0, time.December, 24}, c.Birthday)
	assert.False(t, c.Birthday.HasYear())
	assert.Equal(t, utc(1991, 1, 1, 0, 0, 0), c.SignedUpAt.Time, "leap second decodes inside a struct")
	assert.True(t, c.EmailMarketingConsentChangeTime.IsZero(), "Go's zero time reads as absent")

	var smsTime Time
	found, err := c.Field("sms_marketing_consent_change_time", &smsTime)
	require.NoError(t, err)
	require.True(t, found, "an unmodelled field stays reachable")
	assert.Equal(t, utc(2024, 2, 2, 0, 0, 0), smsTime.Time)

	found, err = c.Field("no_such_field", &smsTime)
	require.NoError(t, err)
	assert.False(t, found)

	var n string
	found, err = c.Field("loyalty", &n)
	assert.True(t, found)
	assert.Error(t, err, "a present field of the wrong shape reports an error")
}

func TestCustomer2NullAndNil(t *testing.T) {
	var c *Customer2
	require.NoError(t, json.Unmarshal([]byte(`null`), &c))
	assert.Nil(t, c)
	assert.Nil(t, c.Raw(), "Raw is safe on a nil pointer")
	found, err := c.Field("id", nil)
	assert.False(t, found)
	assert.NoError(t, err)

	var v Customer2
	require.NoError(t, json.Unmarshal([]byte(`null`), &v))
	assert.Nil(t, v.Raw())

	assert.Error(t, json.Unmarshal([]byte(`[]`), &v))
	assert.Error(t, json.Unmarshal([]byte(`{"order_count":"many"}`), &v))
}

func TestCustomer2RawIsACopy(t *testing.T) {
	buf := []byte(`{"id":"1"}`)
	var c Customer2
	require.NoError(t, c.UnmarshalJSON(buf))
	buf[7] = '2'
	assert.Equal(t, `{"id":"1"}`, string(c.Raw()), "the decoder's buffer may be reused")
}

func TestCustomer2Encode(t *testing.T) {
	b, err := json.Marshal(Customer2{ID: "9", Email: "a@b.c"})
	require.NoError(t, err)
	assert.JSONEq(t, `{"id":"9","email":"a@b.c","order_count":0,"total_spent":"0.000000","optin":false}`, string(b))
}
