package wallet

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/vneid/vneid/internal/account"
	"github.com/vneid/vneid/internal/failure"
	"github.com/vneid/vneid/internal/registry"
	"github.com/vneid/vneid/internal/sources"
	"github.com/vneid/vneid/internal/store"
)

// Reasons an integration request is rejected. They are stable codes the app
// shows with RejectReasonText.
const (
	ReasonNotFound         = "document_not_found" // the source has no such document
	ReasonHolderMismatch   = "holder_mismatch"    // the document belongs to someone else
	ReasonIdentityMismatch = "identity_mismatch"  // name or date of birth differ from the population database
	ReasonNotValid         = "document_not_valid" // expired, suspended, revoked or replaced
	ReasonUnavailable      = "source_unavailable" // the source did not answer for GiveUpAfter
	ReasonCitizen          = "citizen_not_found"  // the population database has no record
	ReasonAlreadyInWallet  = "already_in_wallet"  // every document found is already there
)

// RejectReasonText returns the Vietnamese and English text of a reason code.
func RejectReasonText(code string) (vi, en string) {
	switch code {
	case ReasonNotFound:
		return "Không tìm thấy giấy tờ tại cơ sở dữ liệu chuyên ngành.", "The source registry has no such document."
	case ReasonHolderMismatch:
		return "Giấy tờ không đứng tên người có tài khoản.", "The document is not in the account holder's name."
	case ReasonIdentityMismatch:
		return "Họ tên hoặc ngày sinh trên giấy tờ không khớp với Cơ sở dữ liệu quốc gia về dân cư.",
			"The name or date of birth on the document does not match the national population database."
	case ReasonNotValid:
		return "Giấy tờ không còn giá trị sử dụng.", "The document is no longer valid."
	case ReasonUnavailable:
		return "Cơ sở dữ liệu chuyên ngành không phản hồi. Vui lòng gửi lại yêu cầu sau.",
			"The source registry did not answer. Please send the request again later."
	case ReasonCitizen:
		return "Không tìm thấy công dân trong Cơ sở dữ liệu quốc gia về dân cư.", "The citizen is not in the population database."
	case ReasonAlreadyInWallet:
		return "Giấy tờ đã có trong ví.", "The document is already in the wallet."
	}
	return "Yêu cầu bị từ chối.", "The request was refused."
}

// Request is an integration request as the citizen sees it.
type Request struct {
	ID         string       `json:"id"`
	Kind       sources.Kind `json:"kind"`
	Number     string       `json:"number,omitempty"`
	Channel    string       `json:"channel"`
	State      string       `json:"state"`
	ReasonCode string       `json:"reason_code,omitempty"`
	ReasonVI   string       `json:"reason_vi,omitempty"`
	ReasonEN   string       `json:"reason_en,omitempty"`
	Documents  []string     `json:"documents,omitempty"`
	CreatedAt  time.Time    `json:"created_at"`
	DecidedAt  *time.Time   `json:"decided_at,omitempty"`
}

func requestView(r store.IntegrationRequest) Request {
	v := Request{ID: r.ID, Kind: r.Kind, Number: r.Number, Channel: r.Channel, State: r.State, ReasonCode: r.ReasonCode,
		CreatedAt: r.CreatedAt.UTC()}
	if r.ReasonCode != "" {
		v.ReasonVI, v.ReasonEN = RejectReasonText(r.ReasonCode)
	}
	_ = json.Unmarshal([]byte(r.Documents), &v.Documents)
	if !r.DecidedAt.IsZero() {
		t := r.DecidedAt.UTC()
		v.DecidedAt = &t
	}
	return v
}

