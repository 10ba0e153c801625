package eid

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vneid/vneid/internal/failure"
	"github.com/vneid/vneid/internal/icao"
	"github.com/vneid/vneid/internal/identity"
	"github.com/vneid/vneid/internal/jurisdiction"
	"github.com/vneid/vneid/internal/notify"
	"github.com/vneid/vneid/internal/registry"
	"github.com/vneid/vneid/internal/sources"
	"github.com/vneid/vneid/internal/store"
)

// Reviewer is a signed-in officer as the review rules see them.
type Reviewer struct {
	ID       string
	FullName string
	Roles    []string
	// Scope is the officer's jurisdiction: dossiers filed under an area
	// outside it are invisible to them.
	Scope jurisdiction.Scope
}

// Has reports whether the officer has a role.
func (r Reviewer) Has(role string) bool { return slices.Contains(r.Roles, role) }

// Sees reports whether a unit is in the officer's jurisdiction.
func (r Reviewer) Sees(unit string) bool { return r.Scope.Covers(unit) }

func (r Reviewer) units() []string { return r.Scope.Areas() }

// QueueItem is one dossier in the review queue (no personal data beyond
// the ID number and the name, which the officer needs to pick it).
type QueueItem struct {
	Application store.Application
	FullName    string
	Overdue     bool
}

