package fingerprint

import (
	"math"
	"testing"
)

func TestCalibrate(t *testing.T) {
	tab := calibrationTable()
	for k := 1; k < len(tab); k++ {
		if !(tab[k] > tab[k-1]) || tab[0] <= 0 {
			t.Fatalf("calibration table is not strictly increasing: %v", tab)
		}
	}
	// The table's points map to their rates.
	for k, x := range tab {
		if got, want := calibrate(x), float64(k+2)/2/ScoreDecades; math.Abs(got-want) > 1e-9 {
			t.Errorf("calibrate(%v) = %v, want %v", x, got, want)
		}
	}
	// Monotonic, in [0, 1], 0 for nothing and NaN.
	prev := 0.0
	for x := 0.0; x <= 1; x += 0.0005 {
		s := calibrate(x)
		if s < prev || s < 0 || s > 1 {
			t.Fatalf("calibrate(%v) = %v after %v", x, s, prev)
		}
		prev = s
	}
	if calibrate(0) != 0 || calibrate(-1) != 0 || calibrate(math.NaN()) != 0 || calibrate(1) != 1 {
		t.Error("calibrate at the ends")
	}
}

func TestFastMath(t *testing.T) {
	for x := -30.0; x <= 0; x += 0.01 {
		if e, want := fastExp(x), math.Exp(x); math.Abs(e-want) > 1e-7*want {
			t.Fatalf("fastExp(%v) = %v, want %v", x, e, want)
		}
	}
	if fastExp(-800) != 0 {
		t.Error("fastExp underflow")
	}
	for x := -4.0; x <= 4; x += 0.01 {
		if e, want := fastErf(x), math.Erf(x); math.Abs(e-want) > 2e-7 {
			t.Fatalf("fastErf(%v) = %v, want %v", x, e, want)
		}
	}
}
