package bubblehouse

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"runtime/metrics"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/go-retryablehttp"
	"golang.org/x/time/rate"
)

// The benchmarks of this file measure the SDK against a hand-written
// net/http + encoding/json baseline doing the same work: the same POST with
// the same JSON body and headers, a bearer token, the body read whole and
// decoded into the same CustomerBalanceResult3, over one shared transport
// to one loopback server in this process. Each SDK benchmark runs the
// baseline too, alternating in chunks, and reports its own figures as a
// ratio ("x-baseline"), since absolute numbers on a shared machine mean
// little. BENCHMARKS.md has the figures and the command.
//
// Under -benchtime=1x or -short (as .ci/run runs them), the benchmarks that
// need wall time (the export, the limiter accuracy, the 429 storm) shrink.

// quickBench reports whether the benchmarks run once to check that they
// still work, not to measure.
func quickBench() bool {
	if testing.Short() {
		return true
	}
	f := flag.Lookup("test.benchtime")
	return f != nil && f.Value.String() == "1x"
}

// benchBalanceBody is testdata/balance_full.json as a server sends it:
// compact (3.2 KB).
func benchBalanceBody(tb testing.TB) ([]byte, int64) {
	tb.Helper()
	raw, err := os.ReadFile("testdata/balance_full.json")
	if err != nil {
		tb.Fatal(err)
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		tb.Fatal(err)
	}
	var want CustomerBalanceResult3
	if err := json.Unmarshal(buf.Bytes(), &want); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes(), want.PtsAvailable
}

// benchEnv is one loopback server, one transport shared by the SDK and the
// baseline, an SDK client and what the baseline needs to make the same
// request.
type benchEnv struct {
	srv     *httptest.Server
	tr      *http.Transport
	hc      *http.Client
	client  *Client
	baseURL string // the full URL of CustomerBalance3
	token   string // a pre-minted shop token for the baseline
	in      *CustomerBalance3Input
	body    []byte
	wantPts int64
}

// newBenchEnv starts a server answering every CustomerBalance3 with the
// balance body, or with handle when it is not nil.
func newBenchEnv(b *testing.B, handle http.HandlerFunc, opts ...Option) *benchEnv {
	b.Helper()
	e := &benchEnv{in: &CustomerBalance3Input{Customer: ByShopID("cust-42"), IncludeFullProgram: true}}
	e.body, e.wantPts = benchBalanceBody(b)
	path := testPrefix + "/api/" + DefaultAPIVersion + "/" + testShop + "/CustomerBalance3"
	contentLength := strconv.Itoa(len(e.body))
	if handle == nil {
		handle = func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
			if r.URL.Path != path || len(r.Header.Get("Authorization")) < len("Bearer x") {
				http.Error(w, `{"id":"invalid_token"}`, http.StatusUnauthorized)
				return
			}
			h := w.Header()
			h["Content-Type"] = []string{"application/json"}
			h["Content-Length"] = []string{contentLength}
			_, _ = w.Write(e.body)
		}
	}
	e.srv = httptest.NewServer(handle)
	// One pool for both, with room for every concurrent caller, so that
	// connection reuse is the same for both.
	e.tr = http.DefaultTransport.(*http.Transport).Clone()
	e.tr.MaxIdleConns = 256
	e.tr.MaxIdleConnsPerHost = 256
	e.hc = &http.Client{Transport: e.tr}
	b.Cleanup(func() {
		e.tr.CloseIdleConnections()
		e.srv.Close()
	})
	e.baseURL = e.srv.URL + path

	all := append([]Option{
		WithSigningKey(testKeyID, testSecret()),
		WithBaseURL(e.srv.URL + testPrefix),
		WithHTTPClient(e.hc),
		WithRateLimit(rate.Inf, 0),
		WithCustomerRateLimit(rate.Inf, 0),
	}, opts...)
	c, err := NewClient(testShop, all...)
	if err != nil {
		b.Fatal(err)
	}
	e.client = c
	e.token, err = c.Signer().ShopToken(time.Hour)
	if err != nil {
		b.Fatal(err)
	}
	return e
}

