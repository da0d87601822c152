package bubblehouse

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/bubblehouse-go/bubblehouse/internal/retry"
)

// ExportCustomerData1Input is the input of ExportCustomerData1.
type ExportCustomerData1Input struct {
	// Customer names the customer; required with a shop token.
	Customer *CustomerIdentity1 `json:"customer,omitempty"`
}

func (in *ExportCustomerData1Input) identity() *CustomerIdentity1 {
	if in == nil {
		return nil
	}
	return in.Customer
}

// Export retries at most once, since Bubblehouse calls the export expensive
// and may limit clients that misuse it heavily.
var endpointExportCustomerData1 = &endpoint{name: "ExportCustomerData1", class: ClassExport, maxRetries: 1}

// ExportCustomerData1 returns everything Bubblehouse holds on one customer,
// for a GDPR data-export request
// (https://app.bubblehouse.com/apidocs/apis/loyalty-admin/ExportCustomerData1).
// It needs a shop token or an admin-level customer token.
//
// Bubblehouse documents no schema and says the structure may change, so
// the answer is returned as the exact JSON it sent, to be saved or handed
// to the customer, not parsed. It is read into memory up to
// WithMaxExportBytes (by default DefaultMaxExportBytes, 64 MiB); a larger
// answer fails, without a retry, with a *DecodeError wrapping
// ErrResponseTooLarge. Use ExportCustomerData1To to stream a large export
// to a file instead.
func (c *Client) ExportCustomerData1(ctx context.Context, in *ExportCustomerData1Input) (json.RawMessage, error) {
	sk := &bufferSink{limit: c.core.maxExport, name: endpointExportCustomerData1.name, validate: true}
	if err := c.call(ctx, endpointExportCustomerData1, in, sk); err != nil {
		return nil, err
	}
	return sk.body, nil
}

// ExportCustomerData1To streams the export to w and returns the number of
// bytes written
// (https://app.bubblehouse.com/apidocs/apis/loyalty-admin/ExportCustomerData1).
// Memory use does not grow with the export's size, and the bytes are
// written exactly as Bubblehouse sent them. It is not capped.
//
// The client looks at the first 512 bytes before writing anything, so a
// failure before then (a body cut off, say) may be retried, like any call.
// Once writing has begun a failure is not retried, since a retry would write
// the start again: the call returns an *ExportError holding how many bytes
// w accepted, and w should be discarded.
//
// A body cut off is an error even where HTTP cannot tell (a server that
// ends the body by closing the connection, with no Content-Length and no
// chunked framing): an export that does not end with the bracket closing
// its opening one fails with an *ExportError wrapping io.ErrUnexpectedEOF.
// That check costs nothing per byte, so it misses a cut that falls just
// after a nested object or array closes; a caller that must be sure can
// decode the saved file once, as cmd/bubblehouse does before it keeps one.
func (c *Client) ExportCustomerData1To(ctx context.Context, in *ExportCustomerData1Input, w io.Writer) (int64, error) {
	if w == nil {
		return 0, errors.New("bubblehouse: ExportCustomerData1To: nil writer")
	}
	sk := &streamSink{w: w, name: endpointExportCustomerData1.name}
	err := c.call(ctx, endpointExportCustomerData1, in, sk)
	return sk.n, err
}

// ExportError is a streamed export that failed once the client had begun
// writing it to the caller's writer: reading the rest of the body failed,
// or the writer did. The output is incomplete, and may be empty when the
// writer failed its first Write.
type ExportError struct {
	// Written is how many bytes the writer accepted before the failure; 0
	// when its first Write failed.
	Written int64
	// Err is the read or write failure.
	Err error
}

// Error says how many bytes were written before the failure.
func (e *ExportError) Error() string {
	return fmt.Sprintf("bubblehouse: ExportCustomerData1: failed after %d bytes were written, the output is incomplete: %v", e.Written, e.Err)
}

// Unwrap returns the cause.
func (e *ExportError) Unwrap() error { return e.Err }

// streamSink copies a successful export body to the caller's writer.
type streamSink struct {
	w    io.Writer
	name string
	n    int64
}

// exportPeek is how much of the body is looked at before anything is
// written, to refuse an HTML page or other non-JSON answer early.
const exportPeek = 512

func (s *streamSink) consume(resp *http.Response) error {
	tail := &lastByteReader{r: resp.Body}
	br := bufio.NewReaderSize(tail, 32<<10)
	head, err := br.Peek(exportPeek)
	if err != nil && !errors.Is(err, io.EOF) {
		// Nothing has been written yet, so a retry cannot duplicate output.
		return retry.BodyCut(err)
	}
	if !looksLikeJSON(head) {
		return retry.Permanent(&DecodeError{Endpoint: s.name, StatusCode: resp.StatusCode, ContentType: resp.Header.Get("Content-Type"), Size: int64(len(head)), Err: errNotJSON})
	}
	closer := closerOf(head) // before WriteTo, which reuses head's bytes
	n, err := br.WriteTo(s.w)
	s.n = n
	if err == nil && tail.last != closer {
		err = errExportUnterminated
	}
	if err != nil {
		return retry.Permanent(&ExportError{Written: n, Err: err})
	}
	return nil
}

// errExportUnterminated is an export body whose last byte other than
// whitespace does not close the JSON value it opened: it was cut short (or
// something follows the value).
var errExportUnterminated = fmt.Errorf("the body does not end with the bracket that closes its JSON value, so it was cut short: %w", io.ErrUnexpectedEOF)

// lastByteReader remembers the last byte other than JSON whitespace that
// passed through it: a look at the end of each read, not at every byte.
type lastByteReader struct {
	r    io.Reader
	last byte
}

func (l *lastByteReader) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	for i := n - 1; i >= 0; i-- {
		if b := p[i]; !isJSONSpace(b) {
			l.last = b
			break
		}
	}
	return n, err
}

// closerOf returns the bracket that closes the JSON value head opens (head
// has passed looksLikeJSON).
func closerOf(head []byte) byte {
	for _, b := range head {
		switch b {
		case '{':
			return '}'
		case '[':
			return ']'
		}
	}
	return 0
}

func isJSONSpace(b byte) bool { return b == ' ' || b == '\t' || b == '\r' || b == '\n' }

// looksLikeJSON reports whether the start of a body opens a JSON value.
func looksLikeJSON(head []byte) bool {
	for _, b := range head {
		switch {
		case isJSONSpace(b):
			continue
		case b == '{', b == '[':
			return true
		default:
			return false
		}
	}
	return false
}
