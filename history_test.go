package bubblehouse

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCustomerHistory2Output(t *testing.T) {
	h := decodeFixture[CustomerHistory2Output](t, "history.json")
	require.Len(t, h.Changes, 6)

	want := []Change2{
		{
			ID: "0a1b2c3d4e5f0001", Area: ChangeAreaPoints, Type: ChangeTypeEarnedFromOrder,
			Desc: "Earned 125 points for order #1042", CustomerBHID: "0000018abc123def",
			CustomerShopID: "shop-customer-123", CustomerEmail: "alice@example.com",
			OrderShopID: "5512345678", OrderShort: "#1042", PtsDelta: 125,
		},
		{
			ID: "0a1b2c3d4e5f0002", Area: ChangeAreaPoints, Type: ChangeTypeRedeemedTowardsOrder,
			Desc: "Redeemed 500 points for $5.00 off", CustomerBHID: "0000018abc123def",
			CustomerShopID: "shop-customer-123", CustomerEmail: "alice@example.com",
			PtsDelta: -500, DiscountCode: "BH-5OFF-7QX2",
		},
		{
			ID: "0a1b2c3d4e5f0003", Area: ChangeAreaPoints, Type: ChangeTypeEarnedAsReferree,
			Desc: "Welcome bonus for joining through a friend", CustomerBHID: "0000018abc123def",
			Hidden: true,
		},
		{
			ID: "0a1b2c3d4e5f0004", Area: ChangeAreaTier, Type: ChangeTypeTierAcquired,
			Desc: "Reached Gold", CustomerBHID: "0000018abc123def",
			CustomerShopID: "shop-customer-123", CustomerEmail: "alice@example.com",
		},
		{
			ID: "0a1b2c3d4e5f0005", Area: "wallet", Type: "wallet_topped_up",
			Desc: "Gift card balance added", CustomerBHID: "0000018abc123def",
			CustomerShopID: "shop-customer-123", CustomerEmail: "alice@example.com",
		},
		{
			ID: "0a1b2c3d4e5f0006", Area: ChangeAreaTier, Type: "tier_downgraded_by_inactivity",
			Desc: "Moved back to Silver", CustomerBHID: "0000018abc123def",
			CustomerShopID: "shop-customer-123", CustomerEmail: "alice@example.com",
		},
	}
	for i := range want {
		got := h.Changes[i]
		assert.NotEmpty(t, got.Raw(), "change %d keeps its JSON", i)
		got.raw = nil
		assert.Equal(t, want[i], got, "change %d", i)
	}

	t.Run("unknown area and type are kept, not fatal", func(t *testing.T) {
		w := h.Changes[4]
		assert.False(t, w.Area.Known())
		assert.False(t, w.Type.Known())
		assert.False(t, w.AffectsPoints())
		assert.True(t, h.Changes[5].Area.Known(), "a known area with an unknown type falls back to the area")
		assert.False(t, h.Changes[5].Type.Known())
		var delta Money
		found, err := w.Field("wallet_delta", &delta)
		require.NoError(t, err)
		require.True(t, found)
		assert.Equal(t, int64(10_000_000), delta.Micros())
	})

	t.Run("the unnamed monetary field stays reachable", func(t *testing.T) {
		var amount *Money
		found, err := h.Changes[1].Field("amount", &amount) // [INF] the name is a guess
		require.NoError(t, err)
		require.True(t, found)
		assert.Equal(t, "5.000000", amount.String())
		found, err = h.Changes[0].Field("amount", &amount)
		require.NoError(t, err)
		assert.False(t, found)
	})

	t.Run("unknown top-level field", func(t *testing.T) {
		found, err := h.Field("next_cursor", nil)
		require.NoError(t, err)
		assert.True(t, found)
		assert.JSONEq(t, string(fixture(t, "history.json")), string(h.Raw()))
	})

	t.Run("pts_delta zero is meaningful only in the points area", func(t *testing.T) {
		assert.True(t, h.Changes[2].AffectsPoints())
		assert.Zero(t, h.Changes[2].PtsDelta)
		var (
			raw   json.RawMessage
			found bool
		)
		found, _ = h.Changes[2].Field("pts_delta", &raw)
		assert.True(t, found, "0 was sent")
		found, _ = h.Changes[3].Field("pts_delta", &raw)
		assert.False(t, found, "absent for a tier change")
	})
}