// baseline is the hand-written call: what any Go program does to call
// CustomerBalance3 with net/http and encoding/json, and no more.
func (e *benchEnv) baseline(ctx context.Context) (*CustomerBalanceResult3, error) {
	body, err := json.Marshal(e.in)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.baseURL, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "bubblehouse-go/"+Version)
	req.Header.Set("Authorization", "Bearer "+e.token)
	resp, err := e.hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("status %d", resp.StatusCode)
	}
	out := new(CustomerBalanceResult3)
	if err := json.Unmarshal(raw, out); err != nil {
		return nil, err
	}
	return out, nil
}

func (e *benchEnv) sdk(ctx context.Context) (*CustomerBalanceResult3, error) {
	return e.client.CustomerBalance3(ctx, e.in)
}

// checked turns a call into a func() error that also checks the answer.
func (e *benchEnv) checked(call func(context.Context) (*CustomerBalanceResult3, error)) func() error {
	ctx := context.Background()
	return func() error {
		return e.checkAnswer(call(ctx))
	}
}

// checkAnswer returns err, or an error if res is not the server's answer.
func (e *benchEnv) checkAnswer(res *CustomerBalanceResult3, err error) error {
	if err != nil {
		return err
	}
	if res.PtsAvailable != e.wantPts || len(res.Raw()) != len(e.body) {
		return fmt.Errorf("wrong answer: pts_available %d, raw %d bytes", res.PtsAvailable, len(res.Raw()))
	}
	return nil
}

// callTally counts what the calls of a timed benchmark returned. Those
// benchmarks count requests at the server, and a client that fails its
// calls scores as well there as one that paces them: a call refused
// locally sends nothing, and an answer of 401 is a request all the same.
type callTally struct {
	ok atomic.Int64

	mu     sync.Mutex
	failed int
	first  error
}

// add records one call's result: nil is a success; context.Canceled is
// expected once the benchmark has stopped its callers (stopping), and
// anything else is a failure.
func (t *callTally) add(err error, stopping bool) {
	switch {
	case err == nil:
		t.ok.Add(1)
	case stopping && errors.Is(err, context.Canceled):
	default:
		t.mu.Lock()
		if t.failed == 0 {
			t.first = err
		}
		t.failed++
		t.mu.Unlock()
	}
}

// check fails the benchmark if any call failed.
func (t *callTally) check(b *testing.B) {
	b.Helper()
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.failed > 0 {
		b.Fatalf("%d calls failed (%d succeeded); the first: %v", t.failed, t.ok.Load(), t.first)
	}
}

