package retry

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests if any goroutine outlives them: the
// client promises to own none, and every wait it makes must end with its
// call.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
