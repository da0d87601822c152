package bubblehouse

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Bubblehouse authenticates every call with an HS256 JWT that the shop signs
// itself with a shared secret from the API console
// (https://app.bubblehouse.com/apidocs/calling/auth). The token names the
// secret in its "kid" header and the caller in its "sub" claim: the shop
// slug for a shop token, "<slug>/<customer id>" for a customer token.

// TokenSource supplies the bearer token for each attempt of a call. The client
// calls Token once per attempt, retries included, so an implementation may
// mint a fresh token every time or hand out a cached one. Implementations must
// be safe for concurrent use.
//
// Token returns a token or an error, never an empty token: Bubblehouse
// would run a call with an empty token anonymously, on an empty customer,
// so the client refuses one without sending the call (a *TransportError
// wrapping ErrEmptyToken, not retried).
type TokenSource interface {
	Token(ctx context.Context) (string, error)
}

// TokenKind says whose token a client sends, which decides the local checks
// the client can make before sending anything.
type TokenKind int

const (
	// TokenKindUnknown is a token whose subject the client cannot read (an
	// opaque static token, or a custom TokenSource). The client sends such
	// calls as they are and leaves every identity check to the server.
	TokenKindUnknown TokenKind = iota
	// TokenKindShop is a shop token (sub = "<slug>"). Customer calls made with
	// it must name the customer.
	TokenKindShop
	// TokenKindCustomer is a customer token (sub = "<slug>/<customer id>").
	TokenKindCustomer
)

// String returns "unknown", "shop" or "customer".
func (k TokenKind) String() string {
	switch k {
	case TokenKindShop:
		return "shop"
	case TokenKindCustomer:
		return "customer"
	default:
		return "unknown"
	}
}

// Errors of token minting and configuration. They never hold the secret.
var (
	// ErrInvalidSecret means a shared secret that is empty or not base64.
	ErrInvalidSecret = errors.New("bubblehouse: the shared secret must be the non-empty base64 string the API console shows")
	// ErrInvalidKeyID means an empty key ID.
	ErrInvalidKeyID = errors.New("bubblehouse: the key ID must not be empty")
	// ErrInvalidTTL means a token lifetime that is not positive.
	ErrInvalidTTL = errors.New("bubblehouse: a token's lifetime must be positive")
	// ErrInvalidCustomerID means an empty customer ID, or one with a "/" that
	// would change the meaning of the token's subject.
	ErrInvalidCustomerID = errors.New("bubblehouse: the customer ID must be non-empty and must not contain '/'")
	// ErrEmptyToken is the cause of a *TransportError when a TokenSource
	// returned an empty (or blank) token without an error. Bubblehouse runs
	// a call with an empty token anonymously, on an empty customer, so the
	// client refuses it before sending and does not retry it.
	// Like ErrResponseTooLarge it is only ever a cause, so its text has no
	// "bubblehouse:" of its own.
	ErrEmptyToken = errors.New("the token source returned an empty token, which would make the call anonymous")
)

// DefaultTokenTTL is the lifetime of the tokens a client mints from a signing
// key. Five minutes is what Bubblehouse's Magento integration uses by default.
const DefaultTokenTTL = 5 * time.Minute

// tokenRefreshMargin is how long before its expiry a cached token is
// replaced, so that no token reaches the server moments before it expires,
// even with some clock skew or a slow network.
const tokenRefreshMargin = 30 * time.Second

// Signer mints Bubblehouse tokens from one shared secret. It is safe for
// concurrent use. Its String, GoString and LogValue methods never show the
// secret.
type Signer struct {
	shop  string
	keyID string
	key   []byte
	now   func() time.Time
}

// NewSigner returns a Signer for the shop, using the secret exactly as the
// Bubblehouse API console shows it: base64, which is decoded into the HMAC key
// as Bubblehouse's own integrations do. Standard and URL-safe base64, with or
// without padding, are accepted.
func NewSigner(shop, keyID, secret string) (*Signer, error) {
	key, err := decodeSecret(secret)
	if err != nil {
		return nil, err
	}
	return NewSignerFromKey(shop, keyID, key)
}

// NewSignerFromKey returns a Signer whose HMAC key is the raw bytes given, for
// a secret that is not kept in the console's base64 form. The key is copied.
func NewSignerFromKey(shop, keyID string, key []byte) (*Signer, error) {
	if err := validateShop(shop); err != nil {
		return nil, err
	}
	if strings.TrimSpace(keyID) == "" {
		return nil, ErrInvalidKeyID
	}
	if len(key) == 0 {
		return nil, ErrInvalidSecret
	}
	return &Signer{shop: shop, keyID: keyID, key: append([]byte(nil), key...), now: time.Now}, nil
}

func decodeSecret(secret string) ([]byte, error) {
	s := strings.TrimSpace(secret)
	if s == "" {
		return nil, ErrInvalidSecret
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if key, err := enc.DecodeString(s); err == nil && len(key) > 0 {
			return key, nil
		}
	}
	// The decoder's error would quote the offending byte and its offset; keep
	// even that much of the secret out of the error.
	return nil, ErrInvalidSecret
}

// Shop returns the shop slug the Signer mints tokens for.
func (s *Signer) Shop() string { return s.shop }

// KeyID returns the ID of the shared secret (the token's "kid" header).
func (s *Signer) KeyID() string { return s.keyID }

// String describes the Signer without its secret.
func (s *Signer) String() string {
	return fmt.Sprintf("bubblehouse.Signer{shop: %s, kid: %s, secret: [redacted]}", s.shop, s.keyID)
}

// GoString keeps %#v, which would otherwise print the key's bytes, as
// free of the secret as String.
func (s *Signer) GoString() string { return s.String() }