// runN runs f n times on workers goroutines, returning the first error.
func runN(workers, n int, f func() error) error {
	if workers <= 1 {
		for range n {
			if err := f(); err != nil {
				return err
			}
		}
		return nil
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for range workers {
		wg.Go(func() {
			for next.Add(1) <= int64(n) {
				if err := f(); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	return <-errs
}

// pairResult is the time and allocations of the SDK and of the baseline
// over the same number of calls, and the ratio of their times in each
// chunk.
type pairResult struct {
	sdkTime, baseTime     time.Duration
	sdkAllocs, baseAllocs uint64
	ratios                []float64 // sdk time / baseline time, per chunk
}

// ratio is the median of the per-chunk ratios: a burst of load from
// another process skews one chunk, not the figure.
func (r pairResult) ratio() float64 {
	if len(r.ratios) == 0 {
		return float64(r.sdkTime) / float64(r.baseTime)
	}
	s := slices.Clone(r.ratios)
	slices.Sort(s)
	if n := len(s); n%2 == 0 {
		return (s[n/2-1] + s[n/2]) / 2
	}
	return s[len(s)/2]
}

// runPair runs sdk b.N times with b's timer on and base b.N times with it
// off, alternating in chunks (and which goes first) so that both see the
// same load on a shared machine.
func runPair(b *testing.B, workers, chunk int, base, sdk func() error) pairResult {
	b.Helper()
	var r pairResult
	var ms runtime.MemStats
	measure := func(n int, f func() error) (time.Duration, uint64) {
		runtime.ReadMemStats(&ms)
		a0 := ms.Mallocs
		t0 := time.Now()
		if err := runN(workers, n, f); err != nil {
			b.Fatal(err)
		}
		d := time.Since(t0)
		runtime.ReadMemStats(&ms)
		return d, ms.Mallocs - a0
	}
	runBase := func(n int) time.Duration {
		b.StopTimer()
		d, a := measure(n, base)
		r.baseTime += d
		r.baseAllocs += a
		b.StartTimer()
		return d
	}
	b.ResetTimer()
	for i, done := 0, 0; done < b.N; i++ {
		n := min(chunk, b.N-done)
		var bd time.Duration
		if i%2 == 0 {
			bd = runBase(n)
		}
		d, a := measure(n, sdk)
		r.sdkTime += d
		r.sdkAllocs += a
		if i%2 == 1 {
			bd = runBase(n)
		}
		r.ratios = append(r.ratios, float64(d)/float64(bd))
		done += n
	}
	b.StopTimer()
	return r
}

func (r pairResult) allocsOver(n int) float64 {
	return (float64(r.sdkAllocs) - float64(r.baseAllocs)) / float64(n)
}

// BenchmarkCustomerBalance3 is one call at a time. allocs/op include the
// in-process server's, which are the same for both; allocs-over-baseline
// is the SDK's own extra.
func BenchmarkCustomerBalance3(b *testing.B) {
	b.Run("baseline", func(b *testing.B) {
		e := newBenchEnv(b, nil)
		f := e.checked(e.baseline)
		b.ReportAllocs()
		b.ResetTimer()
		if err := runN(1, b.N, f); err != nil {
			b.Fatal(err)
		}
	})
	b.Run("sdk", func(b *testing.B) {
		e := newBenchEnv(b, nil)
		b.ReportAllocs()
		r := runPair(b, 1, 20, e.checked(e.baseline), e.checked(e.sdk))
		b.ReportMetric(r.ratio(), "x-baseline")
		b.ReportMetric(float64(r.baseTime.Nanoseconds())/float64(b.N), "baseline-ns/op")
		b.ReportMetric(r.allocsOver(b.N), "allocs-over-baseline")
	})
}

// concurrency is the number of goroutines of the throughput benchmarks.
const concurrency = 64

// BenchmarkCustomerBalance3Concurrent is 64 goroutines calling at once,
// with every rate limit off. ns/op is the wall time per call of the
// whole, so the inverse of throughput.
func BenchmarkCustomerBalance3Concurrent(b *testing.B) {
	b.Run("baseline", func(b *testing.B) {
		e := newBenchEnv(b, nil)
		f := e.checked(e.baseline)
		b.ReportAllocs()
		b.ResetTimer()
		if err := runN(concurrency, b.N, f); err != nil {
			b.Fatal(err)
		}
	})
	b.Run("sdk", func(b *testing.B) {
		e := newBenchEnv(b, nil)
		b.ReportAllocs()
		r := runPair(b, concurrency, 4*concurrency, e.checked(e.baseline), e.checked(e.sdk))
		b.ReportMetric(1/r.ratio(), "x-baseline-throughput")
		b.ReportMetric(float64(r.baseTime.Nanoseconds())/float64(b.N), "baseline-ns/op")
		b.ReportMetric(r.allocsOver(b.N), "allocs-over-baseline")
	})
}

// exportSize is the size of the export benchmark's body.
func exportSize() int64 {
	if quickBench() {
		return 8 << 20
	}
	return 256 << 20
}

// countingWriter counts what it is given, like a file would take it: it
// has no ReadFrom, so both sides copy through their own buffers.
type countingWriter struct{ n int64 }

func (w *countingWriter) Write(p []byte) (int, error) {
	w.n += int64(len(p))
	return len(p), nil
}

// heapPeak samples the heap's object bytes until stop is called, which
// returns the peak's growth over the level at the start.
func heapPeak() (stop func() int64) {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	read := func() int64 {
		metrics.Read(sample)
		return int64(sample[0].Value.Uint64())
	}
	start := read()
	peak := start
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(200 * time.Microsecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				if v := read(); v > peak {
					peak = v
				}
			}
		}
	})
	return func() int64 {
		close(done)
		wg.Wait()
		if v := read(); v > peak {
			peak = v
		}
		return peak - start
	}
}

// BenchmarkExportCustomerData1To streams a large export, against an
// io.Copy of the same answer by hand. MB/s is the throughput; the peak heap
// growth during a call is reported for both.
func BenchmarkExportCustomerData1To(b *testing.B) {
	size := exportSize()
	chunk := bytes.Repeat([]byte("0123456789abcdef"), 4096) // 64 KiB
	head, tail := []byte(`{"blob":"`), []byte(`"}`)
	handle := func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", strconv.FormatInt(size, 10))
		_, _ = w.Write(head)
		left := size - int64(len(head)+len(tail))
		for left > 0 {
			n := min(left, int64(len(chunk)))
			if _, err := w.Write(chunk[:n]); err != nil {
				return
			}
			left -= n
		}
		_, _ = w.Write(tail)
	}
	env := func(b *testing.B) *benchEnv {
		return newBenchEnv(b, handle, WithExportRateLimit(rate.Inf, 0))
	}
	in := &ExportCustomerData1Input{Customer: ByShopID("cust-42")}
	ctx := context.Background()
	ioCopy := func(e *benchEnv) (int64, error) {
		body, err := json.Marshal(in)
		if err != nil {
			return 0, err
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.srv.URL+testPrefix+"/api/"+DefaultAPIVersion+"/"+testShop+"/ExportCustomerData1", bytes.NewReader(body))
		if err != nil {
			return 0, err
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+e.token)
		resp, err := e.hc.Do(req)
		if err != nil {
			return 0, err
		}
		defer resp.Body.Close()
		return io.Copy(&countingWriter{}, resp.Body)
	}
	sdk := func(e *benchEnv) (int64, error) {
		return e.client.ExportCustomerData1To(ctx, in, &countingWriter{})
	}
	// one measures a call: its time and peak heap growth.
	one := func(b *testing.B, e *benchEnv, f func(*benchEnv) (int64, error)) (time.Duration, int64) {
		runtime.GC()
		stop := heapPeak()
		t0 := time.Now()
		n, err := f(e)
		d := time.Since(t0)
		peak := stop()
		if err != nil || n != size {
			b.Fatalf("export: %d bytes of %d, %v", n, size, err)
		}
		return d, peak
	}
	b.Run("io.Copy", func(b *testing.B) {
		e := env(b)
		b.SetBytes(size)
		var peak int64
		b.ResetTimer()
		for range b.N {
			_, p := one(b, e, ioCopy)
			peak = max(peak, p)
		}
		b.ReportMetric(float64(peak), "peak-heap-growth-B")
	})
	b.Run("sdk", func(b *testing.B) {
		e := env(b)
		b.SetBytes(size)
		var sdkTime, baseTime time.Duration
		var peak int64
		b.ResetTimer()
		for i := range b.N {
			if i%2 == 0 {
				b.StopTimer()
				d, _ := one(b, e, ioCopy)
				baseTime += d
				b.StartTimer()
			}
			d, p := one(b, e, sdk)
			sdkTime += d
			peak = max(peak, p)
			if i%2 == 1 {
				b.StopTimer()
				d, _ := one(b, e, ioCopy)
				baseTime += d
				b.StartTimer()
			}
		}
		b.ReportMetric(float64(baseTime)/float64(sdkTime), "x-io-copy")
		b.ReportMetric(float64(peak), "peak-heap-growth-B")
	})
}

// BenchmarkTokenMint is the cost of a token: minted (what a client without
// a cache would pay per call), and taken from the cache of WithSigningKey
// (what a call pays).
func BenchmarkTokenMint(b *testing.B) {
	signer, err := NewSigner(testShop, testKeyID, testSecret())
	if err != nil {
		b.Fatal(err)
	}
	b.Run("sign-shop", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			if _, err := signer.ShopToken(DefaultTokenTTL); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("sign-customer", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			if _, err := signer.CustomerToken("cust-42", DefaultTokenTTL); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("cached", func(b *testing.B) {
		// sign truncates to the second and HS256 is deterministic, so a
		// token re-minted within the second is the cached one byte for
		// byte: comparing tokens cannot see a re-mint on a real clock.
		// This signer's clock moves a second further at every reading, so
		// every mint signs a new iat, and a TTL of a century keeps the
		// first token fresh for any b.N. It still reads the real clock, as
		// a call does.
		cached, err := NewSigner(testShop, testKeyID, testSecret())
		if err != nil {
			b.Fatal(err)
		}
		var ticks atomic.Int64
		cached.now = func() time.Time { return time.Now().Add(time.Duration(ticks.Add(1)) * time.Second) }
		src := &signerSource{signer: cached, ttl: 100 * 365 * 24 * time.Hour}
		ctx := context.Background()
		first, err := src.Token(ctx)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			tok, err := src.Token(ctx)
			if err != nil {
				b.Fatal(err)
			}
			if tok != first {
				b.Fatal("the cached token was re-minted")
			}
		}
	})
}

// BenchmarkDecode is decoding alone, per endpoint, from the spec fixtures.
// Each checks one field of its output once, before timing, so that a
// decoder that stopped filling the output in fails instead of getting
// faster.
func BenchmarkDecode(b *testing.B) {
	b.Run("CustomerBalance3", benchDecode("balance_full.json",
		func(r *CustomerBalanceResult3) any { return r.PtsAvailable }, int64(1850)))
	b.Run("CustomerDetails1", benchDecode("customer_details_alice.json",
		func(c *Customer2) any { return c.TotalSpent.Micros() }, int64(1250_000000)))
	b.Run("CustomerHistory2", benchDecode("history.json",
		func(h *CustomerHistory2Output) any {
			if len(h.Changes) == 0 {
				return nil
			}
			return h.Changes[0].PtsDelta
		}, int64(125)))
	b.Run("CustomerReferrals2", benchDecode("referrals_new.json",
		func(r *CustomerReferrals2Output) any {
			if len(r.Referrals) == 0 {
				return nil
			}
			return r.Referrals[0].ReferralBHID
		}, BHID("20b31881b3050004")))
	b.Run("Status2", func(b *testing.B) {
		benchDecodeBytes(b, []byte(statusOK), func(s *StatusResult1) any { return s.ShopSlug }, "test-shop")
	})
}

func benchDecode[T any](file string, field func(*T) any, want any) func(*testing.B) {
	return func(b *testing.B) {
		raw, err := os.ReadFile("testdata/" + file)
		if err != nil {
			b.Fatal(err)
		}
		var buf bytes.Buffer
		if err := json.Compact(&buf, raw); err != nil {
			b.Fatal(err)
		}
		benchDecodeBytes(b, buf.Bytes(), field, want)
	}
}

// benchDecodeBytes times json.Unmarshal of raw into a new T, once
// checking that field of the output is want.
func benchDecodeBytes[T any](b *testing.B, raw []byte, field func(*T) any, want any) {
	out := new(T)
	if err := json.Unmarshal(raw, out); err != nil {
		b.Fatal(err)
	}
	if got := field(out); got != want {
		b.Fatalf("decoded %T: got %v (%T), want %v (%T)", out, got, got, want, want)
	}
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if err := json.Unmarshal(raw, new(T)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRateLimitAccuracy runs 8 goroutines flat out through a client
// limited to 50 calls/s (burst 1) for 4 s (0.4 s when quick) and counts the
// calls the server receives in that time: 200 (20) is exact.
func BenchmarkRateLimitAccuracy(b *testing.B) {
	const perSecond = 50
	dur := 4 * time.Second
	if quickBench() {
		dur = 400 * time.Millisecond
	}
	want := perSecond * dur.Seconds()
	var mu sync.Mutex
	var arrivals []time.Time
	e := newBenchEnv(b, nil)
	inner := e.srv.Config.Handler
	e.srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		arrivals = append(arrivals, time.Now())
		mu.Unlock()
		inner.ServeHTTP(w, r)
	})
	c, err := NewClient(testShop, WithSigningKey(testKeyID, testSecret()), WithBaseURL(e.srv.URL+testPrefix),
		WithHTTPClient(e.hc), WithRateLimit(perSecond, 1), WithCustomerRateLimit(rate.Inf, 0))
	if err != nil {
		b.Fatal(err)
	}
	var got float64
	b.ResetTimer()
	for range b.N {
		mu.Lock()
		arrivals = arrivals[:0]
		mu.Unlock()
		start := time.Now()
		// The deadline leaves room for the last waits to end; calls stop
		// being started at dur, so none fails fast and spins. No wait can
		// come near it (8 callers at 50/s wait 160 ms at most), so every
		// call must succeed: a refusal or an error answer is a failure,
		// not a call the limiter held back.
		ctx, cancel := context.WithDeadline(context.Background(), start.Add(dur+time.Second))
		var tally callTally
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				for time.Since(start) < dur && ctx.Err() == nil {
					res, err := c.CustomerBalance3(ctx, e.in)
					tally.add(e.checkAnswer(res, err), false)
				}
			})
		}
		wg.Wait()
		cancel()
		tally.check(b)
		mu.Lock()
		n := 0
		for _, t := range arrivals {
			if t.Sub(start) < dur {
				n++
			}
		}
		mu.Unlock()
		got += float64(n)
		// The next round must start with a full bucket, as this one did.
		time.Sleep(time.Second / perSecond)
	}
	b.StopTimer()
	b.ReportMetric(got/float64(b.N), "calls")
	b.ReportMetric(got/float64(b.N)/want, "x-configured")
}

