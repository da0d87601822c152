// Command bubblehouse looks up customers of the Bubblehouse Loyalty API,
// exports their data for GDPR requests, mints tokens for debugging and checks
// a shop's API configuration. Run "bubblehouse help" for its usage.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}
