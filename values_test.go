package bubblehouse

import (
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseMoney(t *testing.T) {
	tests := []struct {
		in     string
		micros int64
		err    bool
	}{
		{"42.990000", 42_990_000, false},
		{"1250.00", 1_250_000_000, false},
		{"1", 1_000_000, false},
		{"1.", 1_000_000, false},
		{".5", 500_000, false},
		{"+2.5", 2_500_000, false},
		{"0.000001", 1, false},
		{"-0.5", -500_000, false},
		{"-0", 0, false},
		{"000123.4", 123_400_000, false},
		{"9223372036854.775807", math.MaxInt64, false},
		{"-9223372036854.775808", math.MinInt64, false},
		{"9223372036854.775808", 0, true},
		{"-9223372036854.775809", 0, true},
		{"99999999999999999999", 0, true},
		{"0.0000001", 0, true}, // a seventh digit cannot be held exactly
		// Digits past the sixth are accepted when they are zeros: the
		// value is still a whole number of micro-units.
		{"1.5000000", 1_500_000, false},
		{"1.500000000000", 1_500_000, false},
		{"-0.0000010", -1, false},
		{"0.0000000", 0, false},
		{"9223372036854.7758070", math.MaxInt64, false},
		{"-9223372036854.77580800", math.MinInt64, false},
		{"9223372036854.7758080", 0, true},
		{"1.5000001", 0, true},
		{"1.50000000001", 0, true},
		{"1.5000000x", 0, true},
		{"1.5000000 ", 0, true},
		{"1.5000000-", 0, true},
		{"", 0, true},
		{"-", 0, true},
		{".", 0, true},
		{"1e3", 0, true},
		{"1,00", 0, true},
		{" 1", 0, true},
		{"--1", 0, true},
		{"+-1", 0, true},
		{"1.2.3", 0, true},
		{"NaN", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			m, err := ParseMoney(tt.in)
			if tt.err {
				require.ErrorIs(t, err, ErrInvalidMoney)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.micros, m.Micros())
		})
	}
}

func TestMoneyString(t *testing.T) {
	tests := []struct {
		micros int64
		want   string
	}{
		{0, "0.000000"},
		{1, "0.000001"},
		{-1, "-0.000001"},
		{42_990_000, "42.990000"},
		{-500_000, "-0.500000"},
		{math.MaxInt64, "9223372036854.775807"},
		{math.MinInt64, "-9223372036854.775808"},
	}
	for _, tt := range tests {
		m := MoneyFromMicros(tt.micros)
		assert.Equal(t, tt.want, m.String())
		b, err := json.Marshal(m)
		require.NoError(t, err)
		assert.Equal(t, `"`+tt.want+`"`, string(b))
		// Every formatted value parses back to itself.
		back, err := ParseMoney(m.String())
		require.NoError(t, err)
		assert.Equal(t, m, back)
	}
}

func TestMoneyJSON(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		micros int64
		err    bool
	}{
		{"six digits", `"42.990000"`, 42_990_000, false},
		{"two digits", `"1250.00"`, 1_250_000_000, false},
		{"trailing zeros past six digits", `"1.5000000"`, 1_500_000, false},
		{"non-zero seventh digit", `"1.5000001"`, 0, true},
		{"padded string", `" 3.5 "`, 3_500_000, false},
		{"integer micro-units", `25000000`, 25_000_000, false},
		{"negative micro-units", `-1`, -1, false},
		{"min int64 micro-units", `-9223372036854775808`, math.MinInt64, false},
		{"micro-units out of range", `9223372036854775808`, 0, true},
		{"float rejected", `1.5`, 0, true},
		{"exponent rejected", `1e6`, 0, true},
		{"bool rejected", `true`, 0, true},
		{"bad string", `"abc"`, 0, true},
		{"empty string", `""`, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var m Money
			err := json.Unmarshal([]byte(tt.in), &m)
			if tt.err {
				require.ErrorIs(t, err, ErrInvalidMoney)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.micros, m.Micros())
		})
	}

	t.Run("null leaves the value and keeps a pointer nil", func(t *testing.T) {
		m := MoneyFromMicros(7)
		require.NoError(t, json.Unmarshal([]byte(`null`), &m))
		assert.Equal(t, int64(7), m.Micros())
		var s struct{ M *Money }
		require.NoError(t, json.Unmarshal([]byte(`{"M":null}`), &s))
		assert.Nil(t, s.M)
		require.NoError(t, json.Unmarshal([]byte(`{"M":"0"}`), &s))
		require.NotNil(t, s.M)
		assert.True(t, s.M.IsZero())
	})
}

