package bubblehouse

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// This file holds the scalar types of the Bubblehouse wire format
// (https://app.bubblehouse.com/apidocs/calling/values): IDs, exact money,
// calendar dates and times. Each one decodes leniently, because the API may
// send values the documentation does not show, and encodes exactly as the
// API documents.

// BHID is a Bubblehouse ID (a "bubbleflake"): 16 lowercase hex digits on the
// wire, such as "0000018abc123def". The same object has different IDs in
// Bubblehouse's development and production environments.
//
// BHID is kept as the string the API sent, so an ID of an unexpected shape
// never fails a call. JSON null and "" decode to the empty BHID.
type BHID string

// IsZero reports whether the ID is absent (empty, or the all-zero ID the API
// uses for "none").
func (id BHID) IsZero() bool {
	return id == "" || strings.Trim(string(id), "0") == ""
}

// String returns the ID as the API sent it.
func (id BHID) String() string { return string(id) }

// UnmarshalJSON accepts a JSON string or null.
func (id *BHID) UnmarshalJSON(b []byte) error {
	if isJSONNull(b) {
		*id = ""
		return nil
	}
	s, err := unquoteJSON(b)
	if err != nil {
		return fmt.Errorf("bubblehouse: BHID must be a JSON string: %w", err)
	}
	*id = BHID(s)
	return nil
}

// bhidEpoch is the start of bubbleflake time. [INF] From the API author's
// public flake package; the documentation does not state it.
var bhidEpoch = time.Date(2020, time.January, 1, 0, 0, 0, 0, time.UTC)

// Time returns the creation time encoded in the ID, when the ID has the
// 16-hex-digit bubbleflake shape (40 bits of milliseconds since 2020-01-01
// UTC, then node and sequence bits). This layout is inferred from the API
// author's public code, not documented; ok is false for any other shape.
func (id BHID) Time() (t time.Time, ok bool) {
	if len(id) != 16 {
		return time.Time{}, false
	}
	v, err := strconv.ParseUint(string(id), 16, 64)
	if err != nil || v == 0 {
		return time.Time{}, false
	}
	ms := int64(v >> 24)
	return bhidEpoch.Add(time.Duration(ms) * time.Millisecond), true
}

// microsPerUnit is the scale of Bubblehouse's monetary values: the API keeps
// money as an int64 premultiplied by one million.
const microsPerUnit = 1_000_000

// Money is an exact monetary amount in millionths of the currency unit, the
// way Bubblehouse stores it. It is never a float.
//
// On the wire the API sends money as a decimal string ("42.990000"); Money
// decodes a decimal string of any precision that is a whole number of
// micro-units (any digits after the sixth fractional one are zeros), and a
// JSON integer in micro-units, which the API also accepts. It encodes as a
// string with six fractional digits. Fields that may be absent or null are
// *Money, so that "no value" and zero stay apart.
type Money struct {
	micros int64
}

// MoneyFromMicros returns the amount of micros millionths of a unit:
// MoneyFromMicros(1_500_000) is 1.50.
func MoneyFromMicros(micros int64) Money { return Money{micros: micros} }

// Micros returns the amount in millionths of the currency unit.
func (m Money) Micros() int64 { return m.micros }

// IsZero reports whether the amount is zero.
func (m Money) IsZero() bool { return m.micros == 0 }

// ErrInvalidMoney is returned (wrapped) when a monetary value cannot be
// represented exactly: not a decimal number, a non-zero digit after the
// sixth fractional one, a float on the wire, or beyond the int64 range.
var ErrInvalidMoney = errors.New("bubblehouse: invalid monetary value")

// ErrInvalidDate is returned (wrapped) for a date that is not YYYY-MM-DD.
var ErrInvalidDate = errors.New("bubblehouse: invalid date")

// ErrInvalidTime is returned (wrapped) for a time that is not RFC 3339.
var ErrInvalidTime = errors.New("bubblehouse: invalid time")

// valueError is a value that failed to parse. Its text quotes the value
// only when the caller parsed a string of its own (ParseMoney, ParseDate,
// ParseTime): decoding an answer never echoes the answer's bytes into an
// error, where they would reach logs.
type valueError struct {
	base   error
	value  string
	reason string
	quiet  bool
}

func (e *valueError) Error() string {
	if e.quiet {
		return e.base.Error() + ": " + e.reason
	}
	return fmt.Sprintf("%v: %.40q %s", e.base, e.value, e.reason)
}

