package console

import (
	"encoding/base64"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"

	"github.com/vneid/vneid/internal/eid"
	"github.com/vneid/vneid/internal/enrolment"
	"github.com/vneid/vneid/internal/failure"
	"github.com/vneid/vneid/internal/fingerprint"
)

// The enrolment desk (level-2 e-ID, issue 4): a desk officer finds the
// citizen by ID number or by the card's QR code, opens an application, and
// takes in turn the portrait, at least two fingerprints, the citizen's
// consent and the documents to integrate, then submits the dossier for
// review. Every step posts a form and comes back to the application page,
// which shows what is done; the webcam and the signature pad (desk.js) only
// fill the same forms' fields.

// Desk form limits.
const (
	fingerRows     = 4   // finger rows on the fingerprint form (at least two are needed)
	maxQueryLength = 512 // a CCCD QR payload is about 120 characters
)

// Failures of the desk pages.
var (
	errNoFile = failure.New("console_file_missing", failure.Invalid,
		"Chưa chọn tệp hoặc chưa chụp ảnh.", "No file was chosen and nothing was captured.")
	errBadDataURL = failure.New("console_capture_invalid", failure.Invalid,
		"Ảnh chụp từ trình duyệt không hợp lệ; chụp lại hoặc chọn tệp.",
		"The image captured in the browser is not valid; capture it again or choose a file.")
)

// deskSearchPage is the desk's search form, with the citizen found.
type deskSearchPage struct {
	layout
	Office      string
	Query       string
	SearchError *text
	Result      *deskCitizenView
	Open        deskOpenForm
	Requests    []option
}

// deskOpenForm is what the officer entered to open an application.
type deskOpenForm struct {
	CardRequest, Phone, Email string
	Error                     *text
}

// option is one choice of a select.
type option struct {
	Value    string
	Label    text
	Selected bool
}

// deskCitizenView is a citizen as the desk sees them after a search.
type deskCitizenView struct {
	IDNumber, FullName, DateOfBirth, OldIDNumber string
	Sex, Life                                    text
	Alive                                        bool
	Nationality, Ethnicity, Origin               string
	Permanent, Temporary                         string
	Cards                                        []cardView
	ChipCard                                     text
	ChipCardValid                                bool
	Account                                      text
	EID                                          text
	Portrait                                     text
	Fingers                                      text
	PlaceOK                                      bool
	Place                                        text
	OpenApplicationID                            string
}

// cardView is one ID card of the citizen.
type cardView struct {
	Number, Issued, Expires string
	Kind, Status            text
	Current                 bool
}

// deskApplicationPage is one open (or submitted) desk application.
type deskApplicationPage struct {
	layout
	ID                                  string
	IDNumber, FullName, DateOfBirth     string
	Sex, State, CardRequest             text
	Phone, Email, TakenBy, Office       string
	CreatedAt, ExpiresAt                string
	Open, Submitted, Expired            bool
	Problem                             *stepProblem
	Steps                               []stepView
	PortraitTaken                       bool
	PortraitCheck                       *checkView
	FingerForm                          []fingerRow
	Fingers                             []fingerResult
	FingersVerified                     bool
	Positions, Formats                  []option
	Consent                             *consentView
	CodeSentAt, CodePhone               string
	Documents                           []documentOption
	DocumentsAsked                      []text
	SubmittedAt, DeadlineAt, ReviewDays string
	// DeskDays and DeskCardDays are the review deadlines in working days,
	// without and with a card application.
	DeskDays, DeskCardDays int
}

// stepProblem is a step's failure, shown next to its form.
type stepProblem struct {
	Step    string // portrait, fingerprints, consent, submit
	Code    string
	Message text
}

// stepView is one step and how far it is.
type stepView struct {
	Anchor string
	Label  text
	State  text
	Class  string // done, todo, problem
}

// fingerRow is one row of the fingerprint form.
type fingerRow struct {
	N         int
	Positions []option
	Formats   []option
}

// documentOption is one document kind to integrate, ticked or not.
type documentOption struct {
	Code    string
	Label   text
	Checked bool
}

// deskSearchForm shows the desk's search form.
func (h *Handler) deskSearchForm(w http.ResponseWriter, r *http.Request, s session) {
	page := h.deskSearchPage(s)
	page.Flash = h.takeFlash(w, r, s)
	h.render(w, r, http.StatusOK, "desk_search", page)
}

func (h *Handler) deskSearchPage(s session) deskSearchPage {
	return deskSearchPage{layout: h.layout(s, text{"Tiếp nhận hồ sơ định danh điện tử mức 2", "Level-2 e-ID enrolment desk"}),
		Office: s.Scope.Label()}
}

