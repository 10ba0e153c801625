package conformance

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/vneid/vneid/internal/sources"
	"github.com/vneid/vneid/internal/store"
)

func sourceDoc(kind sources.Kind, number, holder string, issued string) sources.Document {
	return sources.Document{Kind: kind, Number: number, HolderID: holder, HolderName: "Nguyễn Thị Thanh Hương",
		DateOfBirth: date("1990-05-17"), Status: sources.StatusValid, IssuedOn: date(issued), Issuer: "Sở Giao thông vận tải Hà Nội",
		UpdatedAt: base}
}

func testSourceDocuments(t *testing.T, s store.Store) {
	ctx := context.Background()
	if l, err := s.Documents(ctx, sources.DrivingLicence, "001190000001"); err != nil || len(l) != 0 || l == nil {
		t.Fatalf("Documents of nobody = %#v, %v; want an empty slice", l, err)
	}
	if _, err := s.Document(ctx, sources.DrivingLicence, "010000000001"); !errors.Is(err, sources.ErrNotFound) {
		t.Fatalf("missing document: %v, want sources.ErrNotFound", err)
	}
	old := sourceDoc(sources.DrivingLicence, "010000000001", "001190000001", "2015-03-04")
	newer := sourceDoc(sources.DrivingLicence, "010000000002", "001190000001", "2024-01-02")
	other := sourceDoc(sources.HealthInsurance, "DN4010123456789", "001190000001", "2025-01-01")
	stranger := sourceDoc(sources.DrivingLicence, "010000000003", "079090000002", "2020-01-01")
	if err := s.UpsertDocuments(ctx, []sources.Document{old, newer, other, stranger}); err != nil {
		t.Fatalf("UpsertDocuments: %v", err)
	}
	l, err := s.Documents(ctx, sources.DrivingLicence, "001190000001")
	if err != nil || len(l) != 2 || l[0].Number != newer.Number || l[1].Number != old.Number {
		t.Fatalf("Documents = %+v, %v; want the two licences, newest first", l, err)
	}
	if l[0].HolderName != newer.HolderName || l[0].DateOfBirth != newer.DateOfBirth || !l[0].UpdatedAt.Equal(base) {
		t.Errorf("document round trip: %+v", l[0])
	}
	got, err := s.Document(ctx, sources.HealthInsurance, other.Number)
	if err != nil || got.Number != other.Number || got.Kind != sources.HealthInsurance {
		t.Errorf("Document = %+v, %v", got, err)
	}
	if n, err := s.CountDocuments(ctx); err != nil || n[sources.DrivingLicence] != 3 || n[sources.HealthInsurance] != 1 {
		t.Errorf("CountDocuments = %v, %v", n, err)
	}

	ch, err := s.Changes(ctx, 0, 10)
	if err != nil || len(ch) != 4 {
		t.Fatalf("Changes = %+v, %v; want 4", ch, err)
	}
	for i := 1; i < len(ch); i++ {
		if ch[i].Seq <= ch[i-1].Seq {
			t.Fatalf("Changes not in cursor order: %d then %d", ch[i-1].Seq, ch[i].Seq)
		}
	}
	last := ch[len(ch)-1].Seq
	if more, err := s.Changes(ctx, last, 10); err != nil || len(more) != 0 {
		t.Errorf("Changes after the last = %+v, %v", more, err)
	}
	if page, err := s.Changes(ctx, 0, 2); err != nil || len(page) != 2 || page[1].Seq != ch[1].Seq {
		t.Errorf("Changes page of 2 = %+v, %v", page, err)
	}
	// A revocation is a new change with a later cursor; the document appears
	// once, with its new state.
	old.Status = sources.StatusRevoked
	if err := s.UpsertDocuments(ctx, []sources.Document{old}); err != nil {
		t.Fatalf("UpsertDocuments revoke: %v", err)
	}
	more, err := s.Changes(ctx, last, 10)
	if err != nil || len(more) != 1 || more[0].Document.Number != old.Number || more[0].Document.Status != sources.StatusRevoked || more[0].Seq <= last {
		t.Fatalf("Changes after a revocation = %+v, %v", more, err)
	}
	if all, _ := s.Changes(ctx, 0, 10); len(all) != 4 {
		t.Errorf("a document changed twice appears %d times in all changes, want once among 4", len(all))
	}

	// Concurrent batches get distinct cursors and none is lost.
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var batch []sources.Document
			for i := range 5 {
				batch = append(batch, sourceDoc(sources.VehicleRegistration, fmt.Sprintf("29A-%03d.%02d", w, i), "001190000001", "2021-01-01"))
			}
			errs <- s.UpsertDocuments(ctx, batch)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("concurrent UpsertDocuments: %v", err)
		}
	}
	after, err := s.Changes(ctx, more[0].Seq, 100)
	if err != nil || len(after) != 20 {
		t.Fatalf("Changes after concurrent batches: %d, %v; want 20", len(after), err)
	}
	seqs := map[int64]bool{}
	for _, c := range after {
		if seqs[c.Seq] {
			t.Fatalf("cursor %d handed out twice", c.Seq)
		}
		seqs[c.Seq] = true
	}
}

