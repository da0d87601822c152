package bubblehousetest

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

// fuzzNow is the clock of the token fuzz targets, so that the iat and exp
// of their seeds mean the same whenever they run.
var fuzzNow = time.Unix(1_750_000_000, 0)

// otherKey signs the tokens a fuzz target means to be refused whatever
// they say.
var otherKey = []byte("not-the-bubblehousetest-secret!!")

// fuzzKeys knows the default key ID only.
func fuzzKeys(kid string) ([]byte, bool) {
	if kid == DefaultKeyID {
		return defaultKey, true
	}
	return nil, false
}

// FuzzVerifyToken signs arbitrary header and claims JSON with the key that
// DefaultKeyID names (or, with wrongKey, another key), so that mutations
// get past the signature check and reach what comes after it: the header's
// alg and kid, and the claims aud, sub, iat, exp, l and ce. verifyToken
// must never panic, and must accept only what the documented rules allow.
func FuzzVerifyToken(f *testing.F) {
	const header = `{"typ":"JWT","alg":"HS256","kid":"bubblehousetest-key"}`
	f.Add([]byte(header), []byte(`{"aud":"BH","sub":"demo-shop","iat":1750000000,"exp":1750000300}`), false)
	f.Add([]byte(header), []byte(`{"aud":"BH","sub":"demo-shop/42","iat":1750000000,"exp":1750000300,"l":"admin","ce":"a@b.c"}`), false)
	f.Add([]byte(header), []byte(`{"aud":"BH","sub":"demo-shop","iat":1750000000,"exp":1750000300}`), true)
	// More seeds, the edge cases, are in testdata/fuzz/FuzzVerifyToken.
	f.Fuzz(func(t *testing.T, header, claims []byte, wrongKey bool) {
		key := defaultKey
		if wrongKey {
			key = otherKey
		}
		info, err := verifyToken(signRaw(header, claims, key), DemoShop, fuzzKeys, fuzzNow)
		if err != nil {
			checkRefused(t, info, err)
			return
		}
		if wrongKey {
			t.Fatalf("accepted a token signed with another key: %+v", info)
		}
		checkAccepted(t, header, claims, info)
	})
}

// FuzzVerifyTokenRaw feeds verifyToken whole tokens, for the parsing in
// front of the signature check (the size cap, the three segments, base64
// with or without padding). A mutated token almost never has a valid
// signature, so this target says little about the claims; FuzzVerifyToken
// covers them.
func FuzzVerifyTokenRaw(f *testing.F) {
	at := func(sub string, extra ...any) map[string]any {
		c := map[string]any{"aud": "BH", "sub": sub, "iat": fuzzNow.Unix(), "exp": fuzzNow.Unix() + 300}
		for i := 0; i+1 < len(extra); i += 2 {
			c[extra[i].(string)] = extra[i+1]
		}
		return c
	}
	f.Add(mint(f, hs256(DefaultKeyID), at(DemoShop), defaultKey))
	f.Add(mint(f, hs256(DefaultKeyID), at(DemoShop+"/42", "l", "admin", "ce", "a@b.c"), defaultKey))
	f.Add(mint(f, hs256(DefaultKeyID), at(DemoShop, "exp", 1e308, "iat", -1e308), defaultKey))
	f.Add(mint(f, hs256(DefaultKeyID), at(DemoShop, "aud", []any{"BH", 1}), defaultKey))
	f.Add(mint(f, map[string]any{"alg": "none"}, at(DemoShop), nil))
	f.Add("a.b.c")
	f.Add("..")
	f.Add("eyJhbGciOiJIUzI1NiJ9.e30.")
	f.Add("")
	f.Fuzz(func(t *testing.T, tok string) {
		info, err := verifyToken(tok, DemoShop, fuzzKeys, fuzzNow)
		if err != nil {
			checkRefused(t, info, err)
			return
		}
		parts := strings.Split(tok, ".")
		if len(parts) != 3 {
			t.Fatalf("accepted a token of %d segments", len(parts))
		}
		header, err1 := decodeSegment(parts[0])
		claims, err2 := decodeSegment(parts[1])
		sig, err3 := decodeSegment(parts[2])
		if err := errors.Join(err1, err2, err3); err != nil {
			t.Fatalf("accepted a token whose segments are not base64url: %v", err)
		}
		mac := hmac.New(sha256.New, defaultKey)
		mac.Write([]byte(parts[0] + "." + parts[1]))
		if !hmac.Equal(mac.Sum(nil), sig) {
			t.Fatal("accepted a token not signed with the default key")
		}
		checkAccepted(t, header, claims, info)
	})
}

