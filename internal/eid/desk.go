package eid

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"time"

	"github.com/vneid/vneid/internal/cccd"
	"github.com/vneid/vneid/internal/enrolment"
	"github.com/vneid/vneid/internal/face"
	"github.com/vneid/vneid/internal/failure"
	"github.com/vneid/vneid/internal/fingerprint"
	"github.com/vneid/vneid/internal/identity"
	"github.com/vneid/vneid/internal/registry"
	"github.com/vneid/vneid/internal/store"
)

// The level-2 enrolment desk (letters 1 and 2): an officer of a police unit
// finds the citizen, applies the place rule, takes the portrait and
// fingerprints and checks them 1:1 against the ID-card database, records
// where to notify and what documents to integrate, takes the citizen's
// consent (an SMS code or a signature), and submits a level-2 dossier that
// reviewing officers decide on. A desk application is an Application with
// Channel "desk"; its Details hold DeskDetails.

// Desk failures.
var (
	ErrDeskQuery = failure.New("desk_query_invalid", failure.Invalid,
		"Nhập số định danh cá nhân (12 chữ số) hoặc quét mã QR trên thẻ.",
		"Enter the 12-digit personal ID number or scan the card's QR code.")
	ErrDeskCitizenNotFound = failure.New("desk_citizen_not_found", failure.NotFound,
		"Không tìm thấy công dân trong Cơ sở dữ liệu quốc gia về dân cư.",
		"The citizen is not in the national population database.")
	ErrDeskCardRequestNeeded = failure.New("desk_card_request_needed", failure.Conflict,
		"Công dân không có thẻ Căn cước gắn chip còn giá trị (hết hạn, mất, hỏng hoặc chưa có). Làm thủ tục cấp, đổi hoặc cấp lại thẻ cùng với tài khoản mức 2.",
		"The citizen has no valid chip ID card (expired, lost, damaged or never issued). File a card application together with the level-2 account.")
	ErrDeskCardRequestInvalid = failure.New("desk_card_request_invalid", failure.Invalid,
		"Loại yêu cầu cấp thẻ không hợp lệ.", "The kind of card application is not valid.")
	ErrDeskContact = failure.New("desk_contact_invalid", failure.Invalid,
		"Cần số điện thoại di động hợp lệ để nhận kết quả; thư điện tử (nếu có) phải hợp lệ.",
		"A valid mobile number is needed for the result; an email, if given, must be valid.")
	ErrDeskAlreadyOpen = failure.New("desk_application_open", failure.Conflict,
		"Công dân đang có hồ sơ mức 2 mở tại quầy; tiếp tục hồ sơ đó.",
		"The citizen already has an open level-2 desk application; continue that one.")
	ErrDeskNotYourDesk = failure.New("desk_not_your_office", failure.Forbidden,
		"Hồ sơ này do đơn vị khác tiếp nhận.", "Another office took this application.")
	ErrDeskPortrait = failure.New("desk_portrait_invalid", failure.Invalid,
		"Ảnh chân dung không đọc được (cần JPEG hoặc PNG, tối đa 8 MB).",
		"The portrait cannot be read (JPEG or PNG, up to 8 MB).")
	ErrDeskFingerprintFormat = failure.New("desk_fingerprint_invalid", failure.Invalid,
		"Dữ liệu vân tay không đọc được (mẫu ISO/IEC 19794-2, ảnh WSQ hoặc PNG).",
		"The fingerprint data cannot be read (an ISO/IEC 19794-2 template, or a WSQ or PNG image).")
	ErrDeskNoTemplates = failure.New("desk_no_fingerprints_on_file", failure.Conflict,
		"Cơ sở dữ liệu căn cước chưa có vân tay của công dân để đối chiếu; làm thủ tục cấp thẻ để thu nhận vân tay.",
		"The ID-card database has no fingerprints of the citizen to compare with; file a card application to enrol them.")
	ErrDeskConsentMethod = failure.New("desk_consent_invalid", failure.Invalid,
		"Cần mã xác nhận gửi tới điện thoại của công dân hoặc chữ ký của công dân.",
		"The citizen's consent needs the code sent to their phone or their signature.")
	ErrDeskIncomplete = failure.New("desk_incomplete", failure.Conflict,
		"Hồ sơ chưa đủ: cần ảnh chân dung, vân tay đã đối chiếu khớp và xác nhận đồng ý của công dân.",
		"The dossier is incomplete: it needs the portrait, fingerprints that matched, and the citizen's consent.")
	ErrDeskFingerprintsNotVerified = failure.New("desk_fingerprints_not_verified", failure.Conflict,
		"Vân tay không khớp với Cơ sở dữ liệu căn cước. Lấy lại vân tay hoặc chuyển cán bộ kiểm tra.",
		"The fingerprints do not match the ID-card database. Take them again or refer the citizen for checking.")
	ErrDeskDocuments = failure.New("desk_documents_invalid", failure.Invalid,
		"Loại giấy tờ tích hợp không hợp lệ.", "A document kind to integrate is not valid.")
	ErrDeskImageCapture = failure.New("desk_image_capture_unavailable", failure.Unavailable,
		"Máy chủ chưa hỗ trợ trích xuất vân tay từ ảnh; dùng mẫu ISO/IEC 19794-2 từ máy quét.",
		"This server cannot extract fingerprints from images; use the scanner's ISO/IEC 19794-2 template.")
)