// TestChangeEnums: what TestEnumWireValues does not cover, values the
// ChangeArea and ChangeType lists do not know.
func TestChangeEnums(t *testing.T) {
	assert.False(t, ChangeArea("").Known())
	assert.False(t, ChangeArea("Points").Known(), "values are case-sensitive")
	assert.False(t, ChangeType("earned_as_referee").Known(), "the documented spelling is referree")
}

func TestChange2EncodeShape(t *testing.T) {
	b, err := json.Marshal(Change2{ID: "0a1b2c3d4e5f0004", Area: ChangeAreaTier, Type: ChangeTypeTierManual,
		Desc: "Set to Gold", CustomerBHID: "0000018abc123def"})
	require.NoError(t, err)
	assert.JSONEq(t, `{"id":"0a1b2c3d4e5f0004","area":"tier","type":"tier_manual","desc":"Set to Gold",
		"customer_bhid":"0000018abc123def","customer_shopid":"","customer_email":""}`, string(b),
		"required-but-empty fields are sent; optional ones are not")

	b, err = json.Marshal(CustomerHistory2Output{})
	require.NoError(t, err)
	assert.JSONEq(t, `{"changes":[]}`, string(b))
	b, err = json.Marshal(&CustomerHistory2Output{})
	require.NoError(t, err)
	assert.JSONEq(t, `{"changes":[]}`, string(b))
}

func TestCustomerHistory2Null(t *testing.T) {
	var h CustomerHistory2Output
	require.NoError(t, json.Unmarshal([]byte(`{"changes":[null,{"id":"1","area":"points"}]}`), &h))
	require.Len(t, h.Changes, 2)
	assert.Equal(t, Change2{}, h.Changes[0])
	assert.Equal(t, BHID("1"), h.Changes[1].ID)

	require.NoError(t, json.Unmarshal([]byte(`{"changes":null}`), &h))
	assert.Nil(t, h.Changes)
	var c *Change2
	assert.False(t, c.AffectsPoints())
	assert.Nil(t, c.Raw())
	assert.Error(t, json.Unmarshal([]byte(`{"changes":{}}`), &h))
}

// TestChange2PtsDeltaRoundTrip: pts_delta is required in the points area,
// where 0 is a value to keep; elsewhere the API leaves it out.
func TestChange2PtsDeltaRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string // pts_delta as re-encoded; "" for absent
	}{
		{"points, zero", `{"id":"1","area":"points","type":"manual_correction","pts_delta":0}`, "0"},
		{"points, earned", `{"id":"1","area":"points","type":"earned_from_order","pts_delta":125}`, "125"},
		{"points, spent", `{"id":"1","area":"points","type":"redeemed_towards_order","pts_delta":-500}`, "-500"},
		{"points, absent", `{"id":"1","area":"points","type":"earned_from_order"}`, "0"},
		{"tier, absent", `{"id":"1","area":"tier","type":"tier_acquired"}`, ""},
		{"tier, zero", `{"id":"1","area":"tier","type":"tier_acquired","pts_delta":0}`, ""},
		{"unknown area, sent", `{"id":"1","area":"wallet","type":"x","pts_delta":-5}`, "-5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c Change2
			require.NoError(t, json.Unmarshal([]byte(tt.in), &c))
			b, err := json.Marshal(c)
			require.NoError(t, err)
			var keys map[string]json.RawMessage
			require.NoError(t, json.Unmarshal(b, &keys))
			got, found := keys["pts_delta"]
			if tt.want == "" {
				assert.False(t, found, "%s", b)
			} else {
				assert.Equal(t, tt.want, string(got), "%s", b)
			}

			var again Change2
			require.NoError(t, json.Unmarshal(b, &again))
			again.raw, c.raw = nil, nil
			assert.Equal(t, c, again)

			// The same through the output type, as the fake server sends it.
			b, err = json.Marshal(CustomerHistory2Output{Changes: []Change2{c}})
			require.NoError(t, err)
			var out struct{ Changes []map[string]json.RawMessage }
			require.NoError(t, json.Unmarshal(b, &out))
			_, found = out.Changes[0]["pts_delta"]
			assert.Equal(t, tt.want != "", found, "%s", b)
		})
	}
}
