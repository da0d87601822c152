package bubblehouse

import (
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"golang.org/x/time/rate"

	"github.com/bubblehouse-go/bubblehouse/internal/ratelimit"
	"github.com/bubblehouse-go/bubblehouse/internal/retry"
)

// Version is the version of this SDK, sent in the User-Agent header.
const Version = "0.1.0"

// Defaults of a Client. They are all in one place so that the documentation
// of every option can point here.
const (
	// DefaultBaseURL is Bubblehouse's production host.
	DefaultBaseURL = "https://app.bubblehouse.com"
	// DefaultAPIVersion is the global API version. Bubblehouse's own
	// integrations use this string in production; see the API spec notes.
	DefaultAPIVersion = "v2023061"
	// DefaultMaxRetries is how many retries may follow the first attempt.
	DefaultMaxRetries = retry.DefaultMaxRetries
	// DefaultMaxWait is the longest single wait (backoff, Retry-After,
	// rate limiter or cooldown) a call accepts before failing fast.
	DefaultMaxWait = retry.DefaultMaxWait
	// DefaultCustomerRate and DefaultCustomerBurst limit the calls for one
	// customer. Bubblehouse documents a per-customer, per-second read limit
	// but not its number.
	DefaultCustomerRate  = rate.Limit(5)
	DefaultCustomerBurst = 5
	// DefaultExportRate and DefaultExportBurst limit ExportCustomerData1 for
	// the whole client: Bubblehouse calls it expensive and reserves the right
	// to limit it heavily.
	DefaultExportRate  = rate.Limit(0.5)
	DefaultExportBurst = 2
	// DefaultMaxResponseBytes caps a typed answer (all calls but the export).
	DefaultMaxResponseBytes = 8 << 20
	// DefaultMaxExportBytes caps ExportCustomerData1's in-memory answer.
	// ExportCustomerData1To streams and has no cap.
	DefaultMaxExportBytes = 64 << 20
	// DefaultMaxErrorBytes caps the body of an error answer.
	DefaultMaxErrorBytes = 64 << 10
	// DefaultResponseHeaderTimeout bounds the wait for an answer's headers
	// on the transport the client makes when WithHTTPClient is not used.
	DefaultResponseHeaderTimeout = 30 * time.Second
)

// The client-wide rate limit is off by default (rate.Inf): Bubblehouse
// documents no shop-wide limit, only the per-customer one.

// Client calls the Bubblehouse Loyalty API for one shop. It is safe for
// concurrent use, owns no goroutines and needs no Close: like http.Client,
// make one and share it.
type Client struct {
	core *core
	// tokens mints the token of each attempt; nil when cfgErr is set.
	tokens TokenSource
	kind   TokenKind
	// customerID is the token's customer, when kind is TokenKindCustomer and
	// it is known.
	customerID string
	// cfgErr is a configuration error found by ForCustomer, which cannot
	// return one; every call returns it.
	cfgErr error
}

// core is what a Client and the clients ForCustomer derives from it share.
type core struct {
	shop       string
	apiVersion string
	baseURL    string // scheme://host[/prefix], without a trailing slash
	host       string // the host that may receive the token
	prefix     string // baseURL + "/api/" + apiVersion + "/" + shop + "/"
	userAgent  string

	transport http.RoundTripper
	timeout   time.Duration

	signer   *Signer
	tokenTTL time.Duration

	limiter   Limiter
	cooldowns CooldownStore
	policy    retry.Policy
	logger    *slog.Logger

	maxResponse, maxExport, maxError int64

	clk    ratelimit.Clock
	jitter func() float64
}

// settings collects the options before NewClient validates them.
type settings struct {
	baseURL      string
	apiVersion   string
	httpClient   *http.Client
	userAgent    string
	keyID        string
	key          []byte // the decoded secret; nil without WithSigningKey
	token        string // "" without WithToken
	tokenSource  TokenSource
	tokenTTL     time.Duration
	global       ratelimit.Setting
	customer     ratelimit.Setting
	export       ratelimit.Setting
	limiter      Limiter
	cooldowns    CooldownStore
	maxRetries   int
	maxWait      time.Duration
	logger       *slog.Logger
	maxResponse  int64
	maxExport    int64
	clk          ratelimit.Clock
	jitter       func() float64
	backoffBase  time.Duration
	backoffCap   time.Duration
	rateLimitMin time.Duration
}

// Option configures a Client. An option that is given a bad value makes
// NewClient fail with an error naming the option.
type Option func(*settings) error

