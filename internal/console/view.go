package console

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"html/template"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/vneid/vneid/internal/eid"
	"github.com/vneid/vneid/internal/fingerprint"
	"github.com/vneid/vneid/internal/identity"
	"github.com/vneid/vneid/internal/officer"
	"github.com/vneid/vneid/internal/store"
)

// text is a label or message in Vietnamese with English.
type text struct{ VI, EN string }

// layout is what every page shows around its content.
type layout struct {
	Title text
	// Officer is the signed-in officer; nil on the login page.
	Officer *officerView
	// CSRF is the token every form posts back.
	CSRF  string
	Flash *text
	Error *text
}

type officerView struct {
	FullName, Username, Units string
	// Reviewer and Desk say which parts of the console the officer may use.
	Reviewer, Desk bool
	// Locks: the authorities' lock requests (desk officers, unit heads).
	Locks bool
}

// layout returns the frame of a signed-in officer's page.
func (h *Handler) layout(s session, title text) layout {
	return layout{Title: title, CSRF: s.CSRF,
		Officer: &officerView{FullName: s.FullName, Username: s.Username, Units: s.Scope.Label(),
			Reviewer: s.Has(officer.RoleReviewer), Desk: s.Has(officer.RoleDesk),
			Locks: h.locking != nil && mayLock(s)}}
}

type loginPage struct {
	layout
	Username string
}

type queuePage struct {
	layout
	Rows []queueRow
}

type queueRow struct {
	ID, IDNumber, FullName, Submitted, Deadline string
	Kind                                        text
	Overdue                                     bool
}

type errorPage struct {
	layout
	Status         int
	Code           string
	Message        text
	Reviewer, Desk bool
	Locks          bool
}

// rejectForm is what the officer entered in the reject form, and what was
// wrong with it.
type rejectForm struct {
	Code, Text string
	Error      *text
}

type dossierPage struct {
	layout
	ID                              string
	IDNumber, FullName, DateOfBirth string
	Sex, Address                    text
	SubmittedAt, DeadlineAt         string
	Overdue, Pending                bool
	State                           text
	Decision                        *decisionView
	Images                          []imageView
	Checks                          []checkView
	Why                             []text
	Chip                            chipView
	Reasons                         []eid.RejectReason
	Reject                          rejectForm
	Kind                            text
	// Desk is what the enrolment desk recorded; nil for online dossiers.
	Desk *deskDossierView
}

// deskDossierView is the desk's part of a level-2 dossier as reviewers see
// it.
type deskDossierView struct {
	PortraitScore   string
	Fingers         []fingerResult
	FingersVerified text
	VerifiedClass   string
	Consent         *consentView
	Signature       *imageView
	Phone, Email    string
	Documents       []text
	CardRequest     text
	Officer, Office string
	NewCard         string
}

// fingerResult is one finger taken at the desk and its 1:1 comparison.
type fingerResult struct {
	Position int
	Name     text
	Format   text
	Minutiae int
	OnFile   text
	Score    string
	Matched  text
	Status   string // pass, fail, unavailable (a CSS class)
}

// consentView is the citizen's consent as recorded.
type consentView struct {
	Method text
	At     string
	Phone  string
}

type decisionView struct {
	At     string
	By     text
	Reason *text
	Text   string
}

// imageView is one portrait, inline as a data: URI so that no image route
// exists that could be fetched without the audited dossier view.
type imageView struct {
	ID    string // element ID
	Label text
	URI   template.URL
	// Missing says why there is no image to show.
	Missing *text
}

type checkView struct {
	Name   string
	Label  text
	Status string // pass, fail, warn, unavailable (a CSS class)
	Result text
	Score  string
	Fields string
	Detail string
}

type chipView struct {
	DocumentSigner, CSCA, SignatureAlgorithm, Groups, PortraitType string
	ActiveAuth                                                     text
}

// when formats an instant in the console's zone (UTC+7) as dd/MM/yyyy HH:mm.
func (h *Handler) when(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.In(h.loc).Format("02/01/2006 15:04")
}

