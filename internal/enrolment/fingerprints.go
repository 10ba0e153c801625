package enrolment

import (
	"github.com/vneid/vneid/internal/failure"
	"github.com/vneid/vneid/internal/fingerprint"
)

// MinFingers is the least number of fingers the desk takes (issue 4: at
// least two, with their positions recorded).
const MinFingers = 2

// ErrFingers: the capture lacks fingers, or names a finger twice.
var ErrFingers = failure.New("enrolment_fingers", failure.Invalid,
	"Cần lấy vân tay ít nhất hai ngón, mỗi ngón ghi rõ vị trí và chỉ một lần.",
	"Take at least two fingers, each with its position, each once.")

// FingerScore is one finger's 1:1 comparison with the ID-card database.
type FingerScore struct {
	Position fingerprint.FingerPosition
	// OnFile is false when the database has no template for the finger.
	OnFile  bool
	Score   float64
	Matched bool
}

// FingerprintResult is the verification of a desk capture.
type FingerprintResult struct {
	Fingers []FingerScore
	// Verified: at least MinFingers fingers on file matched and none on
	// file failed.
	Verified bool
}

// VerifyFingerprints compares each captured finger with the template of
// the same position in the ID-card database (1:1, never 1:N). A finger the
// database lacks is reported, not counted. The decision asks for at least
// MinFingers matches and no mismatch, so one good finger cannot outvote a
// wrong one.
func VerifyFingerprints(captured, onFile []fingerprint.View, threshold float64) (FingerprintResult, error) {
	if threshold <= 0 {
		threshold = fingerprint.DefaultThreshold
	}
	seen := map[fingerprint.FingerPosition]bool{}
	for _, v := range captured {
		if v.Position == fingerprint.PositionUnknown || !v.Position.Valid() || seen[v.Position] {
			return FingerprintResult{}, ErrFingers.WithFields("fingers")
		}
		seen[v.Position] = true
	}
	if len(captured) < MinFingers {
		return FingerprintResult{}, ErrFingers.WithFields("fingers")
	}
	gallery := map[fingerprint.FingerPosition]fingerprint.View{}
	for _, v := range onFile {
		gallery[v.Position] = v
	}
	var res FingerprintResult
	matched, failed := 0, 0
	for _, v := range captured {
		fs := FingerScore{Position: v.Position}
		if g, ok := gallery[v.Position]; ok {
			r := fingerprint.Match(v, g)
			fs.OnFile, fs.Score, fs.Matched = true, r.Score, r.Score >= threshold
			if fs.Matched {
				matched++
			} else {
				failed++
			}
		}
		res.Fingers = append(res.Fingers, fs)
	}
	res.Verified = matched >= MinFingers && failed == 0
	return res, nil
}