// Card requests filed with a desk application (letter 1: level 2 together
// with a new card).
const (
	CardRequestNone        = ""            // the citizen holds a valid chip card
	CardRequestFirst       = "first"       // first chip card (none yet, or only an old barcode card or CMND)
	CardRequestRenewal     = "renewal"     // the card expired or is about to
	CardRequestLost        = "lost"        // replacement after loss
	CardRequestDamaged     = "damaged"     // replacement of a damaged card
	CardRequestInformation = "information" // details changed
)

// CardRequests lists the card requests with Vietnamese and English labels.
func CardRequests() [][3]string {
	return [][3]string{
		{CardRequestNone, "Không (đã có thẻ gắn chip còn giá trị)", "None (holds a valid chip card)"},
		{CardRequestFirst, "Cấp thẻ lần đầu / đổi từ thẻ mã vạch, CMND", "First chip card / replacing a barcode card or CMND"},
		{CardRequestRenewal, "Đổi thẻ (hết hạn, đến tuổi đổi)", "Renewal (expired or due)"},
		{CardRequestLost, "Cấp lại do mất thẻ", "Replacement after loss"},
		{CardRequestDamaged, "Đổi thẻ do hư hỏng", "Replacement of a damaged card"},
		{CardRequestInformation, "Đổi thẻ do thay đổi thông tin", "Replacement after a change of details"},
	}
}

func validCardRequest(r string) bool {
	return slices.ContainsFunc(CardRequests(), func(x [3]string) bool { return x[0] == r })
}

// Documents the citizen may ask to integrate (the wallet issue integrates
// them).
func Documents() [][3]string {
	return [][3]string{
		{"health_insurance", "Thẻ bảo hiểm y tế", "Health insurance card"},
		{"driving_licence", "Giấy phép lái xe", "Driving licence"},
		{"vehicle_registration", "Giấy đăng ký xe", "Vehicle registration"},
		{"tax_code", "Mã số thuế", "Tax code"},
	}
}

// DeskDetails is what the desk records beyond the evidence files.
type DeskDetails struct {
	CardRequest string       `json:"card_request,omitempty"`
	Phone       string       `json:"phone"`
	Email       string       `json:"email,omitempty"`
	Documents   []string     `json:"documents,omitempty"`
	Officer     DeskActor    `json:"officer"`
	OfficeName  string       `json:"office_name"`
	Fingers     []DeskFinger `json:"fingers,omitempty"`
	// FingersVerified: at least two fingers matched and none failed.
	FingersVerified bool     `json:"fingers_verified"`
	PortraitTaken   bool     `json:"portrait_taken"`
	PortraitScore   *float64 `json:"portrait_score,omitempty"`
	Consent         *Consent `json:"consent,omitempty"`
	// ConsentCodeSent is when the last consent code went out.
	ConsentCodeSent time.Time `json:"consent_code_sent,omitzero"`
	// NewCard is the card the approval issued, for a card request.
	NewCard *registry.IDCard `json:"new_card,omitempty"`
}

// DeskActor is the officer who took the application.
type DeskActor struct {
	ID       string `json:"id"`
	FullName string `json:"full_name"`
}

// DeskFinger is one finger's capture and comparison.
type DeskFinger struct {
	Position int     `json:"position"`
	Format   string  `json:"format"`
	OnFile   bool    `json:"on_file"`
	Score    float64 `json:"score"`
	Matched  bool    `json:"matched"`
	Minutiae int     `json:"minutiae"`
}

// Consent is the citizen's confirmation at the desk.
type Consent struct {
	Method string    `json:"method"` // "otp" or "signature"
	At     time.Time `json:"at"`
	// Phone is the masked number the code went to (otp).
	Phone string `json:"phone,omitempty"`
}

// Codes sends and checks one-time codes (the account service does).
type Codes interface {
	SendCode(ctx context.Context, purpose, subject, phone, auditSubject string) (maskedPhone string, expires time.Time, err error)
	CheckCode(ctx context.Context, purpose, subject, code string) error
}

// FingerImages turns a fingerprint image (format "wsq" or "png") into
// minutiae.
type FingerImages interface {
	Minutiae(format string, data []byte) (fingerprint.View, error)
}