func testIntegrationRequests(t *testing.T, s store.Store) {
	ctx := context.Background()
	req := store.IntegrationRequest{ID: "r1", AccountID: "acc", IDNumber: "001190000001", Kind: sources.DrivingLicence,
		Number: "010000000001", Channel: "app", State: store.IntegrationPending, NextAttemptAt: base, CreatedAt: base}
	if err := s.CreateIntegrationRequest(ctx, req); err != nil {
		t.Fatalf("CreateIntegrationRequest: %v", err)
	}
	dup := req
	dup.ID = "r2"
	if err := s.CreateIntegrationRequest(ctx, dup); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("second pending request for the same document: %v, want ErrConflict", err)
	}
	other := req
	other.ID, other.Number, other.CreatedAt, other.NextAttemptAt = "r3", "", base.Add(time.Minute), base.Add(time.Hour)
	if err := s.CreateIntegrationRequest(ctx, other); err != nil {
		t.Fatalf("request for every licence: %v", err)
	}
	got, err := s.IntegrationRequest(ctx, "r1")
	if err != nil || got.Kind != req.Kind || got.Number != req.Number || got.Documents != "[]" || !got.CreatedAt.Equal(base) || !got.DecidedAt.IsZero() {
		t.Errorf("IntegrationRequest = %+v, %v", got, err)
	}
	if _, err := s.IntegrationRequest(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("missing request: %v", err)
	}
	if n, err := s.CountIntegrationRequests(ctx, "acc", sources.DrivingLicence, base); err != nil || n != 2 {
		t.Errorf("CountIntegrationRequests since base = %d, %v; want 2", n, err)
	}
	if n, err := s.CountIntegrationRequests(ctx, "acc", sources.DrivingLicence, base.Add(time.Second)); err != nil || n != 1 {
		t.Errorf("CountIntegrationRequests since base+1s = %d, %v; want 1", n, err)
	}
	if n, err := s.CountIntegrationRequests(ctx, "acc", sources.TaxCode, base); err != nil || n != 0 {
		t.Errorf("CountIntegrationRequests of another kind = %d, %v", n, err)
	}
	due, err := s.DueIntegrationRequests(ctx, base.Add(time.Minute), 10)
	if err != nil || len(due) != 1 || due[0].ID != "r1" {
		t.Errorf("DueIntegrationRequests = %+v, %v; want r1 only", due, err)
	}
	if err := s.RetryIntegrationRequest(ctx, "r1", "source timeout", base.Add(2*time.Hour)); err != nil {
		t.Fatalf("RetryIntegrationRequest: %v", err)
	}
	if due, _ := s.DueIntegrationRequests(ctx, base.Add(90*time.Minute), 10); len(due) != 1 || due[0].ID != "r3" {
		t.Errorf("due after a retry = %+v; want r3", due)
	}
	got, _ = s.IntegrationRequest(ctx, "r1")
	if got.Attempts != 1 || got.LastError != "source timeout" || !got.NextAttemptAt.Equal(base.Add(2*time.Hour)) {
		t.Errorf("after retry: %+v", got)
	}
	if err := s.DecideIntegrationRequest(ctx, "r1", store.IntegrationApproved, "", `["010000000001"]`, base.Add(3*time.Hour)); err != nil {
		t.Fatalf("DecideIntegrationRequest: %v", err)
	}
	if err := s.DecideIntegrationRequest(ctx, "r1", store.IntegrationRejected, "x", "", base); !errors.Is(err, store.ErrConflict) {
		t.Errorf("deciding twice: %v, want ErrConflict", err)
	}
	if err := s.RetryIntegrationRequest(ctx, "r1", "late", base); !errors.Is(err, store.ErrConflict) {
		t.Errorf("retrying a decided request: %v, want ErrConflict", err)
	}
	got, _ = s.IntegrationRequest(ctx, "r1")
	if got.State != store.IntegrationApproved || got.Documents != `["010000000001"]` || !got.DecidedAt.Equal(base.Add(3*time.Hour)) {
		t.Errorf("decided request = %+v", got)
	}
	// Once decided, the same document may be asked for again.
	if err := s.CreateIntegrationRequest(ctx, dup); err != nil {
		t.Errorf("new request after the first was decided: %v", err)
	}
	l, err := s.ListIntegrationRequests(ctx, "acc", 10)
	if err != nil || len(l) != 3 || l[0].ID != "r3" {
		t.Errorf("ListIntegrationRequests = %+v, %v", l, err)
	}
}