// deskSearch finds a citizen by ID number or QR payload (an audited read).
// The query travels in a POST body, never in a URL that logs and browser
// history would keep.
func (h *Handler) deskSearch(w http.ResponseWriter, r *http.Request, s session) {
	page := h.deskSearchPage(s)
	q := strings.TrimSpace(r.PostForm.Get("query"))
	if len(q) > maxQueryLength {
		q = ""
	}
	page.Query = q
	if q == "" {
		h.deskSearchFailed(w, r, s, page, eid.ErrDeskQuery.WithFields("query"))
		return
	}
	c, err := h.eid.DeskLookup(r.Context(), h.caller(r), s.reviewer(), q)
	if err != nil {
		h.deskSearchFailed(w, r, s, page, err)
		return
	}
	page.Result = h.deskCitizen(c)
	page.Open = defaultOpenForm(c)
	page.Requests = cardRequestOptions(page.Open.CardRequest)
	h.render(w, r, http.StatusOK, "desk_search", page)
}

// deskSearchFailed shows the search form again with the failure's message.
func (h *Handler) deskSearchFailed(w http.ResponseWriter, r *http.Request, s session, page deskSearchPage, err error) {
	f := h.failureOf(r, &s, err)
	if f.Kind == failure.Unauthenticated || f.Kind == failure.Internal || f.Kind == failure.Unavailable {
		h.showFailure(w, r, &s, f)
		return
	}
	page.SearchError = &text{f.VI, f.EN}
	h.render(w, r, statusOfFailure(f), "desk_search", page)
}

// defaultOpenForm proposes the card request the citizen likely needs and
// the contact the account already has.
func defaultOpenForm(c eid.DeskCitizen) deskOpenForm {
	f := deskOpenForm{CardRequest: eid.CardRequestNone}
	if !c.ChipCardValid {
		f.CardRequest = eid.CardRequestFirst
		if _, ok := c.Citizen.LatestCard(); ok {
			f.CardRequest = eid.CardRequestRenewal
		}
	}
	if c.Account != nil {
		f.Phone, f.Email = c.Account.Phone, c.Account.Email
	}
	return f
}

func cardRequestOptions(selected string) []option {
	var out []option
	for _, c := range eid.CardRequests() {
		out = append(out, option{Value: c[0], Label: text{c[1], c[2]}, Selected: c[0] == selected})
	}
	return out
}

// deskOpen opens an application for the citizen found; a refusal (the
// place rule, a bad phone number, an application already pending) shows
// the citizen again with the message next to the form.
func (h *Handler) deskOpen(w http.ResponseWriter, r *http.Request, s session) {
	in := eid.DeskOpen{IDNumber: strings.TrimSpace(r.PostForm.Get("id_number")),
		CardRequest: r.PostForm.Get("card_request"), Phone: r.PostForm.Get("phone"), Email: r.PostForm.Get("email")}
	app, err := h.eid.DeskOpenApplication(r.Context(), h.caller(r), s.reviewer(), in)
	if err == nil {
		h.setFlash(w, s, flashOpened, app.ID)
		http.Redirect(w, r, deskPath(app.ID, ""), http.StatusSeeOther)
		return
	}
	f := h.failureOf(r, &s, err)
	if f.Kind == failure.Unauthenticated || f.Kind == failure.Internal || f.Kind == failure.Unavailable {
		h.showFailure(w, r, &s, f)
		return
	}
	page := h.deskSearchPage(s)
	page.Query = in.IDNumber
	c, lerr := h.eid.DeskLookup(r.Context(), h.caller(r), s.reviewer(), in.IDNumber)
	if lerr != nil {
		page.SearchError = &text{f.VI, f.EN}
		h.render(w, r, statusOfFailure(f), "desk_search", page)
		return
	}
	page.Result = h.deskCitizen(c)
	page.Open = deskOpenForm{CardRequest: in.CardRequest, Phone: in.Phone, Email: in.Email, Error: &text{f.VI, f.EN}}
	page.Requests = cardRequestOptions(in.CardRequest)
	h.render(w, r, statusOfFailure(f), "desk_search", page)
}

// deskPath is the path of a desk application's page, at a step's anchor.
func deskPath(id, anchor string) string {
	p := Prefix + "desk/applications/" + id
	if anchor != "" {
		p += "#" + anchor
	}
	return p
}

// deskApplication shows a desk application of the officer's office.
func (h *Handler) deskApplication(w http.ResponseWriter, r *http.Request, s session) {
	id, ok := dossierID(r)
	if !ok {
		h.fail(w, r, &s, eid.ErrApplicationNotFound)
		return
	}
	h.showDeskApplication(w, r, s, id, http.StatusOK, nil, nil)
}

