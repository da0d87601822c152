package redislimit

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"golang.org/x/time/rate"

	"github.com/bubblehouse-go/bubblehouse"
)

// Defaults of a Limiter, each changed by the option named.
const (
	// DefaultPrefix starts every Redis key the Limiter writes (WithPrefix).
	DefaultPrefix = "bubblehouse:"
	// DefaultOpTimeout bounds each Redis command (WithOpTimeout).
	DefaultOpTimeout = 100 * time.Millisecond
	// DefaultProbeInterval is how often a Limiter that has fallen back
	// tries Redis again (WithProbeInterval).
	DefaultProbeInterval = time.Second
)

// Fallback says what a Limiter does while Redis is slow or down.
type Fallback int

const (
	// FallbackLocal paces calls with in-process limits of the same rates
	// (the default): calls go on, but each replica then allows the whole
	// rate by itself.
	FallbackLocal Fallback = iota
	// FailClosed refuses calls at once with an error matching
	// ErrUnavailable, so the fleet never exceeds its limits.
	FailClosed
)

// String names the mode, as it appears in the log.
func (f Fallback) String() string {
	switch f {
	case FallbackLocal:
		return "fallback_local"
	case FailClosed:
		return "fail_closed"
	}
	return fmt.Sprintf("Fallback(%d)", int(f))
}

// Option configures a Limiter. An option given a bad value makes New fail
// with an error naming the option.
type Option func(*settings) error

type settings struct {
	prefix        string
	global        bubblehouse.RateLimit
	customer      bubblehouse.RateLimit
	export        bubblehouse.RateLimit
	fallback      Fallback
	opTimeout     time.Duration
	probeInterval time.Duration
	logger        *slog.Logger
	keySecret     []byte
}

func defaultSettings() settings {
	return settings{
		prefix:        DefaultPrefix,
		global:        bubblehouse.RateLimit{Rate: rate.Inf},
		customer:      bubblehouse.RateLimit{Rate: bubblehouse.DefaultCustomerRate, Burst: bubblehouse.DefaultCustomerBurst},
		export:        bubblehouse.RateLimit{Rate: bubblehouse.DefaultExportRate, Burst: bubblehouse.DefaultExportBurst},
		fallback:      FallbackLocal,
		opTimeout:     DefaultOpTimeout,
		probeInterval: DefaultProbeInterval,
	}
}

// WithPrefix sets the start of every key the Limiter writes (default
// DefaultPrefix). Replicas share limits when they use the same Redis and
// the same prefix; since Bubblehouse limits each shop, give each shop its
// own prefix, such as "bubblehouse:my-shop:".
func WithPrefix(p string) Option {
	return func(s *settings) error {
		if p == "" || strings.ContainsAny(p, " \r\n\t") {
			return errors.New("WithPrefix: the prefix must be non-empty, without spaces")
		}
		s.prefix = p
		return nil
	}
}

// WithRateLimit limits the calls of every client sharing the Limiter, all
// replicas together, to r per second with bursts of burst. The default is
// no such limit, as for bubblehouse.WithRateLimit; rate.Inf turns it off.
func WithRateLimit(r rate.Limit, burst int) Option {
	return limitOption("WithRateLimit", r, burst, func(s *settings, l bubblehouse.RateLimit) { s.global = l })
}

// WithCustomerRateLimit limits the calls for each customer, all replicas
// together (default bubblehouse.DefaultCustomerRate and
// bubblehouse.DefaultCustomerBurst). rate.Inf turns it off.
func WithCustomerRateLimit(r rate.Limit, burst int) Option {
	return limitOption("WithCustomerRateLimit", r, burst, func(s *settings, l bubblehouse.RateLimit) { s.customer = l })
}

// WithExportRateLimit limits ExportCustomerData1 calls, all replicas
// together (default bubblehouse.DefaultExportRate and
// bubblehouse.DefaultExportBurst). rate.Inf turns it off.
func WithExportRateLimit(r rate.Limit, burst int) Option {
	return limitOption("WithExportRateLimit", r, burst, func(s *settings, l bubblehouse.RateLimit) { s.export = l })
}

// limitOption checks a limit as the client's own options do, so that both
// accept the same settings.
func limitOption(name string, r rate.Limit, burst int, set func(*settings, bubblehouse.RateLimit)) Option {
	return func(s *settings) error {
		l := bubblehouse.RateLimit{Rate: r, Burst: burst}
		if err := l.Validate(); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		set(s, l)
		return nil
	}
}

// WithFallback chooses what happens while Redis is slow or down (default
// FallbackLocal).
func WithFallback(f Fallback) Option {
	return func(s *settings) error {
		if f != FallbackLocal && f != FailClosed {
			return fmt.Errorf("WithFallback: unknown mode %d", int(f))
		}
		s.fallback = f
		return nil
	}
}

// WithOpTimeout bounds each Redis command (default DefaultOpTimeout). A
// command that takes longer counts as Redis being down. The call's context
// bounds it too.
func WithOpTimeout(d time.Duration) Option {
	return func(s *settings) error {
		if d <= 0 {
			return fmt.Errorf("WithOpTimeout: %v is not positive", d)
		}
		s.opTimeout = d
		return nil
	}
}

// WithProbeInterval sets how often, while Redis is down, one call tries it
// again (default DefaultProbeInterval); the other calls go straight to the
// fallback, so an outage does not cost every call a timeout.
func WithProbeInterval(d time.Duration) Option {
	return func(s *settings) error {
		if d <= 0 {
			return fmt.Errorf("WithProbeInterval: %v is not positive", d)
		}
		s.probeInterval = d
		return nil
	}
}

// WithLogger logs the switches to and from the fallback, once each, with
// the keys mode and error. Customer keys are never logged. The Limiter is
// silent without it.
func WithLogger(l *slog.Logger) Option {
	return func(s *settings) error {
		s.logger = l
		return nil
	}
}

// WithKeySecret makes customer keys HMAC-SHA-256 digests under secret
// instead of plain SHA-256 digests, so that someone who can read Redis
// cannot test guessed email addresses against them. Every replica sharing
// the limits must use the same secret.
func WithKeySecret(secret []byte) Option {
	return func(s *settings) error {
		if len(secret) < 16 {
			return errors.New("WithKeySecret: use at least 16 bytes")
		}
		s.keySecret = append([]byte(nil), secret...)
		return nil
	}
}
