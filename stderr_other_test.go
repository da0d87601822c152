//go:build !linux

package bubblehouse

import (
	"os"
	"testing"

	"github.com/stretchr/testify/require"
)

// captureFD2 is the weaker stand-in off Linux (where CI runs): it swaps
// only the os.Stderr variable, so it misses the log package's standard
// logger, slog.Default(), go-retryablehttp's default logger and anything
// else that took os.Stderr before f ran.
func captureFD2(t *testing.T, f func()) string {
	t.Helper()
	tmp, err := os.CreateTemp(t.TempDir(), "stderr-")
	require.NoError(t, err)
	defer tmp.Close()
	orig := os.Stderr
	os.Stderr = tmp
	func() {
		defer func() { os.Stderr = orig }()
		f()
	}()
	out, err := os.ReadFile(tmp.Name())
	require.NoError(t, err)
	return string(out)
}
