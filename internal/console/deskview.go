package console

import (
	"strconv"
	"strings"

	"github.com/vneid/vneid/internal/eid"
	"github.com/vneid/vneid/internal/enrolment"
	"github.com/vneid/vneid/internal/fingerprint"
	"github.com/vneid/vneid/internal/identity"
	"github.com/vneid/vneid/internal/registry"
	"github.com/vneid/vneid/internal/store"
)

// deskCitizen builds the view of a citizen found at the desk.
func (h *Handler) deskCitizen(c eid.DeskCitizen) *deskCitizenView {
	cit := c.Citizen
	today := identity.DateOf(h.now().In(h.loc))
	v := &deskCitizenView{IDNumber: cit.ID, FullName: cit.FullName, DateOfBirth: cit.DateOfBirth.DMY(),
		OldIDNumber: orDash(cit.OldIDNumber), Sex: sexText(cit.Gender), Alive: cit.LifeStatus == registry.Alive,
		Nationality: orDash(cit.Nationality), Ethnicity: orDash(cit.Ethnicity), Origin: orDash(cit.PlaceOfOrigin),
		Permanent: orDash(cit.PermanentAddress.String()), Temporary: orDash(cit.TemporaryAddress.String()),
		ChipCardValid: c.ChipCardValid, PlaceOK: c.PlaceOK, OpenApplicationID: c.OpenApplicationID}
	v.Life = text{"Còn sống", "Alive"}
	if !v.Alive {
		v.Life = text{"Đã mất", "Deceased"}
	}
	for i := len(cit.Cards) - 1; i >= 0; i-- { // newest first
		k := cit.Cards[i]
		cv := cardView{Number: k.Number, Issued: k.IssueDate.DMY(), Expires: firstOf(dateOrEmpty(k.ExpiryDate), "Không thời hạn / no expiry"),
			Kind: text{"Thẻ mã vạch", "Barcode card"}, Status: cardStatusText(k.Status),
			Current: c.Card != nil && c.Card.IssueDate == k.IssueDate && c.Card.Number == k.Number}
		if k.Chip {
			cv.Kind = text{"Thẻ gắn chip", "Chip card"}
		}
		if k.Status == registry.CardValid && !k.ValidOn(today) {
			cv.Status = text{"Hết hạn", "Expired"}
		}
		v.Cards = append(v.Cards, cv)
	}
	switch {
	case c.ChipCardValid:
		v.ChipCard = text{"Có thẻ Căn cước gắn chip còn giá trị", "Holds a valid chip ID card"}
	case c.Card != nil:
		v.ChipCard = text{"Chỉ có thẻ mã vạch còn giá trị, chưa có thẻ gắn chip", "Holds a valid barcode card only, no chip card"}
	default:
		v.ChipCard = text{"Không có thẻ Căn cước còn giá trị", "Holds no valid ID card"}
	}
	if c.Account == nil {
		v.Account = text{"Chưa có tài khoản VNeID; tài khoản được tạo khi mở hồ sơ.",
			"No VNeID account yet; one is created when the application is opened."}
	} else {
		m := identity.MaskPhone(c.Account.Phone)
		v.Account = text{"Có tài khoản VNeID, điện thoại " + orDash(m), "Has a VNeID account, phone " + orDash(m)}
		if c.Account.State == store.AccountLocked {
			v.Account.VI += " (đang bị khóa)"
			v.Account.EN += " (locked)"
		}
	}
	v.EID = eidStatusText(c.Account != nil, c.EID)
	v.Portrait = text{"Không có ảnh trong CSDL căn cước", "No portrait in the ID-card database"}
	if c.PortraitOnFile {
		v.Portrait = text{"Có ảnh trong CSDL căn cước", "A portrait is in the ID-card database"}
	}
	v.Fingers = text{"Không có vân tay trong CSDL căn cước", "No fingerprints in the ID-card database"}
	if len(c.FingersOnFile) > 0 {
		var vi, en []string
		for _, p := range c.FingersOnFile {
			pos := fingerprint.FingerPosition(p)
			vi, en = append(vi, pos.Vietnamese()), append(en, pos.English())
		}
		v.Fingers = text{strconv.Itoa(len(vi)) + " ngón: " + strings.Join(vi, ", "), strconv.Itoa(len(en)) + " fingers: " + strings.Join(en, ", ")}
	}
	v.Place = placeText(c)
	return v
}