// WithSigningKey authenticates with tokens the client mints itself from the
// shop's shared secret, exactly as the Bubblehouse API console shows it (a
// base64 string) and its key ID. Tokens last DefaultTokenTTL (see
// WithTokenTTL) and are renewed 30 s before they expire. This is the usual
// way to authenticate, and the only one ForCustomer works with.
func WithSigningKey(keyID, secret string) Option {
	return func(s *settings) error {
		if strings.TrimSpace(keyID) == "" {
			return fmt.Errorf("WithSigningKey: %w", ErrInvalidKeyID)
		}
		key, err := decodeSecret(secret)
		if err != nil {
			return fmt.Errorf("WithSigningKey: %w", err)
		}
		s.keyID, s.key = keyID, key
		return nil
	}
}

// WithToken authenticates with a fixed token minted elsewhere. A JWT's
// subject tells the client whether it is a shop or a customer token, which
// enables the local identity checks; any other string is sent as it is.
func WithToken(token string) Option {
	return func(s *settings) error {
		if strings.TrimSpace(token) == "" {
			return errors.New("WithToken: the token is empty")
		}
		s.token = token
		return nil
	}
}

// WithTokenSource authenticates with tokens from ts, asked once per attempt.
// The client cannot tell a shop token from a customer token then, so every
// identity check is left to the server. An attempt whose token comes back
// empty is not sent: the call fails with ErrEmptyToken (see TokenSource).
func WithTokenSource(ts TokenSource) Option {
	return func(s *settings) error {
		if ts == nil {
			return errors.New("WithTokenSource: the source is nil")
		}
		s.tokenSource = ts
		return nil
	}
}

// WithTokenTTL sets the lifetime of the tokens minted by WithSigningKey
// (default DefaultTokenTTL). It must be longer than a minute, since tokens
// are renewed 30 s before they expire.
func WithTokenTTL(ttl time.Duration) Option {
	return func(s *settings) error {
		if ttl <= time.Minute {
			return fmt.Errorf("WithTokenTTL: %v is too short; use more than a minute", ttl)
		}
		s.tokenTTL = ttl
		return nil
	}
}

// WithBaseURL sets the scheme, host and optional path prefix of the API
// (default DefaultBaseURL). http:// is accepted for tests and local proxies.
// User info, a query or a fragment are refused: credentials in a URL would
// end up in logs.
func WithBaseURL(raw string) Option {
	return func(s *settings) error {
		u, err := url.Parse(raw)
		if err != nil {
			return fmt.Errorf("WithBaseURL: not a URL")
		}
		switch {
		case u.Scheme != "https" && u.Scheme != "http":
			return fmt.Errorf("WithBaseURL: the scheme must be https or http, not %q", u.Scheme)
		case u.Host == "":
			return errors.New("WithBaseURL: the URL has no host")
		case u.User != nil:
			return errors.New("WithBaseURL: the URL must not hold user info")
		case u.RawQuery != "" || u.Fragment != "" || u.ForceQuery:
			return errors.New("WithBaseURL: the URL must not have a query or fragment")
		}
		s.baseURL = strings.TrimRight(u.Scheme+"://"+u.Host+u.EscapedPath(), "/")
		return nil
	}
}

var apiVersionPattern = regexp.MustCompile(`^v[0-9]{6,8}$`)

// WithAPIVersion sets the global API version, the "v..." segment of every
// URL (default DefaultAPIVersion).
func WithAPIVersion(v string) Option {
	return func(s *settings) error {
		if !apiVersionPattern.MatchString(v) {
			return fmt.Errorf("WithAPIVersion: %q is not of the form v20230601", v)
		}
		s.apiVersion = v
		return nil
	}
}

// WithHTTPClient sends requests through hc's Transport, and uses hc's
// Timeout as a per-attempt timeout: it bounds getting the attempt's token
// and its exchange with the server, from sending the request to reading the
// body, but not the time an attempt waits for the rate limiter or a 429
// cooldown (WithMaxWait and the call's context bound those). The client
// never follows redirects, whatever hc's CheckRedirect says: a redirected
// call could carry the token and customer data to another host, so a 3xx
// answer is returned as an *APIError. By default the client uses its own
// pooled transport.
func WithHTTPClient(hc *http.Client) Option {
	return func(s *settings) error {
		if hc == nil {
			return errors.New("WithHTTPClient: the client is nil")
		}
		s.httpClient = hc
		return nil
	}
}

