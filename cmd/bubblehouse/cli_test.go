package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bubblehouse-go/bubblehouse"
	"github.com/bubblehouse-go/bubblehouse/bubblehousetest"
)

const alice = bubblehousetest.DemoCustomerEmail

func TestTables(t *testing.T) {
	f := newFixture(t)
	c := newCLI(t)

	tests := []struct {
		name string
		args []string
		want []string
		not  []string
	}{
		{"details", []string{"details", "--email", alice},
			[]string{"Alice Smith", "shop-customer-123", bubblehousetest.DemoCustomerBHID, "vip, wholesale", "1990-05-15", "Total spent", "1250.00", "ALICE20", "favorite_color  blue"}, nil},
		{"details by shop ID", []string{"details", "--shopid", bubblehousetest.DemoCustomerShopID}, []string{"Alice Smith"}, nil},
		{"details by BHID", []string{"details", "--bhid", bubblehousetest.DemoCustomerBHID}, []string{"Alice Smith"}, nil},
		{"history", []string{"history", "--email", alice},
			[]string{"WHEN", "DESCRIPTION", "2025-01-06", "earned_from_order", "+180", "#1041", "BH-10OFF-A1B2", "tier/tier_acquired", "Reached Gold", "16 entries; points: +5240 earned, -3150 spent or lost"}, nil},
		{"history --only-points", []string{"history", "--email", alice, "--only-points"},
			[]string{"15 entries"}, []string{"Reached Gold"}},
		{"history --only-unused", []string{"history", "--email", alice, "--only-unused"},
			[]string{"3 entries", "BH-10OFF-7Q2K", "BH-10OFF-C3D4"}, []string{"#1041"}},
		{"balance", []string{"balance", "--email", alice},
			[]string{"Points available  1850 (worth 18.50)", "Points pending    240", "Tier ", "Gold; until 2026-12-31, then Silver", "Next tier", "Platinum", "(52%)", "2000 of 5000 points left (monthly", "4 sent, 2 approved"},
			[]string{"Tiers:", "Offers:"}},
		{"balance --full", []string{"balance", "--email", alice, "--full"},
			[]string{"Points available", "Tiers:", "Points multiplier: 5x", "Offers:", "Free tote bag", "Ways to earn:", "Follow us on Instagram", "Milestones:", "Third box", "Unused rewards:", "BH-10OFF-7Q2K"}, nil},
		{"referrals", []string{"referrals", "--email", alice},
			[]string{"4 sent, 2 approved, 1 rejected, 1000 points earned", "STATUS", "approved", "whatsapp", "b***@example.com", "500 points (5.00)", "THANKS-ALICE-1"},
			[]string{"bob@example.com"}},
		{"referrals --deanonymize", []string{"referrals", "--email", alice, "--deanonymize"},
			[]string{"bob@example.com", "erin@example.net"}, []string{"b***@example.com"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := c.run(f.args(tt.args...)...)
			require.Equal(t, 0, r.code, r.stderr)
			assert.Empty(t, r.stderr)
			for _, w := range tt.want {
				assert.Contains(t, r.stdout, w)
			}
			for _, n := range tt.not {
				assert.NotContains(t, r.stdout, n)
			}
		})
	}
}

