package bubblehouse

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func int64Ptr(v int64) *int64 { return &v }

func TestReferral2OldShape(t *testing.T) {
	o := decodeFixture[CustomerReferrals2Output](t, "referrals_old.json")
	require.Len(t, o.Referrals, 3)

	want := []Referral2{
		{
			ReferralBHID: "20b31881b3050001", Channel: ReferralChannelEmail, Destination: "bob@example.com",
			Status: ReferralStatusPending, Link: "https://shop.example.com/r/ALICE20-x7",
			SentAt: Time{utc(2023, 4, 2, 8, 0, 0)}, UpdatedAt: Time{utc(2023, 4, 2, 8, 0, 0)},
		},
		{
			ReferralBHID: "20b31881b3050002", AcceptanceBHID: "20b31881b3060001", Channel: ReferralChannelSMS,
			Status: ReferralStatusApproved, Link: "https://shop.example.com/r/ALICE20-k2",
			SentAt: Time{utc(2023, 4, 3, 9, 30, 0)}, UpdatedAt: Time{utc(2023, 4, 10, 12, 0, 0)},
		},
		{
			ReferralBHID: "20b31881b3050003", Channel: ReferralChannelFacebook, Status: ReferralStatusExpired,
			SentAt: Time{utc(2022, 1, 1, 0, 0, 0)}, UpdatedAt: Time{utc(2022, 3, 1, 0, 0, 0)},
		},
	}
	for i := range want {
		got := o.Referrals[i]
		assert.NotEmpty(t, got.Raw())
		got.raw = nil
		assert.Equal(t, want[i], got, "referral %d", i)
	}
	assert.True(t, o.Referrals[0].AcceptanceBHID.IsZero(), "null acceptance while pending")
	assert.Nil(t, o.Referrals[1].RewardPts, "old shape has no reward fields")
	assert.Equal(t, utc(2023, 4, 10, 12, 0, 0), o.Referrals[1].LastChange().Time)

	stats, key, err := o.ReferralStats()
	require.NoError(t, err)
	assert.Nil(t, stats, "old outputs carry no stats")
	assert.Empty(t, key)
}

func TestReferral2NewShape(t *testing.T) {
	o := decodeFixture[CustomerReferrals2Output](t, "referrals_new.json")
	require.Len(t, o.Referrals, 4)

	invited := o.Referrals[0]
	assert.Equal(t, ReferralStatusInvited, invited.Status)
	assert.Equal(t, "c***@example.com", invited.Destination)
	assert.True(t, invited.UpdatedAt.IsZero(), "the new shape has no updated_at")
	assert.True(t, invited.AcceptedAt.IsZero())
	assert.Equal(t, invited.SentAt, invited.LastChange())

	qualified := o.Referrals[1]
	assert.Equal(t, ReferralStatusQualified, qualified.Status)
	assert.Equal(t, ReferralChannelQRCode, qualified.Channel)
	assert.Equal(t, utc(2024, 5, 3, 11, 0, 0), qualified.AcceptedAt.Time)
	assert.Equal(t, qualified.AcceptedAt, qualified.LastChange())
	assert.Equal(t, int64Ptr(0), qualified.RewardPts, "0 points sent is not the same as no points key")
	assert.Nil(t, qualified.RewardPtsValue)

	approved := o.Referrals[2]
	approved.raw = nil
	assert.Equal(t, Referral2{
		ReferralBHID: "20b31881b3050005", AcceptanceBHID: "20b31881b3060003", Channel: ReferralChannelQRCode,
		Status: ReferralStatusApproved, SentAt: Time{utc(2024, 5, 2, 10, 0, 0)},
		AcceptedAt: Time{utc(2024, 5, 4, 12, 0, 0)}, RewardPts: int64Ptr(500),
		RewardPtsValue: moneyPtr(t, "5"), CouponCode: "THANKS-ALICE",
	}, approved)
	assert.Equal(t, qualified.ReferralBHID, approved.ReferralBHID, "two acceptances of one send")

	odd := o.Referrals[3]
	assert.Equal(t, ReferralChannel("carrier-pigeon"), odd.Channel, "unknown channel kept")
	assert.False(t, odd.Channel.Known())
	assert.Equal(t, ReferralStatus("on_hold"), odd.Status, "unknown status kept")
	assert.False(t, odd.Status.Known())
	assert.Equal(t, moneyPtr(t, "2.5"), odd.RewardAmount)
	var score float64
	found, err := odd.Field("fraud_score", &score)
	require.NoError(t, err)
	assert.True(t, found)
	assert.InDelta(t, 0.2, score, 1e-9)

	stats, key, err := o.ReferralStats()
	require.NoError(t, err)
	assert.Equal(t, "referral_stats", key)
	assert.Equal(t, &CustomerReferralStats3{Sent: 4, Approved: 1, Rejected: 1, EarnedPts: 500}, stats)
}