func testWalletDocuments(t *testing.T, s store.Store) {
	ctx := context.Background()
	d := store.WalletDocument{AccountID: "acc", Kind: sources.DrivingLicence, Number: "010000000001", Status: sources.StatusValid,
		Data: []byte(`{"number":"010000000001"}`), RequestID: "r1", AddedAt: base, UpdatedAt: base}
	if err := s.PutWalletDocument(ctx, d); err != nil {
		t.Fatalf("PutWalletDocument: %v", err)
	}
	if err := s.PutWalletDocument(ctx, store.WalletDocument{AccountID: "other", Kind: d.Kind, Number: d.Number,
		Status: sources.StatusValid, Data: d.Data, AddedAt: base, UpdatedAt: base}); err != nil {
		t.Fatalf("PutWalletDocument other: %v", err)
	}
	got, err := s.WalletDocument(ctx, "acc", d.Kind, d.Number)
	if err != nil || string(got.Data) != string(d.Data) || got.RequestID != "r1" || !got.AddedAt.Equal(base) {
		t.Errorf("WalletDocument = %+v, %v", got, err)
	}
	// A sync replaces the data and status but keeps when it was added and
	// which request added it.
	upd := d
	upd.Status, upd.Data, upd.RequestID, upd.AddedAt, upd.UpdatedAt = sources.StatusRevoked, []byte(`{"v":2}`), "", base.Add(time.Hour), base.Add(time.Hour)
	if err := s.PutWalletDocument(ctx, upd); err != nil {
		t.Fatalf("PutWalletDocument update: %v", err)
	}
	got, _ = s.WalletDocument(ctx, "acc", d.Kind, d.Number)
	if got.Status != sources.StatusRevoked || string(got.Data) != `{"v":2}` || got.RequestID != "r1" || !got.AddedAt.Equal(base) || !got.UpdatedAt.Equal(base.Add(time.Hour)) {
		t.Errorf("after update: %+v", got)
	}
	if _, err := s.WalletDocument(ctx, "acc", sources.TaxCode, "x"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("missing wallet document: %v", err)
	}
	if l, err := s.WalletDocuments(ctx, "acc"); err != nil || len(l) != 1 {
		t.Errorf("WalletDocuments = %+v, %v", l, err)
	}
	h, err := s.WalletHolders(ctx, d.Kind, d.Number)
	if err != nil || len(h) != 2 || h[0].AccountID != "acc" || h[1].AccountID != "other" {
		t.Errorf("WalletHolders = %+v, %v", h, err)
	}

	if v, err := s.SyncCursor(ctx, "wallet"); err != nil || v != 0 {
		t.Errorf("unset SyncCursor = %d, %v", v, err)
	}
	for _, v := range []int64{5, 3, 9} {
		if err := s.SetSyncCursor(ctx, "wallet", v); err != nil {
			t.Fatalf("SetSyncCursor %d: %v", v, err)
		}
	}
	if v, err := s.SyncCursor(ctx, "wallet"); err != nil || v != 9 {
		t.Errorf("SyncCursor = %d, %v; want 9 (never backwards)", v, err)
	}

	a := store.Account{ID: "acc-pc", IDNumber: "001190000009", Phone: "+84912345679", PasswordHash: "h", State: store.AccountActive,
		CreatedAt: base, UpdatedAt: base, PasswordChangedAt: base}
	if err := s.CreateAccount(ctx, a); err != nil {
		t.Fatalf("CreateAccount: %v", err)
	}
	if got, _ := s.Account(ctx, a.ID); got.PasscodeHash != "" {
		t.Errorf("new account has passcode hash %q", got.PasscodeHash)
	}
	if err := s.SetPasscodeHash(ctx, a.ID, "$argon2id$x", base.Add(time.Minute)); err != nil {
		t.Fatalf("SetPasscodeHash: %v", err)
	}
	if got, _ := s.Account(ctx, a.ID); got.PasscodeHash != "$argon2id$x" {
		t.Errorf("PasscodeHash = %q", got.PasscodeHash)
	}
	if err := s.SetAccountState(ctx, a.ID, store.AccountLocked, base.Add(2*time.Minute)); err != nil {
		t.Fatalf("SetAccountState: %v", err)
	}
	if got, _ := s.Account(ctx, a.ID); got.State != store.AccountLocked || !got.UpdatedAt.Equal(base.Add(2*time.Minute)) {
		t.Errorf("locked account = %+v", got)
	}
	if err := s.SetAccountState(ctx, "nope", store.AccountLocked, base); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("SetAccountState of a missing account: %v", err)
	}
	if err := s.SetPasscodeHash(ctx, "nope", "x", base); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("SetPasscodeHash of a missing account: %v", err)
	}
}