// deskInput is what the officer posted to a step that failed, to fill the
// forms in again.
type deskInput struct {
	Fingers   [][2]string // position, format per row
	Documents []string
}

// showDeskApplication renders the application page with a step's problem
// and the input that caused it, if any.
func (h *Handler) showDeskApplication(w http.ResponseWriter, r *http.Request, s session, id string, status int,
	problem *stepProblem, in *deskInput) {
	v, err := h.eid.DeskApplication(r.Context(), h.caller(r), s.reviewer(), id)
	if err != nil {
		h.fail(w, r, &s, err)
		return
	}
	page := h.deskApplicationPage(s, v, in)
	if r.Method == http.MethodGet {
		page.Flash = h.takeFlash(w, r, s)
	}
	page.Problem = problem
	w.Header().Set("Content-Security-Policy", deskContentSecurityPolicy)
	w.Header().Set("Permissions-Policy", deskPermissionsPolicy)
	h.render(w, r, status, "desk_application", page)
}

// deskStepFailed shows the application page with a step's failure next to
// its form; failures that leave nothing to show (not found, another
// office, an ended session, an internal error) get the failure page.
func (h *Handler) deskStepFailed(w http.ResponseWriter, r *http.Request, s session, id, step string, in *deskInput, err error) {
	f := h.failureOf(r, &s, err)
	switch f.Kind {
	case failure.Unauthenticated, failure.Forbidden, failure.NotFound, failure.Internal:
		h.showFailure(w, r, &s, f)
		return
	}
	h.showDeskApplication(w, r, s, id, statusOfFailure(f), &stepProblem{Step: step, Code: f.Code, Message: text{f.VI, f.EN}}, in)
}

// deskStepDone goes back to the application page at the next step.
func (h *Handler) deskStepDone(w http.ResponseWriter, r *http.Request, s session, id, outcome, anchor string) {
	h.setFlash(w, s, outcome, id)
	http.Redirect(w, r, deskPath(id, anchor), http.StatusSeeOther)
}

// deskPortrait records the portrait: a chosen file, or the webcam capture
// desk.js put in portrait_data.
func (h *Handler) deskPortrait(w http.ResponseWriter, r *http.Request, s session) {
	id, ok := dossierID(r)
	if !ok {
		h.fail(w, r, &s, eid.ErrApplicationNotFound)
		return
	}
	img, err := uploadedImage(r, "portrait", "portrait_data")
	if err == nil {
		_, err = h.eid.DeskPortrait(r.Context(), h.caller(r), s.reviewer(), id, img)
	}
	if err != nil {
		h.deskStepFailed(w, r, s, id, "portrait", nil, err)
		return
	}
	h.deskStepDone(w, r, s, id, flashPortrait, "fingerprints")
}

// deskFingerprints compares the fingers taken with the ID-card database:
// each row names a finger, a format and a file.
func (h *Handler) deskFingerprints(w http.ResponseWriter, r *http.Request, s session) {
	id, ok := dossierID(r)
	if !ok {
		h.fail(w, r, &s, eid.ErrApplicationNotFound)
		return
	}
	in := &deskInput{}
	var caps []eid.FingerCapture
	var err error
	for n := 1; n <= fingerRows && err == nil; n++ {
		pos := r.PostForm.Get(fmt.Sprintf("finger%d_position", n))
		format := r.PostForm.Get(fmt.Sprintf("finger%d_format", n))
		in.Fingers = append(in.Fingers, [2]string{pos, format})
		var data []byte
		data, err = uploadedFile(r, fmt.Sprintf("finger%d_file", n))
		switch {
		case err != nil:
		case pos == "" && data == nil:
			// an unused row
		case pos == "":
			err = enrolment.ErrFingers.WithFields(fmt.Sprintf("finger%d_position", n))
		case data == nil:
			err = errNoFile.WithFields(fmt.Sprintf("finger%d_file", n)).
				WithDetail(fmt.Sprintf("(Dòng %d)", n), fmt.Sprintf("(Row %d)", n))
		default:
			p, perr := strconv.Atoi(pos)
			if perr != nil || p < 1 || p > 10 {
				err = enrolment.ErrFingers.WithFields(fmt.Sprintf("finger%d_position", n))
				break
			}
			caps = append(caps, eid.FingerCapture{Position: fingerprint.FingerPosition(p), Format: format, Data: data})
		}
	}
	if err == nil {
		_, err = h.eid.DeskFingerprints(r.Context(), h.caller(r), s.reviewer(), id, caps)
	}
	if err != nil {
		h.deskStepFailed(w, r, s, id, "fingerprints", in, err)
		return
	}
	h.deskStepDone(w, r, s, id, flashFingers, "fingerprints")
}