// dossierPage builds the view of one dossier.
func (h *Handler) dossierPage(s session, v eid.DossierView) dossierPage {
	a, c := v.Application, v.Citizen
	p := dossierPage{layout: h.layout(s, text{"Hồ sơ " + a.IDNumber, "Dossier " + a.IDNumber}),
		ID: a.ID, IDNumber: a.IDNumber, FullName: c.FullName, DateOfBirth: c.DateOfBirth.DMY(),
		Sex: sexText(c.Gender), Address: text{c.PermanentAddress.String(), ""},
		SubmittedAt: h.when(a.SubmittedAt), DeadlineAt: h.when(a.DeadlineAt), Overdue: v.Overdue,
		Pending: a.State == store.AppPendingReview, State: stateText(a.State), Reasons: eid.RejectReasons(),
		Kind: applicationKind(a)}
	if p.Address.VI == "" {
		p.Address = text{"Không có trong CSDL", "Not on file"}
	}
	if !p.Pending {
		d := &decisionView{At: h.when(a.DecidedAt), By: deciderText(a.DecidedBy), Text: a.ReasonText}
		if a.ReasonCode != "" {
			r := reasonText(a.ReasonCode)
			d.Reason = &r
		}
		p.Decision = d
	}
	p.Images = []imageView{
		portrait("chip-portrait", text{"Ảnh trên chip", "Chip portrait"}, v.ChipPortrait,
			text{"Chip không có ảnh chân dung", "The chip holds no portrait"}),
		portrait("selfie", text{"Ảnh chụp khi đăng ký", "Selfie"}, v.Selfie,
			text{"Không có ảnh chụp", "No selfie"}),
		portrait("registry-portrait", text{"Ảnh trong CSDL căn cước", "ID-card database portrait"}, v.RegistryPortrait,
			text{"CSDL không có ảnh của công dân", "The database has no portrait of the citizen"}),
	}
	if v.Desk != nil {
		p.Desk = h.deskDossier(v)
		p.Images = []imageView{
			portrait("desk-portrait", text{"Ảnh chụp tại quầy", "Portrait taken at the desk"}, v.DeskPortrait,
				text{"Chưa có ảnh chụp tại quầy", "No portrait taken at the desk"}),
			p.Images[2],
		}
		if p.Desk.Signature != nil {
			p.Images = append(p.Images, *p.Desk.Signature)
		}
	}
	for _, ck := range v.Report.Checks {
		cv := checkView{Name: ck.Name, Label: checkLabel(ck.Name), Status: statusClass(ck.Status),
			Result: statusText(ck.Status), Score: "—", Detail: detailText(ck.Detail)}
		if ck.Score != nil {
			cv.Score = strconv.FormatFloat(*ck.Score, 'f', 3, 64)
		}
		var fields []string
		for _, f := range ck.Fields {
			l := fieldLabel(f)
			fields = append(fields, l.VI+" / "+l.EN)
		}
		cv.Fields = strings.Join(fields, "; ")
		p.Checks = append(p.Checks, cv)
	}
	for _, w := range v.Report.Why {
		p.Why = append(p.Why, whyText(w))
	}
	chip := v.Report.Chip
	groups := make([]string, 0, len(chip.Groups))
	for _, g := range chip.Groups {
		groups = append(groups, "DG"+strconv.Itoa(g))
	}
	p.Chip = chipView{DocumentSigner: orDash(chip.DocumentSigner), CSCA: orDash(chip.CSCA),
		SignatureAlgorithm: orDash(chip.SignatureAlgorithm), Groups: orDash(strings.Join(groups, ", ")),
		PortraitType: orDash(firstOf(chip.PortraitType, v.ChipPortraitType)), ActiveAuth: yesNo(chip.ActiveAuth)}
	return p
}

