// Command quickstart makes the five Bubblehouse calls for one customer and
// prints a summary: details, balance, recent history, referrals and the size
// of their GDPR export.
//
// With no environment set it starts the fake server of package
// bubblehousetest in-process, with its demo data, so it runs anywhere:
//
//	go run ./examples/quickstart
//
// To run the same calls against the real API, set:
//
//	BUBBLEHOUSE_SHOP            the shop slug
//	BUBBLEHOUSE_KEY_ID          the key ID of a shared secret (API console)
//	BUBBLEHOUSE_SECRET          the shared secret, as the console shows it
//	BUBBLEHOUSE_CUSTOMER_EMAIL  the email of a customer to show
//
// and optionally BUBBLEHOUSE_BASE_URL, the API's base URL (default
// https://app.bubblehouse.com), to go through a proxy or reach another
// host; it is what the quickstart's own test points at a fake.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/bubblehouse-go/bubblehouse"
	"github.com/bubblehouse-go/bubblehouse/bubblehousetest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Stdout, os.Getenv); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

// envVars are the settings that switch the quickstart to the real API.
var envVars = []string{"BUBBLEHOUSE_SHOP", "BUBBLEHOUSE_KEY_ID", "BUBBLEHOUSE_SECRET", "BUBBLEHOUSE_CUSTOMER_EMAIL"}

// envBaseURL optionally moves the live API elsewhere.
const envBaseURL = "BUBBLEHOUSE_BASE_URL"

// run makes the calls and writes the summary to out. getenv is os.Getenv,
// replaced in tests.
func run(ctx context.Context, out io.Writer, getenv func(string) string) error {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()

	c, email, cleanup, err := connect(out, getenv)
	if err != nil {
		return err
	}
	defer cleanup()
	who := bubblehouse.ByEmail(email)

	det, err := c.CustomerDetails1(ctx, &bubblehouse.CustomerDetails1Input{Customer: who})
	if err != nil {
		return fmt.Errorf("customer details: %w", err)
	}
	bal, err := c.CustomerBalance3(ctx, &bubblehouse.CustomerBalance3Input{Customer: who})
	if err != nil {
		return fmt.Errorf("balance: %w", err)
	}
	his, err := c.CustomerHistory2(ctx, &bubblehouse.CustomerHistory2Input{Customer: who})
	if err != nil {
		return fmt.Errorf("history: %w", err)
	}
	ref, err := c.CustomerReferrals2(ctx, &bubblehouse.CustomerReferrals2Input{Customer: who})
	if err != nil {
		return fmt.Errorf("referrals: %w", err)
	}
	// The export is streamed; here only its size is shown. See
	// examples/gdprexport for writing it to a file safely.
	exportSize, err := c.ExportCustomerData1To(ctx, &bubblehouse.ExportCustomerData1Input{Customer: who}, io.Discard)
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}

	printSummary(out, det, bal, his, ref, exportSize)
	return nil
}

// connect returns a client for the real API when every setting is in the
// environment, and for an in-process fake with demo data when none is.
func connect(out io.Writer, getenv func(string) string) (c *bubblehouse.Client, email string, cleanup func(), err error) {
	var set, missing []string
	for _, v := range envVars {
		if getenv(v) != "" {
			set = append(set, v)
		} else {
			missing = append(missing, v)
		}
	}
	baseURL := getenv(envBaseURL)
	switch {
	case len(set) == len(envVars):
		opts := []bubblehouse.Option{
			bubblehouse.WithSigningKey(getenv("BUBBLEHOUSE_KEY_ID"), getenv("BUBBLEHOUSE_SECRET")),
			bubblehouse.WithUserAgent("bubblehouse-quickstart"),
		}
		if baseURL != "" {
			opts = append(opts, bubblehouse.WithBaseURL(baseURL))
		}
		c, err = bubblehouse.NewClient(getenv("BUBBLEHOUSE_SHOP"), opts...)
		if err != nil {
			return nil, "", nil, err
		}
		fmt.Fprintf(out, "Bubblehouse shop %q (live API)\n\n", c.Shop())
		return c, getenv("BUBBLEHOUSE_CUSTOMER_EMAIL"), func() {}, nil
	case len(set) > 0:
		return nil, "", nil, fmt.Errorf("set all of %s, or none to use the demo server (missing: %s)",
			strings.Join(envVars, ", "), strings.Join(missing, ", "))
	case baseURL != "":
		// Alone it would be ignored, and the demo run mistaken for a call
		// to that host.
		return nil, "", nil, fmt.Errorf("%s is for the live API: set %s too, or unset it to use the demo server",
			envBaseURL, strings.Join(envVars, ", "))
	}
	srv, err := bubblehousetest.Start(bubblehousetest.WithDemoData())
	if err != nil {
		return nil, "", nil, fmt.Errorf("starting the demo server: %w", err)
	}
	c, err = srv.NewClient()
	if err != nil {
		srv.Close()
		return nil, "", nil, err
	}
	fmt.Fprintf(out, "Bubblehouse shop %q (embedded demo server; set %s for the live API)\n\n", c.Shop(), strings.Join(envVars, ", "))
	return c, bubblehousetest.DemoCustomerEmail, srv.Close, nil
}

func printSummary(out io.Writer, det *bubblehouse.Customer2, bal *bubblehouse.CustomerBalanceResult3,
	his *bubblehouse.CustomerHistory2Output, ref *bubblehouse.CustomerReferrals2Output, exportSize int64) {
	name := strings.TrimSpace(det.FirstName + " " + det.LastName)
	if name == "" {
		name = det.FullName
	}
	fmt.Fprintf(out, "Customer  %s <%s>, member since %s\n", name, det.Email, dateOf(det.SignedUpAt))

	points := fmt.Sprintf("%d points available", bal.PtsAvailable)
	if bal.PtsAvailableValue != nil {
		points += " (worth " + bal.PtsAvailableValue.StringFixed(2) + ")"
	}
	if bal.PtsPending > 0 {
		points += fmt.Sprintf(", %d pending", bal.PtsPending)
	}
	fmt.Fprintf(out, "Points    %s\n", points)
	tier := "none"
	if bal.CurTier != nil {
		tier = bal.CurTier.Name
	}
	if bal.NextTier != nil {
		tier += " (next: " + bal.NextTier.Name + ")"
	}
	fmt.Fprintf(out, "Tier      %s\n", tier)

	fmt.Fprintf(out, "\nLast changes (%d in all)\n", len(his.Changes))
	tw := tabwriter.NewWriter(out, 2, 4, 2, ' ', 0)
	for i, ch := range his.Changes {
		if i == 5 {
			break
		}
		delta := ""
		if ch.AffectsPoints() {
			delta = fmt.Sprintf("%+d", ch.PtsDelta)
		}
		// Change2 documents no time field; a Bubblehouse ID encodes when it
		// was made (inferred from the ID layout, see BHID.Time).
		when := "-"
		if t, ok := ch.ID.Time(); ok {
			when = t.Format("2006-01-02")
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", when, ch.Area, delta, ch.Desc)
	}
	_ = tw.Flush()

	fmt.Fprintf(out, "\nReferrals (%d)\n", len(ref.Referrals))
	tw = tabwriter.NewWriter(out, 2, 4, 2, ' ', 0)
	for _, r := range ref.Referrals {
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", dateOf(r.SentAt), r.Channel, r.Status)
	}
	_ = tw.Flush()

	fmt.Fprintf(out, "\nGDPR export  %d bytes\n", exportSize)
}

func dateOf(t bubblehouse.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Format("2006-01-02")
}