func (e *valueError) Unwrap() error { return e.base }

// quiet returns err with any quoted value left out of its text.
func quiet(err error) error {
	var ve *valueError
	if errors.As(err, &ve) {
		c := *ve
		c.quiet = true
		return &c
	}
	return err
}

// ParseMoney parses a decimal string such as "42.99", "-1", "1250.00" or
// "0.000001". Digits after the sixth fractional one must be zeros
// ("1.5000000" is 1.5), since any other could not be held exactly.
func ParseMoney(s string) (Money, error) {
	orig := s
	if s == "" {
		return Money{}, &valueError{base: ErrInvalidMoney, reason: "is empty"}
	}
	neg := false
	switch s[0] {
	case '-':
		neg = true
		s = s[1:]
	case '+':
		s = s[1:]
	}
	intPart, frac, hasDot := strings.Cut(s, ".")
	if intPart == "" && (!hasDot || frac == "") {
		return Money{}, &valueError{base: ErrInvalidMoney, value: orig, reason: "has no digits"}
	}
	if len(frac) > 6 && strings.TrimRight(frac[6:], "0") != "" {
		return Money{}, &valueError{base: ErrInvalidMoney, value: orig, reason: "has more than 6 fractional digits"}
	}
	if !allDigits(intPart) || !allDigits(frac) {
		return Money{}, &valueError{base: ErrInvalidMoney, value: orig, reason: "is not a decimal number"}
	}
	var units uint64
	if intPart != "" {
		var err error
		units, err = strconv.ParseUint(intPart, 10, 64)
		if err != nil {
			return Money{}, &valueError{base: ErrInvalidMoney, value: orig, reason: "is out of range"}
		}
	}
	var fracMicros uint64
	for i := 0; i < 6; i++ {
		fracMicros *= 10
		if i < len(frac) {
			fracMicros += uint64(frac[i] - '0')
		}
	}
	const limit = uint64(1) << 63 // |math.MinInt64|
	if units > (limit-fracMicros)/microsPerUnit {
		return Money{}, &valueError{base: ErrInvalidMoney, value: orig, reason: "is out of range"}
	}
	total := units*microsPerUnit + fracMicros
	if neg {
		return Money{micros: int64(-total)}, nil //nolint:gosec // total <= 1<<63 was checked above
	}
	if total == limit {
		return Money{}, &valueError{base: ErrInvalidMoney, value: orig, reason: "is out of range"}
	}
	return Money{micros: int64(total)}, nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// String formats the amount with exactly six fractional digits, as the API
// does: "42.990000", "-0.500000".
func (m Money) String() string {
	return string(m.appendText(make([]byte, 0, 24)))
}

func (m Money) appendText(b []byte) []byte {
	u := uint64(m.micros)
	if m.micros < 0 {
		b = append(b, '-')
		u = uint64(-m.micros) // also right for math.MinInt64, by wrap-around
	}
	b = strconv.AppendUint(b, u/microsPerUnit, 10)
	frac := u % microsPerUnit
	b = append(b, '.')
	for d := uint64(microsPerUnit / 10); d > 0; d /= 10 {
		b = append(b, byte('0'+frac/d%10))
	}
	return b
}

// StringFixed formats the amount with places fractional digits (0 to 6),
// rounding half away from zero, for display: StringFixed(2) of 18.505 is
// "18.51". Places outside 0..6 are clamped.
func (m Money) StringFixed(places int) string {
	places = min(max(places, 0), 6)
	unit := int64(1)
	for i := places; i < 6; i++ {
		unit *= 10
	}
	v := m.micros
	if r := v % unit; r != 0 {
		switch {
		case v > 0 && 2*r >= unit && v <= math.MaxInt64-(unit-r):
			v += unit - r
		case v < 0 && -2*r >= unit && v >= math.MinInt64+(unit+r):
			v -= unit + r
		default:
			v -= r
		}
	}
	s := Money{micros: v}.String()
	if places == 0 {
		return s[:len(s)-7]
	}
	return s[:len(s)-(6-places)]
}

// MarshalJSON encodes the amount as a decimal string with six fractional
// digits, the form the API sends.
func (m Money) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, 26)
	b = append(b, '"')
	b = m.appendText(b)
	return append(b, '"'), nil
}