// DeskCitizen is what the desk shows after a search.
type DeskCitizen struct {
	Citizen registry.Citizen
	// Card is the current valid card, if any; ChipCardValid whether it is
	// a chip card.
	Card          *registry.IDCard
	ChipCardValid bool
	Account       *store.Account
	EID           store.EIDStatus
	// PlaceOK says whether this office may enrol the citizen without a
	// valid chip card (the place rule); with one, any office may.
	PlaceOK           bool
	PortraitOnFile    bool
	FingersOnFile     []int
	ResidenceUnit     string
	TemporaryUnit     string
	OpenApplicationID string
}

func (s *Service) deskOfficer(o Reviewer) error {
	if !o.Has("desk") {
		return ErrForbidden
	}
	if o.Scope.UnitID == "" {
		return ErrForbidden.WithDetail("Cán bộ chưa thuộc đơn vị Công an nào.", "The officer belongs to no police unit.")
	}
	return nil
}

// DeskLookup finds a citizen by personal ID number or by the card's QR
// payload and shows what the desk needs. The read is audited.
func (s *Service) DeskLookup(ctx context.Context, c Caller, o Reviewer, query string) (DeskCitizen, error) {
	if err := s.deskOfficer(o); err != nil {
		return DeskCitizen{}, err
	}
	query = strings.TrimSpace(query)
	id := query
	if strings.Contains(query, "|") {
		qr, err := cccd.Parse(query)
		if err != nil {
			return DeskCitizen{}, ErrDeskQuery.WithFields("query")
		}
		id = qr.IDNumber
	}
	if identity.ValidatePersonalID(id) != nil {
		return DeskCitizen{}, ErrDeskQuery.WithFields("query")
	}
	cit, err := s.population.Citizen(ctx, id)
	if errors.Is(err, registry.ErrNotFound) {
		return DeskCitizen{}, ErrDeskCitizenNotFound
	}
	if err != nil {
		return DeskCitizen{}, failure.Unexpected(err)
	}
	v := DeskCitizen{Citizen: cit}
	if card, ok := cit.CurrentCard(s.today()); ok {
		v.Card, v.ChipCardValid = &card, card.Chip
	}
	if acc, err := s.store.AccountByIDNumber(ctx, id); err == nil {
		v.Account = &acc
		if v.EID, err = s.store.AccountEID(ctx, acc.ID); err != nil {
			return DeskCitizen{}, failure.Unexpected(err)
		}
		apps, err := s.store.ListApplications(ctx, store.ApplicationFilter{AccountID: acc.ID,
			States: []store.ApplicationState{store.AppAwaitingEvidence}, Limit: 5})
		if err != nil {
			return DeskCitizen{}, failure.Unexpected(err)
		}
		for _, a := range apps {
			if a.Channel == "desk" && a.Office == o.Scope.UnitID && s.now().Before(a.ExpiresAt) {
				v.OpenApplicationID = a.ID
			}
		}
	} else if !errors.Is(err, store.ErrNotFound) {
		return DeskCitizen{}, failure.Unexpected(err)
	}
	if _, err := s.store.Portrait(ctx, id); err == nil {
		v.PortraitOnFile = true
	}
	tpl, err := s.store.FingerprintTemplates(ctx, id)
	if err != nil {
		return DeskCitizen{}, failure.Unexpected(err)
	}
	for _, t := range tpl {
		v.FingersOnFile = append(v.FingersOnFile, t.Position)
	}
	v.ResidenceUnit, v.TemporaryUnit = s.residence(cit)
	v.PlaceOK = placeRule(o, false, v.ResidenceUnit, v.TemporaryUnit) == nil
	if err := s.audit(ctx, s.store, c, "officer:"+o.ID, "desk.citizen.read", id, "eid_level2_desk",
		map[string]any{"unit": o.Scope.UnitID}); err != nil {
		return DeskCitizen{}, failure.Unexpected(err)
	}
	return v, nil
}

func (s *Service) residence(cit registry.Citizen) (perm, temp string) {
	if s.places == nil {
		return "", ""
	}
	day := s.today()
	perm = s.places.ResolveAddress(cit.PermanentAddress, day)
	if !cit.TemporaryAddress.IsZero() {
		temp = s.places.ResolveAddress(cit.TemporaryAddress, day)
	}
	return perm, temp
}

// placeRule applies letter 1's rule for this officer's office, given the
// administrative units of the permanent and temporary residence ("" when
// unknown).
func placeRule(o Reviewer, validChip bool, residence ...string) error {
	if validChip || o.Scope.Nationwide {
		return nil
	}
	known := false
	for _, r := range residence {
		if r == "" {
			continue
		}
		known = true
		if o.Scope.Covers(r) {
			return nil
		}
	}
	if !known {
		return enrolment.ErrUnknownPlace.WithFields("residence")
	}
	return enrolment.ErrWrongPlace
}

// DeskOpen is what the officer enters to open a desk application.
type DeskOpen struct {
	IDNumber    string
	CardRequest string
	Phone       string // where the result goes (and the consent code)
	Email       string
}

