package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
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
			assertNothingLanded(t, dir, out, existing)
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

// closeDelimited is an API stand-in that answers every call with body and
// no HTTP framing at all (no Content-Length, not chunked), then closes the
// connection: the way a proxy or server that dies mid-answer can cut a
// body so that the client reads the cut as the end.
func closeDelimited(t *testing.T, body []byte) *httptest.Server {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Read the request first: closing with unread input would reset
		// the connection, which the client sees as an error.
		_, _ = io.Copy(io.Discard, r.Body)
		conn, buf, err := w.(http.Hijacker).Hijack()
		if err != nil {
			t.Errorf("hijack: %v", err)
			return
		}
		defer conn.Close()
		_, _ = buf.WriteString("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n")
		_, _ = buf.Write(body)
		_ = buf.Flush()
	}))
	t.Cleanup(s.Close)
	return s
}

// A body cut without HTTP framing is caught by the SDK when it stops
// anywhere but just after a nested value closes, or when its last byte is
// not its closing bracket; the command checks that the file holds one
// complete JSON value before giving it its name, which catches the rest: a
// truncated export never lands as a complete one.
func TestExportChecksTheJSONIsComplete(t *testing.T) {
	const (
		sdkUnterminated = "the body does not end with the bracket that closes its JSON value"
		cliIncomplete   = "the answer is not one complete JSON value: "
	)
	body := bigExport()
	tests := []struct {
		name string
		body []byte
		msg  string // in stderr; "" for success
	}{
		// The SDK's own check: the last byte does not close the value.
		{"cut mid-body", body[:100_000], sdkUnterminated},
		{"cut inside a string", body[:len(body)-20], sdkUnterminated},
		{"garbage follows", append(append([]byte(nil), body...), "\n<html>"...), sdkUnterminated},
		// The command's: the last byte is a closing bracket, but not the
		// value's own.
		{"cut after a full element", []byte(`{"customer":"big","history":[{"n":0}`), cliIncomplete + "it stops inside the value, so the answer was cut short"},
		{"a second value follows", append(append([]byte(nil), body...), `{"n":1}`...), cliIncomplete + "more than whitespace follows it, from byte " + strconv.Itoa(len(body))},
		{"complete, with whitespace after it", append(append([]byte(nil), body...), " \r\n\t\n"...), ""},
	}
	f := newFixture(t)
	for _, tt := range tests {
		for _, existing := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/existing=%v", tt.name, existing), func(t *testing.T) {
				api := closeDelimited(t, tt.body)
				dir := t.TempDir()
				out := filepath.Join(dir, "takeout.json")
				args := []string{"--base-url", api.URL, "--shop", f.srv.Shop(), "--key-id", f.srv.KeyID(), "--secret-file", f.secretFile,
					"export", "--email", bigEmail, "--out", out}
				if existing {
					require.NoError(t, os.WriteFile(out, []byte("the previous export"), 0o600))
					args = append(args, "--force")
				}

				r := newCLI(t).run(args...)
				if tt.msg == "" {
					require.Equal(t, 0, r.code, r.stderr)
					got, err := os.ReadFile(out)
					require.NoError(t, err)
					assert.Equal(t, tt.body, got, "the bytes as sent, whitespace included")
					assert.Equal(t, []string{"takeout.json"}, dirNames(t, dir))
					return
				}
				assert.Equal(t, exitError, r.code)
				assert.Empty(t, r.stdout)
				requireOneLine(t, r.stderr)
				assert.Contains(t, r.stderr, fmt.Sprintf("bubblehouse export: export failed after %d bytes: %s", len(tt.body), tt.msg))
				assert.Contains(t, r.stderr, out+" was not written")
				assert.NotContains(t, r.stderr, "an entry of the export", "no content of the export in the error")
				assertNothingLanded(t, dir, out, existing)
			})
		}
		// To stdout the bytes cannot be taken back, but the exit status
		// and the error line say the same.
		t.Run(tt.name+"/stdout", func(t *testing.T) {
			api := closeDelimited(t, tt.body)
			r := newCLI(t).run("--base-url", api.URL, "--shop", f.srv.Shop(), "--key-id", f.srv.KeyID(), "--secret-file", f.secretFile,
				"export", "--email", bigEmail)
			assert.Equal(t, string(tt.body), r.stdout, "every byte is passed on either way")
			if tt.msg == "" {
				require.Equal(t, 0, r.code, r.stderr)
				return
			}
			assert.Equal(t, exitError, r.code)
			requireOneLine(t, r.stderr)
			assert.Contains(t, r.stderr, fmt.Sprintf("bubblehouse export: export failed after %d bytes: %s", len(tt.body), tt.msg))
			assert.Contains(t, r.stderr, fmt.Sprintf("the %d bytes written to stdout are incomplete", len(tt.body)))
		})
	}
}

func TestCheckOneJSONValue(t *testing.T) {
	for in, want := range map[string]string{
		`{"a":[1,2,{"b":"c"}]}`:   "",
		"  [1, 2]\n":              "",
		`"a string"`:              "",
		"":                        "it is empty",
		" \n":                     "it is empty",
		`{"a":[1,2`:               "cut short",
		`{"a":"unterminated`:      "cut short",
		`{"a":1}]`:                "more than whitespace follows it, from byte 7",
		`{"a":1} {"b":2}`:         "more than whitespace follows it, from byte 7",
		`{"a":1,}`:                "malformed",
		`{"name":"Jane Doe", !!}`: "malformed",
	} {
		err := checkOneJSONValue(strings.NewReader(in))
		if want == "" {
			assert.NoError(t, err, "%q", in)
			continue
		}
		if assert.Error(t, err, "%q", in) {
			assert.Contains(t, err.Error(), want, "%q", in)
			assert.NotContains(t, err.Error(), "Jane", "no content in the error")
		}
	}
}

// assertNothingLanded checks that a failed export left dir as it was: the
// previous export at out when there was one, and no temporary file.
func assertNothingLanded(t *testing.T, dir, out string, existing bool) {
	t.Helper()
	if !existing {
		assert.Empty(t, dirNames(t, dir), "no final file and no temporary file")
		return
	}
	got, err := os.ReadFile(out)
	require.NoError(t, err)
	assert.Equal(t, "the previous export", string(got))
	assert.Equal(t, []string{filepath.Base(out)}, dirNames(t, dir))
}