// --json prints the JSON value the API sent byte for byte, layout and all;
// only the whitespace around it is dropped, and a newline is added when
// stdout is a terminal. The bodies come through a proxy that re-indents
// them and pads them with whitespace, so that the bytes on the wire differ
// from any re-encoding, and are compared as a recording transport saw them.
func TestJSONIsTheAPIBody(t *testing.T) {
	f := newFixture(t)
	const lead, trail = "\n \t", "\r\n\n"
	target, err := url.Parse(f.srv.URL())
	require.NoError(t, err)
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.ModifyResponse = func(resp *http.Response) error {
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			return err
		}
		var out bytes.Buffer
		if err := json.Indent(&out, body, "", "   "); err != nil {
			return err
		}
		padded := lead + out.String() + trail
		resp.Body = io.NopCloser(strings.NewReader(padded))
		resp.ContentLength = int64(len(padded))
		resp.Header.Set("Content-Length", strconv.Itoa(len(padded)))
		return nil
	}
	ps := httptest.NewServer(proxy)
	t.Cleanup(ps.Close)
	args := func(cmd ...string) []string {
		return append([]string{"--base-url", ps.URL, "--shop", f.srv.Shop(), "--key-id", f.srv.KeyID(), "--secret-file", f.secretFile}, cmd...)
	}

	for _, cmd := range [][]string{
		{"details", "--email", alice, "--json"},
		{"history", "--email", alice, "--only-points", "--json"},
		{"balance", "--email", alice, "--full", "--json"},
		{"referrals", "--email", alice, "--deanonymize", "--json"},
	} {
		for _, tty := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/tty=%v", cmd[0], tty), func(t *testing.T) {
				rec := &recorder{}
				c := newCLI(t)
				c.stdoutTTY = tty
				c.wrapTransport = func(next http.RoundTripper) http.RoundTripper { rec.next = next; return rec }
				r := c.run(args(cmd...)...)
				require.Equal(t, 0, r.code, r.stderr)

				wire := string(rec.only(t))
				require.True(t, strings.HasPrefix(wire, lead) && strings.HasSuffix(wire, trail), "the proxy padded the body")
				require.Contains(t, wire, "\n   \"", "the proxy re-indented the body")
				want := strings.Trim(wire, " \t\r\n") // JSON's whitespace
				if tty {
					want += "\n"
				}
				assert.Equal(t, want, r.stdout)
			})
		}
	}
}

func TestExitCodes(t *testing.T) {
	f := newFixture(t)
	c := newCLI(t)
	tests := []struct {
		name string
		args []string
		code int
		msg  string // in stderr
	}{
		{"no command", nil, exitUsage, "no command given"},
		{"unknown command", []string{"frobnicate"}, exitUsage, `unknown command "frobnicate"`},
		{"help for an unknown command", []string{"help", "frobnicate"}, exitUsage, `unknown command "frobnicate"`},
		{"unknown flag", []string{"balance", "--email", alice, "--verbose"}, exitUsage, "flag provided but not defined: -verbose"},
		{"unknown global flag", []string{"--verbose", "balance"}, exitUsage, "flag provided but not defined: -verbose"},
		{"missing customer", []string{"balance"}, exitUsage, "name the customer with --email, --shopid or --bhid"},
		{"two selectors", []string{"history", "--email", alice, "--shopid", "x"}, exitUsage, "give only one of --email, --shopid and --bhid"},
		{"three selectors", []string{"details", "--email", alice, "--shopid", "x", "--bhid", "y"}, exitUsage, "give only one of"},
		{"positional argument", []string{"balance", alice}, exitUsage, `unexpected argument "alice@example.com"`},
		{"bad duration", []string{"token", "--ttl", "soon"}, exitUsage, "invalid value"},
		{"zero ttl", []string{"token", "--ttl", "0s"}, exitUsage, "--ttl must be positive"},
		{"level without customer", []string{"token", "--level", "admin"}, exitUsage, "--level needs --customer"},
		{"force without out", []string{"export", "--email", alice, "--force"}, exitUsage, "--force needs --out"},
		{"bad api version", []string{"--api-version", "latest", "check"}, exitUsage, "--api-version"},
		{"negative timeout", []string{"--timeout", "-1s", "check"}, exitUsage, "--timeout -1s is negative; give a positive duration, or 0 for no limit"},
		{"negative timeout after the command", []string{"balance", "--email", alice, "--timeout", "-5m"}, exitUsage, "--timeout -5m0s is negative"},
		{"no customer matches", []string{"balance", "--email", "nobody@example.com"}, exitError, "HTTP 404 no_customers_match_customer_identity"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := c.run(f.args(tt.args...)...)
			assert.Equal(t, tt.code, r.code)
			assert.Empty(t, r.stdout)
			assert.Contains(t, r.stderr, tt.msg)
			assert.True(t, strings.HasPrefix(r.stderr, "bubblehouse"), r.stderr)
			assert.NotContains(t, r.stderr, "goroutine")
			requireOneLine(t, r.stderr)
		})
	}
}

// --timeout 0 is no limit, not an immediate one.
func TestZeroTimeoutIsNoLimit(t *testing.T) {
	f := newFixture(t)
	r := newCLI(t).run(f.args("--timeout", "0", "balance", "--email", alice)...)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "Points available")
}

