package chipauth_test

import (
	"testing"

	"github.com/vneid/vneid/internal/chipauth"
	"github.com/vneid/vneid/internal/testkit"
)

// BenchmarkPassive measures one passive authentication (SOD parse, DS
// signature, chain to the CSCA, data-group hashes, DG parsing) per profile;
// run with -cpu 1 for the per-core figure in docs/benchmarks.md.
func BenchmarkPassive(b *testing.B) {
	for _, prof := range testkit.Profiles() {
		b.Run(string(prof), func(b *testing.B) {
			p, err := testkit.NewPKI(prof, "VN", now)
			if err != nil {
				b.Fatal(err)
			}
			c, card := citizen()
			chip, err := p.IssueChip(c, card, testkit.ChipOptions{})
			if err != nil {
				b.Fatal(err)
			}
			tl, err := chipauth.NewTrustList([][]byte{p.CSCA.Raw}, nil)
			if err != nil {
				b.Fatal(err)
			}
			v := &chipauth.Verifier{Trust: tl}
			in := chip.Input()
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if _, err := v.Passive(in, now); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkActive measures verifying one active-authentication answer.
func BenchmarkActive(b *testing.B) {
	for _, aa := range []testkit.AAKind{testkit.AAECP256, testkit.AARSA1024} {
		b.Run(string(aa), func(b *testing.B) {
			p, _ := testkit.NewPKI(testkit.P256, "VN", now)
			c, card := citizen()
			chip, _ := p.IssueChip(c, card, testkit.ChipOptions{AA: aa})
			tl, _ := chipauth.NewTrustList([][]byte{p.CSCA.Raw}, nil)
			res, err := (&chipauth.Verifier{Trust: tl}).Passive(chip.Input(), now)
			if err != nil {
				b.Fatal(err)
			}
			ch := []byte("12345678")
			ans, _ := chip.AnswerChallenge(ch)
			for b.Loop() {
				if err := chipauth.Active(res, ch, ans); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
