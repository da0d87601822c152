package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/bubblehouse-go/bubblehouse"
)

// command is one subcommand: its flags, its checks of them, and its work.
type command struct {
	name    string
	args    string // the synopsis after the name
	summary string
	flags   func(fs *flag.FlagSet, o *cmdOptions)
	// validate checks the flags before any configuration is read or any
	// call is made; it returns usage errors.
	validate func(o *cmdOptions) error
	run      func(ctx context.Context, a *app, s *session, o *cmdOptions) error
}

// cmdOptions holds the flags of every command; each command registers the
// ones it takes.
type cmdOptions struct {
	email, shopID, bhid string
	customer            *bubblehouse.CustomerIdentity1 // from the three above, by customerCommand

	json        bool
	onlyPoints  bool
	onlyUnused  bool
	full        bool
	deanonymize bool

	out   string
	force bool

	customerID string
	ttl        time.Duration
	level      string
}

// commands lists the subcommands in the order the usage shows them.
func commands() []command {
	return []command{
		customerCommand(command{
			name: "details", args: "[--json]",
			summary: "show what Bubblehouse knows of a customer (CustomerDetails1)",
			flags:   jsonFlag,
			run:     runDetails,
		}),
		customerCommand(command{
			name: "history", args: "[--only-points] [--only-unused] [--json]",
			summary: "list a customer's loyalty history (CustomerHistory2)",
			flags: func(fs *flag.FlagSet, o *cmdOptions) {
				fs.BoolVar(&o.onlyPoints, "only-points", false, "only entries that change points")
				fs.BoolVar(&o.onlyUnused, "only-unused", false, "only entries with unused discount codes")
				jsonFlag(fs, o)
			},
			run: runHistory,
		}),
		customerCommand(command{
			name: "balance", args: "[--full] [--json]",
			summary: "show a customer's points, tier and limits (CustomerBalance3)",
			flags: func(fs *flag.FlagSet, o *cmdOptions) {
				fs.BoolVar(&o.full, "full", false, "also the whole program (tiers, offers, ways to earn, milestones) and unused rewards")
				jsonFlag(fs, o)
			},
			run: runBalance,
		}),
		customerCommand(command{
			name: "referrals", args: "[--deanonymize] [--json]",
			summary: "list a customer's referrals (CustomerReferrals2)",
			flags: func(fs *flag.FlagSet, o *cmdOptions) {
				fs.BoolVar(&o.deanonymize, "deanonymize", false, "show referral destinations unmasked")
				jsonFlag(fs, o)
			},
			run: runReferrals,
		}),
		customerCommand(command{
			name: "export", args: "[--out FILE [--force]]",
			summary: "export everything Bubblehouse holds on a customer, for GDPR requests (ExportCustomerData1)",
			flags: func(fs *flag.FlagSet, o *cmdOptions) {
				fs.StringVar(&o.out, "out", "", "write the export to FILE, atomically (default: stdout)")
				fs.BoolVar(&o.force, "force", false, "replace FILE if it exists")
			},
			validate: func(o *cmdOptions) error {
				if o.force && (o.out == "" || o.out == "-") {
					return usagef("export", "--force needs --out FILE")
				}
				return nil
			},
			run: runExport,
		}),
		{
			name: "token", args: "[--customer ID [--level L]] [--ttl 5m]",
			summary: "print a customer token (or with no --customer, a shop token) for debugging",
			flags: func(fs *flag.FlagSet, o *cmdOptions) {
				fs.StringVar(&o.customerID, "customer", "", "the shop's customer ID; without it, a shop token")
				fs.DurationVar(&o.ttl, "ttl", bubblehouse.DefaultTokenTTL, "lifetime of the token")
				fs.StringVar(&o.level, "level", "", `the token's "l" (level) claim, for admin-level customer tokens`)
			},
			validate: func(o *cmdOptions) error {
				switch {
				case o.ttl <= 0:
					return usagef("token", "--ttl must be positive")
				case o.ttl > 24*time.Hour:
					return usagef("token", "--ttl %s is longer than a day; mint short-lived tokens", o.ttl)
				case o.level != "" && o.customerID == "":
					return usagef("token", "--level needs --customer: only customer tokens have a level")
				case o.customerID != "" && strings.Contains(o.customerID, "/"):
					return usagef("token", "--customer must not contain '/'")
				}
				return nil
			},
			run: runToken,
		},
		{
			name: "check", args: "",
			summary: "check the shop, key, secret, API version and clock (Status2 preflight)",
			flags:   func(*flag.FlagSet, *cmdOptions) {},
			run:     runCheck,
		},
	}
}

func findCommand(name string) (command, bool) {
	for _, c := range commands() {
		if c.name == name {
			return c, true
		}
	}
	return command{}, false
}

// customerCommand makes c a command about one customer: it also takes
// --email, --shopid or --bhid, exactly one, checked after c's own checks,
// and run finds the identity in o.customer.
func customerCommand(c command) command {
	flags, validate := c.flags, c.validate
	c.args = "(--email E | --shopid ID | --bhid B) " + c.args
	c.flags = func(fs *flag.FlagSet, o *cmdOptions) {
		fs.StringVar(&o.email, "email", "", "the customer's email address")
		fs.StringVar(&o.shopID, "shopid", "", "the customer's ID in the shop")
		fs.StringVar(&o.bhid, "bhid", "", "the customer's Bubblehouse ID")
		if flags != nil {
			flags(fs, o)
		}
	}
	c.validate = func(o *cmdOptions) error {
		if validate != nil {
			if err := validate(o); err != nil {
				return err
			}
		}
		return o.selectCustomer(c.name)
	}
	return c
}