func TestAPIErrorNamesTheID(t *testing.T) {
	f := newFixture(t)
	f.srv.FailNext(bubblehousetest.EndpointCustomerBalance3, 1, bubblehousetest.Failure{Status: 403, ID: "shop_disabled", Message: "The shop\nis disabled"})
	r := newCLI(t).run(f.args("balance", "--email", alice)...)
	assert.Equal(t, exitError, r.code)
	assert.Empty(t, r.stdout)
	assert.Equal(t, "bubblehouse balance: CustomerBalance3: HTTP 403 shop_disabled: The shop is disabled\n", r.stderr)
}

// An error line holds text the server chose; like a table cell, it must
// not pass control characters (escape sequences, newlines) or invisible
// format characters (a bidi override that makes text read backwards) to
// the terminal.
func TestErrorLineStripsControlCharacters(t *testing.T) {
	const hostile = "The shop\x1b[2J\x1b]0;pwned\x07\nis \u202edisabled\u200b\r"
	clean := func(t *testing.T, stderr string) {
		t.Helper()
		requireOneLine(t, stderr)
		for _, bad := range []string{"\x1b", "\x07", "\r", "\u202e", "\u200b"} {
			assert.NotContains(t, stderr, bad)
		}
	}

	t.Run("printError", func(t *testing.T) {
		var errOut bytes.Buffer
		a := &app{env: &env{stderr: &errOut}}
		a.printError("balance", hostile)
		clean(t, errOut.String())
		assert.True(t, strings.HasPrefix(errOut.String(), "bubblehouse balance: The shop "), errOut.String())
	})
	t.Run("an API error message", func(t *testing.T) {
		f := newFixture(t)
		f.srv.FailNext(bubblehousetest.EndpointCustomerBalance3, 1, bubblehousetest.Failure{Status: 403, ID: "shop_disabled", Message: hostile})
		r := newCLI(t).run(f.args("balance", "--email", alice)...)
		assert.Equal(t, exitError, r.code)
		clean(t, r.stderr)
		assert.Contains(t, r.stderr, "HTTP 403 shop_disabled: The shop")
		assert.Contains(t, r.stderr, "disabled")
	})
}

func TestHelp(t *testing.T) {
	c := newCLI(t)
	for _, args := range [][]string{{"--help"}, {"-h"}, {"help"}} {
		r := c.run(args...)
		assert.Equal(t, 0, r.code, args)
		assert.Empty(t, r.stderr)
		for _, want := range []string{"Usage:", "details", "history", "balance", "referrals", "export", "token", "check", "-demo", "-secret-file", "BUBBLEHOUSE_SECRET"} {
			assert.Contains(t, r.stdout, want, args)
		}
	}
	for _, cmd := range commands() {
		for _, args := range [][]string{{"help", cmd.name}, {cmd.name, "--help"}, {cmd.name, "-h"}} {
			r := c.run(args...)
			assert.Equal(t, 0, r.code, args)
			assert.Empty(t, r.stderr)
			assert.Contains(t, r.stdout, "Usage: bubblehouse [global flags] "+cmd.name, args)
		}
	}
	r := c.run("help", "export")
	assert.Contains(t, r.stdout, "-force")
	assert.Contains(t, r.stdout, "-out")
}