func TestCustomerReferrals2OutputStatsKeys(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    *CustomerReferralStats3
		wantKey string
		err     bool
	}{
		{"stats", `{"referrals":[],"stats":{"sent":2,"approved":1,"rejected":0,"earned_pts":10}}`,
			&CustomerReferralStats3{Sent: 2, Approved: 1, EarnedPts: 10}, "stats", false},
		{"referral_stats wins", `{"referral_stats":{"sent":1},"stats":{"sent":2}}`,
			&CustomerReferralStats3{Sent: 1}, "referral_stats", false},
		{"null falls through", `{"referral_stats":null,"stats":{"sent":2}}`,
			&CustomerReferralStats3{Sent: 2}, "stats", false},
		{"absent", `{"referrals":[]}`, nil, "", false},
		{"wrong shape", `{"referral_stats":[1]}`, nil, "referral_stats", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var o CustomerReferrals2Output
			require.NoError(t, json.Unmarshal([]byte(tt.in), &o))
			got, key, err := o.ReferralStats()
			if tt.err {
				assert.Error(t, err)
			} else {
				assert.NoError(t, err)
			}
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.wantKey, key)
		})
	}

	var nilOut *CustomerReferrals2Output
	got, key, err := nilOut.ReferralStats()
	assert.Nil(t, got)
	assert.Empty(t, key)
	assert.NoError(t, err)
}

func TestReferral2Encode(t *testing.T) {
	b, err := json.Marshal(CustomerReferrals2Output{})
	require.NoError(t, err)
	assert.JSONEq(t, `{"referrals":[]}`, string(b))

	r := Referral2{ReferralBHID: "20b31881b3050004", Channel: ReferralChannelEmail, Status: ReferralStatusInvited,
		SentAt: Time{utc(2024, 5, 1, 10, 0, 0)}, RewardPts: int64Ptr(0)}
	b, err = json.Marshal(r)
	require.NoError(t, err)
	assert.JSONEq(t, `{"referral_bhid":"20b31881b3050004","channel":"email","status":"invited",
		"sent_at":"2024-05-01T10:00:00Z","reward_pts":0}`, string(b))

	for _, name := range []string{"referrals_old.json", "referrals_new.json"} {
		o := decodeFixture[CustomerReferrals2Output](t, name)
		b, err := json.Marshal(o)
		require.NoError(t, err)
		var again CustomerReferrals2Output
		require.NoError(t, json.Unmarshal(b, &again))
		for i := range o.Referrals {
			o.Referrals[i].raw, again.Referrals[i].raw = nil, nil
		}
		assert.Equal(t, o.Referrals, again.Referrals, name)
	}
}

// TestReferralEnums: what TestEnumWireValues does not cover, unknown
// values and which statuses are final.
func TestReferralEnums(t *testing.T) {
	assert.False(t, ReferralChannel("carrier-pigeon").Known())
	assert.False(t, ReferralStatus("on_hold").Known())
	for s, final := range map[ReferralStatus]bool{
		ReferralStatusInvited: false, ReferralStatusQualified: false, ReferralStatusPending: false,
		ReferralStatusApproved: true, ReferralStatusRejected: true, ReferralStatusExpired: true, "on_hold": false,
	} {
		assert.Equal(t, final, s.Final(), s)
	}
}

func TestReferral2Null(t *testing.T) {
	var o CustomerReferrals2Output
	require.NoError(t, json.Unmarshal([]byte(`{"referrals":[null]}`), &o))
	assert.Equal(t, []Referral2{{}}, o.Referrals)
	var r *Referral2
	assert.True(t, r.LastChange().IsZero())
	assert.Nil(t, r.Raw())
	require.NoError(t, json.Unmarshal([]byte(`null`), &r))
	assert.Nil(t, r)
	assert.Error(t, json.Unmarshal([]byte(`{"referrals":[{"sent_at":"yesterday"}]}`), &o))
}
