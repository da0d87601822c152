package bubblehouse

import (
	"bytes"
	"context"
	"crypto/sha256"
	"hash"
	"io"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	exportHead  = `{"customer":{"email":"alice@example.com"},"events":[`
	exportChunk = `{"kind":"history","pts_delta":25,"desc":"Earned from order #1042","time":"2026-01-01T00:00:00Z"},`
	exportTail  = `{}]}`
)

// exportLen is the exact length of the body exportBody writes for size.
func exportLen(size int64) int64 {
	chunks := (size + int64(len(exportChunk)) - 1) / int64(len(exportChunk))
	return int64(len(exportHead)) + chunks*int64(len(exportChunk)) + int64(len(exportTail))
}

// exportBody writes a JSON export of about size bytes without holding it in
// memory, and hashes what it wrote. With an exact Content-Length the test
// server writes without chunked encoding, which would allocate per chunk
// and blur what the client allocates.
func exportBody(w http.ResponseWriter, size int64, h hash.Hash) {
	w.Header().Set("Content-Length", strconv.FormatInt(exportLen(size), 10))
	mw := io.MultiWriter(w, h)
	_, _ = io.WriteString(mw, exportHead)
	chunk := []byte(exportChunk)
	for written := int64(0); written < size; written += int64(len(chunk)) {
		if _, err := mw.Write(chunk); err != nil {
			return
		}
	}
	_, _ = io.WriteString(mw, exportTail)
}

// TestExportStreamsInConstantMemory streams a 64 MiB export and a 1 MiB one
// and shows that the client allocates no more for the large one: memory
// does not grow with the body's size.
func TestExportStreamsInConstantMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("streams 65 MiB")
	}
	srvHash := sha256.New()
	srv := newRawServer(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		size, _ := strconv.ParseInt(r.Header.Get("X-Test-Size"), 10, 64)
		srvHash.Reset()
		w.Header().Set("Content-Type", "application/json")
		exportBody(w, size, srvHash)
	})
	c := newTestClient(t, srv, WithHTTPClient(&http.Client{Transport: sizeHeader{}}))
	in := &ExportCustomerData1Input{Customer: ByEmail("alice@example.com")}

	allocs := func(size int64) (uint64, int64) {
		h := sha256.New()
		ctx := context.WithValue(context.Background(), sizeKey{}, size)
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		n, err := c.ExportCustomerData1To(ctx, in, h)
		runtime.ReadMemStats(&after)
		require.NoError(t, err)
		assert.Equal(t, exportLen(size), n)
		assert.Equal(t, srvHash.Sum(nil), h.Sum(nil), "byte for byte as sent")
		return after.TotalAlloc - before.TotalAlloc, n
	}
	// The first call pays once for the connection, the token and the
	// limiter's buckets; a warm-up keeps that out of the comparison, so the
	// margin below only has to absorb noise.
	allocs(64 << 10)
	small, nSmall := allocs(1 << 20)
	large, nLarge := allocs(64 << 20)
	assert.Greater(t, nLarge, int64(64<<20))
	assert.Greater(t, nSmall, int64(1<<20))
	t.Logf("allocated %d bytes for a %d-byte export, %d bytes for a %d-byte one", small, nSmall, large, nLarge)
	// Both runs include the test server's own allocations in this process
	// (tens of KiB, more under -race). 256 KiB is 0.4% of the 63 MiB
	// between the two sizes: any per-byte or per-chunk growth above that
	// fails.
	assert.Less(t, large, small+(256<<10), "allocation must not grow with the export's size")
}

// sizeKey carries the export size a test wants to the test server.
type sizeKey struct{}

// sizeHeader passes the size in the context on as a request header.
type sizeHeader struct{}

func (sizeHeader) RoundTrip(r *http.Request) (*http.Response, error) {
	if size, ok := r.Context().Value(sizeKey{}).(int64); ok {
		r = r.Clone(r.Context())
		r.Header.Set("X-Test-Size", strconv.FormatInt(size, 10))
	}
	return http.DefaultTransport.RoundTrip(r)
}

