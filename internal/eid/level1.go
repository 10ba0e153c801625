package eid

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"strings"
	"time"

	"github.com/vneid/vneid/internal/account"
	"github.com/vneid/vneid/internal/cccd"
	"github.com/vneid/vneid/internal/chipauth"
	"github.com/vneid/vneid/internal/face"
	"github.com/vneid/vneid/internal/failure"
	"github.com/vneid/vneid/internal/identity"
	"github.com/vneid/vneid/internal/registry"
	"github.com/vneid/vneid/internal/store"
)

// Started is a level-1 application waiting for the chip, the selfie and
// the chip's answer to Challenge.
type Started struct {
	ApplicationID string
	Challenge     []byte
	ExpiresAt     time.Time
}

func (s *Service) today() identity.Date { return identity.DateOf(s.now().In(s.cfg.Location)) }

// citizen reads the registry record.
func (s *Service) citizen(ctx context.Context, id string) (registry.Citizen, error) {
	c, err := s.population.Citizen(ctx, id)
	if err != nil {
		return registry.Citizen{}, fmt.Errorf("eid: registry: %w", err)
	}
	return c, nil
}

// chipCard returns the citizen's valid chip card.
func (s *Service) chipCard(c registry.Citizen) (registry.IDCard, bool) {
	card, ok := c.CurrentCard(s.today())
	return card, ok && card.Chip
}

// StartLevel1 opens a level-1 application for the logged-in citizen
// ("Đăng ký tài khoản định danh điện tử mức 1", "Bắt đầu") and issues the
// active-authentication challenge the chip must sign.
func (s *Service) StartLevel1(ctx context.Context, c Caller, p account.Principal) (Started, error) {
	st, err := s.store.AccountEID(ctx, p.Account.ID)
	if err != nil {
		return Started{}, failure.Unexpected(err)
	}
	if err := canApply(st, 1); err != nil {
		return Started{}, err
	}
	cit, err := s.citizen(ctx, p.Account.IDNumber)
	if errors.Is(err, registry.ErrNotFound) {
		return Started{}, account.ErrCitizenNotFound
	}
	if err != nil {
		return Started{}, failure.Unexpected(err)
	}
	if cit.LifeStatus != registry.Alive {
		return Started{}, ErrCardNotEligible
	}
	if _, ok := s.chipCard(cit); !ok {
		return Started{}, ErrCardNotEligible
	}
	challenge := make([]byte, chipauth.ChallengeSize)
	if _, err := rand.Read(challenge); err != nil {
		return Started{}, failure.Unexpected(err)
	}
	now := s.now()
	app := store.Application{ID: newID(), AccountID: p.Account.ID, IDNumber: p.Account.IDNumber, Level: 1, Channel: "app",
		State: store.AppAwaitingEvidence, Challenge: challenge, CreatedAt: now, ExpiresAt: now.Add(s.cfg.EvidenceTTL), UpdatedAt: now}
	err = s.store.InTx(ctx, func(q store.Queries) error {
		// A new start abandons earlier unfinished ones.
		open, err := q.ListApplications(ctx, store.ApplicationFilter{AccountID: p.Account.ID,
			States: []store.ApplicationState{store.AppAwaitingEvidence}})
		if err != nil {
			return err
		}
		for _, o := range open {
			o.State, o.UpdatedAt = store.AppExpired, now
			if err := q.UpdateApplication(ctx, o, store.AppAwaitingEvidence); err != nil {
				return err
			}
		}
		if err := q.CreateApplication(ctx, app); err != nil {
			return err
		}
		return s.audit(ctx, q, c, "account:"+p.Account.ID, "eid.level1.started", p.Account.IDNumber, "eid_level1",
			map[string]any{"application": app.ID, "registry_fields_read": []string{"life_status", "cards"}})
	})
	if err != nil {
		return Started{}, failure.Unexpected(err)
	}
	return Started{ApplicationID: app.ID, Challenge: challenge, ExpiresAt: app.ExpiresAt}, nil
}