// WithUserAgent puts product (such as "my-shop-backend/1.2") before the
// SDK's own User-Agent.
func WithUserAgent(product string) Option {
	return func(s *settings) error {
		if strings.ContainsAny(product, "\r\n") {
			return errors.New("WithUserAgent: the product must be one line")
		}
		s.userAgent = strings.TrimSpace(product)
		return nil
	}
}

// WithRateLimit limits the calls of the whole client (and of every client
// ForCustomer derives from it) to r per second with bursts of burst. The
// default is no client-wide limit; rate.Inf turns it off again.
func WithRateLimit(r rate.Limit, burst int) Option {
	return limitOption("WithRateLimit", r, burst, func(s *settings, l ratelimit.Setting) { s.global = l })
}

// WithCustomerRateLimit limits the calls for each customer to r per second
// with bursts of burst (default DefaultCustomerRate, DefaultCustomerBurst).
// rate.Inf turns it off.
func WithCustomerRateLimit(r rate.Limit, burst int) Option {
	return limitOption("WithCustomerRateLimit", r, burst, func(s *settings, l ratelimit.Setting) { s.customer = l })
}

// WithExportRateLimit limits ExportCustomerData1 calls of the whole client
// (default DefaultExportRate, DefaultExportBurst). rate.Inf turns it off.
func WithExportRateLimit(r rate.Limit, burst int) Option {
	return limitOption("WithExportRateLimit", r, burst, func(s *settings, l ratelimit.Setting) { s.export = l })
}

func limitOption(name string, r rate.Limit, burst int, set func(*settings, ratelimit.Setting)) Option {
	return func(s *settings) error {
		l := RateLimit{Rate: r, Burst: burst}
		if err := l.Validate(); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		set(s, l.setting())
		return nil
	}
}

// WithLimiter replaces the client's in-process rate limiter, for example
// with one shared by every replica of a service, or with one from
// NewLocalLimiter shared by several clients of this shop in this process. The
// With*RateLimit options then have no effect.
func WithLimiter(l Limiter) Option {
	return func(s *settings) error {
		if l == nil {
			return errors.New("WithLimiter: the limiter is nil")
		}
		s.limiter = l
		return nil
	}
}

// WithCooldownStore replaces the in-process record of 429 cooldowns, for
// example with one shared by every replica of a service, or with one from
// NewLocalCooldownStore shared by several clients of this shop in this
// process.
func WithCooldownStore(cs CooldownStore) Option {
	return func(s *settings) error {
		if cs == nil {
			return errors.New("WithCooldownStore: the store is nil")
		}
		s.cooldowns = cs
		return nil
	}
}

// WithMaxRetries sets how many retries may follow the first attempt of a
// call (default DefaultMaxRetries; 0 for none). ExportCustomerData1 retries
// at most once whatever this says.
func WithMaxRetries(n int) Option {
	return func(s *settings) error {
		if n < 0 || n > 20 {
			return fmt.Errorf("WithMaxRetries: %d is out of range 0..20", n)
		}
		s.maxRetries = n
		return nil
	}
}

// WithMaxWait sets the longest single wait a call accepts (default
// DefaultMaxWait): a backoff, a Retry-After, a rate-limiter or cooldown
// wait. When a wait would be longer, or would pass the context's deadline,
// the call fails at once. A Retry-After, or the client's own limiter or
// cooldown, then gives an error matching ErrRateLimitExceeded with its
// RetryAfter set: a *RateLimitError, or the answer's *APIError with its own
// StatusCode and ID (a 503 with Retry-After: 60 too). A backoff of the
// client's own gives the last answer's error as it is.
func WithMaxWait(d time.Duration) Option {
	return func(s *settings) error {
		if d < 0 {
			return fmt.Errorf("WithMaxWait: %v is negative", d)
		}
		s.maxWait = d
		return nil
	}
}

// WithLogger logs the calls to l, with the call's context and a fixed set
// of keys: endpoint, attempt, status, error_id, error, retry, reason and
// wait. At debug level: each attempt (endpoint, attempt, and status, or
// error when there was no answer), each retry decision (endpoint, attempt,
// status, retry, reason, wait) and a call that ends in an error answer
// (endpoint, attempt, status, error_id). At warn level: a CooldownStore
// that failed to record a 429's cooldown (endpoint, error). error is a
// class such as "network" or "context_deadline", never an error's text.
// Tokens, headers, bodies and customer identities are never logged. The
// client is silent without it.
func WithLogger(l *slog.Logger) Option {
	return func(s *settings) error {
		s.logger = l
		return nil
	}
}