// TestExportHasItsOwnSizeCap: ExportCustomerData1 reads into memory up to
// WithMaxExportBytes, not WithMaxResponseBytes, so that a shop can keep
// typed answers small while allowing a large GDPR export, or the reverse.
func TestExportHasItsOwnSizeCap(t *testing.T) {
	doc := `{"pad":"` + strings.Repeat("x", 4<<10) + `"}`
	srv := newRawServer(t, func(w http.ResponseWriter, _ *http.Request, _ int) { jsonReply(w, 200, doc) })
	in := &ExportCustomerData1Input{Customer: ByEmail("alice@example.com")}

	t.Run("over WithMaxExportBytes", func(t *testing.T) {
		before := srv.count()
		c := newTestClient(t, srv, WithMaxExportBytes(2048))
		raw, err := c.ExportCustomerData1(context.Background(), in)
		var decErr *DecodeError
		require.ErrorAs(t, err, &decErr)
		assert.ErrorIs(t, err, ErrResponseTooLarge)
		assert.Equal(t, "ExportCustomerData1", decErr.Endpoint)
		assert.Equal(t, int64(2049), decErr.Size, "stopped reading one byte past the cap")
		assert.Nil(t, raw)
		assert.Equal(t, 1, srv.count()-before, "not retried")
	})
	t.Run("over WithMaxResponseBytes only", func(t *testing.T) {
		c := newTestClient(t, srv, WithMaxResponseBytes(1024))
		raw, err := c.ExportCustomerData1(context.Background(), in)
		require.NoError(t, err)
		assert.Equal(t, doc, string(raw))
	})
}

// TestExportStreamCutBeforeWritingIsRetried: a streamed export whose body
// is cut off before the client has looked at its first exportPeek bytes
// has written nothing to w yet, so it is retried like any read, and w gets
// the whole second answer exactly once.
func TestExportStreamCutBeforeWritingIsRetried(t *testing.T) {
	doc := `{"customer":{"email":"alice@example.com"},"events":[` + strings.Repeat(`{"x":1},`, 500) + `{}]}`
	require.Greater(t, len(doc), exportPeek, "the retried answer must stream past the peek")
	srv := newRawServer(t, func(w http.ResponseWriter, _ *http.Request, n int) {
		if n == 1 {
			cutAfter(w, doc[:exportPeek/2], len(doc))
			return
		}
		jsonReply(w, 200, doc)
	})
	c := newTestClient(t, srv)
	var out bytes.Buffer
	n, err := c.ExportCustomerData1To(context.Background(), &ExportCustomerData1Input{Customer: ByEmail("alice@example.com")}, &out)
	require.NoError(t, err)
	assert.Equal(t, int64(len(doc)), n)
	assert.Equal(t, doc, out.String(), "the cut first answer left nothing in w")
	assert.Equal(t, 2, srv.count())
}

// TestExportCutWithoutFramingIsAnError: a server that ends the body by
// closing the connection (no Content-Length, no chunked encoding) gives
// HTTP nothing to notice a cut by. The export must still not read as
// complete when it stops before its JSON value is closed; a complete one,
// trailing whitespace and all, still succeeds.
func TestExportCutWithoutFramingIsAnError(t *testing.T) {
	const doc = `{"customer":{"email":"alice@example.com"},"events":[{"pts_delta":25},{"pts_delta":-10}]}` + "\n \t"
	for _, tt := range []struct {
		name string
		body string
		ok   bool
	}{
		{"complete", doc, true},
		{"complete array", `[{"a":1},{"b":[2]}]`, true},
		// Longer than the client's read buffer, so the bytes it peeked at
		// are overwritten before the end is checked.
		{"complete, larger than the buffer", `{"pad":"` + strings.Repeat("x", 100<<10) + `"}`, true},
		{"cut mid-string", doc[:len(`{"customer":{"email":"ali`)], false},
		{"cut after a value", doc[:len(`{"customer":{"email":"alice@example.com"},`)], false},
		{"cut after a nested array", doc[:strings.Index(doc, "]")+1], false},
		{"cut before the last brace", strings.TrimRight(doc, "\n \t}"), false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := newRawServer(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
				conn, buf, err := http.NewResponseController(w).Hijack()
				if err != nil {
					t.Error(err)
					return
				}
				defer conn.Close()
				_, _ = buf.WriteString("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n" + tt.body)
				_ = buf.Flush()
			})
			c := newTestClient(t, srv)
			// A bytes.Buffer is an io.ReaderFrom, which bufio copies to
			// differently from a plain writer: check both.
			for i, w := range []interface {
				io.Writer
				String() string
			}{&bytes.Buffer{}, &plainWriter{}} {
				n, err := c.ExportCustomerData1To(context.Background(), &ExportCustomerData1Input{Customer: ByShopID("c-1")}, w)
				assert.Equal(t, int64(len(tt.body)), n, "every byte is written either way")
				assert.Equal(t, tt.body, w.String())
				assert.Equal(t, i+1, srv.count(), "never retried: bytes reached the writer")
				if tt.ok {
					require.NoError(t, err)
					continue
				}
				var expErr *ExportError
				require.ErrorAs(t, err, &expErr)
				assert.Equal(t, n, expErr.Written)
				assert.ErrorIs(t, err, io.ErrUnexpectedEOF)
			}
		})
	}
}

// plainWriter is a writer with no ReadFrom.
type plainWriter struct{ b strings.Builder }

func (p *plainWriter) Write(b []byte) (int, error) { return p.b.Write(b) }
func (p *plainWriter) String() string              { return p.b.String() }