// The flags win over the environment, and the environment alone suffices.
func TestConfigurationFromEnvironment(t *testing.T) {
	f := newFixture(t)
	c := newCLI(t)
	c.vars = map[string]string{envShop: f.srv.Shop(), envKeyID: f.srv.KeyID(), envSecret: f.srv.Secret()}
	r := c.run("--base-url", f.srv.URL(), "balance", "--email", alice)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "Points available")

	// A wrong secret in the environment loses to --secret-file.
	c.vars[envSecret] = base64.StdEncoding.EncodeToString([]byte("some other secret of 32 bytes..."))
	r = c.run("--base-url", f.srv.URL(), "--secret-file", f.secretFile, "check")
	require.Equal(t, 0, r.code, r.stderr)

	t.Run("secret from stdin", func(t *testing.T) {
		c := newCLI(t)
		c.stdin = f.srv.Secret() + "\n"
		r := c.run("--base-url", f.srv.URL(), "--shop", f.srv.Shop(), "--key-id", f.srv.KeyID(), "--secret-file", "-", "check")
		require.Equal(t, 0, r.code, r.stderr)
	})
	t.Run("global flags after the command", func(t *testing.T) {
		r := newCLI(t).run(append([]string{"details", "--email", alice}, f.flags...)...)
		require.Equal(t, 0, r.code, r.stderr)
		assert.Contains(t, r.stdout, "Alice Smith")
	})

	missing := []struct {
		vars map[string]string
		msg  string
	}{
		{map[string]string{envKeyID: "k", envSecret: "c2VjcmV0"}, "no shop: use --shop or set BUBBLEHOUSE_SHOP"},
		{map[string]string{envShop: "s", envSecret: "c2VjcmV0"}, "no key ID: use --key-id or set BUBBLEHOUSE_KEY_ID"},
		{map[string]string{envShop: "s", envKeyID: "k"}, "no shared secret: use --secret-file or set BUBBLEHOUSE_SECRET"},
	}
	for _, m := range missing {
		c := newCLI(t)
		c.vars = m.vars
		r := c.run("check")
		assert.Equal(t, exitUsage, r.code)
		assert.Contains(t, r.stderr, m.msg)
	}

	r = newCLI(t).run("--secret-file", "/nonexistent/secret", "--shop", "s", "--key-id", "k", "check")
	assert.Equal(t, exitUsage, r.code)
	assert.Contains(t, r.stderr, "--secret-file")
	empty := writeSecret(t, "  ")
	r = newCLI(t).run("--secret-file", empty, "--shop", "s", "--key-id", "k", "check")
	assert.Equal(t, exitUsage, r.code)
	assert.Contains(t, r.stderr, "is empty")
}

// Neither the secret nor any token the client mints reaches stdout or
// stderr, whatever happens: success, API errors, a wrong secret, a secret
// that is not base64, a revoked key.
func TestNoSecretsInOutput(t *testing.T) {
	f := newFixture(t)
	wrong := base64.StdEncoding.EncodeToString([]byte("a wrong shared secret, 32 bytes!"))
	notBase64 := "not base64 but secret-ish %%%"
	key, err := base64.StdEncoding.DecodeString(f.srv.Secret())
	require.NoError(t, err)

	cmds := [][]string{
		{"details", "--email", alice}, {"details", "--email", alice, "--json"},
		{"history", "--email", alice}, {"balance", "--email", alice, "--full"},
		{"referrals", "--email", alice, "--deanonymize"}, {"export", "--email", alice},
		{"check"}, {"balance", "--email", "nobody@example.com"},
	}
	secrets := []struct {
		name   string
		secret string
		codes  []int // acceptable exit codes
	}{
		{"right secret", f.srv.Secret(), []int{exitOK, exitError}},
		{"wrong secret", wrong, []int{exitError}},
		{"not base64", notBase64, []int{exitUsage}},
	}
	for _, s := range secrets {
		for _, tty := range []bool{false, true} {
			c := newCLI(t)
			c.stderrTTY = tty
			c.vars = map[string]string{envSecret: s.secret}
			for _, cmd := range cmds {
				args := append([]string{"--base-url", f.srv.URL(), "--shop", f.srv.Shop(), "--key-id", f.srv.KeyID()}, cmd...)
				r := c.run(args...)
				assert.Contains(t, s.codes, r.code, "%s %v: %s", s.name, cmd, r.stderr)
				for _, out := range []string{r.stdout, r.stderr} {
					assert.NotContains(t, out, s.secret, "%s %v", s.name, cmd)
					assert.NotContains(t, out, string(key), "%s %v", s.name, cmd)
					// Every JWT starts with the base64 of `{"`.
					assert.NotContains(t, out, "eyJ", "%s %v: a token leaked", s.name, cmd)
				}
				if s.name == "wrong secret" {
					assert.Contains(t, r.stderr, "invalid_token", cmd)
				}
			}
		}
	}

	t.Run("revoked key", func(t *testing.T) {
		f := newFixture(t)
		f.srv.RevokeKey(f.srv.KeyID())
		r := newCLI(t).run(f.args("check")...)
		assert.Equal(t, exitError, r.code)
		assert.NotContains(t, r.stderr, f.srv.Secret())
		assert.NotContains(t, r.stderr, "eyJ")
	})
}