// deskDossier builds the desk's part of a dossier.
func (h *Handler) deskDossier(v eid.DossierView) *deskDossierView {
	d := v.Desk
	dv := &deskDossierView{PortraitScore: "—", Fingers: fingerResults(d.Fingers), Phone: orDash(d.Phone),
		Email: orDash(d.Email), CardRequest: cardRequestText(d.CardRequest), Office: orDash(d.OfficeName),
		Officer: orDash(d.Officer.FullName)}
	if d.Officer.ID != "" {
		dv.Officer += " (" + d.Officer.ID + ")"
	}
	if d.PortraitScore != nil {
		dv.PortraitScore = strconv.FormatFloat(*d.PortraitScore, 'f', 3, 64)
	}
	dv.FingersVerified, dv.VerifiedClass = text{"Chưa khớp đủ", "Not verified"}, "fail"
	if d.FingersVerified {
		dv.FingersVerified, dv.VerifiedClass = text{"Đã xác thực (ít nhất hai ngón khớp, không ngón nào sai)",
			"Verified (at least two fingers matched, none failed)"}, "pass"
	}
	if len(d.Fingers) == 0 {
		dv.FingersVerified, dv.VerifiedClass = text{"Chưa lấy vân tay", "No fingerprints taken"}, "unavailable"
	}
	if d.Consent != nil {
		dv.Consent = h.consent(*d.Consent)
	}
	if len(v.Signature) > 0 {
		img := portrait("signature", text{"Chữ ký của công dân", "Citizen's signature"}, v.Signature,
			text{"Không có chữ ký", "No signature"})
		dv.Signature = &img
	}
	for _, doc := range d.Documents {
		dv.Documents = append(dv.Documents, documentText(doc))
	}
	if c := d.NewCard; c != nil {
		dv.NewCard = c.Number + " · " + c.IssueDate.DMY() + " – " + firstOf(dateOrEmpty(c.ExpiryDate), "∞")
	}
	return dv
}

// consent describes a recorded consent.
func (h *Handler) consent(c eid.Consent) *consentView {
	cv := &consentView{Method: consentMethodText(c.Method), At: h.when(c.At), Phone: orDash(c.Phone)}
	return cv
}

// fingerResults describes the fingers taken at the desk.
func fingerResults(fs []eid.DeskFinger) []fingerResult {
	out := make([]fingerResult, 0, len(fs))
	for _, f := range fs {
		pos := fingerprint.FingerPosition(f.Position)
		fr := fingerResult{Position: f.Position, Name: text{pos.Vietnamese(), pos.English()}, Format: fingerFormatText(f.Format),
			Minutiae: f.Minutiae, OnFile: yesNo(f.OnFile), Score: "—", Matched: text{"—", "—"}, Status: "unavailable"}
		if f.OnFile {
			fr.Score = strconv.FormatFloat(f.Score, 'f', 3, 64)
			fr.Matched, fr.Status = text{"Không khớp", "No match"}, "fail"
			if f.Matched {
				fr.Matched, fr.Status = text{"Khớp", "Match"}, "pass"
			}
		}
		out = append(out, fr)
	}
	return out
}

// applicationKind names an application's level and channel.
func applicationKind(a store.Application) text {
	if a.Channel == "desk" {
		return text{"Mức " + strconv.Itoa(a.Level) + " · tại quầy", "Level " + strconv.Itoa(a.Level) + " · at the desk"}
	}
	return text{"Mức " + strconv.Itoa(a.Level) + " · trên ứng dụng", "Level " + strconv.Itoa(a.Level) + " · in the app"}
}

// cardRequestText names a card request filed with a desk application.
func cardRequestText(code string) text {
	for _, c := range eid.CardRequests() {
		if c[0] == code {
			return text{c[1], c[2]}
		}
	}
	return text{code, code}
}

// documentText names a document kind to integrate.
func documentText(code string) text {
	for _, d := range eid.Documents() {
		if d[0] == code {
			return text{d[1], d[2]}
		}
	}
	return text{code, code}
}

// consentMethodText names how the citizen confirmed.
func consentMethodText(m string) text {
	switch m {
	case "otp":
		return text{"Mã xác nhận gửi qua tin nhắn SMS", "Code sent by SMS"}
	case "signature":
		return text{"Chữ ký của công dân", "Citizen's signature"}
	}
	return text{m, m}
}

// fingerFormatText names a fingerprint capture format.
func fingerFormatText(f string) text {
	switch f {
	case "iso19794-2":
		return text{"Mẫu ISO/IEC 19794-2 (từ máy quét)", "ISO/IEC 19794-2 template (from the scanner)"}
	case "wsq":
		return text{"Ảnh WSQ", "WSQ image"}
	case "png":
		return text{"Ảnh PNG", "PNG image"}
	}
	return text{f, f}
}