// DeskOpenApplication opens a level-2 desk application after the place rule.
// A citizen without an app account gets one with the given phone and no
// password; the app's registration claims it.
func (s *Service) DeskOpenApplication(ctx context.Context, c Caller, o Reviewer, in DeskOpen) (store.Application, error) {
	if err := s.deskOfficer(o); err != nil {
		return store.Application{}, err
	}
	if !validCardRequest(in.CardRequest) {
		return store.Application{}, ErrDeskCardRequestInvalid.WithFields("card_request")
	}
	phone, err := identity.NormalizePhone(in.Phone)
	if err != nil {
		return store.Application{}, ErrDeskContact.WithFields("phone")
	}
	if in.Email = strings.TrimSpace(in.Email); in.Email != "" {
		if a, err := mail.ParseAddress(in.Email); err != nil || a.Address != in.Email || len(in.Email) > 254 {
			return store.Application{}, ErrDeskContact.WithFields("email")
		}
	}
	cit, err := s.population.Citizen(ctx, in.IDNumber)
	if errors.Is(err, registry.ErrNotFound) {
		return store.Application{}, ErrDeskCitizenNotFound
	}
	if err != nil {
		return store.Application{}, failure.Unexpected(err)
	}
	if cit.LifeStatus != registry.Alive {
		return store.Application{}, ErrDeskCitizenNotFound
	}
	card, hasCard := cit.CurrentCard(s.today())
	validChip := hasCard && card.Chip
	if in.CardRequest == CardRequestNone && !validChip {
		return store.Application{}, ErrDeskCardRequestNeeded
	}
	// Asking for a new card means the citizen is not relying on the card
	// they hold, so the place rule applies.
	perm, temp := s.residence(cit)
	if err := placeRule(o, validChip && in.CardRequest == CardRequestNone, perm, temp); err != nil {
		return store.Application{}, err
	}
	now := s.now()
	app := store.Application{ID: newID(), IDNumber: cit.ID, Level: 2, Channel: "desk",
		State: store.AppAwaitingEvidence, Unit: o.Scope.Area, Office: o.Scope.UnitID, Challenge: []byte{},
		CreatedAt: now, ExpiresAt: now.Add(4 * time.Hour), UpdatedAt: now}
	if app.Unit == "" { // a ministry officer at a desk: file under the residence
		app.Unit = perm
	}
	d := DeskDetails{CardRequest: in.CardRequest, Phone: phone, Email: in.Email,
		Officer: DeskActor{ID: o.ID, FullName: o.FullName}, OfficeName: o.Scope.UnitName}
	err = s.store.InTx(ctx, func(q store.Queries) error {
		acc, err := q.AccountByIDNumber(ctx, cit.ID)
		if errors.Is(err, store.ErrNotFound) {
			acc = store.Account{ID: newID(), IDNumber: cit.ID, Phone: phone, State: store.AccountActive,
				CreatedAt: now, UpdatedAt: now, PasswordChangedAt: now, Email: in.Email}
			if err := q.CreateAccount(ctx, acc); err != nil {
				return err
			}
		} else if err != nil {
			return err
		}
		st, err := q.AccountEID(ctx, acc.ID)
		if err != nil {
			return err
		}
		if err := canApply(st, 2); err != nil {
			return err
		}
		open, err := q.ListApplications(ctx, store.ApplicationFilter{AccountID: acc.ID,
			States: []store.ApplicationState{store.AppAwaitingEvidence}, Limit: 10})
		if err != nil {
			return err
		}
		for _, a := range open {
			if a.Channel == "desk" && now.Before(a.ExpiresAt) {
				return ErrDeskAlreadyOpen.WithDetail("Mã hồ sơ: "+a.ID+".", "Application: "+a.ID+".")
			}
		}
		app.AccountID = acc.ID
		b, err := json.Marshal(d)
		if err != nil {
			return err
		}
		app.Details = string(b)
		if err := q.CreateApplication(ctx, app); err != nil {
			return err
		}
		return s.audit(ctx, q, c, "officer:"+o.ID, "desk.application.opened", cit.ID, "eid_level2_desk",
			map[string]any{"application": app.ID, "office": app.Office, "card_request": in.CardRequest})
	})
	if err != nil {
		return store.Application{}, failure.Unexpected(err)
	}
	return app, nil
}

// deskApp loads a desk application the officer's office holds, still open.
func (s *Service) deskApp(ctx context.Context, o Reviewer, id string) (store.Application, DeskDetails, error) {
	if err := s.deskOfficer(o); err != nil {
		return store.Application{}, DeskDetails{}, err
	}
	app, err := s.store.Application(ctx, id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && (app.Channel != "desk" || !o.Scope.Covers(app.Unit))) {
		return store.Application{}, DeskDetails{}, ErrApplicationNotFound
	}
	if err != nil {
		return store.Application{}, DeskDetails{}, failure.Unexpected(err)
	}
	if app.Office != o.Scope.UnitID {
		return store.Application{}, DeskDetails{}, ErrDeskNotYourDesk
	}
	var d DeskDetails
	if err := json.Unmarshal([]byte(app.Details), &d); err != nil {
		return store.Application{}, DeskDetails{}, failure.Unexpected(err)
	}
	return app, d, nil
}