func TestToken(t *testing.T) {
	f := newFixture(t)
	c := newCLI(t)
	c.stderrTTY = true // the note on stderr must not hold the token either

	claims := func(t *testing.T, tok string) map[string]any {
		t.Helper()
		parts := strings.Split(tok, ".")
		require.Len(t, parts, 3)
		b, err := base64.RawURLEncoding.DecodeString(parts[1])
		require.NoError(t, err)
		var m map[string]any
		require.NoError(t, json.Unmarshal(b, &m))
		return m
	}

	r := c.run(f.args("token", "--customer", "shop-customer-123", "--ttl", "2m", "--level", "admin")...)
	require.Equal(t, 0, r.code, r.stderr)
	requireOneLine(t, r.stdout)
	tok := strings.TrimSpace(r.stdout)
	cl := claims(t, tok)
	assert.Equal(t, "demo-shop/shop-customer-123", cl["sub"])
	assert.Equal(t, "admin", cl["l"])
	assert.Equal(t, "BH", cl["aud"])
	assert.InDelta(t, 120, cl["exp"].(float64)-cl["iat"].(float64), 0)
	assert.NotContains(t, r.stderr, tok)
	assert.NotContains(t, r.stderr, "eyJ")
	assert.Contains(t, r.stderr, "customer token for demo-shop/shop-customer-123, level admin")

	// The server accepts it as that customer's admin token.
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	client, err := bubblehouse.NewClient(f.srv.Shop(), bubblehouse.WithBaseURL(f.srv.URL()), bubblehouse.WithToken(tok),
		bubblehouse.WithHTTPClient(&http.Client{Transport: tr}))
	require.NoError(t, err)
	raw, err := client.ExportCustomerData1(context.Background(), &bubblehouse.ExportCustomerData1Input{})
	require.NoError(t, err)
	assert.Contains(t, string(raw), alice)

	r = c.run(f.args("token")...)
	require.Equal(t, 0, r.code, r.stderr)
	cl = claims(t, strings.TrimSpace(r.stdout))
	assert.Equal(t, "demo-shop", cl["sub"])
	assert.NotContains(t, cl, "l")
	assert.InDelta(t, 300, cl["exp"].(float64)-cl["iat"].(float64), 0)
}

func TestCheck(t *testing.T) {
	f := newFixture(t)
	r := newCLI(t).run(f.args("check")...)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "ok: shop demo-shop at "+f.srv.URL())

	tests := []struct {
		name  string
		args  []string
		setup func(*bubblehousetest.Server)
		want  []string
	}{
		{"wrong shop", []string{"--shop", "other-shop"}, nil,
			[]string{"check failed:", "fix:", "invalid_token"}},
		{"wrong API version", []string{"--api-version", "v2019010"}, nil,
			[]string{"check failed: the API version \"v2019010\" is not usable", "fix: use --api-version v2023061", "invalid_global_api_version"}},
		{"revoked key", nil, func(s *bubblehousetest.Server) { s.RevokeKey(s.KeyID()) },
			[]string{"check failed: Bubblehouse refused the token", "fix: check the key ID (--key-id or BUBBLEHOUSE_KEY_ID)", "invalid_token"}},
		{"wrong path", []string{"--base-url", f.srv.URL() + "/nowhere"}, nil,
			[]string{"check failed:", "fix: check the shop slug (--shop or BUBBLEHOUSE_SHOP) and --base-url"}},
		{"server down", []string{"--base-url", "http://127.0.0.1:1"}, nil,
			[]string{"check failed: Bubblehouse could not be reached", "fix:"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			if tt.setup != nil {
				tt.setup(f.srv)
			}
			r := newCLI(t).run(append(f.args(tt.args...), "check")...)
			assert.Equal(t, exitError, r.code)
			assert.Empty(t, r.stdout)
			requireOneLine(t, r.stderr)
			for _, w := range tt.want {
				assert.Contains(t, r.stderr, w)
			}
		})
	}
}

// Names and other strings come from customers; a table must not pass their
// control characters to the support agent's terminal.
func TestTablesStripControlCharacters(t *testing.T) {
	f := newFixture(t)
	f.srv.AddCustomer(bubblehousetest.Customer{Details: bubblehouse.Customer2{
		ID: "evil-1", Email: "evil@example.com", FullName: "Mallory\x1b[2J\x1b]0;pwned\x07\u202eeviL", Tags: []string{"a\nb"},
	}})
	r := newCLI(t).run(f.args("details", "--shopid", "evil-1")...)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "Mallory")
	assert.NotContains(t, r.stdout, "\x1b")
	assert.NotContains(t, r.stdout, "\x07")
	assert.NotContains(t, r.stdout, "\u202e")
	assert.Contains(t, r.stdout, "a b")
}

