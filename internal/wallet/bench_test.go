package wallet_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/vneid/vneid/internal/account"
	"github.com/vneid/vneid/internal/presentation"
	"github.com/vneid/vneid/internal/store/storetest"
	"github.com/vneid/vneid/internal/wallet"
)

// benchEnv is a wallet with the holder's licence integrated and unlocked.
func benchEnv(b *testing.B, backend storetest.Backend) (*env, string) {
	e := newEnv(b, backend, nil)
	e.seedSource()
	e.integrateLicence()
	return e, e.unlock(e.holder)
}

var items = []wallet.Item{{Kind: "eid"}, {Kind: "driving_licence"}}

// BenchmarkPresent signs presentations of the e-ID card with a licence
// (reads, ES256 signature, the record and the usage row).
func BenchmarkPresent(b *testing.B) {
	for _, backend := range storetest.Backends() {
		b.Run(backend.Name, func(b *testing.B) {
			e, token := benchEnv(b, backend)
			ctx := context.Background()
			b.ResetTimer()
			for b.Loop() {
				if _, err := e.w.Present(ctx, account.Caller{}, e.holder, token, wallet.PresentRequest{Items: items}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkVerifyOnline verifies presentations through the service: the
// signature and disclosures, then the record (replay), the account, the
// documents, and the use written in one transaction.
func BenchmarkVerifyOnline(b *testing.B) {
	for _, backend := range storetest.Backends() {
		b.Run(backend.Name, func(b *testing.B) {
			e, token := benchEnv(b, backend)
			ctx := context.Background()
			police := wallet.Verifier{ID: "csgt", Name: "CSGT", StateBody: true}
			const pool = 2000
			tokens := make([]string, 0, pool)
			for range pool {
				p, err := e.w.Present(ctx, account.Caller{}, e.holder, token, wallet.PresentRequest{Items: items})
				if err != nil {
					b.Fatal(err)
				}
				tokens = append(tokens, p.Token)
			}
			i := 0
			b.ResetTimer()
			for b.Loop() {
				if i == len(tokens) { // each presentation verifies once: make more
					b.StopTimer()
					for j := range tokens {
						p, err := e.w.Present(ctx, account.Caller{}, e.holder, token, wallet.PresentRequest{Items: items})
						if err != nil {
							b.Fatal(err)
						}
						tokens[j] = p.Token
					}
					i = 0
					b.StartTimer()
				}
				if _, err := e.w.VerifyOnline(ctx, account.Caller{}, police, tokens[i], ""); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}

// BenchmarkVerifyOffline is what an offline verifier does with the same
// presentation and the published keys.
func BenchmarkVerifyOffline(b *testing.B) {
	e, token := benchEnv(b, storetest.Backends()[0])
	ctx := context.Background()
	p, err := e.w.Present(ctx, account.Caller{}, e.holder, token, wallet.PresentRequest{Items: items})
	if err != nil {
		b.Fatal(err)
	}
	raw, err := e.sso.JWKS(ctx)
	if err != nil {
		b.Fatal(err)
	}
	keys, err := presentation.JWKS(raw)
	if err != nil {
		b.Fatal(err)
	}
	opts := presentation.VerifyOptions{Issuer: e.sso.Issuer(), Now: e.clock()}
	b.SetBytes(int64(len(p.Token)))
	b.ResetTimer()
	for b.Loop() {
		if _, err := presentation.Verify(p.Token, keys, opts); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyOnlineParallel verifies presentations from several
// goroutines at once (-cpu sets how many), as a busy verification API
// does; every presentation is issued before the clock starts.
func BenchmarkVerifyOnlineParallel(b *testing.B) {
	for _, backend := range storetest.Backends() {
		b.Run(backend.Name, func(b *testing.B) {
			e, token := benchEnv(b, backend)
			ctx := context.Background()
			police := wallet.Verifier{ID: "csgt", Name: "CSGT", StateBody: true}
			tokens := make([]string, b.N)
			for i := range tokens {
				p, err := e.w.Present(ctx, account.Caller{}, e.holder, token, wallet.PresentRequest{Items: items})
				if err != nil {
					b.Fatal(err)
				}
				tokens[i] = p.Token
			}
			var next atomic.Int64
			b.SetParallelism(4)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					i := next.Add(1) - 1
					if _, err := e.w.VerifyOnline(ctx, account.Caller{}, police, tokens[i], ""); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}
