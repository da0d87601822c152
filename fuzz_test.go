package bubblehouse

import (
	"bytes"
	"encoding/json"
	"math/big"
	"strings"
	"testing"
)

// The fuzz targets check two things on arbitrary input: decoding never
// panics, and whatever decodes can be encoded again, into JSON that decodes
// to the same encoding (so a fake server can replay anything the client
// accepted).

// roundTrip fails t when a decoded v cannot be re-encoded, or when its
// encoding is not stable across a second decode.
func roundTrip[T any](t *testing.T, v *T) {
	t.Helper()
	b1, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("decoded value does not re-encode: %v", err)
	}
	var again T
	if err := json.Unmarshal(b1, &again); err != nil {
		t.Fatalf("re-encoded %s does not decode: %v", b1, err)
	}
	b2, err := json.Marshal(&again)
	if err != nil {
		t.Fatalf("second encode failed: %v", err)
	}
	if !bytes.Equal(b1, b2) {
		t.Fatalf("encoding is not stable:\n%s\n%s", b1, b2)
	}
}

// fuzzDecode decodes data into a new T and, when that works, checks the
// round trip.
func fuzzDecode[T any](t *testing.T, data []byte) {
	v := new(T)
	if json.Unmarshal(data, v) != nil {
		return
	}
	roundTrip(t, v)
}

// jsonItems returns the elements of the array under key in the JSON object
// of file, for seeding.
func jsonItems(f *testing.F, file, key string) []json.RawMessage {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(fixture(f, file), &obj); err != nil {
		f.Fatal(err)
	}
	var items []json.RawMessage
	if err := json.Unmarshal(obj[key], &items); err != nil {
		f.Fatal(err)
	}
	return items
}

func FuzzParseMoney(f *testing.F) {
	for _, s := range []string{"42.990000", "1250.00", "-0.5", ".5", "1.", "+3", "0.000001",
		"9223372036854.775807", "-9223372036854.775808", "9223372036854.775808", "1e3", "", "-", ".",
		"1.5000000", "1.5000001"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseMoney(s)
		if err != nil {
			return
		}
		// Differential check against exact rational arithmetic.
		want, ok := new(big.Rat).SetString(strings.TrimPrefix(s, "+"))
		if !ok {
			t.Fatalf("ParseMoney accepted %q, which is no decimal number", s)
		}
		got := new(big.Rat).SetFrac(big.NewInt(m.Micros()), big.NewInt(microsPerUnit))
		if got.Cmp(want) != 0 {
			t.Fatalf("ParseMoney(%q) = %s, want %s", s, m, want.FloatString(6))
		}
		back, err := ParseMoney(m.String())
		if err != nil || back != m {
			t.Fatalf("String %q of %q does not parse back: %v, %v", m.String(), s, back, err)
		}
		roundTrip(t, &m)
	})
}

func FuzzMoneyJSON(f *testing.F) {
	for _, s := range []string{`"42.990000"`, `"1250.00"`, `25000000`, `-9223372036854775808`, `1.5`, `null`, `"x"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var m Money
		if json.Unmarshal(data, &m) != nil {
			return
		}
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		var again Money
		if err := json.Unmarshal(b, &again); err != nil || again != m {
			t.Fatalf("%s -> %s -> %v (%v)", data, b, again, err)
		}
	})
}

func FuzzUnquoteJSON(f *testing.F) {
	for _, s := range unquoteJSONCases {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkUnquoteJSON(t, data)
	})
}

func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"1990-05-15", "0000-02-29", "2020-01-00", "0000-00-00", "2020-13-01", "", "9999-12-31"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDate(s)
		if err != nil {
			return
		}
		if d.IsZero() {
			return
		}
		if d.String() != s {
			t.Fatalf("ParseDate(%q).String() = %q", s, d.String())
		}
		_ = d.Valid()
		_, _ = d.In(nil)
		roundTrip(t, &d)
	})
}

func FuzzDateJSON(f *testing.F) {
	for _, s := range []string{`"1990-05-15"`, `"0000-05-15"`, `""`, `null`, `"2020-01-00"`, `19900515`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzDecode[Date](t, data)
	})
}

func FuzzParseTime(f *testing.F) {
	for _, s := range []string{"2020-01-15T10:30:00Z", "1990-12-31T23:59:60Z", "9999-12-31T23:59:60Z",
		"0001-01-01T00:00:00Z", "2020-01-15T12:30:00.123+02:00", "", "0000-12-31T23:59:60-23:59"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tm, err := ParseTime(s)
		if err != nil {
			return
		}
		roundTrip(t, &tm)
		b, _ := json.Marshal(tm)
		var again Time
		if err := json.Unmarshal(b, &again); err != nil || !again.Equal(tm.Time) {
			t.Fatalf("%q -> %s -> %v (%v)", s, b, again, err)
		}
	})
}

func FuzzTimeJSON(f *testing.F) {
	for _, s := range []string{`"2020-01-15T10:30:00Z"`, `"1990-12-31T23:59:60Z"`, `null`, `""`, `"0001-01-01T00:00:00Z"`, `0`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzDecode[Time](t, data)
	})
}

func FuzzChange2(f *testing.F) {
	for _, c := range jsonItems(f, "history.json", "changes") {
		f.Add([]byte(c))
	}
	f.Add([]byte(`null`))
	f.Add([]byte(`{"id":null,"pts_delta":-1,"hidden":false}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var c Change2
		if json.Unmarshal(data, &c) != nil {
			return
		}
		_, _ = c.Field("amount", new(Money))
		_ = c.AffectsPoints()
		_ = c.Area.Known() || c.Type.Known()
		roundTrip(t, &c)
	})
}

