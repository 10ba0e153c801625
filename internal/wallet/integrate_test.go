package wallet_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vneid/vneid/internal/account"
	"github.com/vneid/vneid/internal/identity"
	"github.com/vneid/vneid/internal/sources"
	"github.com/vneid/vneid/internal/store"
	"github.com/vneid/vneid/internal/store/storetest"
	"github.com/vneid/vneid/internal/wallet"
)

func TestIntegration(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			e := newEnv(t, b, nil)
			e.seedSource()
			ctx := context.Background()
			c := account.Caller{IP: "203.0.113.7"}
			ask := func(p account.Principal, kind sources.Kind, number string, consent bool) (wallet.Request, error) {
				return e.w.RequestIntegration(ctx, c, p, kind, number, consent)
			}
			// Refusals before anything is asked of the source.
			if _, err := ask(e.level1, sources.DrivingLicence, licenceNo, true); code(err) != "wallet_level_required" {
				t.Errorf("level 1: %v", err)
			}
			if _, err := ask(e.holder, sources.DrivingLicence, licenceNo, false); code(err) != "integration_consent_required" {
				t.Errorf("no consent: %v", err)
			}
			if _, err := ask(e.holder, "passport", "B1234567", true); code(err) != "document_kind_invalid" {
				t.Errorf("unknown kind: %v", err)
			}
			if _, err := ask(e.holder, sources.DrivingLicence, "01<script>", true); code(err) != "document_number_invalid" {
				t.Errorf("bad number: %v", err)
			}
			// The licence is checked and lands in the wallet.
			r, err := ask(e.holder, sources.DrivingLicence, " 0101 2345 6789 ", true)
			if err != nil || r.State != "approved" || len(r.Documents) != 1 || r.Documents[0] != licenceNo || r.Channel != "app" {
				t.Fatalf("licence request = %+v, %v", r, err)
			}
			wd, err := e.st.WalletDocument(ctx, e.holder.Account.ID, sources.DrivingLicence, licenceNo)
			if err != nil || wd.Status != sources.StatusValid || wd.RequestID != r.ID {
				t.Fatalf("wallet document = %+v, %v", wd, err)
			}
			// A duplicate of an approved document is refused.
			if _, err := ask(e.holder, sources.DrivingLicence, licenceNo, true); code(err) != "integration_duplicate" {
				t.Errorf("duplicate: %v", err)
			}
			// The daily cap counts every licence request of the day: three
			// made (approved, refused as duplicate do not count: refused
			// before recording) — ask two more, the fourth of the day fails.
			for _, tc := range []struct{ number, reason string }{
				{"010123456780", wallet.ReasonHolderMismatch},   // someone else's
				{"010123456781", wallet.ReasonIdentityMismatch}, // name differs from the population database
			} {
				r, err := ask(e.holder, sources.DrivingLicence, tc.number, true)
				if err != nil || r.State != "rejected" || r.ReasonCode != tc.reason || r.ReasonVI == "" || r.ReasonEN == "" {
					t.Errorf("licence %s = %+v, %v; want rejected %s", tc.number, r, err, tc.reason)
				}
			}
			if _, err := ask(e.holder, sources.DrivingLicence, "010123456782", true); code(err) != "integration_daily_cap" {
				t.Fatalf("fourth licence request today: %v, want integration_daily_cap", err)
			}
			e.advance(15 * time.Hour) // past midnight in Vietnam (09:00 UTC + 15 h = 07:00 ICT next day)
			r, err = ask(e.holder, sources.DrivingLicence, "010123456782", true)
			if err != nil || r.State != "rejected" || r.ReasonCode != wallet.ReasonNotValid {
				t.Errorf("expired licence = %+v, %v; want rejected document_not_valid", r, err)
			}
			r, err = ask(e.holder, sources.DrivingLicence, "019999999999", true)
			if err != nil || r.State != "rejected" || r.ReasonCode != wallet.ReasonNotFound {
				t.Errorf("unknown licence = %+v, %v; want rejected document_not_found", r, err)
			}
			// Health insurance without a number: found by the holder's ID.
			r, err = ask(e.holder, sources.HealthInsurance, "", true)
			if err != nil || r.State != "approved" || len(r.Documents) != 1 || r.Documents[0] != "GD4010123456789" {
				t.Errorf("health insurance = %+v, %v", r, err)
			}
			if _, err := ask(e.holder, sources.HealthInsurance, "", true); code(err) != "integration_duplicate" {
				t.Errorf("second health insurance request: %v", err)
			}
			r, err = ask(e.holder, sources.TaxCode, "", true)
			if err != nil || r.State != "rejected" || r.ReasonCode != wallet.ReasonNotFound {
				t.Errorf("tax code that the source lacks = %+v, %v", r, err)
			}
			l, err := e.w.ListRequests(ctx, e.holder)
			if err != nil || len(l) != 7 {
				t.Errorf("ListRequests = %d, %v; want 7", len(l), err)
			}
			inbox, _ := e.st.ListInbox(ctx, e.holder.Account.ID, 50)
			if len(inbox) != 7 {
				t.Errorf("inbox has %d messages, want one per decided request (7)", len(inbox))
			}
			// The wallet shows both documents, and the card with its history.
			token := e.unlock(e.holder)
			v, err := e.w.Wallet(ctx, c, e.holder, token)
			if err != nil || len(v.Documents) != 2 || v.EID.Level != 2 || len(v.EID.History) != 1 {
				t.Fatalf("wallet = %+v, %v", v, err)
			}
			got, err := e.w.Document(ctx, c, e.holder, token, sources.DrivingLicence, licenceNo)
			if err != nil || !got.Valid || len(got.Claims) == 0 || got.Claims[0].Name != "number" {
				t.Errorf("Document = %+v, %v", got, err)
			}
			events, _ := e.st.AuditBySubject(ctx, holderID, 100)
			reads := 0
			for _, ev := range events {
				if ev.Action == "wallet.read" || ev.Action == "wallet.document.read" {
					reads++
				}
			}
			if reads != 2 {
				t.Errorf("%d wallet reads audited, want 2", reads)
			}
		})
	}
}