// Queue lists the dossiers waiting in the officer's units, earliest
// deadline first.
func (s *Service) Queue(ctx context.Context, c Caller, r Reviewer, limit int) ([]QueueItem, error) {
	if !r.Has("reviewer") {
		return nil, ErrForbidden
	}
	apps, err := s.store.ListApplications(ctx, store.ApplicationFilter{States: []store.ApplicationState{store.AppPendingReview},
		Units: r.units(), Limit: limit})
	if err != nil {
		return nil, failure.Unexpected(err)
	}
	now := s.now()
	out := make([]QueueItem, 0, len(apps))
	var ids []string
	for _, a := range apps {
		item := QueueItem{Application: a, Overdue: now.After(a.DeadlineAt)}
		if cit, err := s.population.Citizen(ctx, a.IDNumber); err == nil {
			item.FullName = cit.FullName
		}
		ids = append(ids, a.IDNumber)
		out = append(out, item)
	}
	// The queue shows each citizen's name and ID number: one audit entry
	// per citizen, so each can see that an officer read it.
	if len(ids) > 0 {
		err := s.store.InTx(ctx, func(q store.Queries) error {
			for _, id := range ids {
				if err := s.audit(ctx, q, c, "officer:"+r.ID, "eid.queue.read", id, "eid_review",
					map[string]any{"fields": []string{"full_name"}}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return nil, failure.Unexpected(err)
		}
	}
	return out, nil
}

// DossierView is everything a reviewer sees of one dossier.
type DossierView struct {
	Application store.Application
	Report      Report
	Citizen     registry.Citizen
	// Images, opened from their sealed form: the chip portrait, the
	// selfie, and the database portrait (nil when there is none).
	ChipPortrait, Selfie, RegistryPortrait []byte
	ChipPortraitType                       string
	Overdue                                bool
	// Desk is what the enrolment desk recorded (desk dossiers only), with
	// the portrait taken there and the citizen's signature, if any.
	Desk                    *DeskDetails
	DeskPortrait, Signature []byte
}

// Dossier opens one dossier for a reviewer, writing the view to the audit
// log.
func (s *Service) Dossier(ctx context.Context, c Caller, r Reviewer, id string) (DossierView, error) {
	if !r.Has("reviewer") {
		return DossierView{}, ErrForbidden
	}
	app, err := s.store.Application(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return DossierView{}, ErrApplicationNotFound
	}
	if err != nil {
		return DossierView{}, failure.Unexpected(err)
	}
	if !r.Sees(app.Unit) {
		// Outside the officer's jurisdiction looks like nothing at all.
		return DossierView{}, ErrApplicationNotFound
	}
	v := DossierView{Application: app, Overdue: app.State == store.AppPendingReview && s.now().After(app.DeadlineAt)}
	if app.Checks != "" {
		if err := json.Unmarshal([]byte(app.Checks), &v.Report); err != nil {
			return DossierView{}, failure.Unexpected(err)
		}
	}
	if v.Citizen, err = s.citizen(ctx, app.IDNumber); err != nil {
		return DossierView{}, failure.Unexpected(err)
	}
	ev, err := s.store.ApplicationEvidence(ctx, app.ID)
	if err != nil {
		return DossierView{}, failure.Unexpected(err)
	}
	open := func(kind string) ([]byte, error) {
		e, ok := ev[kind]
		if !ok {
			return nil, nil
		}
		return s.box.Open(e.Data, evidenceAD(app.ID, kind))
	}
	if v.Selfie, err = open("selfie"); err != nil {
		return DossierView{}, failure.Unexpected(err)
	}
	dg2, err := open("dg2")
	if err != nil {
		return DossierView{}, failure.Unexpected(err)
	}
	if dg2 != nil {
		if img, typ, ok := portraitFromDG2(dg2); ok {
			v.ChipPortrait, v.ChipPortraitType = img, typ
		}
	}
	if v.RegistryPortrait, err = s.registryPortrait(ctx, app.IDNumber); err != nil {
		return DossierView{}, failure.Unexpected(err)
	}
	read := []string{"selfie", "chip_portrait", "registry_portrait", "checks"}
	if app.Channel == "desk" {
		var d DeskDetails
		if err := json.Unmarshal([]byte(app.Details), &d); err != nil {
			return DossierView{}, failure.Unexpected(err)
		}
		v.Desk = &d
		if v.DeskPortrait, err = open("desk_portrait"); err != nil {
			return DossierView{}, failure.Unexpected(err)
		}
		if v.Signature, err = open("desk_signature"); err != nil {
			return DossierView{}, failure.Unexpected(err)
		}
		read = []string{"desk_portrait", "registry_portrait", "fingerprint_scores", "signature", "contact", "checks"}
	}
	if err := s.audit(ctx, s.store, c, "officer:"+r.ID, "eid.dossier.read", app.IDNumber, "eid_review",
		map[string]any{"application": app.ID, "evidence": read}); err != nil {
		return DossierView{}, failure.Unexpected(err)
	}
	return v, nil
}

// RejectReason is a reason code officers choose when refusing a dossier.
type RejectReason struct {
	Code   string
	VI, EN string
}

// RejectReasons are the codes a refusal may carry.
func RejectReasons() []RejectReason {
	return []RejectReason{
		{"portrait_mismatch", "Ảnh chân dung không trùng khớp với ảnh trong Cơ sở dữ liệu căn cước", "The portrait does not match the ID-card database"},
		{"selfie_quality", "Ảnh chân dung chụp không đạt yêu cầu (mờ, thiếu sáng, bị che)", "The selfie is unusable (blurred, dark or covered)"},
		{"data_mismatch", "Thông tin trên thẻ không khớp với Cơ sở dữ liệu quốc gia về dân cư", "The card's details do not match the population database"},
		{"card_invalid", "Thẻ Căn cước công dân không còn giá trị sử dụng", "The ID card is no longer valid"},
		{"suspected_fraud", "Nghi vấn giả mạo, đề nghị đến cơ quan Công an để được hướng dẫn", "Suspected impersonation; please visit the police"},
		{"other", "Lý do khác", "Other reason"},
	}
}

func rejectReason(code string) (RejectReason, bool) {
	for _, r := range RejectReasons() {
		if r.Code == code {
			return r, true
		}
	}
	return RejectReason{}, false
}

// Approve records an officer's "Đạt" on a dossier.
func (s *Service) Approve(ctx context.Context, c Caller, r Reviewer, id string) error {
	return s.decideByOfficer(ctx, c, r, id, func(q store.Queries, app *store.Application, cit registry.Citizen) error {
		return s.approve(ctx, q, c, app, "officer:"+r.ID, cit)
	})
}

// Reject records an officer's refusal with a reason code and text.
func (s *Service) Reject(ctx context.Context, c Caller, r Reviewer, id, code, text string) error {
	reason, ok := rejectReason(code)
	text = strings.TrimSpace(text)
	if !ok || text == "" || len(text) > 1000 {
		return ErrReasonRequired.WithFields("reason_code", "reason_text")
	}
	return s.decideByOfficer(ctx, c, r, id, func(q store.Queries, app *store.Application, cit registry.Citizen) error {
		return s.reject(ctx, q, c, app, "officer:"+r.ID, reason, text, cit)
	})
}

func (s *Service) decideByOfficer(ctx context.Context, c Caller, r Reviewer, id string,
	fn func(q store.Queries, app *store.Application, cit registry.Citizen) error) error {
	if !r.Has("reviewer") {
		return ErrForbidden
	}
	app, err := s.store.Application(ctx, id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !r.Sees(app.Unit)) {
		return ErrApplicationNotFound
	}
	if err != nil {
		return failure.Unexpected(err)
	}
	if app.State != store.AppPendingReview {
		return ErrApplicationState
	}
	cit, err := s.citizen(ctx, app.IDNumber)
	if err != nil {
		return failure.Unexpected(err)
	}
	err = s.store.InTx(ctx, func(q store.Queries) error { a := app; return fn(q, &a, cit) })
	if errors.Is(err, store.ErrConflict) {
		return ErrApplicationState
	}
	if err != nil {
		return failure.Unexpected(err)
	}
	s.wake()
	return nil
}

// approve moves a pending dossier and its account to approved and queues
// the notices, inside q's transaction.
func (s *Service) approve(ctx context.Context, q store.Queries, c Caller, app *store.Application, by string, cit registry.Citizen) error {
	now := s.now()
	due := now.Add(s.cfg.ActivationWindow)
	acc, err := q.Account(ctx, app.AccountID)
	if err != nil {
		return err
	}
	phone, email := acc.Phone, acc.Email
	auditDetail := map[string]any{"application": app.ID, "level": app.Level, "activation_due": due}
	if app.Channel == "desk" {
		// The desk recorded where the citizen wants the result; a card
		// application issues the card with the account (letter 1).
		var d DeskDetails
		if err := json.Unmarshal([]byte(app.Details), &d); err != nil {
			return err
		}
		phone, email = cmp.Or(d.Phone, phone), cmp.Or(d.Email, email)
		if d.CardRequest != CardRequestNone {
			card, err := s.issueCard(ctx, q, cit, d.CardRequest)
			if err != nil {
				return err
			}
			d.NewCard = &card
			b, err := json.Marshal(d)
			if err != nil {
				return err
			}
			app.Details = string(b)
			auditDetail["card_issued"] = card.IssueDate.String()
		}
		// The documents the citizen asked to integrate at the desk become
		// integration requests that the wallet checks at their sources.
		for _, kind := range d.Documents {
			err := q.CreateIntegrationRequest(ctx, store.IntegrationRequest{ID: newID(), AccountID: app.AccountID,
				IDNumber: app.IDNumber, Kind: sources.Kind(kind), Channel: "desk", ApplicationID: app.ID,
				State: store.IntegrationPending, NextAttemptAt: now, CreatedAt: now})
			if err != nil && !errors.Is(err, store.ErrConflict) { // a pending one of the kind stands
				return err
			}
		}
		if len(d.Documents) > 0 {
			auditDetail["documents_requested"] = d.Documents
		}
	}
	app.State, app.DecidedAt, app.DecidedBy, app.UpdatedAt = store.AppApproved, now, by, now
	if err := q.UpdateApplication(ctx, *app, store.AppPendingReview); err != nil {
		return err
	}
	if err := q.UpdateEID(ctx, app.AccountID, store.EIDUpdate{From: store.EIDPending, To: store.EIDApproved, Level: -1,
		PendingLevel: app.Level, ActivationDue: due, At: now}); err != nil {
		return err
	}
	if _, err := q.EnqueueOutbox(ctx, notify.EIDApprovedMessage(phone, identity.ASCIIName(cit.FullName), s.cfg.PortalURL, now)); err != nil {
		return err
	}
	if email != "" {
		if _, err := q.EnqueueOutbox(ctx, notify.EIDApprovedEmail(email, identity.ASCIIName(cit.FullName), s.cfg.PortalURL, now)); err != nil {
			return err
		}
	}
	if _, err := q.AddInbox(ctx, store.InboxMessage{AccountID: app.AccountID, Kind: "eid_approved",
		TitleVI: "Hồ sơ định danh điện tử đã được phê duyệt", TitleEN: "e-ID application approved",
		BodyVI:    "Hồ sơ đăng ký tài khoản định danh điện tử mức " + itoa(app.Level) + " của bạn đã được phê duyệt. Vui lòng kích hoạt tài khoản trước " + due.In(s.cfg.Location).Format("15:04 02/01/2006") + ".",
		BodyEN:    "Your level " + itoa(app.Level) + " e-ID application was approved. Please activate the account before " + due.In(s.cfg.Location).Format("15:04 02/01/2006") + ".",
		CreatedAt: now}); err != nil {
		return err
	}
	return s.audit(ctx, q, c, actorOf(by), "eid.application.approved", app.IDNumber, "eid_review", auditDetail)
}

func (s *Service) reject(ctx context.Context, q store.Queries, c Caller, app *store.Application, by string, reason RejectReason, text string, cit registry.Citizen) error {
	now := s.now()
	app.State, app.DecidedAt, app.DecidedBy, app.ReasonCode, app.ReasonText, app.UpdatedAt =
		store.AppRejected, now, by, reason.Code, text, now
	if err := q.UpdateApplication(ctx, *app, store.AppPendingReview); err != nil {
		return err
	}
	if err := q.UpdateEID(ctx, app.AccountID, store.EIDUpdate{From: store.EIDPending, To: store.EIDRejected, Level: -1, At: now}); err != nil {
		return err
	}
	acc, err := q.Account(ctx, app.AccountID)
	if err != nil {
		return err
	}
	if app.Channel == "desk" {
		var d DeskDetails
		if err := json.Unmarshal([]byte(app.Details), &d); err != nil {
			return err
		}
		acc.Phone, acc.Email = cmp.Or(d.Phone, acc.Phone), cmp.Or(d.Email, acc.Email)
	}
	if _, err := q.EnqueueOutbox(ctx, notify.EIDRejectedMessage(acc.Phone, identity.ASCIIName(cit.FullName), reason.VI, now)); err != nil {
		return err
	}
	if acc.Email != "" {
		if _, err := q.EnqueueOutbox(ctx, notify.EIDRejectedEmail(acc.Email, identity.ASCIIName(cit.FullName), reason.VI, reason.EN, text, now)); err != nil {
			return err
		}
	}
	if _, err := q.AddInbox(ctx, store.InboxMessage{AccountID: app.AccountID, Kind: "eid_rejected",
		TitleVI: "Hồ sơ định danh điện tử chưa được phê duyệt", TitleEN: "e-ID application not approved",
		BodyVI: "Lý do: " + reason.VI + ". " + text, BodyEN: "Reason: " + reason.EN + ". " + text, CreatedAt: now}); err != nil {
		return err
	}
	return s.audit(ctx, q, c, actorOf(by), "eid.application.rejected", app.IDNumber, "eid_review",
		map[string]any{"application": app.ID, "reason": reason.Code})
}

func actorOf(by string) string {
	if by == "auto" {
		return "system"
	}
	return by
}

func itoa(n int) string { return strconv.Itoa(n) }

// Activate activates an approved e-ID for the logged-in citizen within the
// activation window; after it the account needs an officer.
func (s *Service) Activate(ctx context.Context, c Caller, accountID string) (int, error) {
	st, err := s.store.AccountEID(ctx, accountID)
	if err != nil {
		return 0, failure.Unexpected(err)
	}
	now := s.now()
	switch {
	case st.State == store.EIDActivationExpired:
		return 0, ErrActivationExpired
	case st.State != store.EIDApproved:
		return 0, ErrNotApproved
	case now.After(st.ActivationDue):
		err := s.store.InTx(ctx, func(q store.Queries) error {
			return q.UpdateEID(ctx, accountID, store.EIDUpdate{From: store.EIDApproved, To: store.EIDActivationExpired,
				Level: -1, PendingLevel: st.PendingLevel, ActivationDue: st.ActivationDue, At: now})
		})
		if err != nil && !errors.Is(err, store.ErrConflict) {
			return 0, failure.Unexpected(err)
		}
		return 0, ErrActivationExpired
	}
	err = s.store.InTx(ctx, func(q store.Queries) error {
		if err := q.UpdateEID(ctx, accountID, store.EIDUpdate{From: store.EIDApproved, To: store.EIDActive,
			Level: st.PendingLevel, At: now}); err != nil {
			return err
		}
		acc, err := q.Account(ctx, accountID)
		if err != nil {
			return err
		}
		if _, err := q.AddInbox(ctx, store.InboxMessage{AccountID: accountID, Kind: "eid_activated",
			TitleVI: "Đã kích hoạt tài khoản định danh điện tử", TitleEN: "e-ID account activated",
			BodyVI: "Tài khoản định danh điện tử mức " + itoa(st.PendingLevel) + " đã được kích hoạt.",
			BodyEN: "Your level " + itoa(st.PendingLevel) + " e-ID account is active.", CreatedAt: now}); err != nil {
			return err
		}
		return s.audit(ctx, q, c, "account:"+accountID, "eid.activated", acc.IDNumber, "eid_activation",
			map[string]any{"level": st.PendingLevel})
	})
	if errors.Is(err, store.ErrConflict) {
		return 0, ErrNotApproved
	}
	if err != nil {
		return 0, failure.Unexpected(err)
	}
	return st.PendingLevel, nil
}

// Reopen gives a citizen whose activation window passed a new one: the
// documented officer or hotline action of Decree 59 Art 18.
func (s *Service) Reopen(ctx context.Context, c Caller, actor, idNumber string) (time.Time, error) {
	acc, err := s.store.AccountByIDNumber(ctx, idNumber)
	if errors.Is(err, store.ErrNotFound) {
		return time.Time{}, ErrApplicationNotFound
	}
	if err != nil {
		return time.Time{}, failure.Unexpected(err)
	}
	st, err := s.store.AccountEID(ctx, acc.ID)
	if err != nil {
		return time.Time{}, failure.Unexpected(err)
	}
	if st.State != store.EIDActivationExpired {
		return time.Time{}, ErrNotActivationExpired
	}
	now := s.now()
	due := now.Add(s.cfg.ActivationWindow)
	err = s.store.InTx(ctx, func(q store.Queries) error {
		if err := q.UpdateEID(ctx, acc.ID, store.EIDUpdate{From: store.EIDActivationExpired, To: store.EIDApproved, Level: -1,
			PendingLevel: st.PendingLevel, ActivationDue: due, At: now}); err != nil {
			return err
		}
		return s.audit(ctx, q, c, actor, "eid.activation.reopened", idNumber, "eid_activation",
			map[string]any{"activation_due": due})
	})
	if err != nil {
		return time.Time{}, failure.Unexpected(err)
	}
	return due, nil
}

// ExpireActivations closes activation windows that have passed; the server
// runs it periodically.
func (s *Service) ExpireActivations(ctx context.Context) (int, error) {
	ids, err := s.store.ExpireActivations(ctx, s.now())
	if err != nil {
		return 0, failure.Unexpected(err)
	}
	return len(ids), nil
}

// Status is the e-ID status of an account with its newest application.
type Status struct {
	EID         store.EIDStatus
	Application *store.Application
}

// AccountStatus returns an account's e-ID state and newest application.
func (s *Service) AccountStatus(ctx context.Context, accountID string) (Status, error) {
	st, err := s.store.AccountEID(ctx, accountID)
	if err != nil {
		return Status{}, failure.Unexpected(err)
	}
	out := Status{EID: st}
	apps, err := s.store.ListApplications(ctx, store.ApplicationFilter{AccountID: accountID, Limit: 1000})
	if err != nil {
		return Status{}, failure.Unexpected(err)
	}
	for i := range apps {
		if apps[i].State == store.AppExpired || apps[i].State == store.AppAwaitingEvidence {
			continue
		}
		if out.Application == nil || apps[i].CreatedAt.After(out.Application.CreatedAt) {
			out.Application = &apps[i]
		}
	}
	return out, nil
}

// Inbox returns the account's notices.
func (s *Service) Inbox(ctx context.Context, accountID string, limit int) ([]store.InboxMessage, error) {
	l, err := s.store.ListInbox(ctx, accountID, limit)
	if err != nil {
		return nil, failure.Unexpected(err)
	}
	return l, nil
}

// MarkRead marks a notice read.
func (s *Service) MarkRead(ctx context.Context, accountID string, id int64) error {
	err := s.store.MarkInboxRead(ctx, accountID, id, s.now())
	if errors.Is(err, store.ErrNotFound) {
		return ErrNoticeNotFound
	}
	return failure.Unexpected(err)
}

// portraitFromDG2 extracts the first face image of a DG2.
func portraitFromDG2(b []byte) ([]byte, string, bool) {
	d, err := icao.ParseDG2(b)
	if err != nil || len(d.Faces) == 0 {
		return nil, "", false
	}
	return d.Faces[0].Image, d.Faces[0].ImageType, true
}
