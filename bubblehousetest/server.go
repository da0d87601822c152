package bubblehousetest

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bubblehouse-go/bubblehouse"
)

// Names of the functions the fake serves, for FailNext, SetLatency, CutNext
// and Request.Endpoint.
const (
	EndpointCustomerDetails1    = "CustomerDetails1"
	EndpointCustomerHistory2    = "CustomerHistory2"
	EndpointCustomerBalance3    = "CustomerBalance3"
	EndpointCustomerReferrals2  = "CustomerReferrals2"
	EndpointExportCustomerData1 = "ExportCustomerData1"
	EndpointStatus2             = "Status2"
	// AnyEndpoint makes FailNext, SetLatency and CutNext apply to every
	// function. A script for a named endpoint is used before one for
	// AnyEndpoint.
	AnyEndpoint = "*"
)

// Defaults of a Server. The secret is a fixed, public test value: never use
// it for a real shop.
const (
	// DefaultKeyID is the key ID of the server's signing key.
	DefaultKeyID = "bubblehousetest-key"
	// DefaultSecret is the shared secret of the server's signing key, in the
	// base64 form the Bubblehouse API console shows (it decodes to the 32
	// bytes "bubblehousetest-shared-secret-32").
	DefaultSecret = "YnViYmxlaG91c2V0ZXN0LXNoYXJlZC1zZWNyZXQtMzI="
	// MaxClockSkew is how far in the future a token's "iat" may be, and how
	// far in the past its "exp", before the server refuses it. [INF] It is
	// the skew of the JWT check in the API author's public Go framework.
	MaxClockSkew = 10 * time.Second
	// MaxBodyBytes caps a request body; a larger one is refused with 400
	// invalid_json.
	MaxBodyBytes = 1 << 20
)

// DefaultAPIVersions are the global API versions the server accepts unless
// WithAPIVersions says otherwise: the one Bubblehouse's own integrations use
// and the 8-digit one some doc pages show.
func DefaultAPIVersions() []string { return []string{"v2023061", "v20230601"} }

// Option configures a Server. NewServer and Start report a bad value.
type Option func(*config) error

type config struct {
	shop      string
	keyID     string
	secret    string
	demo      bool
	rateLimit int
	versions  []string
	now       func() time.Time
}

var shopPattern = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// WithShop sets the shop slug the server answers for (default DemoShop).
// Calls to any other slug in the URL are refused with 401 invalid_token.
func WithShop(slug string) Option {
	return func(c *config) error {
		if len(slug) > 100 || !shopPattern.MatchString(slug) {
			return fmt.Errorf("WithShop: %.40q is not a shop slug (lowercase letters, digits and dashes)", slug)
		}
		c.shop = slug
		return nil
	}
}

// WithSigningKey sets the key ID and shared secret (base64, as the API
// console shows it) that tokens must be signed with (default DefaultKeyID
// and DefaultSecret). Use AddSigningKey for more keys.
func WithSigningKey(keyID, secretBase64 string) Option {
	return func(c *config) error {
		if strings.TrimSpace(keyID) == "" {
			return errors.New("WithSigningKey: the key ID is empty")
		}
		if _, err := decodeSecret(secretBase64); err != nil {
			return fmt.Errorf("WithSigningKey: %w", err)
		}
		c.keyID, c.secret = keyID, secretBase64
		return nil
	}
}

// WithDemoData seeds the server with the demo data set: a few customers
// (DemoCustomerEmail among them) with tiers, offers, referrals and a year
// of history. See DemoCustomers.
func WithDemoData() Option {
	return func(c *config) error {
		c.demo = true
		return nil
	}
}

// WithCustomerRateLimit makes the server answer 429 rate_limit_exceeded,
// with the message Bubblehouse documents and a Retry-After header, to the
// calls for one customer beyond perSecond in a second of the server's
// clock. Zero (the default) turns the limit off.
func WithCustomerRateLimit(perSecond int) Option {
	return func(c *config) error {
		if perSecond < 0 {
			return fmt.Errorf("WithCustomerRateLimit: %d is negative", perSecond)
		}
		c.rateLimit = perSecond
		return nil
	}
}

// WithAPIVersions sets the global API versions (the "v..." URL segment) the
// server accepts (default DefaultAPIVersions). Others are refused with 400
// invalid_global_api_version.
func WithAPIVersions(versions ...string) Option {
	return func(c *config) error {
		if len(versions) == 0 {
			return errors.New("WithAPIVersions: no version given")
		}
		for _, v := range versions {
			if v == "" || strings.Contains(v, "/") {
				return fmt.Errorf("WithAPIVersions: %.40q is not a version segment", v)
			}
		}
		c.versions = append([]string(nil), versions...)
		return nil
	}
}

// WithClock sets the server's clock (default time.Now), which checks the
// tokens' "iat" and "exp", dates Status2's "now" and the recorded requests,
// and cuts the seconds of WithCustomerRateLimit. Set it an hour ahead to see
// how a client copes with expired tokens.
func WithClock(now func() time.Time) Option {
	return func(c *config) error {
		if now == nil {
			return errors.New("WithClock: nil clock")
		}
		c.now = now
		return nil
	}
}

// Server is a fake Bubblehouse: an HTTP server on the loopback interface that
// speaks the real wire format for CustomerDetails1, CustomerHistory2,
// CustomerBalance3, CustomerReferrals2, ExportCustomerData1 and Status2.
// All its methods are safe for concurrent use.
type Server struct {
	tb       testing.TB
	hs       *httptest.Server
	shop     string
	keyID    string
	secret   string
	signer   *bubblehouse.Signer
	versions map[string]bool
	now      func() time.Time
	limit    int

	done      chan struct{} // closed by Close, to end latency waits
	closeOnce sync.Once

	mu        sync.Mutex
	keys      map[string][]byte
	customers []*customerRecord
	seq       uint64
	fails     map[string][]failScript
	cuts      map[string][]cutScript
	latency   map[string]time.Duration
	requests  []Request
	windows   map[string]rateWindow
}