// placeText explains the place rule's outcome for this office.
func placeText(c eid.DeskCitizen) text {
	residence := ""
	if c.ResidenceUnit != "" || c.TemporaryUnit != "" {
		residence = " (mã đơn vị hành chính nơi cư trú: " + strings.Trim(c.ResidenceUnit+" / "+c.TemporaryUnit, " /") + ")"
	}
	switch {
	case c.ChipCardValid && c.PlaceOK:
		return text{"Được tiếp nhận: công dân có thẻ gắn chip còn giá trị, nơi cư trú thuộc địa bàn đơn vị" + residence + ".",
			"May enrol here: the citizen holds a valid chip card and lives in this office's area."}
	case c.ChipCardValid:
		return text{"Được tiếp nhận vì công dân có thẻ gắn chip còn giá trị. Nếu kèm thủ tục cấp, đổi thẻ thì phải làm tại Công an nơi thường trú hoặc tạm trú" + residence + ".",
			"May enrol here because the citizen holds a valid chip card. A card application must be filed with the police of the permanent or temporary residence."}
	case c.PlaceOK:
		return text{"Được tiếp nhận kèm thủ tục cấp, đổi thẻ: nơi cư trú của công dân thuộc địa bàn đơn vị" + residence + ".",
			"May enrol here with a card application: the citizen lives in this office's area."}
	}
	return text{"Không được tiếp nhận tại đơn vị này. " + enrolment.ErrWrongPlace.VI + residence,
		"Cannot enrol here. " + enrolment.ErrWrongPlace.EN}
}

func cardStatusText(s registry.CardStatus) text {
	switch s {
	case registry.CardValid:
		return text{"Còn giá trị", "Valid"}
	case registry.CardLost:
		return text{"Đã báo mất", "Reported lost"}
	case registry.CardRevoked:
		return text{"Đã thu hồi", "Revoked"}
	case registry.CardReplaced:
		return text{"Đã được thay thế", "Replaced"}
	}
	return text{string(s), string(s)}
}

// eidStatusText describes the account's e-ID.
func eidStatusText(hasAccount bool, st store.EIDStatus) text {
	if !hasAccount {
		return text{"Chưa có định danh điện tử", "No e-ID"}
	}
	lvl := strconv.Itoa(st.Level)
	pending := strconv.Itoa(st.PendingLevel)
	switch st.State {
	case store.EIDPending:
		return text{"Đang có hồ sơ mức " + pending + " chờ xét duyệt", "A level-" + pending + " application is waiting for review"}
	case store.EIDApproved:
		return text{"Hồ sơ mức " + pending + " đã được duyệt, chờ kích hoạt", "Level " + pending + " approved, waiting for activation"}
	case store.EIDActive:
		return text{"Đang hoạt động ở mức " + lvl, "Active at level " + lvl}
	case store.EIDRejected:
		return text{"Hồ sơ gần nhất bị từ chối (mức hiện tại: " + lvl + ")", "The last application was rejected (level now: " + lvl + ")"}
	case store.EIDActivationExpired:
		return text{"Quá hạn kích hoạt, cần mở lại", "The activation window passed; it must be reopened"}
	}
	if st.Level > 0 {
		return text{"Mức " + lvl, "Level " + lvl}
	}
	return text{"Chưa có định danh điện tử (tài khoản ứng dụng)", "No e-ID (app account only)"}
}