func TestParseDate(t *testing.T) {
	tests := []struct {
		in      string
		want    Date
		valid   bool
		hasYear bool
		err     bool
	}{
		{"1990-05-15", Date{1990, time.May, 15}, true, true, false},
		{"0000-05-15", Date{0, time.May, 15}, true, false, false},
		{"0000-02-29", Date{0, time.February, 29}, true, false, false},
		{"2023-02-29", Date{2023, time.February, 29}, false, true, false},
		{"2024-02-29", Date{2024, time.February, 29}, true, true, false},
		{"2020-01-00", Date{2020, time.January, 0}, false, true, false},
		{"0000-00-00", Date{}, false, false, false},
		{"2020-04-31", Date{2020, time.April, 31}, false, true, false},
		{"2020-13-01", Date{}, false, false, true},
		{"2020-01-32", Date{}, false, false, true},
		{"2020-1-01", Date{}, false, false, true},
		{"2020/01/01", Date{}, false, false, true},
		{"-020-01-01", Date{}, false, false, true},
		{"2020-01-01T00:00:00Z", Date{}, false, false, true},
		{"", Date{}, false, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			d, err := ParseDate(tt.in)
			if tt.err {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, d)
			assert.Equal(t, tt.valid, d.Valid())
			assert.Equal(t, tt.hasYear, d.HasYear())
		})
	}
}

func TestDateJSON(t *testing.T) {
	tests := []struct {
		in   string
		want Date
		out  string
	}{
		{`"1990-05-15"`, Date{1990, time.May, 15}, `"1990-05-15"`},
		{`"0000-12-24"`, Date{0, time.December, 24}, `"0000-12-24"`},
		{`"2020-01-00"`, Date{2020, time.January, 0}, `"2020-01-00"`},
		{`""`, Date{}, `null`},
		{`null`, Date{}, `null`},
		{`"0000-00-00"`, Date{}, `null`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			d := Date{Year: 1, Month: 1, Day: 1} // must be overwritten, even by null
			require.NoError(t, json.Unmarshal([]byte(tt.in), &d))
			assert.Equal(t, tt.want, d)
			b, err := json.Marshal(d)
			require.NoError(t, err)
			assert.Equal(t, tt.out, string(b))
		})
	}
	for _, bad := range []string{`19900515`, `"1990-5-15"`, `"1990-05-15 "`, `{}`} {
		var d Date
		assert.Error(t, json.Unmarshal([]byte(bad), &d), bad)
	}
	for _, bad := range []Date{{Year: 10000, Month: 1, Day: 1}, {Year: -1, Month: 1, Day: 1}, {Year: 2020, Month: 13, Day: 1}, {Year: 2020, Month: 1, Day: 32}} {
		_, err := json.Marshal(bad)
		assert.Error(t, err, "%+v", bad)
	}
}

func TestDateIn(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		ny = time.FixedZone("EST", -5*3600)
	}
	got, ok := Date{2024, time.March, 10}.In(ny)
	require.True(t, ok)
	assert.Equal(t, 0, got.Hour())
	assert.Equal(t, ny, got.Location())
	_, ok = Date{0, time.March, 10}.In(ny)
	assert.False(t, ok, "a date without a year is no instant")
	_, ok = Date{2024, time.February, 30}.In(ny)
	assert.False(t, ok)
	assert.Equal(t, Date{2024, time.March, 10}, DateOf(time.Date(2024, 3, 10, 23, 59, 0, 0, time.UTC)))
	assert.Equal(t, "", Date{}.String())
}