// A remote registry that does not answer leaves the request pending; it is
// retried and decided once the registry is back. The desk's requests are
// decided the same way.
func TestIntegrationRemoteSourceDown(t *testing.T) {
	b := storetest.Backends()[0]
	mem := &sources.Memory{}
	var down atomic.Bool
	h := sources.Handler(mem, "registry-token")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if down.Load() {
			http.Error(w, "maintenance", http.StatusServiceUnavailable)
			return
		}
		h.ServeHTTP(w, r)
	}))
	defer srv.Close()
	remote, err := sources.NewHTTP(srv.URL, srv.Client(), "registry-token")
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, b, remote)
	ctx := context.Background()
	if err := mem.UpsertDocuments(ctx, []sources.Document{licence(licenceNo, holderID, "Nguyễn Thị Thanh Hương", sources.StatusValid, d("2029-04-02"))}); err != nil {
		t.Fatal(err)
	}
	down.Store(true)
	r, err := e.w.RequestIntegration(ctx, account.Caller{}, e.holder, sources.DrivingLicence, licenceNo, true)
	if err != nil || r.State != "pending" {
		t.Fatalf("request while the registry is down = %+v, %v; want pending", r, err)
	}
	if _, err := e.w.RequestIntegration(ctx, account.Caller{}, e.holder, sources.DrivingLicence, licenceNo, true); code(err) != "integration_duplicate" {
		t.Errorf("duplicate of a pending request: %v", err)
	}
	// A desk request recorded at approval (no number: every licence).
	if err := e.st.CreateIntegrationRequest(ctx, store.IntegrationRequest{ID: "desk-1", AccountID: e.holder.Account.ID,
		IDNumber: holderID, Kind: sources.HealthInsurance, Channel: "desk", ApplicationID: "app-1",
		State: store.IntegrationPending, NextAttemptAt: e.clock(), CreatedAt: e.clock()}); err != nil {
		t.Fatal(err)
	}
	if n, err := e.w.ProcessDue(ctx); err != nil || n != 0 {
		t.Fatalf("ProcessDue while down = %d, %v", n, err)
	}
	got, _ := e.st.IntegrationRequest(ctx, r.ID)
	if got.State != store.IntegrationPending || got.Attempts < 1 || got.LastError == "" || !got.NextAttemptAt.After(e.clock()) {
		t.Fatalf("after a failed attempt: %+v", got)
	}
	down.Store(false)
	if n, _ := e.w.ProcessDue(ctx); n != 0 {
		t.Errorf("decided %d before the retry was due", n)
	}
	e.advance(10 * time.Minute)
	if n, err := e.w.ProcessDue(ctx); err != nil || n != 2 {
		t.Fatalf("ProcessDue after the registry came back = %d, %v; want 2", n, err)
	}
	if got, _ := e.st.IntegrationRequest(ctx, r.ID); got.State != store.IntegrationApproved {
		t.Errorf("licence request = %+v", got)
	}
	if got, _ := e.st.IntegrationRequest(ctx, "desk-1"); got.State != store.IntegrationRejected || got.ReasonCode != wallet.ReasonNotFound {
		t.Errorf("desk request for a card the registry lacks = %+v", got)
	}
	// A request the registry never answers is given up after a day.
	down.Store(true)
	r2, err := e.w.RequestIntegration(ctx, account.Caller{}, e.holder, sources.VehicleRegistration, "29A-123.45", true)
	if err != nil || r2.State != "pending" {
		t.Fatalf("vehicle request = %+v, %v", r2, err)
	}
	e.advance(25 * time.Hour)
	if _, err := e.w.ProcessDue(ctx); err != nil {
		t.Fatal(err)
	}
	if got, _ := e.st.IntegrationRequest(ctx, r2.ID); got.State != store.IntegrationRejected || got.ReasonCode != wallet.ReasonUnavailable {
		t.Errorf("request unanswered for a day = %+v", got)
	}
}

