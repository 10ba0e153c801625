// Package bench provides vneid's load tools: the measurements behind the
// `vneid bench` command. It fills a store with a synthetic population and
// measures the import rate (Populate), measures random registry lookups
// (Lookup), makes app accounts (RegisterAccounts over HTTP, CreateAccounts
// straight into the store), drives complete app logins against a running
// server on the loopback interface (Login), sends level-1 dossiers made with
// software chips (Level1), and measures how many argon2id
// password checks the machine can do per second (Argon2Bound), the bound a
// login's throughput is compared against.
//
// Latencies are kept in log-linear histograms with a relative error under
// 1.6 %, so a run of any length uses the same small amount of memory.
package bench

import (
	"fmt"
	"math/bits"
	"runtime"
	"sync"
	"time"

	"github.com/vneid/vneid/internal/account"
)

// Result summarises one load run.
type Result struct {
	// Ops counts the operations that succeeded; the latency quantiles and
	// PerSecond are over them.
	Ops int
	// Errors counts the operations that failed.
	Errors int
	// Duration is the wall time of the run.
	Duration time.Duration
	// P50, P90, P99 and Max are latency quantiles of the successful
	// operations.
	P50, P90, P99, Max time.Duration
	// PerSecond is Ops divided by Duration.
	PerSecond float64
}

// String returns a one-line report, e.g.
// "10000 ops, 0 errors in 2.01s: 4975.1/s; p50 380µs p90 650µs p99 1.2ms max 9.8ms".
func (r Result) String() string {
	return fmt.Sprintf("%d ops, %d errors in %s: %.1f/s; p50 %s p90 %s p99 %s max %s",
		r.Ops, r.Errors, round(r.Duration), r.PerSecond, round(r.P50), round(r.P90), round(r.P99), round(r.Max))
}

// round keeps about three significant digits of d for reading.
func round(d time.Duration) time.Duration {
	switch {
	case d >= 10*time.Second:
		return d.Round(100 * time.Millisecond)
	case d >= time.Second:
		return d.Round(10 * time.Millisecond)
	case d >= 100*time.Millisecond:
		return d.Round(time.Millisecond)
	case d >= 10*time.Millisecond:
		return d.Round(100 * time.Microsecond)
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond)
	case d >= 100*time.Microsecond:
		return d.Round(time.Microsecond)
	case d >= 10*time.Microsecond:
		return d.Round(100 * time.Nanosecond)
	}
	return d
}

// The histogram is log-linear: values below 2^subBits nanoseconds have a
// bucket each; above that every power of two is split into 2^(subBits-1)
// buckets, so a bucket is at most 1/64 (1.6 %) of its values wide.
const (
	subBits  = 7
	half     = 1 << (subBits - 1)
	nBuckets = 1<<subBits + (64-subBits)*half
)

// histogram records latencies. It is not safe for concurrent use: each worker
// keeps its own and they are merged at the end.
type histogram struct {
	counts [nBuckets]uint64
	n      uint64
	max    time.Duration
}

func bucketOf(v uint64) int {
	if v < 1<<subBits {
		return int(v)
	}
	shift := bits.Len64(v) - subBits
	top := v >> shift // in [half, 2*half)
	return 1<<subBits + (shift-1)*half + int(top-half)
}

// bucketUpper is the largest value that falls in bucket i.
func bucketUpper(i int) uint64 {
	if i < 1<<subBits {
		return uint64(i)
	}
	j := i - 1<<subBits
	shift := j/half + 1
	top := uint64(j%half + half)
	return (top+1)<<shift - 1
}

func (h *histogram) record(d time.Duration) {
	if d < 0 {
		d = 0
	}
	h.counts[bucketOf(uint64(d))]++
	h.n++
	if d > h.max {
		h.max = d
	}
}

func (h *histogram) merge(o *histogram) {
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.n += o.n
	if o.max > h.max {
		h.max = o.max
	}
}

// quantile returns the upper edge of the bucket holding the q-quantile (so it
// errs high by at most a bucket), capped at the largest value recorded.
func (h *histogram) quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := uint64(q * float64(h.n))
	if float64(rank) < q*float64(h.n) {
		rank++
	}
	if rank < 1 {
		rank = 1
	}
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			if v := time.Duration(bucketUpper(i)); v < h.max {
				return v
			}
			return h.max
		}
	}
	return h.max
}

// result summarises the histogram of a run that took elapsed and had errs
// failures.
func (h *histogram) result(errs int, elapsed time.Duration) Result {
	r := Result{Ops: int(h.n), Errors: errs, Duration: elapsed,
		P50: h.quantile(0.50), P90: h.quantile(0.90), P99: h.quantile(0.99), Max: h.max}
	if elapsed > 0 {
		r.PerSecond = float64(h.n) / elapsed.Seconds()
	}
	return r
}

// Argon2Bound returns how many argon2id password checks per second the
// machine does with params when every core (GOMAXPROCS workers) does them
// for about d: the most logins per second a server on this machine can
// answer, since each login verifies one password. Argon2Rate with one worker
// gives the single-core figure. A d of zero or less means one second.
func Argon2Bound(params account.Argon2Params, d time.Duration) float64 {
	return Argon2Rate(params, d, runtime.GOMAXPROCS(0))
}

// Argon2Rate returns how many argon2id password checks per second workers
// goroutines do together with params, each checking for about d (one second
// when d is zero or less). Each check is account.VerifyPassword, the work of
// a login. It returns 0 if no hash can be made.
func Argon2Rate(params account.Argon2Params, d time.Duration, workers int) float64 {
	if d <= 0 {
		d = time.Second
	}
	if workers < 1 {
		workers = 1
	}
	const password = "Bench@argon2id"
	hash, err := account.HashPassword(password, params)
	if err != nil {
		return 0
	}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		total int
	)
	start := time.Now()
	deadline := start.Add(d)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n := 0
			for n == 0 || time.Now().Before(deadline) {
				if ok, _, err := account.VerifyPassword(hash, password, params); err != nil || !ok {
					return
				}
				n++
			}
			mu.Lock()
			total += n
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if total == 0 || elapsed <= 0 {
		return 0
	}
	return float64(total) / elapsed.Seconds()
}