// WithMaxResponseBytes caps the answers of the typed calls (default
// DefaultMaxResponseBytes, 8 MiB). A larger answer fails, without a retry,
// with a *DecodeError wrapping ErrResponseTooLarge, after reading one byte
// past the cap.
func WithMaxResponseBytes(n int64) Option {
	return func(s *settings) error {
		if n < 1024 {
			return fmt.Errorf("WithMaxResponseBytes: %d is below 1 KiB", n)
		}
		s.maxResponse = n
		return nil
	}
}

// WithMaxExportBytes caps ExportCustomerData1's in-memory answer (default
// DefaultMaxExportBytes, 64 MiB), separately from WithMaxResponseBytes. A
// larger answer fails, without a retry, with a *DecodeError wrapping
// ErrResponseTooLarge, after reading one byte past the cap.
// ExportCustomerData1To streams and is not capped.
func WithMaxExportBytes(n int64) Option {
	return func(s *settings) error {
		if n < 1024 {
			return fmt.Errorf("WithMaxExportBytes: %d is below 1 KiB", n)
		}
		s.maxExport = n
		return nil
	}
}

// ErrNoCredentials is returned by NewClient when no way to authenticate was
// given.
var ErrNoCredentials = errors.New("bubblehouse: no credentials: use WithSigningKey, WithToken or WithTokenSource")

var shopPattern = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// ErrInvalidShop is returned (wrapped) for a shop slug that is not lowercase
// letters, digits and single dashes.
var ErrInvalidShop = errors.New("bubblehouse: invalid shop slug")

func validateShop(shop string) error {
	if len(shop) > 100 || !shopPattern.MatchString(shop) {
		return fmt.Errorf("%w %.40q: use lowercase letters, digits and dashes", ErrInvalidShop, shop)
	}
	return nil
}

// NewClient returns a client for the shop with the given slug (lowercase
// letters, digits and dashes, as in the Bubblehouse admin). Exactly one of
// WithSigningKey, WithToken and WithTokenSource must be given.
//
// Defaults, each changed by the option named: DefaultBaseURL
// (WithBaseURL), DefaultAPIVersion (WithAPIVersion), DefaultMaxRetries
// (WithMaxRetries), DefaultMaxWait (WithMaxWait), no client-wide rate limit
// (WithRateLimit), DefaultCustomerRate/Burst (WithCustomerRateLimit),
// DefaultExportRate/Burst (WithExportRateLimit), DefaultTokenTTL
// (WithTokenTTL), DefaultMaxResponseBytes (WithMaxResponseBytes),
// DefaultMaxExportBytes (WithMaxExportBytes), no logging (WithLogger), and a
// pooled transport of its own with DefaultResponseHeaderTimeout
// (WithHTTPClient).
func NewClient(shop string, opts ...Option) (*Client, error) {
	if err := validateShop(shop); err != nil {
		return nil, err
	}
	s := settings{
		baseURL:      DefaultBaseURL,
		apiVersion:   DefaultAPIVersion,
		tokenTTL:     DefaultTokenTTL,
		global:       ratelimit.Setting{Limit: rate.Inf, Burst: 0},
		customer:     ratelimit.Setting{Limit: DefaultCustomerRate, Burst: DefaultCustomerBurst},
		export:       ratelimit.Setting{Limit: DefaultExportRate, Burst: DefaultExportBurst},
		maxRetries:   DefaultMaxRetries,
		maxWait:      DefaultMaxWait,
		maxResponse:  DefaultMaxResponseBytes,
		maxExport:    DefaultMaxExportBytes,
		clk:          ratelimit.RealClock{},
		jitter:       rand.Float64,
		backoffBase:  retry.DefaultBase,
		backoffCap:   retry.DefaultCap,
		rateLimitMin: retry.DefaultRateLimitFloor,
	}
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(&s); err != nil {
			return nil, fmt.Errorf("bubblehouse: %w", err)
		}
	}

	c := &core{
		shop:        shop,
		apiVersion:  s.apiVersion,
		baseURL:     s.baseURL,
		userAgent:   "bubblehouse-go/" + Version,
		tokenTTL:    s.tokenTTL,
		logger:      s.logger,
		maxResponse: s.maxResponse,
		maxExport:   s.maxExport,
		maxError:    DefaultMaxErrorBytes,
		clk:         s.clk,
		jitter:      s.jitter,
		policy: retry.Policy{
			MaxRetries:            s.maxRetries,
			MaxWait:               s.maxWait,
			Base:                  s.backoffBase,
			Cap:                   s.backoffCap,
			RateLimitFloor:        s.rateLimitMin,
			MaxServerErrorRetries: 1,
		},
	}
	if s.userAgent != "" {
		c.userAgent = s.userAgent + " " + c.userAgent
	}
	u, _ := url.Parse(s.baseURL) // validated by WithBaseURL or a constant
	c.host = u.Host
	c.prefix = s.baseURL + "/api/" + s.apiVersion + "/" + shop + "/"

	if s.httpClient != nil {
		c.transport = s.httpClient.Transport
		c.timeout = s.httpClient.Timeout
	}
	if c.transport == nil {
		c.transport = newTransport()
	}
	c.limiter = s.limiter
	if c.limiter == nil {
		c.limiter = newLocalLimiter(s.clk, s.global, s.customer, s.export)
	}
	c.cooldowns = s.cooldowns
	if c.cooldowns == nil {
		c.cooldowns = newLocalCooldowns(s.clk)
	}

	cl := &Client{core: c}
	n := 0
	if s.key != nil {
		n++
		signer, err := NewSignerFromKey(shop, s.keyID, s.key)
		if err != nil {
			return nil, err
		}
		signer.now = s.clk.Now
		c.signer = signer
		cl.tokens, cl.kind = &signerSource{signer: signer, ttl: s.tokenTTL}, TokenKindShop
	}
	if s.token != "" {
		n++
		cl.tokens = staticSource(s.token)
		cl.kind, cl.customerID = kindOfToken(s.token)
	}
	if s.tokenSource != nil {
		n++
		cl.tokens, cl.kind = s.tokenSource, TokenKindUnknown
	}
	switch {
	case n == 0:
		return nil, ErrNoCredentials
	case n > 1:
		return nil, errors.New("bubblehouse: give only one of WithSigningKey, WithToken and WithTokenSource")
	}
	return cl, nil
}