// --demo runs every command on the embedded fake, with no configuration at
// all, as on a fresh machine; nothing is built, run is called in-process.
func TestDemoEveryCommand(t *testing.T) {
	dir := t.TempDir()
	tests := [][]string{
		{"details", "--email", alice},
		{"details", "--email", alice, "--json"},
		{"history", "--email", alice, "--only-points"},
		{"history", "--shopid", bubblehousetest.DemoCustomerShopID, "--only-unused", "--json"},
		{"balance", "--email", alice},
		{"balance", "--bhid", bubblehousetest.DemoCustomerBHID, "--full"},
		{"referrals", "--email", alice, "--deanonymize"},
		{"export", "--email", alice},
		{"export", "--email", alice, "--out", dir + "/takeout.json"},
		{"token", "--customer", bubblehousetest.DemoCustomerShopID},
		{"token"},
		{"check"},
	}
	covered := map[string]bool{}
	for _, args := range tests {
		covered[args[0]] = true
		wantStdout := args[0] != "export" || len(args) == 3

		// Through run itself, as main calls it: buffers are no terminal.
		var out, errOut bytes.Buffer
		code := run(context.Background(), append([]string{"--demo"}, args...), strings.NewReader(""), &out, &errOut, func(string) string { return "" })
		require.Equal(t, 0, code, "%v: %s", args, errOut.String())
		assert.Equal(t, wantStdout, out.Len() > 0, args)
		assert.Empty(t, errOut.String(), args)
		_ = os.Remove(dir + "/takeout.json")

		// With stderr on a terminal: a note on the demo, and export's progress.
		c := newCLI(t)
		c.stderrTTY = true
		r := c.run(append([]string{"--demo"}, args...)...)
		require.Equal(t, 0, r.code, "%v: %s", args, r.stderr)
		assert.Equal(t, wantStdout, r.stdout != "", args)
		assert.Contains(t, r.stderr, "demo: embedded fake Bubblehouse", args)
		_ = os.Remove(dir + "/takeout.json")
	}
	for _, cmd := range commands() {
		assert.True(t, covered[cmd.name], "--demo %s is not tested", cmd.name)
	}

	r := newCLI(t).run("--demo", "--base-url", "https://app.bubblehouse.com", "check")
	assert.Equal(t, exitUsage, r.code)
	assert.Contains(t, r.stderr, "--demo cannot be combined with --base-url")

	// The environment of a real shop does not leak into the demo.
	c := newCLI(t)
	c.vars = map[string]string{envShop: "real-shop", envKeyID: "real", envSecret: "c2VjcmV0"}
	r = c.run("--demo", "balance", "--email", alice)
	require.Equal(t, 0, r.code, r.stderr)
}

// run is what main calls; with buffers it sees no terminal.
func TestRunEntryPoint(t *testing.T) {
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"--demo", "balance", "--email", alice, "--json"}, strings.NewReader(""), &out, &errOut, func(string) string { return "" })
	require.Equal(t, 0, code, errOut.String())
	assert.True(t, json.Valid(out.Bytes()))
	assert.False(t, bytes.HasSuffix(out.Bytes(), []byte("\n")))
	assert.Empty(t, errOut.String())

	pr, pw, err := os.Pipe()
	require.NoError(t, err)
	defer pr.Close()
	defer pw.Close()
	assert.False(t, isTerminal(pw))
	assert.False(t, isTerminal(&out))
	assert.False(t, isTerminal((*os.File)(nil)))
}

func TestTimeout(t *testing.T) {
	f := newFixture(t)
	f.srv.SetLatency(bubblehousetest.AnyEndpoint, 5*time.Second)
	r := newCLI(t).run(f.args("--timeout", "200ms", "balance", "--email", alice)...)
	assert.Equal(t, exitError, r.code)
	assert.Contains(t, r.stderr, "deadline exceeded")
	requireOneLine(t, r.stderr)
}