func (s *Service) openDeskApp(ctx context.Context, o Reviewer, id string) (store.Application, DeskDetails, error) {
	app, d, err := s.deskApp(ctx, o, id)
	if err != nil {
		return app, d, err
	}
	if app.State != store.AppAwaitingEvidence {
		return app, d, ErrApplicationState
	}
	if !s.now().Before(app.ExpiresAt) {
		return app, d, ErrApplicationExpired
	}
	return app, d, nil
}

// saveDesk writes the details and checks of an open desk application with
// the evidence, in one transaction, and audits the step.
func (s *Service) saveDesk(ctx context.Context, c Caller, o Reviewer, app store.Application, d DeskDetails,
	checks []Check, evidence map[string][]byte, action string, detail map[string]any) error {
	var rep Report
	if app.Checks != "" {
		if err := json.Unmarshal([]byte(app.Checks), &rep); err != nil {
			return failure.Unexpected(err)
		}
	}
	// A new check replaces the old one of its name; a new finger capture
	// replaces the old capture's checks whole (it may name other fingers).
	fingers := slices.ContainsFunc(checks, func(c Check) bool { return strings.HasPrefix(c.Name, "finger_") })
	rep.Checks = slices.DeleteFunc(rep.Checks, func(x Check) bool {
		return fingers && strings.HasPrefix(x.Name, "finger_") ||
			slices.ContainsFunc(checks, func(c Check) bool { return c.Name == x.Name })
	})
	rep.Checks = append(rep.Checks, checks...)
	rb, err := json.Marshal(rep)
	if err != nil {
		return failure.Unexpected(err)
	}
	db, err := json.Marshal(d)
	if err != nil {
		return failure.Unexpected(err)
	}
	now := s.now()
	app.Checks, app.Details, app.UpdatedAt = string(rb), string(db), now
	err = s.store.InTx(ctx, func(q store.Queries) error {
		for kind, b := range evidence {
			sealed, err := s.box.Seal(b, evidenceAD(app.ID, kind))
			if err != nil {
				return err
			}
			if err := q.PutEvidence(ctx, store.Evidence{ApplicationID: app.ID, Kind: kind, Data: sealed, CreatedAt: now}); err != nil {
				return err
			}
		}
		if err := q.UpdateApplication(ctx, app, store.AppAwaitingEvidence); err != nil {
			return err
		}
		if detail == nil {
			detail = map[string]any{}
		}
		detail["application"] = app.ID
		return s.audit(ctx, q, c, "officer:"+o.ID, action, app.IDNumber, "eid_level2_desk", detail)
	})
	if errors.Is(err, store.ErrConflict) {
		return ErrApplicationState
	}
	return failure.Unexpected(err)
}

// DeskPortrait records the portrait taken at the desk (webcam or file)
// and compares it with the database portrait when a face engine runs.
func (s *Service) DeskPortrait(ctx context.Context, c Caller, o Reviewer, appID string, img []byte) (Check, error) {
	app, d, err := s.openDeskApp(ctx, o, appID)
	if err != nil {
		return Check{}, err
	}
	if len(img) == 0 || len(img) > 8<<20 {
		return Check{}, ErrDeskPortrait.WithFields("portrait")
	}
	if _, _, err := face.Decode(img); err != nil {
		return Check{}, ErrDeskPortrait.WithFields("portrait")
	}
	ch := Check{Name: "desk_portrait_vs_registry", Status: CheckUnavailable, Detail: "no database portrait"}
	onFile, err := s.registryPortrait(ctx, app.IDNumber)
	if err != nil {
		return Check{}, failure.Unexpected(err)
	}
	switch {
	case onFile == nil:
	case s.faces == nil:
		ch.Detail = "no face engine: the reviewer compares"
	default:
		cmp, err := s.faces.Compare(ctx, img, onFile)
		if err != nil {
			s.log.Warn("desk portrait: face engine failed", "application", app.ID, "err", err.Error())
			ch.Detail = "face engine unavailable: the reviewer compares"
			break
		}
		score := cmp.Similarity
		ch.Score, ch.Detail = &score, ""
		ch.Status = CheckFail
		if score >= s.cfg.FaceThreshold {
			ch.Status = CheckPass
		}
		d.PortraitScore = &score
	}
	d.PortraitTaken = true
	if err := s.saveDesk(ctx, c, o, app, d, []Check{ch}, map[string][]byte{"desk_portrait": img},
		"desk.portrait.taken", map[string]any{"status": ch.Status}); err != nil {
		return Check{}, err
	}
	return ch, nil
}

