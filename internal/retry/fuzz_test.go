package retry

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

func FuzzParseRetryAfter(f *testing.F) {
	for _, s := range []string{"0", "1", "120", " 5 ", "-1", "-0", "+3", "1.5", "1e3", "soon", "",
		"99999999999999999999999999", "18446744073709551615", "604801",
		"Wed, 21 Oct 2015 07:28:00 GMT", "Wed, 21 Oct 2099 07:28:00 GMT", "Sunday, 06-Nov-94 08:49:37 GMT",
		"Sun Nov  6 08:49:37 1994", "Mon, 01 Jan 0001 00:00:00 GMT", "Fri, 31 Dec 9999 23:59:59 GMT", "5\x00", "٣"} {
		f.Add(s, int64(1_767_225_600))
	}
	f.Fuzz(func(t *testing.T, v string, nowUnix int64) {
		now := time.Unix(nowUnix%(1<<40), 0)
		d, ok := ParseRetryAfter(v, now)
		switch {
		case d < 0:
			t.Fatalf("ParseRetryAfter(%q) = %v, negative", v, d)
		case d > maxRetryAfter:
			t.Fatalf("ParseRetryAfter(%q) = %v, over the bound", v, d)
		case !ok && d != 0:
			t.Fatalf("ParseRetryAfter(%q) = %v, false", v, d)
		}
		// Whole seconds read exactly, up to the bound.
		if s := strings.TrimSpace(v); s != "" && s[0] >= '0' && s[0] <= '9' {
			if n, err := strconv.ParseUint(s, 10, 64); err == nil {
				want := maxRetryAfter
				if n < uint64(maxRetryAfter/time.Second) {
					want = time.Duration(n) * time.Second
				}
				if !ok || d != want {
					t.Fatalf("ParseRetryAfter(%q) = %v, %v; want %v", v, d, ok, want)
				}
			}
		}
	})
}