// canApply says whether an account in state st may apply for level.
func canApply(st store.EIDStatus, level int) error {
	switch st.State {
	case store.EIDPending:
		return ErrApplicationPending
	case store.EIDApproved:
		return ErrActivationDue
	case store.EIDActivationExpired:
		return ErrActivationExpired
	}
	if st.Level >= level {
		return ErrAlreadyLevel
	}
	return nil
}

// Dossier is what the app sends for level 1.
type Dossier struct {
	// Files are the chip files by name: "com", "dg1", "dg2", "dg13",
	// "dg14", "dg15", "sod".
	Files map[string][]byte
	// AASignature is the chip's answer to the challenge.
	AASignature []byte
	// Selfie is the portrait the phone took (JPEG or PNG).
	Selfie []byte
	// QR is the card's QR code, scanned again in this flow.
	QR string
}

// CheckStatus is the outcome of one check.
type CheckStatus string

// Check outcomes.
const (
	CheckPass        CheckStatus = "pass"
	CheckFail        CheckStatus = "fail"
	CheckWarn        CheckStatus = "warn"        // a reviewer should look; not a refusal
	CheckUnavailable CheckStatus = "unavailable" // could not be run (no engine, no portrait)
)

// Check is one check run on a dossier.
type Check struct {
	Name   string      `json:"name"`
	Status CheckStatus `json:"status"`
	// Score is a similarity in 0–1 where the check has one.
	Score *float64 `json:"score,omitempty"`
	// Fields names what differed.
	Fields []string `json:"fields,omitempty"`
	Detail string   `json:"detail,omitempty"`
}

// Report is every check run on a dossier and what the rules made of it.
type Report struct {
	Checks []Check `json:"checks"`
	// Auto is set when the rules approved the dossier.
	Auto bool `json:"auto"`
	// Why says why a dossier went to an officer.
	Why []string `json:"why,omitempty"`
	// Chip summarises the verified chip for reviewers.
	Chip ChipSummary `json:"chip"`
}

// ChipSummary is what reviewers see of the verified chip (no secrets).
type ChipSummary struct {
	DocumentSigner     string `json:"document_signer"`
	CSCA               string `json:"csca"`
	SignatureAlgorithm string `json:"signature_algorithm"`
	Groups             []int  `json:"groups"`
	ActiveAuth         bool   `json:"active_auth"`
	PortraitType       string `json:"portrait_type"`
}

// Submitted is the result of a dossier.
type Submitted struct {
	ApplicationID string
	State         store.ApplicationState
	DeadlineAt    time.Time
	Report        Report
}

// evidenceKind maps a chip file's name to its data group: 0 for EF.COM, -1
// for EF.SOD.
func evidenceKind(name string) (int, bool) {
	switch name {
	case "com":
		return 0, true
	case "dg1":
		return 1, true
	case "dg2":
		return 2, true
	case "dg13":
		return 13, true
	case "dg14":
		return 14, true
	case "dg15":
		return 15, true
	case "sod":
		return -1, true
	}
	return 0, false
}