// deskConsentCode sends the consent code to the phone recorded for the
// result.
func (h *Handler) deskConsentCode(w http.ResponseWriter, r *http.Request, s session) {
	id, ok := dossierID(r)
	if !ok {
		h.fail(w, r, &s, eid.ErrApplicationNotFound)
		return
	}
	_, expires, err := h.eid.DeskConsentCode(r.Context(), h.caller(r), s.reviewer(), id)
	if err != nil {
		h.deskStepFailed(w, r, s, id, "consent", nil, err)
		return
	}
	h.deskStepDone(w, r, s, id, flashCodeSent+"-"+strconv.FormatInt(expires.Unix(), 10), "consent")
}

// deskConsent records the consent: the code the citizen received, or
// their signature (drawn on the pad into signature_data, or a PNG file).
func (h *Handler) deskConsent(w http.ResponseWriter, r *http.Request, s session) {
	id, ok := dossierID(r)
	if !ok {
		h.fail(w, r, &s, eid.ErrApplicationNotFound)
		return
	}
	var err error
	switch method := r.PostForm.Get("method"); method {
	case "otp":
		code := strings.TrimSpace(r.PostForm.Get("code"))
		err = h.eid.DeskConsent(r.Context(), h.caller(r), s.reviewer(), id, "otp", code, nil)
	case "signature":
		var sig []byte
		if sig, err = uploadedImage(r, "signature", "signature_data"); err == nil {
			err = h.eid.DeskConsent(r.Context(), h.caller(r), s.reviewer(), id, "signature", "", sig)
		}
	default:
		err = eid.ErrDeskConsentMethod.WithFields("method")
	}
	if err != nil {
		h.deskStepFailed(w, r, s, id, "consent", nil, err)
		return
	}
	h.deskStepDone(w, r, s, id, flashConsent, "submit")
}

// deskSubmit submits the dossier with the documents ticked.
func (h *Handler) deskSubmit(w http.ResponseWriter, r *http.Request, s session) {
	id, ok := dossierID(r)
	if !ok {
		h.fail(w, r, &s, eid.ErrApplicationNotFound)
		return
	}
	docs := r.PostForm["documents"]
	if len(docs) > len(eid.Documents()) {
		h.deskStepFailed(w, r, s, id, "submit", &deskInput{}, eid.ErrDeskDocuments.WithFields("documents"))
		return
	}
	if _, err := h.eid.DeskSubmit(r.Context(), h.caller(r), s.reviewer(), id, docs); err != nil {
		h.deskStepFailed(w, r, s, id, "submit", &deskInput{Documents: docs}, err)
		return
	}
	h.deskStepDone(w, r, s, id, flashSubmitted, "")
}

// uploadedFile returns the bytes of a file field, or nil when no file was
// chosen.
func uploadedFile(r *http.Request, field string) ([]byte, error) {
	if r.MultipartForm == nil {
		return nil, nil
	}
	fhs := r.MultipartForm.File[field]
	if len(fhs) == 0 || fhs[0].Size == 0 {
		return nil, nil
	}
	return readPart(fhs[0])
}

func readPart(fh *multipart.FileHeader) ([]byte, error) {
	f, err := fh.Open()
	if err != nil {
		return nil, errBadForm.WithCause(fmt.Errorf("open upload: %w", err))
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxUploadBytes+1))
	if err != nil {
		return nil, errBadForm.WithCause(fmt.Errorf("read upload: %w", err))
	}
	return b, nil
}

// uploadedImage returns a file field's bytes or, when no file was chosen,
// the image of a data: URL field (a webcam capture or a signature drawn in
// the browser). Neither gives errNoFile.
func uploadedImage(r *http.Request, fileField, dataField string) ([]byte, error) {
	b, err := uploadedFile(r, fileField)
	if err != nil || b != nil {
		return b, err
	}
	uri := strings.TrimSpace(r.PostForm.Get(dataField))
	if uri == "" {
		return nil, errNoFile.WithFields(fileField)
	}
	var payload string
	for _, prefix := range []string{"data:image/jpeg;base64,", "data:image/png;base64,"} {
		if p, ok := strings.CutPrefix(uri, prefix); ok {
			payload = p
		}
	}
	if payload == "" {
		return nil, errBadDataURL.WithFields(dataField)
	}
	img, err := base64.StdEncoding.DecodeString(payload)
	if err != nil || len(img) == 0 {
		return nil, errBadDataURL.WithFields(dataField)
	}
	return img, nil
}