// BenchmarkRateLimit429Storm has 32 goroutines call for one customer
// while the server answers the first request with 429 and Retry-After: 1,
// and everything else with 200. It counts the requests the server sees
// during that second that were sent after the 429 reached the client
// (server-req-during-cooldown, target 0), and all requests the server
// sees in the second after it sent the 429, in-flight ones included
// (server-req-in-window). The SDK is compared with go-retryablehttp alone,
// with its default policy.
//
// Every call must succeed, or end with context.Canceled when the storm is
// stopped: a client that refused every call locally would otherwise score
// a perfect 0. In full mode the storm runs on past the cooldown, and the
// server must see requests again after it and some calls must succeed.
func BenchmarkRateLimit429Storm(b *testing.B) {
	const goroutines = 32
	window := time.Second
	if quickBench() {
		window = 200 * time.Millisecond // Retry-After stays 1 s; only the count is shorter
	}
	b.Run("sdk", func(b *testing.B) {
		benchStorm(b, goroutines, window, func(e *benchEnv, hc *http.Client) func(context.Context) error {
			c, err := NewClient(testShop, WithSigningKey(testKeyID, testSecret()), WithBaseURL(e.srv.URL+testPrefix),
				WithHTTPClient(hc), WithRateLimit(rate.Inf, 0), WithCustomerRateLimit(rate.Inf, 0))
			if err != nil {
				b.Fatal(err)
			}
			return func(ctx context.Context) error {
				return e.checkAnswer(c.CustomerBalance3(ctx, e.in))
			}
		})
	})
	b.Run("retryablehttp", func(b *testing.B) {
		benchStorm(b, goroutines, window, func(e *benchEnv, hc *http.Client) func(context.Context) error {
			rc := retryablehttp.NewClient() // its default policy and backoff
			rc.Logger = nil
			rc.HTTPClient = hc
			body, err := json.Marshal(e.in)
			if err != nil {
				b.Fatal(err)
			}
			return func(ctx context.Context) error {
				req, err := retryablehttp.NewRequestWithContext(ctx, http.MethodPost, e.baseURL, body)
				if err != nil {
					return err
				}
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer "+e.token)
				resp, err := rc.Do(req)
				if err != nil {
					return err
				}
				defer resp.Body.Close()
				// Its default policy hands back a status it does not
				// retry, such as 401, as an answer with no error.
				if resp.StatusCode != http.StatusOK {
					return fmt.Errorf("status %d", resp.StatusCode)
				}
				var out CustomerBalanceResult3
				if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
					return err
				}
				if out.PtsAvailable != e.wantPts {
					return fmt.Errorf("wrong answer: pts_available %d", out.PtsAvailable)
				}
				return nil
			}
		})
	})
}