// SubmitLevel1 takes the dossier: it verifies the chip (passive and active
// authentication; a refusal ends the application), cross-checks the chip,
// the QR and the population database, compares the faces, stores the
// evidence sealed and either approves the dossier or queues it for an
// officer, all in one transaction.
func (s *Service) SubmitLevel1(ctx context.Context, c Caller, p account.Principal, appID string, d Dossier) (Submitted, error) {
	app, err := s.store.Application(ctx, appID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && app.AccountID != p.Account.ID) {
		return Submitted{}, ErrApplicationNotFound
	}
	if err != nil {
		return Submitted{}, failure.Unexpected(err)
	}
	if app.State != store.AppAwaitingEvidence {
		return Submitted{}, ErrApplicationState
	}
	now := s.now()
	if now.After(app.ExpiresAt) {
		return Submitted{}, ErrApplicationExpired
	}
	chip, err := s.dossierChip(d)
	if err != nil {
		return Submitted{}, err
	}
	selfieImg, selfieFormat, err := s.checkSelfie(d.Selfie)
	if err != nil {
		return Submitted{}, err
	}
	if strings.TrimSpace(d.QR) == "" {
		return Submitted{}, ErrEvidenceInvalid.WithFields("qr")
	}

	// Passive then active authentication.
	trust, err := s.trustList(ctx)
	if err != nil {
		return Submitted{}, failure.Unexpected(err)
	}
	v := &chipauth.Verifier{Trust: trust, Required: []int{1, 2, 13, 15}}
	res, err := v.Passive(chip, now)
	var f *chipauth.Failure
	if errors.As(err, &f) {
		return Submitted{}, s.refuseChip(ctx, c, app, string(f.Reason), f.Detail)
	}
	if err != nil {
		return Submitted{}, failure.Unexpected(err)
	}
	if err := chipauth.Active(res, app.Challenge, d.AASignature); err != nil {
		if !errors.As(err, &f) {
			return Submitted{}, failure.Unexpected(err)
		}
		// An answer that signs one of this account's earlier challenges is
		// a replay (recorded files and answer, no live chip).
		if f.Reason == chipauth.ReasonAASignature && s.answersEarlierChallenge(ctx, res, app, d.AASignature) {
			return Submitted{}, s.refuseChip(ctx, c, app, "aa_replayed", "the answer signs an earlier challenge")
		}
		return Submitted{}, s.refuseChip(ctx, c, app, string(f.Reason), f.Detail)
	}
	if res.DG1.IssuingState != "VNM" {
		return Submitted{}, s.refuseChip(ctx, c, app, string(chipauth.ReasonDSCountry), "not a Vietnamese card: "+res.DG1.IssuingState)
	}
	chipID := res.DG1.PersonalID
	if chipID == "" {
		chipID = res.DG13.IDNumber
	}
	if chipID != p.Account.IDNumber || (res.DG13.IDNumber != "" && res.DG13.IDNumber != p.Account.IDNumber) {
		_ = s.store.InTx(ctx, func(q store.Queries) error {
			app.State, app.UpdatedAt = store.AppExpired, now
			if err := q.UpdateApplication(ctx, app, store.AppAwaitingEvidence); err != nil {
				return err
			}
			return s.audit(ctx, q, c, "account:"+p.Account.ID, "eid.level1.card_not_holders", p.Account.IDNumber, "eid_level1",
				map[string]any{"application": app.ID})
		})
		return Submitted{}, ErrChipNotYours
	}

	cit, err := s.citizen(ctx, p.Account.IDNumber)
	if err != nil {
		return Submitted{}, failure.Unexpected(err)
	}
	rep := Report{Chip: ChipSummary{DocumentSigner: res.DS.Subject.CommonName, CSCA: res.CSCA.Subject.CommonName,
		SignatureAlgorithm: res.SignatureAlgorithm, Groups: res.Groups, ActiveAuth: true}}
	rep.Checks = append(rep.Checks,
		Check{Name: "chip_passive_auth", Status: CheckPass},
		Check{Name: "chip_active_auth", Status: CheckPass},
		checkDG1DG13(res),
		s.checkRegistry(res, cit),
		checkQR(d.QR, res),
		s.checkCard(res, cit),
		checkIDRule(cit),
	)
	portrait, portraitType := chipPortrait(res)
	rep.Chip.PortraitType = portraitType
	rep.Checks = append(rep.Checks, s.compareFaces(ctx, "face_chip", d.Selfie, portrait))
	dbPortrait, err := s.registryPortrait(ctx, cit.ID)
	if err != nil {
		return Submitted{}, failure.Unexpected(err)
	}
	rep.Checks = append(rep.Checks, checkSelfieNotCopy(d.Selfie, selfieImg, portrait, dbPortrait))
	if dbPortrait == nil {
		rep.Checks = append(rep.Checks, Check{Name: "face_registry", Status: CheckUnavailable, Detail: "no portrait on file"})
	} else {
		rep.Checks = append(rep.Checks, s.compareFaces(ctx, "face_registry", d.Selfie, dbPortrait))
	}
	rep.Auto, rep.Why = s.decide(rep.Checks)

	files := map[string][]byte{"aa_signature": d.AASignature, "selfie": d.Selfie}
	for k, b := range d.Files {
		files[k] = b
	}
	deadline := s.cal.AddWorkingDays(now, s.cfg.Level1Deadline)
	checks, err := json.Marshal(rep)
	if err != nil {
		return Submitted{}, failure.Unexpected(err)
	}
	st, err := s.store.AccountEID(ctx, p.Account.ID)
	if err != nil {
		return Submitted{}, failure.Unexpected(err)
	}
	if err := canApply(st, 1); err != nil {
		return Submitted{}, err
	}
	err = s.store.InTx(ctx, func(q store.Queries) error {
		for kind, b := range files {
			sealed, err := s.box.Seal(b, evidenceAD(app.ID, kind))
			if err != nil {
				return err
			}
			if err := q.PutEvidence(ctx, store.Evidence{ApplicationID: app.ID, Kind: kind, Data: sealed, CreatedAt: now}); err != nil {
				return err
			}
		}
		app.State, app.SubmittedAt, app.DeadlineAt, app.Unit, app.Checks, app.UpdatedAt =
			store.AppPendingReview, now, deadline, s.unitOf(cit), string(checks), now
		if err := q.UpdateApplication(ctx, app, store.AppAwaitingEvidence); err != nil {
			return err
		}
		if err := q.UpdateEID(ctx, p.Account.ID, store.EIDUpdate{From: st.State, To: store.EIDPending, Level: -1,
			PendingLevel: 1, At: now}); err != nil {
			return err
		}
		if err := s.audit(ctx, q, c, "account:"+p.Account.ID, "eid.level1.submitted", cit.ID, "eid_level1",
			map[string]any{"application": app.ID, "auto": rep.Auto, "why": rep.Why, "selfie": selfieFormat}); err != nil {
			return err
		}
		if err := s.audit(ctx, q, c, "account:"+p.Account.ID, "registry.citizen.read", cit.ID, "eid_level1",
			map[string]any{"application": app.ID, "fields": []string{"full_name", "date_of_birth", "gender", "permanent_address", "cards", "portrait"}}); err != nil {
			return err
		}
		if rep.Auto {
			return s.approve(ctx, q, c, &app, "auto", cit)
		}
		return nil
	})
	if errors.Is(err, store.ErrConflict) {
		return Submitted{}, ErrApplicationState
	}
	if err != nil {
		return Submitted{}, failure.Unexpected(err)
	}
	if rep.Auto {
		s.wake()
	}
	return Submitted{ApplicationID: app.ID, State: app.State, DeadlineAt: app.DeadlineAt, Report: rep}, nil
}