func TestParseTime(t *testing.T) {
	tests := []struct {
		in   string
		want time.Time // zero means "absent"
		err  bool
	}{
		{"2020-01-15T10:30:00Z", time.Date(2020, 1, 15, 10, 30, 0, 0, time.UTC), false},
		{"2020-01-15T10:30:00.123456789Z", time.Date(2020, 1, 15, 10, 30, 0, 123456789, time.UTC), false},
		{"2020-01-15T12:30:00+02:00", time.Date(2020, 1, 15, 10, 30, 0, 0, time.UTC), false},
		{"2020-01-15T05:30:00-05:00", time.Date(2020, 1, 15, 10, 30, 0, 0, time.UTC), false},
		{"1990-12-31T23:59:60Z", time.Date(1991, 1, 1, 0, 0, 0, 0, time.UTC), false},
		{"1990-12-31T23:59:60.5Z", time.Date(1991, 1, 1, 0, 0, 0, 500_000_000, time.UTC), false},
		{"2016-12-31T18:59:60-05:00", time.Date(2017, 1, 1, 0, 0, 0, 0, time.UTC), false},
		{"0001-01-01T00:00:00Z", time.Time{}, false},
		{"", time.Time{}, false},
		{"9999-12-31T23:59:59Z", time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC), false},
		{"9999-12-31T23:59:60Z", time.Time{}, true}, // would be year 10000
		{"1990-12-31T23:59:61Z", time.Time{}, true},
		{"2020-01-15T10:30:00+23:59", time.Date(2020, 1, 14, 10, 31, 0, 0, time.UTC), false},
		{"2020-01-15T10:30:00+24:00", time.Time{}, true}, // RFC 3339's offset hour is 00-23
		{"2020-01-15T10:30:00-24:59", time.Time{}, true},
		{"1990-12-31T23:59:60+24:00", time.Time{}, true},
		{"1990-12-31 23:59:59Z", time.Time{}, true},
		{"1990-12-31T23:59:59", time.Time{}, true}, // the offset is mandatory
		{"1990-12-31", time.Time{}, true},
		{"garbage", time.Time{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseTime(tt.in)
			if tt.err {
				require.ErrorIs(t, err, ErrInvalidTime)
				return
			}
			require.NoError(t, err)
			if tt.want.IsZero() {
				assert.True(t, got.IsZero(), "got %v", got)
				return
			}
			assert.True(t, tt.want.Equal(got.Time), "got %v, want %v", got, tt.want)
		})
	}
}

func TestTimeJSON(t *testing.T) {
	var tm Time
	require.NoError(t, json.Unmarshal([]byte(`"2020-01-15T12:30:00+02:00"`), &tm))
	b, err := json.Marshal(tm)
	require.NoError(t, err)
	assert.Equal(t, `"2020-01-15T12:30:00+02:00"`, string(b), "the offset survives a round trip")

	for _, absent := range []string{`null`, `""`, `"0001-01-01T00:00:00Z"`} {
		tm := Time{Time: time.Now()}
		require.NoError(t, json.Unmarshal([]byte(absent), &tm), absent)
		assert.True(t, tm.IsZero(), absent)
	}
	b, err = json.Marshal(Time{})
	require.NoError(t, err)
	assert.Equal(t, `null`, string(b))

	var s struct {
		A Time `json:"a,omitzero"`
	}
	b, err = json.Marshal(s)
	require.NoError(t, err)
	assert.Equal(t, `{}`, string(b), "omitzero drops the zero Time")

	for _, bad := range []string{`12345`, `"yesterday"`, `{}`} {
		assert.Error(t, json.Unmarshal([]byte(bad), &tm), bad)
	}
}

func TestBHID(t *testing.T) {
	var id BHID
	require.NoError(t, json.Unmarshal([]byte(`"0000018abc123def"`), &id))
	assert.Equal(t, BHID("0000018abc123def"), id)
	assert.Equal(t, "0000018abc123def", id.String())
	assert.False(t, id.IsZero())

	for _, zero := range []string{`null`, `""`, `"0"`, `"0000000000000000"`} {
		var z BHID
		require.NoError(t, json.Unmarshal([]byte(zero), &z), zero)
		assert.True(t, z.IsZero(), zero)
	}
	assert.Error(t, json.Unmarshal([]byte(`12`), &id))

	var odd BHID
	require.NoError(t, json.Unmarshal([]byte(`"not-a-flake"`), &odd), "an unexpected ID shape never fails a call")
	assert.Equal(t, BHID("not-a-flake"), odd)

	t.Run("Time", func(t *testing.T) {
		// 1000 ms after the epoch, node 0x01, sequence 0x0002.
		got, ok := BHID("00000003e8010002").Time()
		require.True(t, ok)
		assert.Equal(t, time.Date(2020, 1, 1, 0, 0, 1, 0, time.UTC), got)

		got, ok = BHID("0000018abc123def").Time()
		require.True(t, ok)
		assert.Equal(t, time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC).Add(0x18abc*time.Millisecond), got)

		got, ok = BHID("ffffffffffffffff").Time()
		require.True(t, ok, "the largest flake still fits a Duration")
		assert.Equal(t, 2054, got.Year())

		for _, bad := range []BHID{"", "0000000000000000", "0000018abc123de", "0000018abc123defa", "zzzzzzzzzzzzzzzz"} {
			_, ok := bad.Time()
			assert.False(t, ok, string(bad))
		}
	})
}