// FingerCapture is one finger taken at the desk.
type FingerCapture struct {
	Position fingerprint.FingerPosition
	// Format is "iso19794-2" (a minutiae record from the scanner, 2005 or
	// 2011), "wsq" or "png" (an image).
	Format string
	Data   []byte
}

// DeskFingerprints compares the fingers taken at the desk 1:1 with the
// templates of the same fingers in the ID-card database. The scores are
// recorded whatever the outcome; the dossier can be submitted only once
// the fingers are verified (at least two match, none fails).
func (s *Service) DeskFingerprints(ctx context.Context, c Caller, o Reviewer, appID string, caps []FingerCapture) (enrolment.FingerprintResult, error) {
	app, d, err := s.openDeskApp(ctx, o, appID)
	if err != nil {
		return enrolment.FingerprintResult{}, err
	}
	if len(caps) > 10 {
		return enrolment.FingerprintResult{}, enrolment.ErrFingers.WithFields("fingers")
	}
	var views []fingerprint.View
	var formats []string
	for i, fc := range caps {
		if len(fc.Data) == 0 || len(fc.Data) > 4<<20 {
			return enrolment.FingerprintResult{}, ErrDeskFingerprintFormat.WithFields(fmt.Sprintf("fingers[%d]", i))
		}
		var v fingerprint.View
		switch fc.Format {
		case "iso19794-2":
			rec, err := fingerprint.Parse(fc.Data)
			if err != nil || len(rec.Views) == 0 {
				return enrolment.FingerprintResult{}, ErrDeskFingerprintFormat.WithFields(fmt.Sprintf("fingers[%d]", i))
			}
			v = rec.Views[0]
		case "wsq", "png":
			if s.fingerImages == nil {
				return enrolment.FingerprintResult{}, ErrDeskImageCapture
			}
			if v, err = s.fingerImages.Minutiae(fc.Format, fc.Data); err != nil {
				return enrolment.FingerprintResult{}, ErrDeskFingerprintFormat.WithFields(fmt.Sprintf("fingers[%d]", i)).
					WithDetail("Ảnh vân tay không đủ chất lượng.", "The fingerprint image is not good enough.")
			}
		default:
			return enrolment.FingerprintResult{}, ErrDeskFingerprintFormat.WithFields(fmt.Sprintf("fingers[%d].format", i))
		}
		v.Position = fc.Position
		views = append(views, v)
		formats = append(formats, fc.Format)
	}
	onFile, err := s.fingerTemplates(ctx, app.IDNumber)
	if err != nil {
		return enrolment.FingerprintResult{}, err
	}
	if len(onFile) == 0 && d.CardRequest == CardRequestNone {
		return enrolment.FingerprintResult{}, ErrDeskNoTemplates
	}
	res, err := enrolment.VerifyFingerprints(views, onFile, s.cfg.FingerThreshold)
	if err != nil {
		return enrolment.FingerprintResult{}, err
	}
	if len(onFile) == 0 {
		// A first card enrols the fingers: nothing to compare with; the
		// reviewer checks the citizen's identity by other means.
		res.Verified = true
	}
	d.Fingers, d.FingersVerified = nil, res.Verified
	var checks []Check
	// The capture is kept as one 2011 record: it carries each view's own
	// image size and resolution.
	rec := fingerprint.Record{Version: fingerprint.Version2011, Width: 500, Height: 500, ResolutionX: 197, ResolutionY: 197}
	for i, f := range res.Fingers {
		df := DeskFinger{Position: int(f.Position), Format: formats[i], OnFile: f.OnFile, Score: f.Score, Matched: f.Matched,
			Minutiae: len(views[i].Minutiae)}
		d.Fingers = append(d.Fingers, df)
		ch := Check{Name: fmt.Sprintf("finger_%02d", int(f.Position)), Status: CheckUnavailable, Detail: f.Position.String()}
		if f.OnFile {
			score := f.Score
			ch.Score = &score
			ch.Status = CheckFail
			if f.Matched {
				ch.Status = CheckPass
			}
		}
		checks = append(checks, ch)
		v := views[i]
		v.ViewNumber, v.Extended = 0, nil
		rec.Views = append(rec.Views, v)
	}
	raw, err := rec.Marshal()
	if err != nil {
		return enrolment.FingerprintResult{}, failure.Unexpected(err)
	}
	if err := s.saveDesk(ctx, c, o, app, d, checks, map[string][]byte{"desk_fingers": raw},
		"desk.fingerprints.taken", map[string]any{"fingers": len(views), "verified": res.Verified}); err != nil {
		return enrolment.FingerprintResult{}, err
	}
	return res, nil
}