func evidenceAD(appID, kind string) []byte { return []byte("evidence:" + appID + ":" + kind) }

// dossierChip checks the files' names and sizes and maps them to data
// groups.
func (s *Service) dossierChip(d Dossier) (chipauth.Chip, error) {
	chip := chipauth.Chip{Groups: map[int][]byte{}}
	for name, b := range d.Files {
		n, ok := evidenceKind(name)
		if !ok {
			return chip, ErrEvidenceInvalid.WithFields("files." + name)
		}
		if len(b) == 0 || len(b) > s.cfg.MaxFileBytes {
			return chip, ErrEvidenceInvalid.WithFields("files." + name)
		}
		switch {
		case n > 0:
			chip.Groups[n] = b
		case n < 0:
			chip.SOD = b
		}
	}
	for _, need := range []string{"sod", "dg1", "dg2", "dg13", "dg15"} {
		if _, ok := d.Files[need]; !ok {
			return chip, ErrEvidenceInvalid.WithFields("files." + need)
		}
	}
	if len(d.AASignature) == 0 || len(d.AASignature) > 1024 {
		return chip, ErrEvidenceInvalid.WithFields("aa_signature")
	}
	return chip, nil
}

func (s *Service) checkSelfie(b []byte) (image.Image, string, error) {
	if len(b) == 0 || len(b) > s.cfg.MaxSelfieBytes {
		return nil, "", ErrEvidenceInvalid.WithFields("selfie")
	}
	img, format, err := face.Decode(b)
	if err != nil {
		return nil, "", ErrEvidenceInvalid.WithFields("selfie").WithCause(err)
	}
	return img, format, nil
}