func testPresentations(t *testing.T, s store.Store) {
	ctx := context.Background()
	p := store.Presentation{ID: "p1", AccountID: "acc", Documents: `[{"kind":"eid","claims":["full_name"]}]`, Nonce: "n",
		Audience: "bank", State: store.PresentationIssued, CreatedAt: base, ExpiresAt: base.Add(3 * time.Minute)}
	if err := s.CreatePresentation(ctx, p); err != nil {
		t.Fatalf("CreatePresentation: %v", err)
	}
	if err := s.CreatePresentation(ctx, p); !errors.Is(err, store.ErrConflict) {
		t.Errorf("same jti twice: %v, want ErrConflict", err)
	}
	p2 := p
	p2.ID, p2.CreatedAt = "p2", base.Add(time.Second)
	if err := s.CreatePresentation(ctx, p2); err != nil {
		t.Fatalf("CreatePresentation p2: %v", err)
	}
	got, err := s.Presentation(ctx, "p1")
	if err != nil || got.Documents != p.Documents || got.Audience != "bank" || !got.VerifiedAt.IsZero() || !got.ExpiresAt.Equal(p.ExpiresAt) {
		t.Errorf("Presentation = %+v, %v", got, err)
	}
	// Exactly one of several racing verifications wins.
	var wins sync.WaitGroup
	results := make(chan error, 5)
	for i := range 5 {
		wins.Add(1)
		go func() {
			defer wins.Done()
			results <- s.UsePresentation(ctx, "p1", fmt.Sprintf("verifier-%d", i), base.Add(time.Minute))
		}()
	}
	wins.Wait()
	close(results)
	ok := 0
	for err := range results {
		switch {
		case err == nil:
			ok++
		case !errors.Is(err, store.ErrConflict):
			t.Errorf("UsePresentation: %v", err)
		}
	}
	if ok != 1 {
		t.Fatalf("%d verifications won, want 1", ok)
	}
	got, _ = s.Presentation(ctx, "p1")
	if got.State != store.PresentationVerified || !got.VerifiedAt.Equal(base.Add(time.Minute)) || got.VerifiedBy == "" {
		t.Errorf("verified presentation = %+v", got)
	}
	if n, err := s.RevokePresentations(ctx, "acc", "p2"); err != nil || n != 1 {
		t.Errorf("RevokePresentations one = %d, %v", n, err)
	}
	if err := s.UsePresentation(ctx, "p2", "v", base); !errors.Is(err, store.ErrConflict) {
		t.Errorf("using a revoked presentation: %v, want ErrConflict", err)
	}
	if n, err := s.RevokePresentations(ctx, "acc", ""); err != nil || n != 1 {
		t.Errorf("RevokePresentations all = %d, %v; want 1 (p1)", n, err)
	}
	if n, err := s.RevokePresentations(ctx, "acc", "p2"); err != nil || n != 0 {
		t.Errorf("revoking again = %d, %v", n, err)
	}
	l, err := s.ListPresentations(ctx, "acc", 10)
	if err != nil || len(l) != 2 || l[0].ID != "p2" {
		t.Errorf("ListPresentations = %+v, %v", l, err)
	}
	if _, err := s.Presentation(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("missing presentation: %v", err)
	}

	n := store.VerifierNonce{Hash: []byte{1, 2, 3}, ClientID: "bank", CreatedAt: base, ExpiresAt: base.Add(5 * time.Minute)}
	if err := s.CreateVerifierNonce(ctx, n); err != nil {
		t.Fatalf("CreateVerifierNonce: %v", err)
	}
	if err := s.UseVerifierNonce(ctx, n.Hash, "shop", base.Add(time.Minute)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("another verifier's nonce: %v, want ErrNotFound", err)
	}
	if err := s.UseVerifierNonce(ctx, n.Hash, "bank", base.Add(6*time.Minute)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("expired nonce: %v, want ErrNotFound", err)
	}
	if err := s.UseVerifierNonce(ctx, n.Hash, "bank", base.Add(time.Minute)); err != nil {
		t.Fatalf("UseVerifierNonce: %v", err)
	}
	if err := s.UseVerifierNonce(ctx, n.Hash, "bank", base.Add(2*time.Minute)); !errors.Is(err, store.ErrConflict) {
		t.Errorf("nonce used twice: %v, want ErrConflict", err)
	}

	// The janitor drops presentations a day after they expire, and expired
	// nonces.
	if _, err := s.PurgeExpired(ctx, base.Add(23*time.Hour), time.Hour); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Presentation(ctx, "p1"); err != nil {
		t.Errorf("presentation purged before a day passed: %v", err)
	}
	if _, err := s.PurgeExpired(ctx, base.Add(25*time.Hour), time.Hour); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Presentation(ctx, "p1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("presentation kept a day after expiry: %v", err)
	}
	if err := s.CreateVerifierNonce(ctx, n); err != nil {
		t.Errorf("the purged nonce's hash cannot be stored again: %v", err)
	}
}