// RequestIntegration records a level-2 citizen's request to integrate a
// document and checks it at the source at once. Number may be empty to take
// every valid document of the kind the source holds for the citizen. A
// request equal to a pending one, or for a document already in the wallet,
// is refused; driving-licence requests are capped per day. When the source
// does not answer, the request stays pending and is retried.
func (s *Service) RequestIntegration(ctx context.Context, c account.Caller, p account.Principal, kind sources.Kind, number string, consent bool) (Request, error) {
	if err := requireLevel(p, 2); err != nil {
		return Request{}, err
	}
	if !kind.Valid() {
		return Request{}, ErrKindInvalid.WithFields("kind")
	}
	if !consent {
		return Request{}, ErrConsentRequired.WithFields("consent")
	}
	number = sources.NormalizeNumber(kind, number)
	if number != "" && sources.ValidateNumber(kind, number) != nil {
		return Request{}, ErrNumberInvalid.WithFields("number")
	}
	now := s.now()
	r := store.IntegrationRequest{ID: newID(), AccountID: p.Account.ID, IDNumber: p.Account.IDNumber, Kind: kind,
		Number: number, Channel: "app", State: store.IntegrationPending, NextAttemptAt: now, CreatedAt: now}
	err := s.store.InTx(ctx, func(q store.Queries) error {
		// One request of the account at a time: the cap and the duplicate
		// checks below must see the requests racing this one.
		if err := q.SerializeAccount(ctx, p.Account.ID); err != nil {
			return err
		}
		if kind == sources.DrivingLicence && s.cfg.LicenceDailyCap > 0 {
			n, err := q.CountIntegrationRequests(ctx, p.Account.ID, kind, s.startOfDay())
			if err != nil {
				return err
			}
			if n >= s.cfg.LicenceDailyCap {
				return ErrDailyCap.WithRetryAfter(s.startOfDay().Add(24 * time.Hour).Sub(now))
			}
		}
		if dup, err := s.inWallet(ctx, q, p.Account.ID, kind, number); err != nil {
			return err
		} else if dup {
			return ErrDuplicate
		}
		if err := q.CreateIntegrationRequest(ctx, r); err != nil {
			if errors.Is(err, store.ErrConflict) {
				return ErrDuplicate
			}
			return err
		}
		return s.audit(ctx, q, c, "account:"+p.Account.ID, "wallet.integration.requested", p.Account.IDNumber, "wallet",
			map[string]any{"request": r.ID, "kind": kind, "channel": "app"})
	})
	if err != nil {
		return Request{}, failure.Unexpected(err)
	}
	if err := s.process(ctx, r); err != nil {
		return Request{}, err
	}
	got, err := s.store.IntegrationRequest(ctx, r.ID)
	if err != nil {
		return Request{}, failure.Unexpected(err)
	}
	return requestView(got), nil
}

// inWallet reports whether the wallet already holds a valid copy of the
// document (or, with no number, a valid document of the kind).
func (s *Service) inWallet(ctx context.Context, q store.Queries, accountID string, kind sources.Kind, number string) (bool, error) {
	docs, err := q.WalletDocuments(ctx, accountID)
	if err != nil {
		return false, err
	}
	for _, d := range docs {
		if d.Kind == kind && (number == "" || d.Number == number) && d.Status == sources.StatusValid {
			return true, nil
		}
	}
	return false, nil
}

// ListRequests returns the citizen's integration requests, newest first.
func (s *Service) ListRequests(ctx context.Context, p account.Principal) ([]Request, error) {
	rows, err := s.store.ListIntegrationRequests(ctx, p.Account.ID, 100)
	if err != nil {
		return nil, failure.Unexpected(err)
	}
	out := make([]Request, 0, len(rows))
	for _, r := range rows {
		out = append(out, requestView(r))
	}
	return out, nil
}

// ProcessDue checks every pending request that is due (new desk requests,
// and retries after the source did not answer) and returns how many were
// decided. Several instances may run it at once: a decision is a
// compare-and-set.
func (s *Service) ProcessDue(ctx context.Context) (int, error) {
	due, err := s.store.DueIntegrationRequests(ctx, s.now(), 100)
	if err != nil {
		return 0, fmt.Errorf("wallet: due requests: %w", err)
	}
	n := 0
	for _, r := range due {
		if err := s.process(ctx, r); err != nil {
			return n, err
		}
		if got, err := s.store.IntegrationRequest(ctx, r.ID); err == nil && got.State != store.IntegrationPending {
			n++
		}
	}
	return n, nil
}

// sameName compares names as people write them: NFC, case and spacing
// aside.
func sameName(a, b string) bool {
	f := func(s string) string { return strings.Join(strings.Fields(norm.NFC.String(s)), " ") }
	return strings.EqualFold(f(a), f(b))
}