// deskApplicationPage builds the page of a desk application.
func (h *Handler) deskApplicationPage(s session, v eid.DeskView, in *deskInput) deskApplicationPage {
	a, d, cit := v.Application, v.Details, v.Citizen
	now := h.now()
	p := deskApplicationPage{layout: h.layout(s, text{"Hồ sơ tại quầy " + a.IDNumber, "Desk application " + a.IDNumber}),
		ID: a.ID, IDNumber: a.IDNumber, FullName: cit.FullName, DateOfBirth: cit.DateOfBirth.DMY(), Sex: sexText(cit.Gender),
		State: stateText(a.State), CardRequest: cardRequestText(d.CardRequest), Phone: orDash(d.Phone), Email: orDash(d.Email),
		TakenBy: orDash(d.Officer.FullName), Office: orDash(d.OfficeName), CreatedAt: h.when(a.CreatedAt), ExpiresAt: h.when(a.ExpiresAt)}
	awaiting := a.State == store.AppAwaitingEvidence
	p.Open = awaiting && now.Before(a.ExpiresAt)
	p.Expired = a.State == store.AppExpired || awaiting && !p.Open
	p.Submitted = !awaiting && a.State != store.AppExpired
	if p.Expired {
		p.State = text{"Đã quá thời hạn tiếp nhận", "The desk session expired"}
	}

	p.PortraitTaken = d.PortraitTaken
	for _, ck := range v.Report.Checks {
		if ck.Name != "desk_portrait_vs_registry" {
			continue
		}
		cv := checkView{Name: ck.Name, Label: checkLabel(ck.Name), Status: statusClass(ck.Status),
			Result: statusText(ck.Status), Score: "—", Detail: detailText(ck.Detail)}
		if ck.Score != nil {
			cv.Score = strconv.FormatFloat(*ck.Score, 'f', 3, 64)
		}
		p.PortraitCheck = &cv
	}

	p.Fingers, p.FingersVerified = fingerResults(d.Fingers), d.FingersVerified
	rows := [][2]string{{"2", "iso19794-2"}, {"7", "iso19794-2"}}
	if in != nil && in.Fingers != nil {
		rows = in.Fingers
	}
	for n := 1; n <= fingerRows; n++ {
		sel := [2]string{"", "iso19794-2"}
		if n <= len(rows) {
			sel = rows[n-1]
		}
		p.FingerForm = append(p.FingerForm, fingerRow{N: n, Positions: positionOptions(sel[0]), Formats: formatOptions(sel[1])})
	}

	if d.Consent != nil {
		p.Consent = h.consent(*d.Consent)
	}
	if !d.ConsentCodeSent.IsZero() {
		p.CodeSentAt, p.CodePhone = h.when(d.ConsentCodeSent), identity.MaskPhone(d.Phone)
	}

	ticked := d.Documents
	if in != nil && in.Documents != nil {
		ticked = in.Documents
	}
	for _, doc := range eid.Documents() {
		checked := false
		for _, t := range ticked {
			checked = checked || t == doc[0]
		}
		p.Documents = append(p.Documents, documentOption{Code: doc[0], Label: text{doc[1], doc[2]}, Checked: checked})
	}
	for _, doc := range d.Documents {
		p.DocumentsAsked = append(p.DocumentsAsked, documentText(doc))
	}
	cfg := h.eid.Config()
	p.DeskDays, p.DeskCardDays = cfg.DeskReviewDays, cfg.DeskCardReviewDays
	if p.Submitted {
		days := cfg.DeskReviewDays
		if d.CardRequest != eid.CardRequestNone {
			days = cfg.DeskCardReviewDays
		}
		p.SubmittedAt, p.DeadlineAt, p.ReviewDays = h.when(a.SubmittedAt), h.when(a.DeadlineAt), strconv.Itoa(days)
	}

	p.Steps = []stepView{
		step("portrait", text{"Ảnh chân dung", "Portrait"}, d.PortraitTaken, false, text{}),
		step("fingerprints", text{"Vân tay", "Fingerprints"}, d.FingersVerified, len(d.Fingers) > 0,
			text{"Chưa khớp, lấy lại", "No match, take again"}),
		step("consent", text{"Xác nhận của công dân", "Citizen's consent"}, d.Consent != nil, !d.ConsentCodeSent.IsZero(),
			text{"Đã gửi mã, chờ nhập", "Code sent, waiting for it"}),
		step("submit", text{"Giấy tờ tích hợp và nộp hồ sơ", "Documents and submission"}, p.Submitted, false, text{}),
	}
	return p
}

// step describes a step's state: done, under way (with a note), or to do.
func step(anchor string, label text, done, underway bool, note text) stepView {
	switch {
	case done:
		return stepView{Anchor: anchor, Label: label, State: text{"Đã xong", "Done"}, Class: "done"}
	case underway:
		return stepView{Anchor: anchor, Label: label, State: note, Class: "problem"}
	}
	return stepView{Anchor: anchor, Label: label, State: text{"Chưa thực hiện", "To do"}, Class: "todo"}
}

// positionOptions are the ten fingers, with "not used" first.
func positionOptions(selected string) []option {
	out := []option{{Value: "", Label: text{"— Không dùng —", "not used"}, Selected: selected == ""}}
	for p := fingerprint.RightThumb; p <= fingerprint.LeftLittle; p++ {
		v := strconv.Itoa(int(p))
		out = append(out, option{Value: v, Label: text{p.Vietnamese(), p.English()}, Selected: v == selected})
	}
	return out
}

// formatOptions are the capture formats the desk accepts.
func formatOptions(selected string) []option {
	var out []option
	for _, f := range []string{"iso19794-2", "wsq", "png"} {
		out = append(out, option{Value: f, Label: fingerFormatText(f), Selected: f == selected})
	}
	return out
}