func FuzzCustomerBalanceResult3(f *testing.F) {
	f.Add(fixture(f, "balance_full.json"))
	f.Add(fixture(f, "balance_minimal.json"))
	f.Add([]byte(`{"sources":{},"milestones":7,"referral_stats":"x","tiers":[null]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var r CustomerBalanceResult3
		if json.Unmarshal(data, &r) != nil {
			return
		}
		_, _ = r.EffectiveRedemptionLimit()
		var rc RedemptionConfiguration2
		if ok, err := r.Field("redemption_config", &rc); ok && err == nil {
			_, _ = rc.ValueOf(r.PtsAvailable)
		}
		roundTrip(t, &r)
	})
}

func FuzzReferral2(f *testing.F) {
	for _, file := range []string{"referrals_old.json", "referrals_new.json"} {
		for _, r := range jsonItems(f, file, "referrals") {
			f.Add([]byte(r))
		}
	}
	f.Add([]byte(`{"reward_pts":null,"reward_amount":0,"sent_at":"1990-12-31T23:59:60Z"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var r Referral2
		if json.Unmarshal(data, &r) != nil {
			return
		}
		_ = r.LastChange()
		_ = r.Status.Final()
		roundTrip(t, &r)
	})
}

func FuzzValueOf(f *testing.F) {
	f.Add(int64(1500), int64(10_000), int64(1000), int64(12_000_000), int64(2500), int64(30_000_000))
	f.Add(int64(-1), int64(0), int64(0), int64(0), int64(0), int64(0))
	f.Add(int64(1<<62), int64(-1<<62), int64(1), int64(1<<62), int64(3), int64(-7))
	f.Fuzz(func(t *testing.T, points, ptValue, t1, v1, t2, v2 int64) {
		c := RedemptionConfiguration2{
			PtValue: MoneyFromMicros(ptValue),
			PointValueBuckets: []PointValueBucket2{
				{Threshold: t1, Value: MoneyFromMicros(v1)},
				{Threshold: t2, Value: MoneyFromMicros(v2)},
			},
		}
		got, err := c.ValueOf(points)
		if err != nil {
			return
		}
		// Recompute with big integers.
		rate, per := big.NewInt(ptValue), big.NewInt(1)
		best := int64(0)
		for _, b := range c.PointValueBuckets {
			if b.Threshold > 0 && b.Threshold <= points && b.Threshold > best {
				best = b.Threshold
				rate, per = big.NewInt(b.Value.Micros()), big.NewInt(b.Threshold)
			}
		}
		want := new(big.Int).Mul(big.NewInt(points), rate)
		want.Quo(want, per) // truncates toward zero, like ValueOf
		if want.Cmp(big.NewInt(got.Micros())) != 0 {
			t.Fatalf("ValueOf(%d) = %d micros, want %s", points, got.Micros(), want)
		}
	})
}
