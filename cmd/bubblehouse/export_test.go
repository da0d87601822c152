package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bubblehouse-go/bubblehouse"
	"github.com/bubblehouse-go/bubblehouse/bubblehousetest"
)

const bigEmail = "big@example.com"

// bigExport is a 256 KiB export, large enough to be cut in the middle.
func bigExport() []byte {
	var b bytes.Buffer
	b.WriteString(`{"customer":"big","history":[`)
	for i := 0; b.Len() < 256<<10; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"n":%d,"desc":"an entry of the export, padded to make it long enough"}`, i)
	}
	b.WriteString("]}")
	return b.Bytes()
}

// exportFixture is a fake with a customer whose export is known byte for
// byte, and an empty directory to export into.
func exportFixture(t *testing.T) (*fixture, []byte, string) {
	f := newFixture(t)
	body := bigExport()
	f.srv.AddCustomer(bubblehousetest.Customer{
		Details: bubblehouse.Customer2{ID: "big-1", Email: bigEmail},
		Export:  body,
	})
	return f, body, t.TempDir()
}

func countExports(s *bubblehousetest.Server) int {
	n := 0
	for _, r := range s.Requests() {
		if r.Endpoint == bubblehousetest.EndpointExportCustomerData1 {
			n++
		}
	}
	return n
}

func TestExportToFile(t *testing.T) {
	f, body, dir := exportFixture(t)
	out := filepath.Join(dir, "takeout.json")

	r := newCLI(t).run(f.args("export", "--email", bigEmail, "--out", out)...)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Empty(t, r.stdout)
	assert.Empty(t, r.stderr, "no progress line when stderr is not a terminal")
	got, err := os.ReadFile(out)
	require.NoError(t, err)
	assert.Equal(t, body, got)
	assert.Equal(t, []string{"takeout.json"}, dirNames(t, dir), "no temporary file is left")
	fi, err := os.Stat(out)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm(), "an export is personal data")
}

func TestExportRefusesToOverwrite(t *testing.T) {
	f, body, dir := exportFixture(t)
	out := filepath.Join(dir, "takeout.json")
	require.NoError(t, os.WriteFile(out, []byte("an older export"), 0o600))

	r := newCLI(t).run(f.args("export", "--email", bigEmail, "--out", out)...)
	assert.Equal(t, exitError, r.code)
	assert.Equal(t, "bubblehouse export: "+out+" exists; use --force to replace it\n", r.stderr)
	got, err := os.ReadFile(out)
	require.NoError(t, err)
	assert.Equal(t, "an older export", string(got))
	assert.Zero(t, countExports(f.srv), "the expensive call is not made for nothing")
	assert.Equal(t, []string{"takeout.json"}, dirNames(t, dir))

	r = newCLI(t).run(f.args("export", "--email", bigEmail, "--out", out, "--force")...)
	require.Equal(t, 0, r.code, r.stderr)
	got, err = os.ReadFile(out)
	require.NoError(t, err)
	assert.Equal(t, body, got)
	assert.Equal(t, []string{"takeout.json"}, dirNames(t, dir))

	r = newCLI(t).run(f.args("export", "--email", bigEmail, "--out", dir, "--force")...)
	assert.Equal(t, exitError, r.code)
	assert.Contains(t, r.stderr, "is a directory")
}

// A file created while the export runs is not replaced either.
func TestExportCommitNeverClobbers(t *testing.T) {
	dir := t.TempDir()
	tmp := filepath.Join(dir, ".x.partial")
	out := filepath.Join(dir, "x.json")
	require.NoError(t, os.WriteFile(tmp, []byte("new"), 0o600))
	require.NoError(t, os.WriteFile(out, []byte("old"), 0o600))
	err := commit(tmp, out, false)
	var exists *errExists
	require.ErrorAs(t, err, &exists)
	got, _ := os.ReadFile(out)
	assert.Equal(t, "old", string(got))

	require.NoError(t, commit(tmp, out, true))
	got, _ = os.ReadFile(out)
	assert.Equal(t, "new", string(got))
	assert.Equal(t, []string{"x.json"}, dirNames(t, dir))
}

// An answer cut off in the middle leaves no file at all, neither the final
// one nor the temporary one, and the error says how far it got.
func TestExportCutMidBody(t *testing.T) {
	const cutAt = 100_000
	for _, existing := range []bool{false, true} {
		t.Run(fmt.Sprintf("existing=%v", existing), func(t *testing.T) {
			f, _, dir := exportFixture(t)
			out := filepath.Join(dir, "takeout.json")
			args := f.args("export", "--email", bigEmail, "--out", out)
			if existing {
				require.NoError(t, os.WriteFile(out, []byte("the previous export"), 0o600))
				args = append(args, "--force")
			}
			f.srv.CutNext(bubblehousetest.EndpointExportCustomerData1, 1, cutAt)

			r := newCLI(t).run(args...)
			assert.Equal(t, exitError, r.code)
			assert.Empty(t, r.stdout)
			requireOneLine(t, r.stderr)
			assert.Contains(t, r.stderr, fmt.Sprintf("export failed after %d bytes", cutAt))
			assert.Contains(t, r.stderr, out+" was not written")
			if existing {
				got, err := os.ReadFile(out)
				require.NoError(t, err)
				assert.Equal(t, "the previous export", string(got))
				assert.Equal(t, []string{"takeout.json"}, dirNames(t, dir))
			} else {
				assert.Empty(t, dirNames(t, dir), "no final file and no temporary file")
			}
			assert.Equal(t, 1, countExports(f.srv), "a cut after bytes were written is not retried")
		})
	}
}

func TestExportToStdout(t *testing.T) {
	f, body, _ := exportFixture(t)
	r := newCLI(t).run(f.args("export", "--email", bigEmail)...)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, string(body), r.stdout)

	r = newCLI(t).run(f.args("export", "--email", bigEmail, "--out", "-")...)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, string(body), r.stdout)

	f.srv.CutNext(bubblehousetest.EndpointExportCustomerData1, 1, 100_000)
	r = newCLI(t).run(f.args("export", "--email", bigEmail)...)
	assert.Equal(t, exitError, r.code)
	requireOneLine(t, r.stderr)
	assert.Contains(t, r.stderr, "export failed after 100000 bytes")
	assert.Contains(t, r.stderr, "incomplete")
}

func TestExportAPIError(t *testing.T) {
	f, _, dir := exportFixture(t)
	out := filepath.Join(dir, "takeout.json")
	r := newCLI(t).run(f.args("export", "--email", "nobody@example.com", "--out", out)...)
	assert.Equal(t, exitError, r.code)
	assert.Contains(t, r.stderr, "export failed: ExportCustomerData1: HTTP 404 no_customers_match_customer_identity")
	assert.Empty(t, dirNames(t, dir))
}

// On a terminal, stderr gets one progress line, redrawn in place, with the
// bytes and the rate.
func TestExportProgress(t *testing.T) {
	f, body, dir := exportFixture(t)
	out := filepath.Join(dir, "takeout.json")
	c := newCLI(t)
	c.stderrTTY = true
	clock := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c.now = func() time.Time {
		clock = clock.Add(50 * time.Millisecond)
		return clock
	}
	r := c.run(f.args("export", "--email", bigEmail, "--out", out)...)
	require.Equal(t, 0, r.code, r.stderr)
	assert.True(t, strings.HasPrefix(r.stderr, "\rexport to "+out+": "), "%q", r.stderr)
	assert.True(t, strings.HasSuffix(r.stderr, ", done\n"), "%q", r.stderr)
	assert.Equal(t, 1, strings.Count(r.stderr, "\n"))
	last := r.stderr[strings.LastIndex(r.stderr, "\r")+1:]
	assert.Contains(t, last, fmt.Sprintf("(%d bytes)", len(body)))
	assert.Contains(t, last, "256.")
	assert.Contains(t, last, "/s")

	f.srv.CutNext(bubblehousetest.EndpointExportCustomerData1, 1, 100_000)
	r = c.run(f.args("export", "--email", bigEmail, "--out", out, "--force")...)
	assert.Equal(t, exitError, r.code)
	assert.Contains(t, r.stderr, ", failed\n")
	assert.Contains(t, r.stderr, "bubblehouse export: export failed after 100000 bytes")
}

func TestHumanBytes(t *testing.T) {
	for n, want := range map[float64]string{0: "0 B", 1023: "1023 B", 1024: "1.0 KiB", 1536: "1.5 KiB", 5 << 20: "5.0 MiB", 3 << 30: "3.0 GiB"} {
		assert.Equal(t, want, humanBytes(n))
	}
}

// An interrupted command (Ctrl-C cancels its context) leaves no file.
func TestExportInterrupted(t *testing.T) {
	f, _, dir := exportFixture(t)
	out := filepath.Join(dir, "takeout.json")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var stdout, stderr bytes.Buffer
	code := runEnv(ctx, f.args("export", "--email", bigEmail, "--out", out), &env{
		stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr,
		getenv: func(string) string { return "" }, now: time.Now,
	})
	assert.Equal(t, exitError, code)
	assert.Contains(t, stderr.String(), "context canceled")
	assert.Contains(t, stderr.String(), out+" was not written")
	assert.Empty(t, dirNames(t, dir))
}
