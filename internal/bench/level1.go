package bench

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vneid/vneid/internal/appclient"
	"github.com/vneid/vneid/internal/testkit"
)

// Dossier is one citizen's level-1 application for Level1: the account,
// its software chip, the card's QR and the selfie to send.
type Dossier struct {
	Cred   Credential
	Chip   *testkit.Chip
	QR     string
	Selfie []byte
}

// Level1Result is what a Level1 run measured.
type Level1Result struct {
	// Dossiers measures start + chip answer + dossier, per application
	// (the login before it is not counted).
	Dossiers Result
	// Approved and Pending count the outcomes.
	Approved, Pending int
}

// Level1 sends every dossier once through the server at baseURL with
// concurrency clients: log in, start the level-1 application, answer the
// chip challenge with the software chip, send the dossier. baseURL must be
// on the loopback interface. A failed dossier counts in Errors; if none
// succeeds the first failure is returned too.
func Level1(ctx context.Context, baseURL string, dossiers []Dossier, concurrency int) (Level1Result, error) {
	if err := checkLoopback(baseURL); err != nil {
		return Level1Result{}, err
	}
	if len(dossiers) == 0 {
		return Level1Result{}, errors.New("bench: level1: no dossiers")
	}
	concurrency = max(concurrency, 1)
	if concurrency > MaxConcurrency {
		return Level1Result{}, fmt.Errorf("bench: level1: concurrency %d above %d", concurrency, MaxConcurrency)
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = concurrency * 2
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr, Timeout: 2 * time.Minute}

	var (
		next              atomic.Int64
		errs              atomic.Int64
		approved, pending atomic.Int64
		wg                sync.WaitGroup
		mu                sync.Mutex
		total             histogram
		first             error
	)
	start := time.Now()
	for range concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			h := new(histogram)
			for ctx.Err() == nil {
				i := int(next.Add(1)) - 1
				if i >= len(dossiers) {
					break
				}
				d := dossiers[i]
				c := &appclient.Client{BaseURL: baseURL, HTTP: hc, Device: d.Cred.Device}
				state, dur, err := oneDossier(ctx, c, d)
				if err != nil {
					errs.Add(1)
					mu.Lock()
					if first == nil {
						first = fmt.Errorf("dossier of %s: %w", d.Cred.IDNumber, err)
					}
					mu.Unlock()
					continue
				}
				h.record(dur)
				if state == "approved" {
					approved.Add(1)
				} else {
					pending.Add(1)
				}
			}
			mu.Lock()
			total.merge(h)
			mu.Unlock()
		}()
	}
	wg.Wait()
	res := Level1Result{Dossiers: total.result(int(errs.Load()), time.Since(start)),
		Approved: int(approved.Load()), Pending: int(pending.Load())}
	if res.Dossiers.Ops == 0 && first != nil {
		return res, first
	}
	return res, ctx.Err()
}

func oneDossier(ctx context.Context, c *appclient.Client, d Dossier) (string, time.Duration, error) {
	if _, err := c.Login(ctx, d.Cred.IDNumber, d.Cred.Password); err != nil {
		return "", 0, err
	}
	defer c.Logout(context.WithoutCancel(ctx))
	t0 := time.Now()
	app, err := c.StartLevel1(ctx)
	if err != nil {
		return "", 0, err
	}
	answer, err := d.Chip.AnswerChallenge(app.Challenge)
	if err != nil {
		return "", 0, err
	}
	res, err := c.SubmitLevel1(ctx, app.ApplicationID, d.Chip.Files(), answer, d.Selfie, d.QR)
	if err != nil {
		return "", 0, err
	}
	return res.State, time.Since(t0), nil
}