func TestDateInNilLocation(t *testing.T) {
	got, ok := Date{2024, time.March, 10}.In(nil)
	require.True(t, ok, "a nil location must not panic")
	assert.Equal(t, time.Date(2024, 3, 10, 0, 0, 0, 0, time.UTC), got)
}

func TestMoneyStringFixed(t *testing.T) {
	tests := []struct {
		micros int64
		places int
		want   string
	}{
		{18_500_000, 2, "18.50"},
		{18_505_000, 2, "18.51"},
		{18_504_999, 2, "18.50"},
		{-18_505_000, 2, "-18.51"},
		{-18_504_999, 2, "-18.50"},
		{999_999, 2, "1.00"},
		{-4_000, 2, "0.00"},
		{1_500_000, 0, "2"},
		{1_499_999, 0, "1"},
		{1_234_567, 6, "1.234567"},
		{1_234_567, 9, "1.234567"},
		{1_234_567, -1, "1"},
		{math.MaxInt64, 2, "9223372036854.77"},
		{math.MinInt64, 2, "-9223372036854.77"},
	}
	for _, tc := range tests {
		assert.Equal(t, tc.want, MoneyFromMicros(tc.micros).StringFixed(tc.places), "%d/%d", tc.micros, tc.places)
	}
}

// TestDecodeErrorsDoNotEchoTheAnswer: a value that fails to decode is named
// in the error only when the caller parsed its own string, never when it
// came in an answer, whose bytes must stay out of errors and logs.
func TestDecodeErrorsDoNotEchoTheAnswer(t *testing.T) {
	const secretish = "SENTINEL-7f3a"
	var v struct {
		M Money `json:"m"`
		D Date  `json:"d"`
		T Time  `json:"t"`
	}
	for _, tc := range []struct {
		body string
		is   error
	}{
		{`{"m":"` + secretish + `"}`, ErrInvalidMoney},
		{`{"m":12.5}`, ErrInvalidMoney},
		{`{"d":"` + secretish + `"}`, ErrInvalidDate},
		{`{"t":"` + secretish + `"}`, ErrInvalidTime},
	} {
		err := json.Unmarshal([]byte(tc.body), &v)
		require.Error(t, err, tc.body)
		assert.ErrorIs(t, err, tc.is)
		assert.NotContains(t, err.Error(), secretish)
		assert.NotContains(t, err.Error(), "12.5")
	}
	_, err := ParseMoney("12,50")
	assert.ErrorContains(t, err, `"12,50" is not a decimal number`, "a caller's own string is named")
	_, err = ParseDate("2026/01/01")
	assert.ErrorIs(t, err, ErrInvalidDate)
	assert.ErrorContains(t, err, "2026/01/01")
}

// TestUnquoteJSON: the fast path for plain strings gives exactly what
// json.Unmarshal gives, value and error, for every kind of input.
func TestUnquoteJSON(t *testing.T) {
	for _, in := range unquoteJSONCases {
		t.Run(in, func(t *testing.T) { checkUnquoteJSON(t, []byte(in)) })
	}
}

var unquoteJSONCases = []string{
	`"42.990000"`, `"2020-01-15T10:30:00Z"`, `"0000018abc123def"`, `""`, "\" ~\x7f\"",
	`"a\"b"`, `"\u0031.5"`, `"1\/2"`, `"\\"`, // escapes: the slow path
	"\"a\tb\"", "\"a\nb\"", "\"\x00\"", // raw control characters: an error
	`"é"`, "\"\xff\"", "\"\xc3\"", // non-ASCII, invalid UTF-8 (replaced by U+FFFD)
	`"a"b"`, `"a" "b"`, ` "a"`, `"a" `, // a quote inside, whitespace around
	`"`, `"abc`, `abc"`, ``, `null`, `12`, `true`, `{}`, `["a"]`,
}

func checkUnquoteJSON(t *testing.T, b []byte) {
	t.Helper()
	var want string
	wantErr := json.Unmarshal(b, &want)
	got, err := unquoteJSON(b)
	if wantErr != nil {
		require.Error(t, err, "%q", b)
		assert.Equal(t, wantErr.Error(), err.Error(), "%q", b)
		return
	}
	require.NoError(t, err, "%q", b)
	assert.Equal(t, want, got, "%q", b)
}
