// Package browsertest starts headless Chromium (Debian's chromium package)
// for the browser tests of the web pages, through chromedp. CI installs
// Chromium and always runs them; elsewhere VNEID_SKIP_BROWSER=1 skips them.
package browsertest

import (
	"bytes"
	"context"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// ChromiumPath is where Debian installs Chromium.
const ChromiumPath = "/usr/bin/chromium"

// Need skips the test when Chromium is missing and VNEID_SKIP_BROWSER=1
// says that is fine, and fails it otherwise.
func Need(t testing.TB) {
	t.Helper()
	if _, err := os.Stat(ChromiumPath); err != nil {
		if os.Getenv("VNEID_SKIP_BROWSER") == "1" {
			t.Skipf("no Chromium at %s; skipped because VNEID_SKIP_BROWSER=1", ChromiumPath)
		}
		t.Fatalf("Chromium is needed at %s for the browser test (%v): install it (apt-get install chromium) "+
			"or set VNEID_SKIP_BROWSER=1 to skip this test", ChromiumPath, err)
	}
}

// Start starts a headless Chromium for the test with extra flags (a fake
// camera, for instance). It returns the test's deadline context, the
// browser's context and a function that fails the test with the step, the
// error and the browser's output.
func Start(t testing.TB, timeout time.Duration, flags ...chromedp.ExecAllocatorOption) (context.Context, context.Context, func(string, error)) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	t.Cleanup(cancel)
	out := &limited{n: 64 << 10}
	opts := append([]chromedp.ExecAllocatorOption{
		chromedp.ExecPath(ChromiumPath),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true), // containers have a small /dev/shm
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1400, 1000),
		chromedp.CombinedOutput(out),
	}, flags...)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(cancelAlloc)
	bctx, cancelBrowser := chromedp.NewContext(allocCtx)
	t.Cleanup(cancelBrowser)
	fail := func(step string, err error) {
		t.Helper()
		t.Fatalf("%s: %v\nChromium output:\n%s", step, err, out.String())
	}
	return ctx, bctx, fail
}

// limited keeps the first n bytes of the browser's output, safely from
// several goroutines.
type limited struct {
	mu  sync.Mutex
	buf bytes.Buffer
	n   int
}

func (l *limited) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.n > 0 {
		k := min(len(p), l.n)
		l.buf.Write(p[:k])
		l.n -= k
	}
	return len(p), nil
}

func (l *limited) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}
