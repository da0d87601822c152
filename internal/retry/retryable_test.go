package retry

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
)

// RetryableError sees errors as net/http returns them: inside a
// *url.Error, which is itself a net.Error and so must not make every
// failure look like a network one.
func TestRetryableErrorThroughURLError(t *testing.T) {
	wrap := func(err error) error { return &url.Error{Op: "Post", URL: "https://h/x", Err: err} }
	cases := []struct {
		name string
		err  error
		want bool
	}{
		{"unknown authority", wrap(&tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}}), false},
		{"unknown authority, bare", wrap(x509.UnknownAuthorityError{}), false},
		{"wrong host name", wrap(&tls.CertificateVerificationError{Err: x509.HostnameError{Host: "h"}}), false},
		{"expired", wrap(x509.CertificateInvalidError{Reason: x509.Expired}), false},
		{"no such host", wrap(&net.OpError{Op: "dial", Err: &net.DNSError{Err: "no such host", IsNotFound: true}}), false},
		{"connection refused", wrap(&net.OpError{Op: "dial", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}), true},
		{"connection reset", wrap(&net.OpError{Op: "read", Err: os.NewSyscallError("read", syscall.ECONNRESET)}), true},
		{"EOF", wrap(io.EOF), true},
		{"body cut", BodyCut(io.ErrUnexpectedEOF), true},
		{"permanent", wrap(Permanent(errors.New("limiter"))), false},
		{"attempt timeout", AttemptTimeout(fmt.Errorf("x: %w", errDeadline{})), true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, RetryableError(tc.err), "%v", tc.err)
		})
	}
}

// errDeadline matches context.DeadlineExceeded, as net/http's Client.Timeout
// error does.
type errDeadline struct{}

func (errDeadline) Error() string        { return "Client.Timeout exceeded" }
func (errDeadline) Timeout() bool        { return true }
func (errDeadline) Temporary() bool      { return true }
func (errDeadline) Is(target error) bool { return target == context.DeadlineExceeded }
