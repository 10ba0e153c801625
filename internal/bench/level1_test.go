package bench

import (
	"context"
	"crypto/rand"
	"io"
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/vneid/vneid/internal/account"
	"github.com/vneid/vneid/internal/api"
	"github.com/vneid/vneid/internal/cccd"
	"github.com/vneid/vneid/internal/chipauth"
	"github.com/vneid/vneid/internal/eid"
	"github.com/vneid/vneid/internal/identity"
	"github.com/vneid/vneid/internal/seal"
	"github.com/vneid/vneid/internal/store"
	"github.com/vneid/vneid/internal/store/storetest"
	"github.com/vneid/vneid/internal/testkit"
	"github.com/vneid/vneid/internal/workday"
)

func TestLevel1(t *testing.T) {
	ctx := context.Background()
	st := storetest.OpenSQLite(t)
	ids, _, err := Populate(ctx, st, 120, 11, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg := account.DefaultConfig()
	cfg.Argon2 = fastArgon2
	cfg.LoginPerIP.Limit, cfg.LoginPerID.Limit = 0, 0
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	acc, err := account.New(ctx, cfg, account.Options{Store: st, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	box, _ := seal.New(seal.Key{ID: 1, Bytes: key})
	cal, _ := workday.Default()
	e, err := eid.New(eid.DefaultConfig(), eid.Options{Store: st, Population: st, Box: box, Calendar: cal, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	pki, err := testkit.NewPKI(testkit.P256, "VN", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.PutTrust(ctx, store.TrustEntry{ID: chipauth.Fingerprint(pki.CSCA.Raw), Kind: store.TrustCSCA, Country: "VN",
		DER: pki.CSCA.Raw, AddedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api.New(api.Options{Accounts: acc, EID: e, Store: st, Ready: st, Logger: log, Version: "test"}))
	t.Cleanup(srv.Close)

	creds, err := CreateAccounts(ctx, st, ids, 40, "", fastArgon2)
	if err != nil {
		t.Fatal(err)
	}
	today := identity.DateOf(time.Now())
	var dossiers []Dossier
	for _, c := range creds {
		cit, _ := st.Citizen(ctx, c.IDNumber)
		card, ok := cit.CurrentCard(today)
		if !ok || !card.Chip || len(dossiers) == 5 {
			continue
		}
		chip, err := pki.IssueChip(cit, card, testkit.ChipOptions{})
		if err != nil {
			t.Fatal(err)
		}
		selfie, _ := testkit.SyntheticPortrait("selfie:" + c.IDNumber)
		dossiers = append(dossiers, Dossier{Cred: c, Chip: chip, QR: cccd.FromCard(cit, card).String(), Selfie: selfie})
	}
	if len(dossiers) < 2 {
		t.Fatalf("only %d citizens with a chip card", len(dossiers))
	}
	res, err := Level1(ctx, srv.URL, dossiers, 2)
	if err != nil {
		t.Fatal(err)
	}
	if res.Dossiers.Ops != len(dossiers) || res.Dossiers.Errors != 0 || res.Pending != len(dossiers) {
		t.Fatalf("level1 = %+v", res)
	}
	// Sent again, every dossier fails (already pending) and the first
	// failure is returned.
	if res, err := Level1(ctx, srv.URL, dossiers, 2); err == nil || res.Dossiers.Errors != len(dossiers) {
		t.Errorf("second run = %+v, %v", res, err)
	}
	if _, err := Level1(ctx, "http://192.0.2.1:8080", dossiers, 1); err == nil {
		t.Error("a non-loopback server accepted")
	}
}