// Changes at the source reach the wallet: a renewal updates the copy, a
// revocation marks it and tells the citizen.
func TestSync(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			e := newEnv(t, b, nil)
			e.seedSource()
			ctx := context.Background()
			if _, err := e.w.Sync(ctx); err != nil { // catch up with the seed
				t.Fatal(err)
			}
			if _, err := e.w.RequestIntegration(ctx, account.Caller{}, e.holder, sources.DrivingLicence, licenceNo, true); err != nil {
				t.Fatal(err)
			}
			renewed := licence(licenceNo, holderID, "Nguyễn Thị Thanh Hương", sources.StatusValid, d("2036-04-02"))
			if err := e.st.UpsertDocuments(ctx, []sources.Document{renewed}); err != nil {
				t.Fatal(err)
			}
			if n, err := e.w.Sync(ctx); err != nil || n != 1 {
				t.Fatalf("Sync after a renewal = %d, %v; want 1", n, err)
			}
			token := e.unlock(e.holder)
			doc, err := e.w.Document(ctx, account.Caller{}, e.holder, token, sources.DrivingLicence, licenceNo)
			if err != nil || !doc.Valid {
				t.Fatalf("renewed document = %+v, %v", doc, err)
			}
			if n, _ := e.w.Sync(ctx); n != 0 {
				t.Errorf("second Sync changed %d documents, want 0", n)
			}
			renewed.Status = sources.StatusRevoked
			if err := e.st.UpsertDocuments(ctx, []sources.Document{renewed}); err != nil {
				t.Fatal(err)
			}
			if n, err := e.w.Sync(ctx); err != nil || n != 1 {
				t.Fatalf("Sync after a revocation = %d, %v", n, err)
			}
			doc, _ = e.w.Document(ctx, account.Caller{}, e.holder, token, sources.DrivingLicence, licenceNo)
			if doc.Valid || doc.Status != sources.StatusRevoked {
				t.Errorf("revoked document = %+v", doc)
			}
			inbox, _ := e.st.ListInbox(ctx, e.holder.Account.ID, 10)
			if len(inbox) == 0 || inbox[0].Kind != "wallet_document_invalid" {
				t.Errorf("no notice of the revocation: %+v", inbox)
			}
			// Revoked documents can be asked for again once valid.
			if cur, _ := e.st.SyncCursor(ctx, "wallet-source"); cur == 0 {
				t.Error("sync cursor not stored")
			}
		})
	}
}