// process checks one pending request at its source and decides it, or
// schedules a retry when the source does not answer.
func (s *Service) process(ctx context.Context, r store.IntegrationRequest) error {
	cit, err := s.population.Citizen(ctx, r.IDNumber)
	if errors.Is(err, registry.ErrNotFound) {
		return s.decide(ctx, r, ReasonCitizen, nil)
	}
	if err != nil {
		return failure.Unexpected(err)
	}
	var found []sources.Document
	if r.Number != "" {
		d, err := s.source.Document(ctx, r.Kind, r.Number)
		switch {
		case errors.Is(err, sources.ErrNotFound):
			return s.decide(ctx, r, ReasonNotFound, nil)
		case errors.Is(err, sources.ErrUnavailable):
			return s.retry(ctx, r, err)
		case err != nil:
			return failure.Unexpected(err)
		}
		found = []sources.Document{d}
	} else {
		docs, err := s.source.Documents(ctx, r.Kind, r.IDNumber)
		switch {
		case errors.Is(err, sources.ErrUnavailable):
			return s.retry(ctx, r, err)
		case err != nil:
			return failure.Unexpected(err)
		}
		if len(docs) == 0 {
			return s.decide(ctx, r, ReasonNotFound, nil)
		}
		found = docs
	}
	today := s.today()
	var valid []sources.Document
	reason := ReasonNotValid
	for _, d := range found {
		switch {
		case d.HolderID != cit.ID:
			reason = ReasonHolderMismatch
		case !sameName(d.HolderName, cit.FullName) || (!d.DateOfBirth.IsZero() && d.DateOfBirth != cit.DateOfBirth):
			reason = ReasonIdentityMismatch
		case !d.ValidOn(today):
			// keep ReasonNotValid unless a worse reason was seen
		default:
			valid = append(valid, d)
		}
	}
	if len(valid) == 0 {
		return s.decide(ctx, r, reason, nil)
	}
	return s.decide(ctx, r, "", valid)
}

func (s *Service) retry(ctx context.Context, r store.IntegrationRequest, cause error) error {
	now := s.now()
	if now.Sub(r.CreatedAt) >= s.cfg.GiveUpAfter {
		return s.decide(ctx, r, ReasonUnavailable, nil)
	}
	wait := s.cfg.RetryAfter << min(r.Attempts, 6)
	if wait > time.Hour {
		wait = time.Hour
	}
	s.log.Warn("document source unavailable; integration request retried later", "request", r.ID, "kind", r.Kind,
		"attempt", r.Attempts+1, "err", cause)
	if err := s.store.RetryIntegrationRequest(ctx, r.ID, cause.Error(), now.Add(wait)); err != nil && !errors.Is(err, store.ErrConflict) {
		return failure.Unexpected(err)
	}
	return nil
}

// decide approves (docs not empty: they go into the wallet) or rejects a
// request with reason, and tells the citizen in the inbox.
func (s *Service) decide(ctx context.Context, r store.IntegrationRequest, reason string, docs []sources.Document) error {
	now := s.now()
	vi, en := r.Kind.Label()
	err := s.store.InTx(ctx, func(q store.Queries) error {
		var numbers []string
		for _, d := range docs {
			data, err := json.Marshal(d)
			if err != nil {
				return err
			}
			if err := q.PutWalletDocument(ctx, store.WalletDocument{AccountID: r.AccountID, Kind: d.Kind, Number: d.Number,
				Status: d.Status, Data: data, RequestID: r.ID, AddedAt: now, UpdatedAt: now}); err != nil {
				return err
			}
			numbers = append(numbers, d.Number)
		}
		state := store.IntegrationApproved
		if len(docs) == 0 {
			state = store.IntegrationRejected
		}
		list, _ := json.Marshal(numbers)
		if numbers == nil {
			list = []byte("[]")
		}
		if err := q.DecideIntegrationRequest(ctx, r.ID, state, reason, string(list), now); err != nil {
			return err
		}
		msg := store.InboxMessage{AccountID: r.AccountID, Kind: "wallet_integrated", CreatedAt: now,
			TitleVI: "Tích hợp " + lower(vi) + " thành công", TitleEN: en + " integrated",
			BodyVI: vi + " đã được kiểm tra tại cơ sở dữ liệu chuyên ngành và tích hợp vào ví giấy tờ.",
			BodyEN: "Your " + lowerEN(en) + " was checked at its source registry and added to the wallet."}
		if state == store.IntegrationRejected {
			rvi, ren := RejectReasonText(reason)
			msg = store.InboxMessage{AccountID: r.AccountID, Kind: "wallet_rejected", CreatedAt: now,
				TitleVI: "Yêu cầu tích hợp " + lower(vi) + " bị từ chối", TitleEN: en + " integration refused",
				BodyVI: rvi, BodyEN: ren}
		}
		if _, err := q.AddInbox(ctx, msg); err != nil {
			return err
		}
		return s.audit(ctx, q, account.Caller{}, "system", "wallet.integration."+state, r.IDNumber, "wallet",
			map[string]any{"request": r.ID, "kind": r.Kind, "reason": reason, "documents": len(docs)})
	})
	if errors.Is(err, store.ErrConflict) {
		return nil // another instance decided it first
	}
	return failure.Unexpected(err)
}

