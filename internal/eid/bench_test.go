package eid_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/vneid/vneid/internal/cccd"
	"github.com/vneid/vneid/internal/eid"
	"github.com/vneid/vneid/internal/identity"
	"github.com/vneid/vneid/internal/registry"
	"github.com/vneid/vneid/internal/store"
	"github.com/vneid/vneid/internal/store/storetest"
	"github.com/vneid/vneid/internal/testkit"
)

// BenchmarkSubmitLevel1 measures the dossier pipeline without a face
// engine: start, passive and active authentication, cross-checks, sealed
// evidence and the transaction, on each store. Each iteration is a new
// citizen with a new chip (made before the timer starts).
func BenchmarkSubmitLevel1(b *testing.B) {
	for _, be := range storetest.Backends() {
		b.Run(be.Name, func(b *testing.B) {
			st := be.Open(b)
			f := newFixtureB(b, st)
			ctx := context.Background()
			type item struct {
				p    eidPrincipal
				chip *testkit.Chip
				qr   string
			}
			n := b.N
			items := make([]item, n)
			var citizens []registry.Citizen
			for i := range n {
				c := f.citizen
				id, _ := identity.MakePersonalID("001", c.DateOfBirth, c.Gender, 100000+i)
				c.ID = id
				card := f.card
				card.Number = id
				c.Cards = []registry.IDCard{card}
				citizens = append(citizens, c)
				chip, err := f.pki.IssueChip(c, card, testkit.ChipOptions{})
				if err != nil {
					b.Fatal(err)
				}
				acc := store.Account{ID: fmt.Sprintf("acc-%d", i), IDNumber: id, Phone: "+84912345678", PasswordHash: "x",
					State: store.AccountActive, CreatedAt: f.clock.t, UpdatedAt: f.clock.t, PasswordChangedAt: f.clock.t}
				if err := st.CreateAccount(ctx, acc); err != nil {
					b.Fatal(err)
				}
				items[i] = item{p: principalOf(acc), chip: chip, qr: cccd.FromCard(c, card).String()}
			}
			if err := st.UpsertCitizens(ctx, citizens); err != nil {
				b.Fatal(err)
			}
			selfie, _ := testkit.SyntheticPortrait("selfie")
			b.ResetTimer()
			for i := range n {
				it := items[i]
				s, err := f.svc.StartLevel1(ctx, eid.Caller{}, it.p)
				if err != nil {
					b.Fatal(err)
				}
				ans, _ := it.chip.AnswerChallenge(s.Challenge)
				if _, err := f.svc.SubmitLevel1(ctx, eid.Caller{}, it.p, s.ApplicationID, eid.Dossier{Files: it.chip.Files(),
					AASignature: ans, Selfie: selfie, QR: it.qr}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "dossiers/s")
		})
	}
}