// LogValue describes the Signer to log/slog without its secret.
func (s *Signer) LogValue() slog.Value {
	return slog.GroupValue(slog.String("shop", s.shop), slog.String("kid", s.keyID), slog.String("secret", "[redacted]"))
}

// TokenOption adjusts a customer token.
type TokenOption func(*tokenClaims)

// WithLevel sets the token's "l" (level) claim, which Bubblehouse documents
// as choosing admin-level or customer-level access for a customer token. The
// values it takes are not in the public documentation, so the SDK passes the
// string through as it is.
func WithLevel(level string) TokenOption {
	return func(c *tokenClaims) { c.Level = level }
}

// WithCustomerEmail sets the token's "ce" claim, which supplies the
// customer's email to Bubblehouse's identity resolution.
func WithCustomerEmail(email string) TokenOption {
	return func(c *tokenClaims) { c.CustomerEmail = email }
}

// ShopToken mints a shop token (sub = the shop slug) valid for ttl.
func (s *Signer) ShopToken(ttl time.Duration) (string, error) {
	tok, _, err := s.sign(s.shop, ttl, nil)
	return tok, err
}

// CustomerToken mints a customer token (sub = "<shop>/<customerID>") valid
// for ttl. The customer ID is the shop's own ID for the customer. A customer
// token may be handed to a browser or app, which can then call the Loyalty
// API for that customer only.
func (s *Signer) CustomerToken(customerID string, ttl time.Duration, opts ...TokenOption) (string, error) {
	if customerID == "" || strings.Contains(customerID, "/") {
		return "", ErrInvalidCustomerID
	}
	tok, _, err := s.sign(s.shop+"/"+customerID, ttl, opts)
	return tok, err
}

func (s *Signer) sign(sub string, ttl time.Duration, opts []TokenOption) (string, time.Time, error) {
	if ttl <= 0 {
		return "", time.Time{}, ErrInvalidTTL
	}
	now := s.now().Truncate(time.Second)
	exp := now.Add(ttl)
	claims := tokenClaims{Aud: "BH", Sub: sub, Iat: now.Unix(), Exp: exp.Unix()}
	for _, o := range opts {
		o(&claims)
	}
	t := jwt.NewWithClaims(jwt.SigningMethodHS256, claims)
	t.Header["kid"] = s.keyID
	str, err := t.SignedString(s.key)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("bubblehouse: signing a token: %w", err)
	}
	return str, exp, nil
}

// tokenClaims is the payload Bubblehouse reads. "aud" is a plain string, as
// the official integrations send it (jwt.RegisteredClaims would send an array
// unless a package-wide setting of the jwt library were changed).
type tokenClaims struct {
	Aud           string `json:"aud"`
	Sub           string `json:"sub"`
	Iat           int64  `json:"iat"`
	Exp           int64  `json:"exp"`
	Level         string `json:"l,omitempty"`
	CustomerEmail string `json:"ce,omitempty"`
}

func (c tokenClaims) GetExpirationTime() (*jwt.NumericDate, error) {
	return jwt.NewNumericDate(time.Unix(c.Exp, 0)), nil
}
func (c tokenClaims) GetIssuedAt() (*jwt.NumericDate, error) {
	return jwt.NewNumericDate(time.Unix(c.Iat, 0)), nil
}
func (c tokenClaims) GetNotBefore() (*jwt.NumericDate, error) { return nil, nil }
func (c tokenClaims) GetIssuer() (string, error)              { return "", nil }
func (c tokenClaims) GetSubject() (string, error)             { return c.Sub, nil }
func (c tokenClaims) GetAudience() (jwt.ClaimStrings, error)  { return jwt.ClaimStrings{c.Aud}, nil }

// signerSource is the TokenSource behind WithSigningKey and ForCustomer: it
// mints a token for one subject and reuses it until tokenRefreshMargin before
// it expires, so a busy client signs about once per TTL instead of once per
// call.
type signerSource struct {
	signer     *Signer
	customerID string // "" for the shop token
	ttl        time.Duration

	mu  sync.Mutex
	tok string
	exp time.Time
}

func (s *signerSource) Token(ctx context.Context) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.signer.now()
	if s.tok != "" && now.Add(tokenRefreshMargin).Before(s.exp) {
		return s.tok, nil
	}
	sub := s.signer.shop
	if s.customerID != "" {
		sub += "/" + s.customerID
	}
	tok, exp, err := s.signer.sign(sub, s.ttl, nil)
	if err != nil {
		return "", err
	}
	s.tok, s.exp = tok, exp
	return tok, nil
}

// staticSource is the TokenSource behind WithToken.
type staticSource string

func (s staticSource) Token(ctx context.Context) (string, error) {
	return string(s), ctx.Err()
}

// tokenSubject reads the "sub" claim of a JWT without verifying it (the
// client cannot: only Bubblehouse and the shop hold the secret). It returns
// false for anything that is not a JWT with a string subject.
func tokenSubject(tok string) (string, bool) {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return "", false
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return "", false
	}
	var claims struct {
		Sub string `json:"sub"`
	}
	if json.Unmarshal(payload, &claims) != nil || claims.Sub == "" {
		return "", false
	}
	return claims.Sub, true
}

// kindOfToken classifies a static token by its subject, so that the client's
// local identity checks apply exactly when the token's kind is known; for a
// customer token it also returns the customer's ID.
func kindOfToken(tok string) (kind TokenKind, customerID string) {
	sub, ok := tokenSubject(tok)
	if !ok {
		return TokenKindUnknown, ""
	}
	if _, id, isCustomer := strings.Cut(sub, "/"); isCustomer {
		return TokenKindCustomer, id
	}
	return TokenKindShop, ""
}
