package enrolment_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/vneid/vneid/internal/enrolment"
	"github.com/vneid/vneid/internal/fingerprint"
)

// finger makes a plausible synthetic finger: 40 minutiae at least 14 px
// apart in an ellipse, seeded.
func finger(pos fingerprint.FingerPosition, seed uint64) fingerprint.View {
	r := rand.New(rand.NewPCG(seed, 7))
	v := fingerprint.View{Position: pos, ResolutionX: 197, ResolutionY: 197}
	for len(v.Minutiae) < 40 {
		x, y := 100+r.Float64()*200, 100+r.Float64()*300
		if math.Pow((x-200)/100, 2)+math.Pow((y-250)/150, 2) > 1 {
			continue
		}
		ok := true
		for _, m := range v.Minutiae {
			if math.Hypot(float64(m.X)-x, float64(m.Y)-y) < 14 {
				ok = false
				break
			}
		}
		if ok {
			v.Minutiae = append(v.Minutiae, fingerprint.Minutia{Type: fingerprint.TypeEnding, X: int(x), Y: int(y),
				Angle: r.Float64() * 2 * math.Pi})
		}
	}
	return v
}

// again is the same finger taken again: rotated, shifted, a little noisy.
func again(v fingerprint.View, seed uint64) fingerprint.View {
	r := rand.New(rand.NewPCG(seed, 9))
	out := v
	out.Minutiae = nil
	rot := 0.2
	for _, m := range v.Minutiae {
		x, y := float64(m.X)-200, float64(m.Y)-250
		nx := x*math.Cos(rot) - y*math.Sin(rot) + 220 + r.Float64()*4 - 2
		ny := x*math.Sin(rot) + y*math.Cos(rot) + 240 + r.Float64()*4 - 2
		out.Minutiae = append(out.Minutiae, fingerprint.Minutia{Type: m.Type, X: int(nx), Y: int(ny), Angle: m.Angle + rot})
	}
	return out
}

func TestVerifyFingerprints(t *testing.T) {
	rightIndex, leftIndex, rightThumb := fingerprint.FingerPosition(2), fingerprint.FingerPosition(7), fingerprint.FingerPosition(1)
	onFile := []fingerprint.View{finger(rightIndex, 1), finger(leftIndex, 2), finger(rightThumb, 3)}
	same := []fingerprint.View{again(onFile[0], 11), again(onFile[1], 12)}

	res, err := enrolment.VerifyFingerprints(same, onFile, 0)
	if err != nil || !res.Verified || len(res.Fingers) != 2 || !res.Fingers[0].Matched || !res.Fingers[1].OnFile {
		t.Fatalf("the citizen's own fingers: %+v, %v", res, err)
	}
	// One finger of someone else: refused although the other matches.
	mixed := []fingerprint.View{same[0], finger(leftIndex, 99)}
	if res, err := enrolment.VerifyFingerprints(mixed, onFile, 0); err != nil || res.Verified || res.Fingers[1].Matched {
		t.Errorf("a stranger's finger: %+v, %v", res, err)
	}
	// A finger the database lacks is reported, and two matches are still
	// needed.
	lacking := []fingerprint.View{same[0], finger(fingerprint.FingerPosition(10), 5)}
	if res, err := enrolment.VerifyFingerprints(lacking, onFile, 0); err != nil || res.Verified || res.Fingers[1].OnFile {
		t.Errorf("one finger on file: %+v, %v", res, err)
	}
	for name, capture := range map[string][]fingerprint.View{
		"one finger":       same[:1],
		"finger twice":     {same[0], same[0]},
		"unknown position": {same[0], finger(fingerprint.PositionUnknown, 4)},
	} {
		if _, err := enrolment.VerifyFingerprints(capture, onFile, 0); !errors.Is(err, enrolment.ErrFingers) {
			t.Errorf("%s: %v", name, err)
		}
	}
}
