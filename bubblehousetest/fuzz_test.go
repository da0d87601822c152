package bubblehousetest

import (
	"testing"
	"time"
)

// FuzzVerifyToken feeds verifyToken arbitrary tokens: it must never panic,
// and must accept only what a correctly signed token for the shop is.
func FuzzVerifyToken(f *testing.F) {
	now := time.Unix(1_750_000_000, 0)
	keyOf := func(kid string) ([]byte, bool) {
		if kid == DefaultKeyID {
			return defaultKey, true
		}
		return nil, false
	}
	at := func(sub string, extra ...any) map[string]any {
		c := map[string]any{"aud": "BH", "sub": sub, "iat": now.Unix(), "exp": now.Unix() + 300}
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
		info, err := verifyToken(tok, DemoShop, keyOf, now)
		if err != nil {
			if info != (tokenInfo{}) {
				t.Fatalf("a refused token returned %+v", info)
			}
			return
		}
		if info.kind == tokenAnonymous || info.keyID != DefaultKeyID {
			t.Fatalf("accepted token with %+v", info)
		}
	})
}
