package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"

	"github.com/bubblehouse-go/bubblehouse"
	"github.com/bubblehouse-go/bubblehouse/bubblehousetest"
)

// The environment variables the configuration falls back to.
const (
	envShop   = "BUBBLEHOUSE_SHOP"
	envKeyID  = "BUBBLEHOUSE_KEY_ID"
	envSecret = "BUBBLEHOUSE_SECRET"
)

// defaultTimeout bounds a whole command unless --timeout says otherwise.
const defaultTimeout = time.Minute

// maxSecretFileBytes caps what --secret-file reads: a secret is short, and
// a wrong path (a log, a device) should fail fast instead of filling memory.
const maxSecretFileBytes = 64 << 10

// newGlobals returns the global flags' defaults. Registering the flags on a
// second flag set keeps the values parsed from the first.
func newGlobals() globals { return globals{timeout: defaultTimeout} }

// globals are the flags that apply to every command. There is deliberately
// no flag for the secret itself: a secret on a command line ends up in the
// shell history and in every process listing.
type globals struct {
	demo       bool
	shop       string
	keyID      string
	secretFile string
	baseURL    string
	apiVersion string
	timeout    time.Duration
}

func (g *globals) register(fs *flag.FlagSet) {
	fs.BoolVar(&g.demo, "demo", g.demo, "run against an embedded fake Bubblehouse with demo data (no credentials needed)")
	fs.StringVar(&g.shop, "shop", g.shop, "shop slug (default $"+envShop+")")
	fs.StringVar(&g.keyID, "key-id", g.keyID, "key ID of the shared secret (default $"+envKeyID+")")
	fs.StringVar(&g.secretFile, "secret-file", g.secretFile, "file holding the shared secret as the API console shows it, or - for stdin (default $"+envSecret+")")
	fs.StringVar(&g.baseURL, "base-url", g.baseURL, "API base URL (default "+bubblehouse.DefaultBaseURL+")")
	fs.StringVar(&g.apiVersion, "api-version", g.apiVersion, "global API version (default "+bubblehouse.DefaultAPIVersion+")")
	fs.DurationVar(&g.timeout, "timeout", g.timeout, "time limit for the whole command; 0 for none (a negative one is an error)")
}

// session is a configured client, and what must be released after it.
type session struct {
	client  *bubblehouse.Client
	baseURL string
	close   func()
}

// connect builds the client from the flags and the environment, or on the
// embedded fake with --demo. Nothing is sent yet.
func (a *app) connect() (*session, error) {
	var opts []bubblehouse.Option
	if a.g.apiVersion != "" {
		opts = append(opts, bubblehouse.WithAPIVersion(a.g.apiVersion))
	}
	opts = append(opts, bubblehouse.WithUserAgent("bubblehouse-cli/"+bubblehouse.Version))
	if a.g.demo {
		return a.connectDemo(opts)
	}

	shop := firstNonEmpty(a.g.shop, a.env.getenv(envShop))
	keyID := firstNonEmpty(a.g.keyID, a.env.getenv(envKeyID))
	secret, err := a.readSecret()
	if err != nil {
		return nil, err
	}
	a.secret = secret
	switch {
	case shop == "":
		return nil, usagef("", "no shop: use --shop or set %s", envShop)
	case keyID == "":
		return nil, usagef("", "no key ID: use --key-id or set %s", envKeyID)
	case secret == "":
		return nil, usagef("", "no shared secret: use --secret-file or set %s", envSecret)
	}
	baseURL := firstNonEmpty(a.g.baseURL, bubblehouse.DefaultBaseURL)

	// The command owns its transport, so that it can close the idle
	// connections when it is done instead of leaving them to the process.
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.ResponseHeaderTimeout = bubblehouse.DefaultResponseHeaderTimeout
	var rt http.RoundTripper = transport
	if a.env.wrapTransport != nil {
		rt = a.env.wrapTransport(rt)
	}
	opts = append(opts,
		bubblehouse.WithSigningKey(keyID, secret),
		bubblehouse.WithBaseURL(baseURL),
		bubblehouse.WithHTTPClient(&http.Client{Transport: rt}),
	)
	c, err := bubblehouse.NewClient(shop, opts...)
	if err != nil {
		transport.CloseIdleConnections()
		return nil, usagef("", "configuration: %s", flagWords(describe(err)))
	}
	return &session{client: c, baseURL: baseURL, close: transport.CloseIdleConnections}, nil
}

// connectDemo starts the embedded fake with its demo data. The real
// configuration is ignored, and flags that would point elsewhere are refused
// so that nobody believes they reached a real shop.
func (a *app) connectDemo(opts []bubblehouse.Option) (*session, error) {
	for _, f := range []struct{ name, value string }{
		{"--shop", a.g.shop}, {"--key-id", a.g.keyID}, {"--secret-file", a.g.secretFile}, {"--base-url", a.g.baseURL},
	} {
		if f.value != "" {
			return nil, usagef("", "--demo cannot be combined with %s", f.name)
		}
	}
	srv, err := bubblehousetest.Start(bubblehousetest.WithDemoData())
	if err != nil {
		return nil, fmt.Errorf("starting the demo server: %w", err)
	}
	c, err := srv.NewClient(opts...)
	if err != nil {
		srv.Close()
		return nil, usagef("", "configuration: %s", flagWords(describe(err)))
	}
	if a.env.stderrTTY {
		fmt.Fprintf(a.env.stderr, "demo: embedded fake Bubblehouse, shop %s; try --email %s\n", srv.Shop(), bubblehousetest.DemoCustomerEmail)
	}
	return &session{client: c, baseURL: srv.URL(), close: srv.Close}, nil
}

// readSecret reads --secret-file (or stdin for "-"), else $BUBBLEHOUSE_SECRET.
// Errors name the file, never its content.
func (a *app) readSecret() (string, error) {
	if a.g.secretFile == "" {
		return string(bytes.TrimSpace([]byte(a.env.getenv(envSecret)))), nil
	}
	var r io.Reader
	name := a.g.secretFile
	if name == "-" {
		r, name = a.env.stdin, "stdin"
	} else {
		f, err := os.Open(name)
		if err != nil {
			return "", usagef("", "--secret-file: %v", err)
		}
		defer f.Close()
		r = f
	}
	b, err := io.ReadAll(io.LimitReader(r, maxSecretFileBytes+1))
	switch {
	case err != nil:
		return "", usagef("", "--secret-file: reading %s failed", name)
	case len(b) > maxSecretFileBytes:
		return "", usagef("", "--secret-file: %s is too large to be a secret", name)
	}
	secret := string(bytes.TrimSpace(b))
	if secret == "" {
		return "", usagef("", "--secret-file: %s is empty", name)
	}
	return secret, nil
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}
