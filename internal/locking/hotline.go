package locking

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/vneid/vneid/internal/account"
	"github.com/vneid/vneid/internal/failure"
	"github.com/vneid/vneid/internal/identity"
	"github.com/vneid/vneid/internal/ratelimit"
	"github.com/vneid/vneid/internal/registry"
	"github.com/vneid/vneid/internal/store"
)

// Failures of the hotline-assisted unlock.
var (
	ErrHotlineNoRecord = failure.New("lock_hotline_no_record", failure.NotFound,
		"Không tìm thấy thông tin công dân trong Cơ sở dữ liệu quốc gia về dân cư để đặt câu hỏi xác minh.",
		"There is no population record to ask verification questions from.")
	ErrHotlineWrong = failure.New("lock_hotline_verification_failed", failure.Forbidden,
		"Câu trả lời xác minh không khớp với thông tin của công dân. Chưa mở khóa tài khoản.",
		"The verification answers do not match the holder's record. The account was not unlocked.")
	ErrHotlineNothing = failure.New("lock_hotline_nothing_to_unlock", failure.Conflict,
		"Tài khoản không có khóa theo yêu cầu của chủ tài khoản. Khóa tự động và khóa theo yêu cầu của cơ quan có thẩm quyền hoặc do vi phạm không mở được qua tổng đài.",
		"The account has no lock made at the holder's request. Automatic locks and locks for a violation or at an authority's request are not lifted by the hotline.")
)

// Question keys of the hotline verification.
const (
	QuestionDateOfBirth   = "date_of_birth"
	QuestionPlaceOfOrigin = "place_of_origin"
	QuestionCommune       = "permanent_commune"
	QuestionCardIssued    = "card_issue_date"
)

// HotlineMinRight is how many of the questions must be answered right.
const HotlineMinRight = 3

// hotlineFailures counts wrong verifications per personal ID number.
func hotlineFailures() ratelimit.Rule {
	return ratelimit.Rule{Name: "hotline-unlock-fail-id", Limit: 5, Window: time.Hour}
}

// hotlineReason prefixes the officer's reason in the lifted locks.
const hotlineReason = "Mở khóa qua tổng đài sau khi xác minh / unlocked by the hotline after verification"

// Question is one verification question the hotline officer asks the
// holder. It carries no answer.
type Question struct {
	Key, LabelVI, LabelEN string
}

func hotlineQuestions() []Question {
	return []Question{
		{QuestionDateOfBirth, "Ngày, tháng, năm sinh", "Date of birth"},
		{QuestionPlaceOfOrigin, "Quê quán", "Place of origin"},
		{QuestionCommune, "Xã, phường, thị trấn nơi thường trú", "Commune of permanent residence"},
		{QuestionCardIssued, "Ngày cấp thẻ căn cước hiện tại", "Issue date of the current ID card"},
	}
}

// AccountByIDNumber returns the account of a personal ID number.
func (s *Service) AccountByIDNumber(ctx context.Context, idNumber string) (store.Account, error) {
	acc, err := s.store.AccountByIDNumber(ctx, strings.TrimSpace(idNumber))
	if errors.Is(err, store.ErrNotFound) {
		return store.Account{}, ErrAccountNotFound
	}
	return acc, failure.Unexpected(err)
}

// hotlineRecord returns the account and population record of an ID number.
func (s *Service) hotlineRecord(ctx context.Context, idNumber string) (store.Account, registry.Citizen, error) {
	acc, err := s.AccountByIDNumber(ctx, idNumber)
	if err != nil {
		return store.Account{}, registry.Citizen{}, err
	}
	cit, err := s.population.Citizen(ctx, acc.IDNumber)
	if errors.Is(err, registry.ErrNotFound) {
		return store.Account{}, registry.Citizen{}, ErrHotlineNoRecord
	}
	if err != nil {
		return store.Account{}, registry.Citizen{}, failure.Unexpected(err)
	}
	return acc, cit, nil
}

// HotlineQuestions returns the questions the hotline asks the holder of an
// account before unlocking it (Decree 59 Art 19): facts of the population
// record only the holder is likely to know. The answers stay here.
func (s *Service) HotlineQuestions(ctx context.Context, idNumber string) ([]Question, error) {
	if _, _, err := s.hotlineRecord(ctx, idNumber); err != nil {
		return nil, err
	}
	return hotlineQuestions(), nil
}

// normalise folds an answer for comparison: NFC, lower case, no spaces.
func normalise(v string) string {
	v = strings.ToLower(norm.NFC.String(v))
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, v)
}

