// Command gdprexport answers a GDPR data-export request: it streams
// everything Bubblehouse holds on one customer into a JSON file, safely.
//
//	go run ./examples/gdprexport [-out takeout.json] [-email alice@example.com]
//
// The file appears only once the export is complete: the data is streamed
// into a temporary file beside it, synced to disk, then renamed. An export
// that breaks halfway leaves nothing that looks like a finished takeout.
// It runs against the embedded fake Bubblehouse.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/bubblehouse-go/bubblehouse"
	"github.com/bubblehouse-go/bubblehouse/bubblehousetest"
)

func main() {
	out := flag.String("out", "takeout.json", "the file to write")
	email := flag.String("email", bubblehousetest.DemoCustomerEmail, "the customer's email")
	flag.Parse()

	bh, err := bubblehousetest.Start(bubblehousetest.WithDemoData())
	if err == nil {
		defer bh.Close()
		var c *bubblehouse.Client
		if c, err = bh.NewClient(); err == nil {
			var n int64
			n, err = exportToFile(context.Background(), c, bubblehouse.ByEmail(*email), *out)
			if err == nil {
				fmt.Printf("wrote %d bytes to %s\n", n, *out)
			}
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "gdprexport:", err)
		os.Exit(1)
	}
}

// exportToFile streams the customer's export into path atomically.
func exportToFile(ctx context.Context, c *bubblehouse.Client, who *bubblehouse.CustomerIdentity1, path string) (n int64, err error) {
	// The temporary file must be in the same directory, so that the rename
	// is atomic (same file system).
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.partial")
	if err != nil {
		return 0, err
	}
	defer func() {
		if err != nil {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()

	n, err = c.ExportCustomerData1To(ctx, &bubblehouse.ExportCustomerData1Input{Customer: who}, tmp)
	var partial *bubblehouse.ExportError
	if errors.As(err, &partial) {
		return n, fmt.Errorf("export broke after %d bytes; nothing was kept: %w", partial.Written, err)
	}
	if err != nil {
		return n, err
	}
	if err = tmp.Sync(); err != nil {
		return n, err
	}
	if err = tmp.Close(); err != nil {
		return n, err
	}
	return n, os.Rename(tmp.Name(), path)
}
