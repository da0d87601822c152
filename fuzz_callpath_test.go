package bubblehouse

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// Fuzz targets of the call path's parsers: what a server (or a user's
// configuration) hands the client must never panic it, forge log lines
// through its error strings, or be misclassified.

// noControl reports the first control or format character of s, if any.
func noControl(t *testing.T, what, s string) {
	t.Helper()
	for i, r := range s {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			t.Fatalf("%s holds control character %U at %d: %q", what, r, i, s)
		}
	}
}

func FuzzParseAPIError(f *testing.F) {
	f.Add(400, []byte(`{"id":"missing_customer_identity"}`))
	f.Add(401, []byte(`{"id":"invalid_token","message":"The token has expired"}`))
	f.Add(429, []byte(`{"id":"rate_limit_exceeded","message":"You are over the read limit per second for this customer"}`))
	f.Add(502, []byte("<html><title>502 Bad Gateway</title></html>"))
	f.Add(404, []byte(`{"id":"x\n[ERROR] forged line","message":"a\u0000b\r\nc"}`))
	f.Add(500, []byte(`{"id":42,"message":null}`))
	f.Add(418, []byte(`{"message":"`+strings.Repeat("é", 300)+`"}`))
	f.Add(0, []byte(nil))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		e := parseAPIError("Status2", status, body)
		msg := e.Error()
		if !utf8.ValidString(msg) {
			t.Fatalf("Error() is not valid UTF-8: %q", msg)
		}
		noControl(t, "Error()", msg)
		if len(msg) > 1024 {
			t.Fatalf("Error() is %d bytes long", len(msg))
		}
		if e.StatusCode != status {
			t.Fatalf("StatusCode = %d, want %d", e.StatusCode, status)
		}
		// The id is kept exactly as sent when the body is a JSON error.
		var wire struct {
			ID string `json:"id"`
		}
		if json.Unmarshal(body, &wire) == nil && e.ID != wire.ID {
			t.Fatalf("ID = %q, want %q", e.ID, wire.ID)
		}
	})
}

// shopSlugRef is the slug grammar ^[a-z0-9]+(-[a-z0-9]+)*$, at most 100
// bytes, written out by hand as the fuzz oracle.
func shopSlugRef(s string) bool {
	if s == "" || len(s) > 100 || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case c == '-' && s[i-1] != '-':
		default:
			return false
		}
	}
	return true
}

func FuzzValidateShop(f *testing.F) {
	for _, s := range []string{"my-shop", "a", "0", "a-b-c", "-a", "a-", "a--b", "My-Shop", "a b", "a\n", "shop\x00",
		"ünïcode", strings.Repeat("a", 100), strings.Repeat("a", 101), "a/b", "a.b", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := validateShop(s)
		if want := shopSlugRef(s); (err == nil) != want {
			t.Fatalf("validateShop(%q) = %v, want valid=%v", s, err, want)
		}
		if err != nil {
			noControl(t, "the error", err.Error())
		}
	})
}

// jwtWith builds an unsigned three-part token around payload.
func jwtWith(payload []byte) string {
	enc := base64.RawURLEncoding
	return enc.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT","kid":"k"}`)) + "." + enc.EncodeToString(payload) + ".c2ln"
}

func FuzzTokenSubject(f *testing.F) {
	signer, err := NewSigner("my-shop", "kid", sentinelSecret())
	if err != nil {
		f.Fatal(err)
	}
	shopTok, _ := signer.ShopToken(DefaultTokenTTL)
	custTok, _ := signer.CustomerToken("cust-1", DefaultTokenTTL)
	for _, s := range []string{shopTok, custTok, "opaque-static-token", "a.b.c", "..", "a.e30.b", jwtWith([]byte(`{"sub":""}`)),
		jwtWith([]byte(`{"sub":42}`)), jwtWith([]byte(`{"sub":"my-shop/"}`)), jwtWith([]byte(`{"sub":"my-shop"}`)) + "==", "a.eyJzdWIiOiJ4In0=.b"} {
		f.Add(s, "my-shop/123")
	}
	f.Fuzz(func(t *testing.T, tok, sub string) {
		got, ok := tokenSubject(tok)
		kind, customerID := kindOfToken(tok)
		switch {
		case kind == TokenKindCustomer && got[strings.Index(got, "/")+1:] != customerID:
			t.Fatalf("kindOfToken(%q) customer %q for subject %q", tok, customerID, got)
		case kind != TokenKindCustomer && customerID != "":
			t.Fatalf("kindOfToken(%q) = %v with customer %q", tok, kind, customerID)
		case !ok && (got != "" || kind != TokenKindUnknown):
			t.Fatalf("tokenSubject(%q) = %q, false; kind %v", tok, got, kind)
		case ok && got == "":
			t.Fatalf("tokenSubject(%q) = \"\", true", tok)
		case ok && strings.Contains(got, "/") != (kind == TokenKindCustomer):
			t.Fatalf("kindOfToken(%q) = %v for subject %q", tok, kind, got)
		case ok && kind == TokenKindUnknown:
			t.Fatalf("kindOfToken(%q) = unknown for subject %q", tok, got)
		}

		// A token whose payload carries sub must read back as that subject,
		// as JSON decodes it.
		payload, err := json.Marshal(map[string]any{"aud": "BH", "sub": sub, "exp": 1})
		if err != nil {
			return
		}
		var want struct{ Sub string }
		_ = json.Unmarshal(payload, &want)
		got, ok = tokenSubject(jwtWith(payload))
		if got != want.Sub || ok != (want.Sub != "") {
			t.Fatalf("tokenSubject(token with sub %q) = %q, %v", want.Sub, got, ok)
		}
	})
}