func (s *Service) fingerTemplates(ctx context.Context, id string) ([]fingerprint.View, error) {
	tpl, err := s.store.FingerprintTemplates(ctx, id)
	if err != nil {
		return nil, failure.Unexpected(err)
	}
	var out []fingerprint.View
	for _, t := range tpl {
		b, err := s.box.Open(t.Data, FingerprintAD(t.IDNumber, t.Position))
		if err != nil {
			return nil, failure.Unexpected(err)
		}
		rec, err := fingerprint.Parse(b)
		if err != nil || len(rec.Views) == 0 {
			return nil, failure.Unexpected(fmt.Errorf("eid: stored template %s/%d: %w", id, t.Position, err))
		}
		v := rec.Views[0]
		v.Position = fingerprint.FingerPosition(t.Position)
		out = append(out, v)
	}
	return out, nil
}

// FingerprintAD binds a sealed template to its citizen and finger.
func FingerprintAD(idNumber string, position int) []byte {
	return fmt.Appendf(nil, "fingerprint:%s:%d", idNumber, position)
}

// PutFingerprintTemplate stores a template (an ISO/IEC 19794-2 record with
// one view) of a citizen's finger in the ID-card database, sealed: the
// import path of the card database's fingerprints and of demo data.
func (s *Service) PutFingerprintTemplate(ctx context.Context, idNumber string, record []byte) error {
	rec, err := fingerprint.Parse(record)
	if err != nil {
		return fmt.Errorf("eid: fingerprint template: %w", err)
	}
	if len(rec.Views) != 1 || !rec.Views[0].Position.Valid() || rec.Views[0].Position == fingerprint.PositionUnknown {
		return errors.New("eid: fingerprint template: want one view of a known finger")
	}
	pos := int(rec.Views[0].Position)
	sealed, err := s.box.Seal(record, FingerprintAD(idNumber, pos))
	if err != nil {
		return err
	}
	format := "iso19794-2:2005"
	if rec.Version == fingerprint.Version2011 {
		format = "iso19794-2:2011"
	}
	return s.store.PutFingerprintTemplate(ctx, store.FingerprintTemplate{IDNumber: idNumber, Position: pos,
		Format: format, Data: sealed, UpdatedAt: s.now()})
}

const deskConsentPurpose = "desk_consent"

// DeskConsentCode sends the consent code to the phone recorded at the desk.
func (s *Service) DeskConsentCode(ctx context.Context, c Caller, o Reviewer, appID string) (string, time.Time, error) {
	app, d, err := s.openDeskApp(ctx, o, appID)
	if err != nil {
		return "", time.Time{}, err
	}
	if s.codes == nil {
		return "", time.Time{}, ErrDeskConsentMethod.WithDetail("Máy chủ chưa gửi được mã; dùng chữ ký.",
			"This server cannot send codes; use a signature.")
	}
	masked, exp, err := s.codes.SendCode(ctx, deskConsentPurpose, app.ID, d.Phone, app.IDNumber)
	if err != nil {
		return "", time.Time{}, err
	}
	d.ConsentCodeSent = s.now()
	if err := s.saveDesk(ctx, c, o, app, d, nil, nil, "desk.consent.code_sent", nil); err != nil {
		return "", time.Time{}, err
	}
	s.wake()
	return masked, exp, nil
}

// DeskConsent records the citizen's consent: the code they received
// (method "otp") or their signature drawn on screen (method "signature",
// a PNG).
func (s *Service) DeskConsent(ctx context.Context, c Caller, o Reviewer, appID, method, code string, signature []byte) error {
	app, d, err := s.openDeskApp(ctx, o, appID)
	if err != nil {
		return err
	}
	ev := map[string][]byte{}
	switch method {
	case "otp":
		if s.codes == nil || code == "" {
			return ErrDeskConsentMethod.WithFields("code")
		}
		if err := s.codes.CheckCode(ctx, deskConsentPurpose, app.ID, code); err != nil {
			return err
		}
		d.Consent = &Consent{Method: "otp", At: s.now(), Phone: identity.MaskPhone(d.Phone)}
	case "signature":
		if len(signature) < 100 || len(signature) > 1<<20 {
			return ErrDeskConsentMethod.WithFields("signature")
		}
		if _, typ, err := face.Decode(signature); err != nil || typ != "png" {
			return ErrDeskConsentMethod.WithFields("signature")
		}
		d.Consent = &Consent{Method: "signature", At: s.now()}
		ev["desk_signature"] = signature
	default:
		return ErrDeskConsentMethod.WithFields("method")
	}
	return s.saveDesk(ctx, c, o, app, d, []Check{{Name: "citizen_consent", Status: CheckPass, Detail: method}}, ev,
		"desk.consent.given", map[string]any{"method": method})
}