// refuseChip ends an application whose chip failed, with an audit entry.
func (s *Service) refuseChip(ctx context.Context, c Caller, app store.Application, reason, detail string) error {
	now := s.now()
	err := s.store.InTx(ctx, func(q store.Queries) error {
		app.State, app.UpdatedAt, app.ReasonCode = store.AppExpired, now, reason
		if err := q.UpdateApplication(ctx, app, store.AppAwaitingEvidence); err != nil {
			return err
		}
		return s.audit(ctx, q, c, "account:"+app.AccountID, "eid.level1.chip_refused", app.IDNumber, "eid_level1",
			map[string]any{"application": app.ID, "reason": reason, "detail": detail})
	})
	if errors.Is(err, store.ErrConflict) {
		return ErrApplicationState
	}
	if err != nil {
		return failure.Unexpected(err)
	}
	s.log.Info("chip refused", "application", app.ID, "reason", reason)
	return ErrChipRefused.WithReason(reason)
}

func checkDG1DG13(res *chipauth.Result) Check {
	c := Check{Name: "chip_dg1_dg13", Status: CheckPass}
	d13 := res.DG13
	mrzName := strings.TrimSpace(res.DG1.PrimaryName + " " + res.DG1.SecondaryName)
	if d13.FullName == "" || !strings.EqualFold(strings.Join(strings.Fields(identity.ASCIIName(d13.FullName)), " "),
		strings.Join(strings.Fields(mrzName), " ")) && !mrzTruncated(identity.ASCIIName(d13.FullName), mrzName) {
		c.Fields = append(c.Fields, "full_name")
	}
	if d13.DateOfBirth.IsZero() || d13.DateOfBirth != res.DG1.DateOfBirth {
		c.Fields = append(c.Fields, "date_of_birth")
	}
	if sexOf(d13.Sex) != res.DG1.Sex {
		c.Fields = append(c.Fields, "sex")
	}
	if !d13.ExpiryDate.IsZero() && d13.ExpiryDate != res.DG1.DateOfExpiry {
		c.Fields = append(c.Fields, "expiry_date")
	}
	if len(c.Fields) > 0 {
		c.Status = CheckFail
	}
	return c
}

// mrzTruncated accepts an MRZ name that is the DG13 name cut to fit 30
// characters.
func mrzTruncated(full, mrz string) bool {
	f := strings.ToUpper(strings.Join(strings.Fields(full), " "))
	m := strings.ToUpper(strings.Join(strings.Fields(mrz), " "))
	return len(m) >= 20 && strings.HasPrefix(f, m)
}

func sexOf(vn string) string {
	switch strings.ToLower(identity.NormalizeName(vn)) {
	case "nam":
		return "M"
	case "nữ":
		return "F"
	}
	return "<"
}

func genderSex(g identity.Gender) string {
	if g == identity.Female {
		return "Nữ"
	}
	return "Nam"
}