// lowerFirst lowers the first letter of s ("Ngón cái phải" → "ngón cái
// phải").
func lowerFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if r == utf8.RuneError {
		return s
	}
	return string(unicode.ToLower(r)) + s[n:]
}

func dateOrEmpty(d identity.Date) string {
	if d.IsZero() {
		return ""
	}
	return d.DMY()
}

// portrait makes an image view, inline when the bytes are a JPEG or a PNG.
func portrait(id string, label text, img []byte, missing text) imageView {
	v := imageView{ID: id, Label: label}
	if len(img) == 0 {
		v.Missing = &missing
		return v
	}
	mime, name := imageType(img)
	switch {
	case mime == "" && name == "":
		v.Missing = &text{"Không nhận ra định dạng ảnh", "The image format is not recognised"}
		return v
	case mime == "":
		v.Missing = &text{"Trình duyệt không hiển thị được ảnh định dạng " + name, "The browser cannot show a " + name + " image"}
		return v
	}
	// The URI is built here from a fixed MIME type and base64 text only.
	v.URI = template.URL("data:" + mime + ";base64," + base64.StdEncoding.EncodeToString(img))
	return v
}

// imageType recognises an image by its magic bytes: the MIME type a
// browser shows, or "" with the format's name when it cannot be shown, or
// two empty strings when the format is unknown.
func imageType(b []byte) (mime, name string) {
	switch {
	case bytes.HasPrefix(b, []byte{0xFF, 0xD8, 0xFF}):
		return "image/jpeg", "JPEG"
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		return "image/png", "PNG"
	case bytes.HasPrefix(b, []byte{0, 0, 0, 0x0C, 'j', 'P', ' ', ' '}), bytes.HasPrefix(b, []byte{0xFF, 0x4F, 0xFF, 0x51}):
		return "", "JPEG 2000"
	}
	return "", ""
}

func orDash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "—"
	}
	return s
}