// newTransport is the client's own connection pool. Every call goes to one
// host, so it keeps many idle connections to it instead of net/http's
// default two, which would make concurrent callers reconnect constantly.
//
// TLS 1.2 is Go's client default too; stating it here keeps SECURITY.md's
// promise in this code rather than in a default of crypto/tls.
func newTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = 256
	t.MaxIdleConnsPerHost = 256
	t.ResponseHeaderTimeout = DefaultResponseHeaderTimeout
	t.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	return t
}

// ForCustomer returns a client that calls on behalf of one customer, with
// a customer token (sub = "<shop>/<customerID>"; customerID is the shop's
// own ID for the customer). It shares its parent's connections, rate
// limits and cooldowns. Inputs may then leave Customer nil.
//
// The parent must have been made WithSigningKey, and customerID must be
// non-empty without "/"; otherwise every call of the returned client fails
// with an error saying so.
func (c *Client) ForCustomer(customerID string) *Client {
	cc := &Client{core: c.core, kind: TokenKindCustomer, customerID: customerID}
	switch {
	case c.core.signer == nil:
		cc.cfgErr = errors.New("bubblehouse: ForCustomer needs a client made WithSigningKey")
	case customerID == "" || strings.Contains(customerID, "/"):
		cc.cfgErr = ErrInvalidCustomerID
	default:
		cc.tokens = &signerSource{signer: c.core.signer, customerID: customerID, ttl: c.core.tokenTTL}
	}
	return cc
}

// Shop returns the shop slug.
func (c *Client) Shop() string { return c.core.shop }

// Signer returns the signer behind WithSigningKey, to mint tokens for
// browsers and apps; nil for clients made otherwise.
func (c *Client) Signer() *Signer { return c.core.signer }

// TokenKind says which kind of token the client sends.
func (c *Client) TokenKind() TokenKind { return c.kind }

// String describes the client's configuration without any secret.
func (c *Client) String() string {
	return fmt.Sprintf("bubblehouse.Client{shop: %s, base: %s, version: %s, token: %s [redacted]}",
		c.core.shop, c.core.baseURL, c.core.apiVersion, c.kind)
}

// GoString makes %#v describe the client as String does, rather than
// printing its internals.
func (c *Client) GoString() string { return c.String() }

// LogValue describes the client to log/slog without any secret.
func (c *Client) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("shop", c.core.shop),
		slog.String("base", c.core.baseURL),
		slog.String("version", c.core.apiVersion),
		slog.String("token", c.kind.String()+" [redacted]"),
	)
}
