// Command gdprexport answers a GDPR data-export request: it streams
// everything Bubblehouse holds on one customer into a JSON file, safely.
//
//	go run ./examples/gdprexport [-out takeout.json] [-email alice@example.com]
//
// The file appears only once the export is complete: the data is streamed
// into a temporary file beside it, synced to disk, then linked into place.
// An export that breaks halfway leaves nothing that looks like a finished
// takeout, and an existing file is never overwritten. It runs against the
// embedded fake Bubblehouse.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
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

// exportToFile streams the customer's export into path, which must not
// exist: an export is never written over another file, be it an earlier
// takeout or one that appears while this export streams. Such a refusal
// matches fs.ErrExist. No temporary file is left behind, whatever happens.
func exportToFile(ctx context.Context, c *bubblehouse.Client, who *bubblehouse.CustomerIdentity1, path string) (n int64, err error) {
	// Refuse early, before spending an expensive export call. The link
	// below is what makes the refusal safe; this only saves the call.
	if _, err := os.Lstat(path); err == nil {
		return 0, &fs.PathError{Op: "export", Path: path, Err: fs.ErrExist}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return 0, err
	}

	// The temporary file must be in the same directory, so that it can be
	// linked to the final name (same file system).
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.partial")
	if err != nil {
		return 0, err
	}
	defer func() {
		// The temporary name goes on every path: after a failure it holds
		// a partial export, after success it is a second name of the file.
		_ = tmp.Close() // already closed on success; the error is moot
		if rmErr := os.Remove(tmp.Name()); rmErr != nil && err == nil {
			err = fmt.Errorf("the export is complete in %s, but the temporary file remains: %w", path, rmErr)
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
	// The data must be on disk before the name points at it.
	if err = tmp.Sync(); err != nil {
		return n, err
	}
	if err = tmp.Close(); err != nil {
		return n, err
	}
	// Unlike os.Rename, which silently replaces whatever has the name,
	// os.Link fails if the name exists, atomically. On a file system
	// without hard links it fails too, rather than risk a replacement.
	if err = os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return n, &fs.PathError{Op: "export", Path: path, Err: fs.ErrExist}
		}
		return n, fmt.Errorf("moving the export into place: %w", err)
	}
	return n, nil
}
