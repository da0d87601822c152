// Command storefronttoken shows how a shop backend hands a customer token
// to its storefront, so that the browser can call the Loyalty API for the
// logged-in customer only, and never sees the shared secret.
//
//	go run ./examples/storefronttoken
//
// It serves GET /loyalty/token on a local test server (your backend would
// add it to its own router, behind its session check), fetches a token as
// the storefront would, and uses it against the embedded fake Bubblehouse.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"time"

	"github.com/bubblehouse-go/bubblehouse"
	"github.com/bubblehouse-go/bubblehouse/bubblehousetest"
)

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "storefronttoken:", err)
		os.Exit(1)
	}
}

// tokenHandler answers {"token": "..."} for the logged-in customer.
// currentCustomer stands for your session lookup: it returns the shop's own
// customer ID, or "" when nobody is logged in.
func tokenHandler(signer *bubblehouse.Signer, currentCustomer func(*http.Request) string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := currentCustomer(r)
		if id == "" {
			http.Error(w, `{"error":"not logged in"}`, http.StatusUnauthorized)
			return
		}
		// Short-lived: the storefront asks again when it expires.
		tok, err := signer.CustomerToken(id, 10*time.Minute)
		if err != nil {
			http.Error(w, `{"error":"cannot mint a token"}`, http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store") // a token must not be cached by proxies
		_ = json.NewEncoder(w).Encode(map[string]string{"token": tok})
	})
}

func run(ctx context.Context, out io.Writer) error {
	bh, err := bubblehousetest.Start(bubblehousetest.WithDemoData())
	if err != nil {
		return err
	}
	defer bh.Close()

	// Your backend: its signer comes from the same key as its client.
	backend := httptest.NewServer(tokenHandler(bh.Signer(), func(r *http.Request) string {
		return r.Header.Get("X-Demo-Session") // stands for a real session check
	}))
	defer backend.Close()

	// The storefront fetches a token for the logged-in customer...
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, backend.URL+"/loyalty/token", nil)
	req.Header.Set("X-Demo-Session", bubblehousetest.DemoCustomerShopID)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var body struct {
		Token string `json:"token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return fmt.Errorf("decoding the token answer: %w", err)
	}
	fmt.Fprintln(out, "storefront got a token:", resp.Status, resp.Header.Get("Cache-Control"))

	// ...and calls Bubblehouse with it (here through the Go client; a browser
	// would send it as "Authorization: Bearer <token>").
	asCustomer, err := bubblehouse.NewClient(bh.Shop(), bubblehouse.WithToken(body.Token), bubblehouse.WithBaseURL(bh.URL()))
	if err != nil {
		return err
	}
	fmt.Fprintln(out, "token kind:", asCustomer.TokenKind())
	bal, err := asCustomer.CustomerBalance3(ctx, nil)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "balance as the customer: %d points\n", bal.PtsAvailable)

	// The token cannot read anyone else. The client refuses a shop ID that
	// differs from the token's by itself; an email it cannot check, so this
	// call goes to Bubblehouse, which answers 403.
	return readSomeoneElse(ctx, out, asCustomer, bubblehouse.ByEmail("bob@example.com"))
}

// readSomeoneElse asks for another customer's balance with a customer
// token, and reports the refusal. Any other failure (an expired token, the
// network) is returned as it is, and so is a balance that should not have
// been readable.
func readSomeoneElse(ctx context.Context, out io.Writer, asCustomer *bubblehouse.Client, other *bubblehouse.CustomerIdentity1) error {
	_, err := asCustomer.CustomerBalance3(ctx, &bubblehouse.CustomerBalance3Input{Customer: other})
	switch {
	case errors.Is(err, bubblehouse.ErrCustomerIdentityDoesNotMatchToken):
		// Bubblehouse's 403, or the client's own refusal when the token
		// alone shows the mismatch: the same error either way.
		fmt.Fprintln(out, "someone else's balance: refused, the token is for another customer")
		return nil
	case err != nil:
		return fmt.Errorf("reading someone else's balance: %w", err)
	}
	return errors.New("someone else's balance was readable with a customer token")
}