// TestIntegrationEachKind: every document kind is checked at its source the
// same way: found and in the holder's name it is integrated; someone
// else's, another name or a document no longer valid is refused with the
// reason.
func TestIntegrationEachKind(t *testing.T) {
	e := newEnv(t, storetest.Backends()[0], nil)
	ctx := context.Background()
	name := "Nguyễn Thị Thanh Hương"
	mk := func(kind sources.Kind, number, holder, holderName string, status sources.Status) sources.Document {
		doc := sources.Document{Kind: kind, Number: number, HolderID: holder, HolderName: holderName, DateOfBirth: d("1990-05-17"),
			Status: status, IssuedOn: d("2022-01-01"), ValidUntil: d("2031-12-31"), Issuer: "x"}
		switch kind {
		case sources.HealthInsurance:
			doc.HealthInsurance = &sources.HealthInsuranceCard{BeneficiaryGroup: "DN", BenefitLevel: 4, ProvinceCode: "01",
				BHXHCode: number[5:], Clinic: sources.Clinic{Code: "01001", Name: "Bệnh viện Bạch Mai"}, ValidFrom: d("2022-01-01")}
		case sources.DrivingLicence:
			doc.DrivingLicence = &sources.Licence{Classes: []sources.LicenceClass{{Class: "B", IssuedOn: d("2022-01-01"), ValidUntil: d("2031-12-31")}}}
		case sources.VehicleRegistration:
			doc.ValidUntil = identity.Date{}
			doc.Vehicle = &sources.Vehicle{Type: sources.Motorcycle, Brand: "Honda", Model: "Vision", Colour: "Đỏ",
				VIN: "RLHJF5810NY123456", EngineNumber: "JF58E1234567", RegisteredOn: d("2022-01-01")}
		case sources.TaxCode:
			doc.ValidUntil = identity.Date{}
			doc.Tax = &sources.TaxRegistration{Office: "Thuế cơ sở 1 Thành phố Hà Nội", RegisteredOn: d("2015-01-01")}
		}
		return doc
	}
	numbers := map[sources.Kind][4]string{ // ok, someone else's, another name, not valid
		sources.HealthInsurance:     {"DN4010000000001", "DN4010000000002", "DN4010000000003", "DN4010000000004"},
		sources.DrivingLicence:      {"010000000001", "010000000002", "010000000003", "010000000004"},
		sources.VehicleRegistration: {"29-B1 111.11", "29-B1 222.22", "29-B1 333.33", "29-B1 444.44"},
		sources.TaxCode:             {"0100233488", "0314409058", "0100109106", "8000000011"},
	}
	var docs []sources.Document
	for kind, n := range numbers {
		docs = append(docs, mk(kind, n[0], holderID, name, sources.StatusValid), mk(kind, n[1], strangerID, "Trần Văn Bình", sources.StatusValid),
			mk(kind, n[2], holderID, "Nguyễn Thị Hường", sources.StatusValid), mk(kind, n[3], holderID, name, sources.StatusSuspended))
	}
	if err := e.st.UpsertDocuments(ctx, docs); err != nil {
		t.Fatal(err)
	}
	for _, kind := range sources.Kinds() {
		n := numbers[kind]
		for i, want := range []string{"", wallet.ReasonHolderMismatch, wallet.ReasonIdentityMismatch, wallet.ReasonNotValid} {
			e.advance(24 * time.Hour) // a new day for the licence cap
			r, err := e.w.RequestIntegration(ctx, account.Caller{}, e.holder, kind, n[i], true)
			if err != nil {
				t.Fatalf("%s %s: %v", kind, n[i], err)
			}
			if want == "" && (r.State != "approved" || len(r.Documents) != 1) || want != "" && (r.State != "rejected" || r.ReasonCode != want) {
				t.Errorf("%s %s = %s %s, want %q", kind, n[i], r.State, r.ReasonCode, want)
			}
		}
	}
	rows, _ := e.st.WalletDocuments(ctx, e.holder.Account.ID)
	if len(rows) != 4 {
		t.Errorf("wallet holds %d documents, want one of each kind", len(rows))
	}
}
