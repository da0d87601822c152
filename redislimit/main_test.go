package redislimit

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the run if any test leaves a goroutine behind: the Limiter
// promises to start none that outlive a call.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