func firstOf(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func yesNo(b bool) text {
	if b {
		return text{"Có", "Yes"}
	}
	return text{"Không", "No"}
}

func sexText(g identity.Gender) text {
	switch g {
	case identity.Male:
		return text{"Nam", "Male"}
	case identity.Female:
		return text{"Nữ", "Female"}
	}
	return text{"—", ""}
}

func stateText(s store.ApplicationState) text {
	switch s {
	case store.AppPendingReview:
		return text{"Chờ xét duyệt", "Waiting for review"}
	case store.AppApproved:
		return text{"Đã phê duyệt (Đạt)", "Approved"}
	case store.AppRejected:
		return text{"Đã từ chối", "Rejected"}
	case store.AppAwaitingEvidence:
		return text{"Chưa nộp đủ hồ sơ", "Evidence not yet sent"}
	case store.AppExpired:
		return text{"Đã hết hạn", "Expired"}
	}
	return text{string(s), string(s)}
}

// deciderText says who decided: the rules or an officer.
func deciderText(by string) text {
	if by == "auto" {
		return text{"Tự động theo quy tắc", "Automatically, by the rules"}
	}
	if id, ok := strings.CutPrefix(by, "officer:"); ok {
		return text{"Cán bộ " + id, "Officer " + id}
	}
	return text{orDash(by), ""}
}

func reasonText(code string) text {
	for _, r := range eid.RejectReasons() {
		if r.Code == code {
			return text{r.VI, r.EN}
		}
	}
	return text{code, code}
}

func statusClass(s eid.CheckStatus) string {
	switch s {
	case eid.CheckPass, eid.CheckFail, eid.CheckWarn, eid.CheckUnavailable:
		return string(s)
	}
	return "unknown"
}

func statusText(s eid.CheckStatus) text {
	switch s {
	case eid.CheckPass:
		return text{"Đạt", "Pass"}
	case eid.CheckFail:
		return text{"Không đạt", "Fail"}
	case eid.CheckWarn:
		return text{"Cần xem xét", "Look closer"}
	case eid.CheckUnavailable:
		return text{"Không thực hiện được", "Not run"}
	}
	return text{string(s), string(s)}
}

// checkLabel names a check for officers; unknown checks show their code.
func checkLabel(name string) text {
	switch name {
	case "chip_passive_auth":
		return text{"Xác thực thụ động dữ liệu chip (chữ ký số)", "Chip passive authentication (signature)"}
	case "chip_active_auth":
		return text{"Xác thực chủ động chip (chống sao chép)", "Chip active authentication (anti-cloning)"}
	case "chip_dg1_dg13":
		return text{"Thông tin DG1 và DG13 trên chip khớp nhau", "Chip DG1 and DG13 agree"}
	case "registry_match":
		return text{"Thông tin chip khớp CSDL quốc gia về dân cư", "Chip matches the population database"}
	case "qr_match":
		return text{"Mã QR khớp thông tin chip", "QR code matches the chip"}
	case "card_valid":
		return text{"Thẻ Căn cước công dân còn giá trị", "ID card is valid"}
	case "id_number_rule":
		return text{"Số định danh đúng quy tắc", "ID number follows the rule"}
	case "face_chip":
		return text{"Ảnh chụp khớp ảnh trên chip", "Selfie matches the chip portrait"}
	case "face_registry":
		return text{"Ảnh chụp khớp ảnh trong CSDL", "Selfie matches the database portrait"}
	case "selfie_not_copy":
		return text{"Ảnh chụp là ảnh mới, không sao chép ảnh đã có", "Selfie is a new photograph, not a copy of a portrait on file"}
	case "desk_portrait_vs_registry":
		return text{"Ảnh chụp tại quầy khớp ảnh trong CSDL căn cước", "Desk portrait matches the ID-card database portrait"}
	case "citizen_consent":
		return text{"Công dân xác nhận đồng ý", "The citizen's consent"}
	}
	if n, ok := strings.CutPrefix(name, "finger_"); ok && len(n) == 2 {
		if v, err := strconv.Atoi(n); err == nil && v >= 1 && v <= 10 {
			pos := fingerprint.FingerPosition(v)
			return text{"Vân tay " + lowerFirst(pos.Vietnamese()) + " khớp CSDL căn cước",
				pos.English() + " matches the ID-card database"}
		}
	}
	return text{name, name}
}

// detailText puts the known details of the desk's checks into Vietnamese
// with English; other details are shown as recorded.
func detailText(d string) string {
	switch d {
	case "no database portrait":
		return "CSDL không có ảnh để so sánh / no database portrait"
	case "no face engine: the reviewer compares":
		return "Chưa có máy so khớp khuôn mặt: cán bộ xét duyệt so sánh bằng mắt / no face engine: the reviewer compares"
	case "otp":
		return "Mã xác nhận / code"
	case "signature":
		return "Chữ ký / signature"
	}
	return d
}

// fieldLabel names a field a check found different.
func fieldLabel(f string) text {
	switch f {
	case "full_name":
		return text{"Họ và tên", "Full name"}
	case "date_of_birth":
		return text{"Ngày sinh", "Date of birth"}
	case "sex":
		return text{"Giới tính", "Sex"}
	case "expiry_date":
		return text{"Ngày hết hạn", "Expiry date"}
	case "issue_date":
		return text{"Ngày cấp", "Issue date"}
	case "permanent_residence":
		return text{"Nơi thường trú", "Permanent residence"}
	case "old_id_number":
		return text{"Số CMND cũ", "Old ID number"}
	case "id_number":
		return text{"Số định danh", "ID number"}
	}
	return text{f, f}
}

// whyText explains one reason the rules sent a dossier to an officer
// ("check:status" or a rule name).
func whyText(w string) text {
	switch w {
	case "auto_approval_off":
		return text{"Tự động phê duyệt đang tắt", "Auto-approval is switched off"}
	case "level2_always_reviewed":
		return text{"Hồ sơ mức 2 luôn do cán bộ xét duyệt", "Level-2 dossiers are always decided by an officer"}
	}
	name, status, ok := strings.Cut(w, ":")
	if !ok {
		return text{w, w}
	}
	l, st := checkLabel(name), statusText(eid.CheckStatus(status))
	return text{fmt.Sprintf("%s: %s", l.VI, st.VI), fmt.Sprintf("%s: %s", l.EN, st.EN)}
}