// NewServer starts a Server for a test and closes it when the test ends
// (tb.Cleanup). A bad option fails the test.
func NewServer(tb testing.TB, opts ...Option) *Server {
	tb.Helper()
	s, err := newServer(tb, opts)
	if err != nil {
		tb.Fatalf("bubblehousetest: %v", err)
		return nil
	}
	tb.Cleanup(s.Close)
	return s
}

// Start starts a Server outside of a test, for a program such as a
// quickstart or a command's demo mode. The caller must Close it.
func Start(opts ...Option) (*Server, error) {
	s, err := newServer(nil, opts)
	if err != nil {
		return nil, fmt.Errorf("bubblehousetest: %w", err)
	}
	return s, nil
}

func newServer(tb testing.TB, opts []Option) (*Server, error) {
	cfg := config{shop: DemoShop, keyID: DefaultKeyID, secret: DefaultSecret, versions: DefaultAPIVersions(), now: time.Now}
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	key, err := decodeSecret(cfg.secret)
	if err != nil {
		return nil, err
	}
	signer, err := bubblehouse.NewSigner(cfg.shop, cfg.keyID, cfg.secret)
	if err != nil {
		return nil, err
	}
	s := &Server{
		tb:       tb,
		shop:     cfg.shop,
		keyID:    cfg.keyID,
		secret:   cfg.secret,
		signer:   signer,
		versions: make(map[string]bool, len(cfg.versions)),
		now:      cfg.now,
		limit:    cfg.rateLimit,
		done:     make(chan struct{}),
		keys:     map[string][]byte{cfg.keyID: key},
		fails:    map[string][]failScript{},
		cuts:     map[string][]cutScript{},
		latency:  map[string]time.Duration{},
		windows:  map[string]rateWindow{},
	}
	for _, v := range cfg.versions {
		s.versions[v] = true
	}
	if cfg.demo {
		for _, c := range DemoCustomers() {
			s.AddCustomer(c)
		}
	}
	s.hs = httptest.NewServer(http.HandlerFunc(s.serveHTTP))
	return s, nil
}

// Close stops the server, ending any latency wait in progress. It may be
// called more than once.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		close(s.done)
		s.hs.Close()
	})
}

// URL returns the server's base URL, for bubblehouse.WithBaseURL.
func (s *Server) URL() string { return s.hs.URL }

// Shop returns the shop slug the server answers for.
func (s *Server) Shop() string { return s.shop }

// KeyID returns the key ID of the server's signing key.
func (s *Server) KeyID() string { return s.keyID }

// Secret returns the shared secret of the server's signing key, base64 as
// the API console shows it, for bubblehouse.WithSigningKey.
func (s *Server) Secret() string { return s.secret }

// Signer returns a signer for the server's shop and key, to mint tokens by
// hand: customer tokens, admin-level ones (bubblehouse.WithLevel), or tokens
// to hand to bubblehouse.WithToken.
func (s *Server) Signer() *bubblehouse.Signer { return s.signer }

// AddSigningKey makes the server accept tokens signed with another key, as
// when a shop holds several secrets. secretBase64 is as the console shows it.
func (s *Server) AddSigningKey(keyID, secretBase64 string) error {
	if strings.TrimSpace(keyID) == "" {
		return errors.New("bubblehousetest: AddSigningKey: the key ID is empty")
	}
	key, err := decodeSecret(secretBase64)
	if err != nil {
		return fmt.Errorf("bubblehousetest: AddSigningKey: %w", err)
	}
	s.mu.Lock()
	s.keys[keyID] = key
	s.mu.Unlock()
	return nil
}

// RevokeKey makes the server refuse tokens signed with the key keyID, as
// Bubblehouse does once a secret is revoked in the console.
func (s *Server) RevokeKey(keyID string) {
	s.mu.Lock()
	delete(s.keys, keyID)
	s.mu.Unlock()
}

// NewClient returns a client for the server's shop, pointed at the server
// and signing with its key: bubblehouse.WithBaseURL(s.URL()),
// bubblehouse.WithSigningKey(s.KeyID(), s.Secret()) and an HTTP client whose
// idle connections close with the server, then opts, which win.
func (s *Server) NewClient(opts ...bubblehouse.Option) (*bubblehouse.Client, error) {
	all := append([]bubblehouse.Option{
		bubblehouse.WithBaseURL(s.URL()),
		bubblehouse.WithSigningKey(s.keyID, s.secret),
		bubblehouse.WithHTTPClient(s.hs.Client()),
	}, opts...)
	return bubblehouse.NewClient(s.shop, all...)
}

// Client is NewClient for a server made by NewServer: an error fails the
// test. On a server made by Start it returns nil on error; use NewClient
// there.
func (s *Server) Client(opts ...bubblehouse.Option) *bubblehouse.Client {
	c, err := s.NewClient(opts...)
	if err != nil {
		if s.tb != nil {
			s.tb.Helper()
			s.tb.Fatalf("bubblehousetest: Client: %v", err)
		}
		return nil
	}
	return c
}

// decodeSecret decodes a console secret as the SDK does: standard or URL
// base64, with or without padding. The error never quotes the secret.
func decodeSecret(secret string) ([]byte, error) {
	str := strings.TrimSpace(secret)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if key, err := enc.DecodeString(str); err == nil && len(key) > 0 {
			return key, nil
		}
	}
	return nil, errors.New("the secret must be a non-empty base64 string")
}