func (s *Service) checkRegistry(res *chipauth.Result, cit registry.Citizen) Check {
	c := Check{Name: "registry_match", Status: CheckPass}
	d := res.DG13
	if identity.MatchKey(d.FullName) != identity.MatchKey(cit.FullName) {
		c.Fields = append(c.Fields, "full_name")
	}
	if d.DateOfBirth != cit.DateOfBirth {
		c.Fields = append(c.Fields, "date_of_birth")
	}
	if sexOf(d.Sex) != sexOf(genderSex(cit.Gender)) {
		c.Fields = append(c.Fields, "sex")
	}
	if d.PermanentResidence != "" && identity.MatchKey(d.PermanentResidence) != identity.MatchKey(cit.PermanentAddress.String()) {
		c.Fields = append(c.Fields, "permanent_residence")
	}
	if d.OldIDNumber != "" && cit.OldIDNumber != "" && d.OldIDNumber != cit.OldIDNumber {
		c.Fields = append(c.Fields, "old_id_number")
	}
	if len(c.Fields) > 0 {
		c.Status = CheckFail
	}
	return c
}

func checkQR(payload string, res *chipauth.Result) Check {
	c := Check{Name: "qr_match", Status: CheckPass}
	qr, err := cccd.Parse(payload)
	if err != nil {
		c.Status, c.Detail = CheckFail, "the QR code does not parse"
		return c
	}
	d := res.DG13
	if qr.IDNumber != res.DG1.PersonalID && qr.IDNumber != d.IDNumber {
		c.Fields = append(c.Fields, "id_number")
	}
	if identity.MatchKey(qr.FullName) != identity.MatchKey(d.FullName) {
		c.Fields = append(c.Fields, "full_name")
	}
	if qr.DateOfBirth != d.DateOfBirth {
		c.Fields = append(c.Fields, "date_of_birth")
	}
	if sexOf(genderSex(qr.Gender)) != sexOf(d.Sex) {
		c.Fields = append(c.Fields, "sex")
	}
	if !d.IssueDate.IsZero() && qr.IssueDate != d.IssueDate {
		c.Fields = append(c.Fields, "issue_date")
	}
	if len(c.Fields) > 0 {
		c.Status = CheckFail
	}
	return c
}

func (s *Service) checkCard(res *chipauth.Result, cit registry.Citizen) Check {
	c := Check{Name: "card_valid", Status: CheckPass}
	today := s.today()
	var card registry.IDCard
	found := false
	for _, k := range cit.Cards {
		if k.Chip && k.IssueDate == res.DG13.IssueDate {
			card, found = k, true
		}
	}
	switch {
	case !found:
		c.Status, c.Detail = CheckFail, "the registry has no chip card with this issue date"
	case !card.ValidOn(today):
		c.Status, c.Detail = CheckFail, "the card is "+string(card.Status)+" or expired"
	case !res.DG1.DateOfExpiry.IsZero() && res.DG1.DateOfExpiry.Before(today):
		c.Status, c.Detail = CheckFail, "the chip says the card has expired"
	}
	return c
}

func checkIDRule(cit registry.Citizen) Check {
	c := Check{Name: "id_number_rule", Status: CheckPass}
	if err := identity.CheckPersonalID(cit.ID, cit.DateOfBirth, cit.Gender); err != nil {
		c.Status, c.Detail = CheckWarn, "the number does not follow the 2021 rule for this birth date and sex"
	}
	return c
}

func chipPortrait(res *chipauth.Result) ([]byte, string) {
	if len(res.DG2.Faces) == 0 {
		return nil, ""
	}
	f := res.DG2.Faces[0]
	return f.Image, f.ImageType
}