// stormSentHeader carries, from the client's transport to the server, when
// a request was sent.
const stormSentHeader = "X-Bench-Sent"

// stampTransport stamps each request with the time it is sent and notes
// when the first 429 reaches the client.
type stampTransport struct {
	next   http.RoundTripper
	epoch  time.Time
	got429 atomic.Int64 // ns since epoch; 0 until then
}

func (t *stampTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	out := *req
	out.Header = req.Header.Clone()
	out.Header.Set(stormSentHeader, strconv.FormatInt(int64(time.Since(t.epoch)), 10))
	resp, err := t.next.RoundTrip(&out)
	if err == nil && resp.StatusCode == http.StatusTooManyRequests {
		t.got429.CompareAndSwap(0, int64(time.Since(t.epoch)))
	}
	return resp, err
}

func benchStorm(b *testing.B, goroutines int, window time.Duration, newCall func(*benchEnv, *http.Client) func(context.Context) error) {
	const cooldown = time.Second // the 429's Retry-After
	full := !quickBench()
	// How long the storm goes on after the window: in full mode long
	// enough for the callers held by the cooldown to be sent again.
	tail := 20 * time.Millisecond
	if full {
		tail = 200 * time.Millisecond
	}
	var during, inWindow float64
	for range b.N {
		b.StopTimer()
		type arrival struct{ sent, at time.Duration }
		var mu sync.Mutex
		var arrivals []arrival
		var sent429 atomic.Int64
		var e *benchEnv
		st := &stampTransport{epoch: time.Now()}
		e = newBenchEnv(b, func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
			sent, _ := strconv.ParseInt(r.Header.Get(stormSentHeader), 10, 64)
			mu.Lock()
			arrivals = append(arrivals, arrival{time.Duration(sent), time.Since(st.epoch)})
			first := len(arrivals) == 1
			mu.Unlock()
			if first {
				w.Header().Set("Retry-After", "1")
				jsonReply(w, http.StatusTooManyRequests, `{"id":"rate_limit_exceeded","message":"slow down"}`)
				sent429.Store(int64(time.Since(st.epoch)))
				return
			}
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(e.body)
		})
		st.next = e.tr
		call := newCall(e, &http.Client{Transport: st})
		b.StartTimer()

		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		var tally callTally
		var stopping atomic.Bool
		var wg sync.WaitGroup
		for range goroutines {
			wg.Go(func() {
				for ctx.Err() == nil {
					err := call(ctx)
					tally.add(err, stopping.Load())
				}
			})
		}
		// Stop the storm once the window after the 429 has passed.
		for ctx.Err() == nil {
			if g := st.got429.Load(); g != 0 && time.Since(st.epoch) > time.Duration(g)+window+tail {
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
		stopping.Store(true)
		cancel()
		wg.Wait()

		b.StopTimer()
		tally.check(b)
		got, sent := time.Duration(st.got429.Load()), time.Duration(sent429.Load())
		if got == 0 {
			b.Fatal("no 429 reached the client")
		}
		resumed := 0
		mu.Lock()
		for _, a := range arrivals {
			if a.sent >= got && a.at < got+window {
				during++
			}
			if a.at > sent && a.at < sent+window {
				inWindow++
			}
			if a.at >= sent+cooldown {
				resumed++
			}
		}
		mu.Unlock()
		if full && (resumed == 0 || tally.ok.Load() == 0) {
			b.Fatalf("after the cooldown the server saw %d requests, and %d calls succeeded: the client did not resume after the cooldown", resumed, tally.ok.Load())
		}
		e.tr.CloseIdleConnections()
		b.StartTimer()
	}
	b.ReportMetric(during/float64(b.N), "server-req-during-cooldown")
	b.ReportMetric(inWindow/float64(b.N), "server-req-in-window")
}