func lower(s string) string {
	if s == "" {
		return s
	}
	r := []rune(s)
	r[0] = unicode.ToLower(r[0])
	return string(r)
}

func lowerEN(s string) string { return lower(s) }

// Sync applies the source's changes since the last run to every wallet copy
// of the changed documents (a renewal updates the copy; a revocation marks
// it revoked and tells the citizen) and returns how many copies changed.
func (s *Service) Sync(ctx context.Context) (int, error) {
	const cursorName = "wallet-source"
	after, err := s.store.SyncCursor(ctx, cursorName)
	if err != nil {
		return 0, fmt.Errorf("wallet sync: %w", err)
	}
	changed := 0
	for {
		batch, err := s.source.Changes(ctx, after, 500)
		if err != nil {
			return changed, fmt.Errorf("wallet sync: %w", err)
		}
		if len(batch) == 0 {
			return changed, nil
		}
		for _, ch := range batch {
			n, err := s.applyChange(ctx, ch.Document)
			if err != nil {
				return changed, err
			}
			changed += n
			after = ch.Seq
		}
		if err := s.store.SetSyncCursor(ctx, cursorName, after); err != nil {
			return changed, fmt.Errorf("wallet sync: %w", err)
		}
	}
}

func (s *Service) applyChange(ctx context.Context, d sources.Document) (int, error) {
	holders, err := s.store.WalletHolders(ctx, d.Kind, d.Number)
	if err != nil || len(holders) == 0 {
		return 0, err
	}
	data, err := json.Marshal(d)
	if err != nil {
		return 0, err
	}
	now := s.now()
	n := 0
	for _, h := range holders {
		status := d.Status
		acc, err := s.store.Account(ctx, h.AccountID)
		if err != nil {
			return n, fmt.Errorf("wallet sync: %w", err)
		}
		if d.HolderID != acc.IDNumber {
			status = sources.StatusRevoked // the document now belongs to someone else
		}
		if string(h.Data) == string(data) && h.Status == status {
			continue
		}
		vi, en := d.Kind.Label()
		err = s.store.InTx(ctx, func(q store.Queries) error {
			if err := q.PutWalletDocument(ctx, store.WalletDocument{AccountID: h.AccountID, Kind: d.Kind, Number: d.Number,
				Status: status, Data: data, AddedAt: h.AddedAt, UpdatedAt: now}); err != nil {
				return err
			}
			if status != h.Status && status != sources.StatusValid {
				if _, err := q.AddInbox(ctx, store.InboxMessage{AccountID: h.AccountID, Kind: "wallet_document_invalid", CreatedAt: now,
					TitleVI: vi + " không còn giá trị", TitleEN: en + " no longer valid",
					BodyVI: vi + " số " + d.Number + " trong ví đã được cơ quan quản lý cập nhật trạng thái: " + statusVI(status) + ".",
					BodyEN: "Your " + lowerEN(en) + " " + d.Number + " in the wallet was updated by its issuer: " + string(status) + "."}); err != nil {
					return err
				}
			}
			return s.audit(ctx, q, account.Caller{}, "system", "wallet.document.synced", acc.IDNumber, "wallet_sync",
				map[string]any{"kind": d.Kind, "status": status})
		})
		if err != nil {
			return n, fmt.Errorf("wallet sync: %w", err)
		}
		n++
	}
	return n, nil
}

func statusVI(s sources.Status) string {
	switch s {
	case sources.StatusValid:
		return "còn hiệu lực"
	case sources.StatusExpired:
		return "hết hạn"
	case sources.StatusSuspended:
		return "tạm giữ, tạm đình chỉ"
	case sources.StatusRevoked:
		return "thu hồi"
	case sources.StatusReplaced:
		return "đã cấp đổi"
	}
	return string(s)
}
