package testkit

import (
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"fmt"

	"github.com/vneid/vneid/internal/fingerprint"
	"github.com/vneid/vneid/internal/fingerprint/synth"
)

// DemoFingers are the fingers the demo ID-card database holds for each
// citizen it has fingerprints of: both thumbs and both index fingers.
func DemoFingers() []fingerprint.FingerPosition {
	return []fingerprint.FingerPosition{fingerprint.RightThumb, fingerprint.RightIndex, fingerprint.LeftThumb, fingerprint.LeftIndex}
}

// FingerMaster returns the synthetic finger of a citizen: the same ID
// number and position always give the same finger, so the demo database
// and the demo scanner (`vneid testkit fingers`) agree without sharing
// files.
func FingerMaster(idNumber string, pos fingerprint.FingerPosition) synth.Master {
	h := sha256.Sum256(fmt.Appendf(nil, "finger:%s:%d", idNumber, pos))
	return synth.NewMaster(binary.BigEndian.Uint64(h[:8]), pos)
}

// FingerRecord returns an ISO/IEC 19794-2:2005 record of one impression of
// a citizen's finger: impression 0 is the ID-card database's enrolment,
// others are later captures at a desk scanner.
func FingerRecord(idNumber string, pos fingerprint.FingerPosition, impression uint64) ([]byte, error) {
	v := FingerMaster(idNumber, pos).Impression(impression, synth.Typical())
	v.Position = pos
	rec := fingerprint.Record{Width: cmp.Or(v.Width, 400), Height: cmp.Or(v.Height, 500),
		ResolutionX: cmp.Or(v.ResolutionX, 197), ResolutionY: cmp.Or(v.ResolutionY, 197), Views: []fingerprint.View{v}}
	b, err := rec.Marshal()
	if err != nil {
		return nil, fmt.Errorf("testkit: finger record: %w", err)
	}
	return b, nil
}
