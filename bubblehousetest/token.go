package bubblehousetest

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"time"
)

// Token checks, as Bubblehouse documents them (calling/auth): an HS256 JWT
// signed with the base64-decoded shared secret that the "kid" header names,
// "aud" = "BH", "sub" = the shop slug or "<slug>/<customer id>", and the
// optional "iat" (refused before it) and "exp" (refused after it). [INF] A
// clock skew of MaxClockSkew is allowed on both, as in the API author's
// public Go framework. Every failure is 401 invalid_token; the message says
// why, without quoting the token.

// maxTokenBytes bounds the token the server will parse.
const maxTokenBytes = 8 << 10

// tokenKind is who a token speaks for.
type tokenKind int

const (
	tokenAnonymous tokenKind = iota
	tokenShop
	tokenCustomer
)

// tokenInfo is what the server learned from a valid token.
type tokenInfo struct {
	kind       tokenKind
	subject    string
	keyID      string
	level      string // the "l" claim, as text; "" when absent
	email      string // the "ce" claim
	customerID string // the shop's customer ID of a customer token
}

// admin reports whether the token may do what a shop token or an
// admin-level customer token may. [INF] The value of "l" that selects the
// admin level is not documented, so any non-empty value does.
func (t tokenInfo) admin() bool {
	return t.kind == tokenShop || (t.kind == tokenCustomer && t.level != "")
}

// tokenError is a refused token; its message is safe to send back.
type tokenError struct{ msg string }

func (e *tokenError) Error() string { return e.msg }

func refuse(msg string) (tokenInfo, error) { return tokenInfo{}, &tokenError{msg} }

// verifyToken checks tok for shop at time now; key returns the HMAC key of a
// key ID. It never panics, whatever tok holds.
func verifyToken(tok, shop string, key func(kid string) ([]byte, bool), now time.Time) (tokenInfo, error) {
	if len(tok) > maxTokenBytes {
		return refuse("The token is too long")
	}
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return refuse("The token is not a JWT")
	}
	headerJSON, err1 := decodeSegment(parts[0])
	payloadJSON, err2 := decodeSegment(parts[1])
	sig, err3 := decodeSegment(parts[2])
	if err1 != nil || err2 != nil || err3 != nil {
		return refuse("The token is not a JWT")
	}
	// A map, not a struct: encoding/json matches struct fields without
	// regard to case, but JOSE header names are case-sensitive (RFC 7515),
	// so "ALG" must not pass for "alg", as it would not with a JWT library.
	var header map[string]json.RawMessage
	if json.Unmarshal(headerJSON, &header) != nil {
		return refuse("The token is not a JWT")
	}
	var alg, kid string
	if json.Unmarshal(header["alg"], &alg) != nil || alg != "HS256" {
		return refuse("The token must be signed with HS256")
	}
	if json.Unmarshal(header["kid"], &kid) != nil || kid == "" {
		return refuse("The token has no key ID (kid)")
	}
	k, ok := key(kid)
	if !ok {
		return refuse("The token's key ID is unknown or revoked")
	}
	mac := hmac.New(sha256.New, k)
	mac.Write([]byte(parts[0]))
	mac.Write([]byte{'.'})
	mac.Write([]byte(parts[1]))
	if !hmac.Equal(mac.Sum(nil), sig) {
		return refuse("The token's signature is invalid")
	}

	var claims map[string]json.RawMessage
	if json.Unmarshal(payloadJSON, &claims) != nil || claims == nil {
		return refuse("The token's claims are not a JSON object")
	}
	if !audienceIsBH(claims["aud"]) {
		return refuse(`The token's audience (aud) must be "BH"`)
	}
	var sub string
	if json.Unmarshal(claims["sub"], &sub) != nil || sub == "" {
		return refuse("The token has no subject (sub)")
	}
	info := tokenInfo{subject: sub, keyID: kid}
	switch {
	case sub == shop:
		info.kind = tokenShop
	case strings.HasPrefix(sub, shop+"/") && len(sub) > len(shop)+1:
		info.kind, info.customerID = tokenCustomer, sub[len(shop)+1:]
	default:
		return refuse("The token is for another shop")
	}
	if raw, ok := claims["iat"]; ok {
		iat, ok := numericDate(raw)
		if !ok {
			return refuse("The token's iat is not a number")
		}
		if iat.After(now.Add(MaxClockSkew)) {
			return refuse("The token is not valid yet")
		}
	}
	if raw, ok := claims["exp"]; ok {
		exp, ok := numericDate(raw)
		if !ok {
			return refuse("The token's exp is not a number")
		}
		if now.After(exp.Add(MaxClockSkew)) {
			return refuse("The token has expired")
		}
	}
	info.level = claimText(claims["l"])
	_ = json.Unmarshal(claims["ce"], &info.email) // not a string: no email
	return info, nil
}

// decodeSegment decodes a base64url JWT segment, tolerating padding.
func decodeSegment(s string) ([]byte, error) {
	return base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
}

// audienceIsBH accepts only the string "BH". RFC 7519 also allows an array
// of audiences, and many JWT libraries take one holding "BH", but
// Bubblehouse documents aud = "BH" and both official integrations send a
// string; [INF] the API author's public framework reads claims as strings
// only, so an array most likely fails there. Being strict catches a client
// that sends one before the real service does.
func audienceIsBH(raw json.RawMessage) bool {
	var aud string
	return json.Unmarshal(raw, &aud) == nil && aud == "BH"
}

// numericDate reads a JWT NumericDate: seconds since the epoch, possibly
// fractional. Values beyond any sane date are clamped, never overflowed.
// null is no number (encoding/json would read it as 0: 1970, expired).
func numericDate(raw json.RawMessage) (time.Time, bool) {
	var f float64
	if bytes.Equal(bytes.TrimSpace(raw), []byte("null")) || json.Unmarshal(raw, &f) != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return time.Time{}, false
	}
	const limit = 1 << 40 // about 36,000 years
	f = math.Max(-limit, math.Min(limit, f))
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)), true
}

// claimText renders the "l" claim as text: a string as it is, a number or
// true as its JSON; null, false, 0 and "" as empty.
func claimText(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var f float64
	if json.Unmarshal(raw, &f) == nil {
		if f == 0 {
			return ""
		}
		return strconv.FormatFloat(f, 'g', -1, 64)
	}
	var b bool
	if json.Unmarshal(raw, &b) == nil && b {
		return "true"
	}
	return ""
}
