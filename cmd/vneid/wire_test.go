package main

import (
	"bytes"
	"image/png"
	"testing"

	"github.com/vneid/vneid/internal/fingerprint"
	"github.com/vneid/vneid/internal/fingerprint/ridge"
	"github.com/vneid/vneid/internal/fingerprint/wsq"
)

// TestFingerImages: the desk's image path reads a PNG and a WSQ of the
// same synthetic finger into minutiae that match each other, and refuses
// what is not an image of the named format.
func TestFingerImages(t *testing.T) {
	img := ridge.NewMaster(7, ridge.MasterOptions{}).Render(1, ridge.Cooperative())
	var p, w bytes.Buffer
	if err := png.Encode(&p, img); err != nil {
		t.Fatal(err)
	}
	if err := wsq.Encode(&w, img, &wsq.Options{PPI: 500}); err != nil {
		t.Fatal(err)
	}
	fi := fingerImages{}
	fromPNG, err := fi.Minutiae("png", p.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	fromWSQ, err := fi.Minutiae("wsq", w.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if len(fromPNG.Minutiae) < 8 || len(fromWSQ.Minutiae) < 8 || fromWSQ.ResolutionX != 197 {
		t.Fatalf("minutiae: png %d, wsq %d (resolution %d)", len(fromPNG.Minutiae), len(fromWSQ.Minutiae), fromWSQ.ResolutionX)
	}
	if r := fingerprint.Match(fromWSQ, fromPNG); !r.Matched() {
		t.Errorf("the WSQ and PNG of one image score %.3f", r.Score)
	}
	for name, c := range map[string]struct {
		format string
		data   []byte
	}{
		"png as wsq":     {"wsq", p.Bytes()},
		"wsq as png":     {"png", w.Bytes()},
		"truncated wsq":  {"wsq", w.Bytes()[:w.Len()/2]},
		"unknown format": {"bmp", p.Bytes()},
	} {
		if _, err := fi.Minutiae(c.format, c.data); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// TestBenchFingerprint: `vneid bench fingerprint` runs a small evaluation
// and prints the operating points.
func TestBenchFingerprint(t *testing.T) {
	var out bytes.Buffer
	if err := benchFingerprint(t.Context(), []string{"-fingers", "10", "-impressions", "3", "-preset", "typical"}, &out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"DefaultThreshold", "EER", "comparisons/s"} {
		if !bytes.Contains(out.Bytes(), []byte(want)) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	if err := benchFingerprint(t.Context(), []string{"-preset", "nonsense"}, &out); err == nil {
		t.Error("unknown preset accepted")
	}
}