func (s *Service) registryPortrait(ctx context.Context, id string) ([]byte, error) {
	p, err := s.store.Portrait(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return s.box.Open(p.Data, PortraitAD(id))
}

// PortraitAD is the additional data that binds a sealed database portrait
// to its citizen.
func PortraitAD(id string) []byte { return []byte("portrait:" + id) }

// compareFaces runs the face engine; when there is none, or it cannot read
// an image, the check is unavailable and an officer decides. It never
// makes up a score.
func (s *Service) compareFaces(ctx context.Context, name string, selfie, other []byte) Check {
	c := Check{Name: name}
	if s.faces == nil {
		c.Status, c.Detail = CheckUnavailable, "no face engine is installed"
		return c
	}
	if len(other) == 0 {
		c.Status, c.Detail = CheckUnavailable, "no portrait to compare with"
		return c
	}
	cmp, err := s.faces.Compare(ctx, selfie, other)
	switch {
	case errors.Is(err, face.ErrNoFace):
		c.Status, c.Detail = CheckFail, err.Error()
		return c
	case errors.Is(err, face.ErrUnsupportedFormat):
		c.Status, c.Detail = CheckUnavailable, "the engine cannot read this image format"
		return c
	case err != nil:
		s.log.Warn("face comparison failed", "check", name, "err", err)
		c.Status, c.Detail = CheckUnavailable, "the face engine did not answer"
		return c
	}
	score := cmp.Similarity
	c.Score = &score
	c.Detail = fmt.Sprintf("%s: distance %.3f, faces %d/%d", cmp.Engine, cmp.Distance, cmp.FacesA, cmp.FacesB)
	switch {
	case !cmp.Match || score < s.cfg.FaceThreshold:
		c.Status = CheckFail
	case cmp.FacesA != 1:
		c.Status = CheckWarn
		c.Detail += "; more than one face in the selfie"
	case score >= 0.97:
		// Two photographs of a face are never this close; a reviewer
		// should see whether the selfie is the portrait itself.
		c.Status = CheckWarn
		c.Detail += "; as close as one photograph to itself"
	default:
		c.Status = CheckPass
	}
	return c
}

// decide applies the auto-approval rule: every check passes, the
// chip-portrait comparison ran and passed, and a database portrait, when
// there is one, matches too.
func (s *Service) decide(checks []Check) (bool, []string) {
	var why []string
	for _, c := range checks {
		switch {
		case c.Status == CheckPass:
		case c.Status == CheckUnavailable && c.Name == "face_registry" && c.Detail == "no portrait on file":
		default:
			why = append(why, c.Name+":"+string(c.Status))
		}
	}
	if !s.cfg.AutoApprove {
		why = append(why, "auto_approval_off")
	}
	return len(why) == 0, why
}

// unitOf is the reviewing jurisdiction: the most specific administrative
// unit of the permanent residence that Places knows, else the province's
// statistics code found by name, or "" when not even that is known.
func (s *Service) unitOf(c registry.Citizen) string {
	if s.places != nil {
		if u := s.places.ResolveAddress(c.PermanentAddress, identity.DateOf(s.now().In(s.cfg.Location))); u != "" {
			return u
		}
	}
	key := identity.MatchKey(c.PermanentAddress.Province)
	for _, p := range identity.Provinces() {
		if identity.MatchKey(p.Name) == key {
			return strings.TrimPrefix(p.Code, "0")
		}
	}
	return ""
}

// PutPortrait stores a citizen's portrait in the population database's
// portrait table, sealed (the import path for the ID-card database's
// photographs and the demo data).
func (s *Service) PutPortrait(ctx context.Context, idNumber, format string, data []byte) error {
	if _, _, err := face.Decode(data); err != nil {
		return ErrEvidenceInvalid.WithFields("portrait").WithCause(err)
	}
	sealed, err := s.box.Seal(data, PortraitAD(idNumber))
	if err != nil {
		return failure.Unexpected(err)
	}
	if err := s.store.PutPortrait(ctx, store.Portrait{IDNumber: idNumber, Format: format, Data: sealed, UpdatedAt: s.now()}); err != nil {
		return failure.Unexpected(err)
	}
	return nil
}

// answersEarlierChallenge reports whether answer signs the challenge of one
// of the account's earlier level-1 applications.
func (s *Service) answersEarlierChallenge(ctx context.Context, res *chipauth.Result, app store.Application, answer []byte) bool {
	earlier, err := s.store.ListApplications(ctx, store.ApplicationFilter{AccountID: app.AccountID, Limit: 100})
	if err != nil {
		s.log.Warn("replay check", "err", err)
		return false
	}
	for _, e := range earlier {
		if e.ID != app.ID && len(e.Challenge) == chipauth.ChallengeSize && chipauth.Active(res, e.Challenge, answer) == nil {
			return true
		}
	}
	return false
}