// communeName drops the kind of commune ("phường", "xã", "thị trấn") from a
// normalised name, so either form of the answer is right.
func communeName(v string) string {
	for _, p := range []string{"thịtrấn", "phường", "xã"} {
		if rest, ok := strings.CutPrefix(v, p); ok && rest != "" {
			return rest
		}
	}
	return v
}

// answerDate parses a date answered as dd/mm/yyyy or yyyy-mm-dd.
func answerDate(v string) (identity.Date, bool) {
	v = strings.TrimSpace(v)
	if d, err := identity.ParseDate(v); err == nil {
		return d, true
	}
	if d, err := identity.ParseDateDMY(v); err == nil {
		return d, true
	}
	return identity.Date{}, false
}

// rightAnswers counts the answers that match the record. A fact the record
// lacks is never answered right.
func (s *Service) rightAnswers(cit registry.Citizen, answers map[string]string) int {
	n := 0
	sameDate := func(want identity.Date, got string) bool {
		d, ok := answerDate(got)
		return ok && !want.IsZero() && d == want
	}
	if sameDate(cit.DateOfBirth, answers[QuestionDateOfBirth]) {
		n++
	}
	if want := normalise(cit.PlaceOfOrigin); want != "" && normalise(answers[QuestionPlaceOfOrigin]) == want {
		n++
	}
	if want := communeName(normalise(cit.PermanentAddress.Commune)); want != "" &&
		communeName(normalise(answers[QuestionCommune])) == want {
		n++
	}
	card, ok := cit.CurrentCard(identity.DateOf(s.now().In(s.loc)))
	if !ok {
		card, ok = cit.LatestCard()
	}
	if ok && sameDate(card.IssueDate, answers[QuestionCardIssued]) {
		n++
	}
	return n
}

// HotlineUnlock is the hotline-assisted unlock of Decree 59 Art 19: the
// officer asks the HotlineQuestions and enters the holder's answers; with at
// least HotlineMinRight of them right, every active lock made at the
// holder's own request is lifted with the officer's reason. Automatic locks
// (card revoked, holder deceased) and locks for a violation or at an
// authority's request are NOT lifted this way. Wrong verifications are
// counted per ID number: after 5 in an hour the number is refused until the
// hour ends, even with the right answers. Every attempt is audited, never
// the answers. It returns how many locks were lifted.
func (s *Service) HotlineUnlock(ctx context.Context, c account.Caller, o Officer, idNumber string, answers map[string]string, reason string) (int, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" || len(reason) > 2000 {
		return 0, ErrReasonRequired.WithFields("reason")
	}
	idNumber = strings.TrimSpace(idNumber)
	limiter := ratelimit.Limiter{Counters: s.store, Now: s.now}
	if err := limiter.Blocked(ctx, hotlineFailures(), idNumber); err != nil {
		return 0, failure.Unexpected(err)
	}
	acc, cit, err := s.hotlineRecord(ctx, idNumber)
	if err != nil {
		return 0, err
	}
	by := "officer:" + o.ID
	attempt := func(outcome string) {
		_ = s.store.InTx(ctx, func(q store.Queries) error {
			return audit(ctx, q, c, s.now(), by, "account.hotline_unlock."+outcome, acc.IDNumber,
				map[string]any{"unit": o.Unit})
		})
	}
	if s.rightAnswers(cit, answers) < HotlineMinRight {
		if err := limiter.Fail(ctx, hotlineFailures(), idNumber); err != nil {
			return 0, failure.Unexpected(err)
		}
		attempt("failed")
		return 0, ErrHotlineWrong
	}
	locks, err := s.store.AccountLocks(ctx, acc.ID, true)
	if err != nil {
		return 0, failure.Unexpected(err)
	}
	var self []store.AccountLock
	for _, l := range locks {
		if l.Ground == store.LockSelf {
			self = append(self, l)
		}
	}
	if len(self) == 0 {
		attempt("nothing")
		return 0, ErrHotlineNothing
	}
	err = s.store.InTx(ctx, func(q store.Queries) error {
		for _, l := range self {
			if err := s.lift(ctx, q, c, by, l, hotlineReason+": "+reason); err != nil {
				return err
			}
		}
		return audit(ctx, q, c, s.now(), by, "account.hotline_unlock.verified", acc.IDNumber,
			map[string]any{"unit": o.Unit, "lifted": len(self)})
	})
	if errors.Is(err, store.ErrConflict) {
		attempt("conflict")
		return 0, ErrLockLifted
	}
	if err != nil {
		return 0, failure.Unexpected(err)
	}
	s.wake()
	return len(self), nil
}