// checkRefused: a refused token teaches the server nothing, and the error
// is the kind whose message the server may send back.
func checkRefused(t *testing.T, info tokenInfo, err error) {
	t.Helper()
	if info != (tokenInfo{}) {
		t.Fatalf("a refused token returned %+v", info)
	}
	var te *tokenError
	if !errors.As(err, &te) {
		t.Fatalf("refused with %T %v, not a *tokenError", err, err)
	}
}

// clockSlack absorbs the nanosecond rounding of a fractional NumericDate.
const clockSlack = 1e-6

// checkAccepted re-reads the header and claims of an accepted token by the
// rules Bubblehouse documents (calling/auth), independently of
// verifyToken's code, and checks that they hold and that info says the
// same. JSON member names are case-sensitive (RFC 7515, 7519): "ALG" is
// not "alg".
func checkAccepted(t *testing.T, header, claims []byte, info tokenInfo) {
	t.Helper()
	var h map[string]json.RawMessage
	if json.Unmarshal(header, &h) != nil {
		t.Fatalf("accepted a header that is not a JSON object: %q", header)
	}
	var alg, kid string
	if json.Unmarshal(h["alg"], &alg) != nil || alg != "HS256" {
		t.Fatalf("accepted alg %s in header %q", h["alg"], header)
	}
	if json.Unmarshal(h["kid"], &kid) != nil || kid != DefaultKeyID || info.keyID != kid {
		t.Fatalf("accepted kid %s (info %q) in header %q", h["kid"], info.keyID, header)
	}

	var c map[string]json.RawMessage
	if json.Unmarshal(claims, &c) != nil || c == nil {
		t.Fatalf("accepted claims that are not a JSON object: %q", claims)
	}
	if !hasAudienceBH(c["aud"]) {
		t.Fatalf("accepted aud %s", c["aud"])
	}
	var sub string
	if json.Unmarshal(c["sub"], &sub) != nil || sub != info.subject {
		t.Fatalf("accepted sub %s as %q", c["sub"], info.subject)
	}
	id, isCustomer := strings.CutPrefix(sub, DemoShop+"/")
	switch {
	case sub == DemoShop:
		if info.kind != tokenShop || info.customerID != "" {
			t.Fatalf("shop subject read as %+v", info)
		}
	case isCustomer && id != "":
		if info.kind != tokenCustomer || info.customerID != id {
			t.Fatalf("customer subject %q read as %+v", sub, info)
		}
	default:
		t.Fatalf("accepted subject %q for shop %q", sub, DemoShop)
	}

	now, skew := float64(fuzzNow.Unix()), MaxClockSkew.Seconds()
	if iat, ok := numericClaim(t, c, "iat"); ok && iat > now+skew+clockSlack {
		t.Fatalf("accepted iat %v, more than %v after %v", iat, MaxClockSkew, now)
	}
	if exp, ok := numericClaim(t, c, "exp"); ok && exp < now-skew-clockSlack {
		t.Fatalf("accepted exp %v, more than %v before %v", exp, MaxClockSkew, now)
	}

	var ce string
	if info.email != "" && (json.Unmarshal(c["ce"], &ce) != nil || ce != info.email) {
		t.Fatalf("email %q from ce %s", info.email, c["ce"])
	}
}

// hasAudienceBH reports whether aud is the string "BH", the only audience
// the fake accepts (an array holding it is refused, see doc.go).
func hasAudienceBH(raw json.RawMessage) bool {
	var aud string
	return json.Unmarshal(raw, &aud) == nil && aud == "BH"
}

// numericClaim returns the claim name of an accepted token as seconds. It
// reports false when the claim is absent, and fails t when the claim is
// there but not a number (null included).
func numericClaim(t *testing.T, c map[string]json.RawMessage, name string) (float64, bool) {
	t.Helper()
	raw, ok := c[name]
	if !ok {
		return 0, false
	}
	var v float64
	if bytes.Equal(bytes.TrimSpace(raw), []byte("null")) || json.Unmarshal(raw, &v) != nil {
		t.Fatalf("accepted %s %s, which is not a number", name, raw)
	}
	return v, true
}