// UnmarshalJSON decodes a decimal string or a JSON integer in micro-units.
// JSON null leaves the value unchanged (use *Money to see it).
func (m *Money) UnmarshalJSON(b []byte) error {
	if isJSONNull(b) {
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		s, err := unquoteJSON(b)
		if err != nil {
			return fmt.Errorf("%w: %v", ErrInvalidMoney, err)
		}
		v, err := ParseMoney(strings.TrimSpace(s))
		if err != nil {
			return quiet(err)
		}
		*m = v
		return nil
	}
	v, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		return &valueError{base: ErrInvalidMoney, reason: "a JSON number must be an integer count of micro-units", quiet: true}
	}
	m.micros = v
	return nil
}

// Date is a calendar date with no time zone, "YYYY-MM-DD" on the wire.
// Bubblehouse reads dates as day boundaries in the shop's time zone.
//
// A birthday may have no year: the API sends year 0000 ("0000-05-15"). Some
// fields send an empty string, or a zero day, for "not applicable"; both
// decode to a Date whose Valid method reports false. JSON null and "" decode
// to the zero Date.
type Date struct {
	Year  int        // 0 when the year is unknown
	Month time.Month // 1-12; 0 when absent
	Day   int        // 1-31; 0 when absent or "not applicable"
}

// IsZero reports whether no date was given.
func (d Date) IsZero() bool { return d == Date{} }

// HasYear reports whether the year is known (a birthday may lack it).
func (d Date) HasYear() bool { return d.Year != 0 }

// Valid reports whether the date names a real day of the year: month 1-12
// and a day that exists in that month (29 February is valid without a year).
func (d Date) Valid() bool {
	if d.Month < time.January || d.Month > time.December || d.Day < 1 {
		return false
	}
	year := d.Year
	if year == 0 {
		year = 2000 // a leap year, so that 02-29 birthdays without a year are valid
	}
	return d.Day <= time.Date(year, d.Month+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// In returns the start of the day in loc. Use the shop's time zone, since
// that is how Bubblehouse reads dates. It reports false for a Date that is
// not Valid or has no year. A nil loc means UTC, where time.Date would panic.
func (d Date) In(loc *time.Location) (time.Time, bool) {
	if !d.Valid() || !d.HasYear() {
		return time.Time{}, false
	}
	if loc == nil {
		loc = time.UTC
	}
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, loc), true
}

// DateOf returns the calendar date of t in t's location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{Year: y, Month: m, Day: d}
}

// ParseDate parses "YYYY-MM-DD". Year 0000 and zero months or days are
// accepted, since the API uses them for unknown or inapplicable parts.
func ParseDate(s string) (Date, error) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' ||
		!allDigits(s[0:4]) || !allDigits(s[5:7]) || !allDigits(s[8:10]) {
		return Date{}, &valueError{base: ErrInvalidDate, value: s, reason: "is not YYYY-MM-DD"}
	}
	y, _ := strconv.Atoi(s[0:4])
	m, _ := strconv.Atoi(s[5:7])
	d, _ := strconv.Atoi(s[8:10])
	if m > 12 || d > 31 {
		return Date{}, &valueError{base: ErrInvalidDate, value: s, reason: "is out of range"}
	}
	return Date{Year: y, Month: time.Month(m), Day: d}, nil
}

// String formats the date as "YYYY-MM-DD" ("" for the zero Date).
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
}

// MarshalJSON encodes the date as "YYYY-MM-DD", or null for the zero Date.
func (d Date) MarshalJSON() ([]byte, error) {
	if d.IsZero() {
		return []byte("null"), nil
	}
	if d.Year < 0 || d.Year > 9999 {
		return nil, fmt.Errorf("bubblehouse: year %d does not fit YYYY", d.Year)
	}
	// Zero months and days are allowed, as in ParseDate, but nothing that
	// would not parse back.
	if d.Month < 0 || d.Month > time.December || d.Day < 0 || d.Day > 31 {
		return nil, fmt.Errorf("bubblehouse: date %d-%d-%d is out of range", d.Year, int(d.Month), d.Day)
	}
	return []byte(`"` + d.String() + `"`), nil
}

