package main

import (
	"testing"

	"go.uber.org/goleak"
)

// Every command must leave no goroutine behind: not the demo server's, not
// an idle connection of its own transport.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