func jsonFlag(fs *flag.FlagSet, o *cmdOptions) {
	fs.BoolVar(&o.json, "json", false, "print the API's JSON exactly as it was sent, without surrounding whitespace")
}

// selectCustomer checks that exactly one selector was given and builds the
// identity from it.
func (o *cmdOptions) selectCustomer(cmd string) error {
	var ids []*bubblehouse.CustomerIdentity1
	if v := strings.TrimSpace(o.email); v != "" {
		ids = append(ids, bubblehouse.ByEmail(v))
	}
	if v := strings.TrimSpace(o.shopID); v != "" {
		ids = append(ids, bubblehouse.ByShopID(v))
	}
	if v := strings.TrimSpace(o.bhid); v != "" {
		ids = append(ids, bubblehouse.ByBHID(bubblehouse.BHID(v)))
	}
	switch len(ids) {
	case 0:
		return usagef(cmd, "name the customer with --email, --shopid or --bhid")
	case 1:
		o.customer = ids[0]
		return nil
	}
	return usagef(cmd, "give only one of --email, --shopid and --bhid")
}

// printRaw writes an answer's JSON value exactly as the API sent it, adding
// a newline only on a terminal, so that a pipe or file gets the bytes as
// they are. raw is what the SDK keeps (Raw), which is the value without the
// whitespace around it in the body.
func (a *app) printRaw(raw json.RawMessage) error {
	if _, err := a.env.stdout.Write(raw); err != nil {
		return fmt.Errorf("writing the output: %w", err)
	}
	if a.env.stdoutTTY && (len(raw) == 0 || raw[len(raw)-1] != '\n') {
		_, _ = io.WriteString(a.env.stdout, "\n")
	}
	return nil
}

func runDetails(ctx context.Context, a *app, s *session, o *cmdOptions) error {
	c, err := s.client.CustomerDetails1(ctx, &bubblehouse.CustomerDetails1Input{Customer: o.customer})
	if err != nil {
		return err
	}
	if o.json {
		return a.printRaw(c.Raw())
	}
	return writeDetails(a.env.stdout, c)
}

func runHistory(ctx context.Context, a *app, s *session, o *cmdOptions) error {
	h, err := s.client.CustomerHistory2(ctx, &bubblehouse.CustomerHistory2Input{
		Customer: o.customer, OnlyPoints: o.onlyPoints, OnlyUnused: o.onlyUnused,
	})
	if err != nil {
		return err
	}
	if o.json {
		return a.printRaw(h.Raw())
	}
	return writeHistory(a.env.stdout, h)
}

func runBalance(ctx context.Context, a *app, s *session, o *cmdOptions) error {
	b, err := s.client.CustomerBalance3(ctx, &bubblehouse.CustomerBalance3Input{
		Customer: o.customer, IncludeFullProgram: o.full, IncludeUnusedRewards: o.full,
	})
	if err != nil {
		return err
	}
	if o.json {
		return a.printRaw(b.Raw())
	}
	return writeBalance(a.env.stdout, b, o.full)
}

func runReferrals(ctx context.Context, a *app, s *session, o *cmdOptions) error {
	r, err := s.client.CustomerReferrals2(ctx, &bubblehouse.CustomerReferrals2Input{
		Customer: o.customer, Deanonymize: o.deanonymize,
	})
	if err != nil {
		return err
	}
	if o.json {
		return a.printRaw(r.Raw())
	}
	return writeReferrals(a.env.stdout, r)
}

func runToken(_ context.Context, a *app, s *session, o *cmdOptions) error {
	signer := s.client.Signer()
	if signer == nil {
		return fmt.Errorf("no signing key configured")
	}
	var (
		tok  string
		err  error
		what string
	)
	if o.customerID == "" {
		tok, err = signer.ShopToken(o.ttl)
		what = "shop token for " + signer.Shop()
	} else {
		var opts []bubblehouse.TokenOption
		if o.level != "" {
			opts = append(opts, bubblehouse.WithLevel(o.level))
		}
		tok, err = signer.CustomerToken(o.customerID, o.ttl, opts...)
		what = "customer token for " + signer.Shop() + "/" + o.customerID
		if o.level != "" {
			what += ", level " + o.level
		}
	}
	if err != nil {
		return err
	}
	if _, err := fmt.Fprintln(a.env.stdout, tok); err != nil {
		return fmt.Errorf("writing the output: %w", err)
	}
	if a.env.stderrTTY {
		fmt.Fprintf(a.env.stderr, "%s, key %s, expires %s\n", what, signer.KeyID(),
			a.env.now().Add(o.ttl).Truncate(time.Second).Format(time.RFC3339))
	}
	return nil
}

func runCheck(ctx context.Context, a *app, s *session, _ *cmdOptions) error {
	if err := s.client.Check(ctx); err != nil {
		return err
	}
	_, err := fmt.Fprintf(a.env.stdout, "ok: shop %s at %s accepts the key, the API version works and the clock is in sync\n",
		s.client.Shop(), s.baseURL)
	return err
}