// UnmarshalJSON accepts "YYYY-MM-DD", "" and null.
func (d *Date) UnmarshalJSON(b []byte) error {
	if isJSONNull(b) {
		*d = Date{}
		return nil
	}
	s, err := unquoteJSON(b)
	if err != nil {
		return fmt.Errorf("bubblehouse: date must be a JSON string: %w", err)
	}
	if s == "" {
		*d = Date{}
		return nil
	}
	v, err := ParseDate(s)
	if err != nil {
		return quiet(err)
	}
	*d = v
	return nil
}

// Time is an instant from the API: an RFC 3339 string on the wire, in UTC in
// responses. It embeds time.Time, so every time.Time method works on it.
//
// Decoding is lenient in two documented ways: Go's zero time
// "0001-01-01T00:00:00Z", "" and null all mean "no value" and decode to the
// zero Time (check IsZero); and a leap second ("1990-12-31T23:59:60Z", the
// API docs' own example) decodes as the first instant of the next minute,
// since time.Time cannot hold second 60.
type Time struct {
	time.Time
}

// MarshalJSON encodes the time in RFC 3339 with nanoseconds, or null for the
// zero Time.
func (t Time) MarshalJSON() ([]byte, error) {
	if t.IsZero() {
		return []byte("null"), nil
	}
	return t.Time.MarshalJSON()
}

// UnmarshalJSON accepts an RFC 3339 string (leap seconds included), "" and
// null.
func (t *Time) UnmarshalJSON(b []byte) error {
	if isJSONNull(b) {
		*t = Time{}
		return nil
	}
	s, err := unquoteJSON(b)
	if err != nil {
		return fmt.Errorf("bubblehouse: time must be a JSON string: %w", err)
	}
	v, err := ParseTime(s)
	if err != nil {
		return quiet(err)
	}
	*t = v
	return nil
}

// ParseTime parses an API time as Time's UnmarshalJSON does: RFC 3339, with
// "" and the zero time meaning absent and a leap second moved to the next
// instant.
func ParseTime(s string) (Time, error) {
	if s == "" {
		return Time{}, nil
	}
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		// A leap second: time.Parse rejects second 60, so parse it as :59
		// and step one second forward.
		if len(s) >= 19 && s[16] == ':' && s[17:19] == "60" {
			// The step must not leave the four-digit years RFC 3339 (and
			// MarshalJSON) can express: 9999-12-31T23:59:60Z would.
			if v2, err2 := time.Parse(time.RFC3339Nano, s[:17]+"59"+s[19:]); err2 == nil && offsetInRange(v2) {
				if v2 = v2.Add(time.Second); v2.Year() <= 9999 {
					return Time{Time: v2}, nil
				}
			}
		}
		return Time{}, &valueError{base: ErrInvalidTime, value: s, reason: "is not RFC 3339"}
	}
	if !offsetInRange(v) {
		// time.Parse accepts "+24:00" and "-24:59", which RFC 3339 does not
		// (its offset hour is 00-23) and which MarshalJSON cannot write back.
		return Time{}, &valueError{base: ErrInvalidTime, value: s, reason: "has a UTC offset of 24 hours or more"}
	}
	if v.IsZero() {
		return Time{}, nil
	}
	return Time{Time: v}, nil
}

// offsetInRange reports whether t's UTC offset is one RFC 3339 can write:
// less than 24 hours either way.
func offsetInRange(t time.Time) bool {
	_, off := t.Zone()
	return off > -24*60*60 && off < 24*60*60
}

// unquoteJSON returns the value of the JSON string b, with the result and
// error json.Unmarshal into a string would give. The API's IDs, money,
// dates and times are plain ASCII without escapes, so such a string is
// sliced out of b directly, which costs one allocation instead of a whole
// decoder run; anything else (escapes, control characters, non-ASCII
// bytes, whitespace around the value, not a string at all) goes through
// json.Unmarshal.
func unquoteJSON(b []byte) (string, error) {
	if len(b) >= 2 && b[0] == '"' && b[len(b)-1] == '"' && plainJSONString(b[1:len(b)-1]) {
		return string(b[1 : len(b)-1]), nil
	}
	var s string
	err := json.Unmarshal(b, &s)
	return s, err
}

// plainJSONString reports whether b can stand between two quotes as a JSON
// string that means exactly b: ASCII with no quote, backslash or control
// character.
func plainJSONString(b []byte) bool {
	for _, c := range b {
		if c < 0x20 || c >= 0x80 || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

func isJSONNull(b []byte) bool {
	return bytes.Equal(bytes.TrimSpace(b), []byte("null"))
}
