//go:build linux

package bubblehouse

import (
	"os"
	"runtime/debug"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"
)

// captureFD2 runs f with file descriptor 2 itself pointed at a temporary
// file and returns everything written to it while f ran. Swapping the
// os.Stderr variable would not do: the log package's standard logger,
// slog.Default() and go-retryablehttp's default logger took os.Stderr when
// their packages were initialised, and the runtime writes to the descriptor
// directly. A file rather than a pipe needs no reader goroutine and cannot
// fill up and block the writer.
//
// Nothing else may run in the process meanwhile (no t.Parallel in the
// caller), or its output would be taken for the caller's.
func captureFD2(t *testing.T, f func()) string {
	t.Helper()
	tmp, err := os.CreateTemp(t.TempDir(), "fd2-")
	require.NoError(t, err)
	defer tmp.Close()
	saved, err := syscall.Dup(2)
	require.NoError(t, err)
	orig := os.NewFile(uintptr(saved), "stderr")
	defer orig.Close()
	// A panic or fatal error in f would be written to the file, and lost
	// with it when the process dies; this sends it to the real stderr too.
	_ = debug.SetCrashOutput(orig, debug.CrashOptions{})
	defer func() { _ = debug.SetCrashOutput(nil, debug.CrashOptions{}) }()

	// Dup3 rather than Dup2, which linux/arm64 and linux/riscv64 lack.
	require.NoError(t, syscall.Dup3(int(tmp.Fd()), 2, 0))
	func() {
		// Deferred, so that fd 2 comes back even when f stops the test
		// with t.FailNow.
		defer func() {
			if err := syscall.Dup3(saved, 2, 0); err != nil {
				panic("restoring fd 2: " + err.Error())
			}
		}()
		f()
	}()
	out, err := os.ReadFile(tmp.Name())
	require.NoError(t, err)
	return string(out)
}
