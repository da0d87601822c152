package bubblehouse

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func decodePart(t *testing.T, tok string, i int) map[string]any {
	t.Helper()
	parts := strings.Split(tok, ".")
	require.Len(t, parts, 3)
	b, err := base64.RawURLEncoding.DecodeString(parts[i])
	require.NoError(t, err, "parts are base64url without padding")
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	return m
}

func TestSignerTokensMatchTheIntegrations(t *testing.T) {
	s, err := NewSigner("my-shop", "kid-7", testSecret())
	require.NoError(t, err)
	now := time.Unix(1_800_000_000, 0)
	s.now = func() time.Time { return now }

	tok, err := s.ShopToken(5 * time.Minute)
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"alg": "HS256", "kid": "kid-7", "typ": "JWT"}, decodePart(t, tok, 0))
	assert.Equal(t, map[string]any{"aud": "BH", "sub": "my-shop", "iat": 1_800_000_000.0, "exp": 1_800_000_300.0}, decodePart(t, tok, 1))

	// The HMAC key is the base64-decoded secret.
	parsed, err := jwt.Parse(tok, func(*jwt.Token) (any, error) { return testSecretBytes, nil },
		jwt.WithValidMethods([]string{"HS256"}), jwt.WithTimeFunc(func() time.Time { return now }))
	require.NoError(t, err)
	assert.True(t, parsed.Valid)
	_, err = jwt.Parse(tok, func(*jwt.Token) (any, error) { return []byte(testSecret()), nil }, jwt.WithTimeFunc(func() time.Time { return now }))
	assert.Error(t, err, "the undecoded string is not the key")

	ctok, err := s.CustomerToken("shop-customer-123", time.Minute, WithLevel("admin"), WithCustomerEmail("a@b.c"))
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"aud": "BH", "sub": "my-shop/shop-customer-123", "iat": 1_800_000_000.0, "exp": 1_800_000_060.0, "l": "admin", "ce": "a@b.c"}, decodePart(t, ctok, 1))

	_, err = s.CustomerToken("", time.Minute)
	assert.ErrorIs(t, err, ErrInvalidCustomerID)
	_, err = s.CustomerToken("a/b", time.Minute)
	assert.ErrorIs(t, err, ErrInvalidCustomerID)
	_, err = s.ShopToken(0)
	assert.ErrorIs(t, err, ErrInvalidTTL)
}

func TestNewSignerValidates(t *testing.T) {
	raw := []byte{0xfb, 0xff, 0xfe, 0x01, 0x02}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		s, err := NewSigner("shop", "k", enc.EncodeToString(raw))
		require.NoError(t, err)
		assert.Equal(t, raw, s.key)
	}
	tests := []struct {
		shop, kid, secret string
		want              error
	}{
		{"shop", "k", "", ErrInvalidSecret},
		{"shop", "k", "not base64!!", ErrInvalidSecret},
		{"shop", "", testSecret(), ErrInvalidKeyID},
		{"Shop", "k", testSecret(), ErrInvalidShop},
		{"my shop", "k", testSecret(), ErrInvalidShop},
	}
	for _, tc := range tests {
		_, err := NewSigner(tc.shop, tc.kid, tc.secret)
		assert.ErrorIs(t, err, tc.want, "%+v", tc)
	}
	bad := "c2VjcmV0!" // would make a decoder error quote a byte of the secret
	_, err := NewSigner("shop", "k", bad)
	assert.NotContains(t, err.Error(), "c2Vj")

	s, err := NewSignerFromKey("shop", "k", raw)
	require.NoError(t, err)
	raw[0] = 0
	assert.NotEqual(t, raw[0], s.key[0], "key is copied")
	out := fmt.Sprintf("%v %+v %#v %v", s, s, s, s.LogValue())
	for _, shown := range []string{
		strings.Trim(fmt.Sprintf("%v", s.key), "[]"),            // 1 2 3
		strings.TrimPrefix(fmt.Sprintf("%#v", s.key), "[]byte"), // {0x1, 0x2, 0x3}
		fmt.Sprintf("%x", s.key),
		string(s.key),
	} {
		assert.NotContains(t, out, shown, "the key is shown")
	}
	assert.NotContains(t, out, base64.StdEncoding.EncodeToString(s.key))
}

func TestSignerSourceCachesUntilNearExpiry(t *testing.T) {
	s, err := NewSigner("shop", "k", testSecret())
	require.NoError(t, err)
	now := time.Unix(1_800_000_000, 0)
	s.now = func() time.Time { return now }
	src := &signerSource{signer: s, customerID: "c1", ttl: 5 * time.Minute}

	t1, err := src.Token(context.Background())
	require.NoError(t, err)
	now = now.Add(4*time.Minute + 29*time.Second)
	t2, err := src.Token(context.Background())
	require.NoError(t, err)
	assert.Equal(t, t1, t2, "reused while more than 30 s remain")

	now = now.Add(2 * time.Second) // 29 s before exp
	t3, err := src.Token(context.Background())
	require.NoError(t, err)
	assert.NotEqual(t, t1, t3, "never sent within 30 s of exp")
	assert.Equal(t, "shop/c1", decodePart(t, t3, 1)["sub"])

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = src.Token(ctx)
	assert.ErrorIs(t, err, context.Canceled)

	// Concurrent callers share the cache safely.
	var wg sync.WaitGroup
	for i := 0; i < 32; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := src.Token(context.Background())
			assert.NoError(t, err)
		}()
	}
	wg.Wait()
}

func TestKindOfToken(t *testing.T) {
	s, err := NewSigner("shop", "k", testSecret())
	require.NoError(t, err)
	shopTok, _ := s.ShopToken(time.Minute)
	custTok, _ := s.CustomerToken("42", time.Minute)
	kind := func(tok string) string {
		k, id := kindOfToken(tok)
		return k.String() + " " + id
	}
	assert.Equal(t, "shop ", kind(shopTok))
	assert.Equal(t, "customer 42", kind(custTok))
	assert.Equal(t, "unknown ", kind("opaque-token"))
	assert.Equal(t, "unknown ", kind("a.b.c"))
	assert.Equal(t, "shop", TokenKindShop.String())
	assert.Equal(t, "customer", TokenKindCustomer.String())
	assert.Equal(t, "unknown", TokenKindUnknown.String())
}