// DeskSubmit submits the dossier for review with the documents the citizen
// asks to integrate. The review deadline is 3 working days, 7 with a card
// application.
func (s *Service) DeskSubmit(ctx context.Context, c Caller, o Reviewer, appID string, documents []string) (Submitted, error) {
	app, d, err := s.openDeskApp(ctx, o, appID)
	if err != nil {
		return Submitted{}, err
	}
	for _, doc := range documents {
		if !slices.ContainsFunc(Documents(), func(x [3]string) bool { return x[0] == doc }) {
			return Submitted{}, ErrDeskDocuments.WithFields("documents")
		}
	}
	docs := slices.Clone(documents)
	slices.Sort(docs)
	d.Documents = slices.Compact(docs)
	switch {
	case !d.PortraitTaken || len(d.Fingers) == 0 || d.Consent == nil:
		var missing []string
		if !d.PortraitTaken {
			missing = append(missing, "portrait")
		}
		if len(d.Fingers) == 0 {
			missing = append(missing, "fingers")
		}
		if d.Consent == nil {
			missing = append(missing, "consent")
		}
		return Submitted{}, ErrDeskIncomplete.WithFields(missing...)
	case !d.FingersVerified:
		return Submitted{}, ErrDeskFingerprintsNotVerified
	}
	days := s.cfg.DeskReviewDays
	if d.CardRequest != CardRequestNone {
		days = s.cfg.DeskCardReviewDays
	}
	now := s.now()
	deadline := s.cal.AddWorkingDays(now, days)
	var rep Report
	if app.Checks != "" {
		if err := json.Unmarshal([]byte(app.Checks), &rep); err != nil {
			return Submitted{}, failure.Unexpected(err)
		}
	}
	rep.Why = []string{"level2_always_reviewed"}
	rb, _ := json.Marshal(rep)
	db, _ := json.Marshal(d)
	app.State, app.SubmittedAt, app.DeadlineAt, app.Checks, app.Details, app.UpdatedAt =
		store.AppPendingReview, now, deadline, string(rb), string(db), now
	err = s.store.InTx(ctx, func(q store.Queries) error {
		st, err := q.AccountEID(ctx, app.AccountID)
		if err != nil {
			return err
		}
		if err := canApply(st, 2); err != nil {
			return err
		}
		if err := q.UpdateApplication(ctx, app, store.AppAwaitingEvidence); err != nil {
			return err
		}
		if err := q.UpdateEID(ctx, app.AccountID, store.EIDUpdate{From: st.State, To: store.EIDPending, Level: -1,
			PendingLevel: 2, At: now}); err != nil {
			return err
		}
		return s.audit(ctx, q, c, "officer:"+o.ID, "desk.application.submitted", app.IDNumber, "eid_level2_desk",
			map[string]any{"application": app.ID, "deadline": deadline, "documents": d.Documents, "card_request": d.CardRequest})
	})
	if errors.Is(err, store.ErrConflict) {
		return Submitted{}, ErrApplicationState
	}
	if err != nil {
		return Submitted{}, failure.Unexpected(err)
	}
	return Submitted{ApplicationID: app.ID, State: app.State, DeadlineAt: deadline, Report: rep}, nil
}

// DeskView is an open desk application as the desk page shows it.
type DeskView struct {
	Application store.Application
	Details     DeskDetails
	Report      Report
	Citizen     registry.Citizen
}

// DeskApplication returns a desk application of the officer's office.
func (s *Service) DeskApplication(ctx context.Context, c Caller, o Reviewer, appID string) (DeskView, error) {
	app, d, err := s.deskApp(ctx, o, appID)
	if err != nil {
		return DeskView{}, err
	}
	v := DeskView{Application: app, Details: d}
	if app.Checks != "" {
		if err := json.Unmarshal([]byte(app.Checks), &v.Report); err != nil {
			return DeskView{}, failure.Unexpected(err)
		}
	}
	if v.Citizen, err = s.citizen(ctx, app.IDNumber); err != nil {
		return DeskView{}, failure.Unexpected(err)
	}
	if err := s.audit(ctx, s.store, c, "officer:"+o.ID, "desk.application.read", app.IDNumber, "eid_level2_desk",
		map[string]any{"application": app.ID}); err != nil {
		return DeskView{}, failure.Unexpected(err)
	}
	return v, nil
}

// issueCard, on approval of a desk application with a card request,
// writes the new chip card into the registry (the previous valid card
// becomes replaced, or lost), inside q's transaction.
func (s *Service) issueCard(ctx context.Context, q store.Queries, cit registry.Citizen, request string) (registry.IDCard, error) {
	today := s.today()
	for i, old := range cit.Cards {
		if old.Status == registry.CardValid {
			cit.Cards[i].Status = registry.CardReplaced
			if request == CardRequestLost {
				cit.Cards[i].Status = registry.CardLost
			}
		}
	}
	card := registry.IDCard{Number: cit.ID, Chip: true, IssueDate: today, ExpiryDate: registry.CardExpiry(cit.DateOfBirth, today),
		Status: registry.CardValid}
	cit.Cards = slices.DeleteFunc(cit.Cards, func(c registry.IDCard) bool { return c.IssueDate == today })
	cit.Cards = append(cit.Cards, card)
	cit.UpdatedAt = s.now()
	if err := q.UpsertCitizens(ctx, []registry.Citizen{cit}); err != nil {
		return registry.IDCard{}, err
	}
	return card, nil
}
