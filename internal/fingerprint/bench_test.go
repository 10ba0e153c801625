package fingerprint_test

import (
	"testing"

	"github.com/vneid/vneid/internal/fingerprint"
	"github.com/vneid/vneid/internal/fingerprint/synth"
)

// benchViews returns two impressions of one finger and one of another
// (Typical preset), about 50 minutiae each.
func benchViews() (a, b, other fingerprint.View) {
	m := synth.NewMaster(42, fingerprint.RightIndex)
	o := synth.Typical()
	return m.Impression(1, o), m.Impression(2, o), synth.NewMaster(43, fingerprint.RightIndex).Impression(1, o)
}

func BenchmarkCompareGenuine(b *testing.B) {
	x, y, _ := benchViews()
	g, p := fingerprint.Prepare(x), fingerprint.Prepare(y)
	for b.Loop() {
		g.Compare(p)
	}
	b.ReportMetric(float64(g.Len()+p.Len())/2, "minutiae")
}

func BenchmarkCompareImpostor(b *testing.B) {
	x, _, z := benchViews()
	g, p := fingerprint.Prepare(x), fingerprint.Prepare(z)
	for b.Loop() {
		g.Compare(p)
	}
	b.ReportMetric(float64(g.Len()+p.Len())/2, "minutiae")
}

func BenchmarkPrepare(b *testing.B) {
	x, _, _ := benchViews()
	for b.Loop() {
		fingerprint.Prepare(x)
	}
	b.ReportMetric(float64(len(x.Minutiae)), "minutiae")
}

func BenchmarkMatch(b *testing.B) {
	x, y, _ := benchViews()
	for b.Loop() {
		fingerprint.Match(y, x)
	}
}

// BenchmarkCompareTypical compares prepared templates of the Typical
// preset round-robin (40 impressions of 20 fingers, mostly impostor
// pairs), as an evaluation does.
func BenchmarkCompareTypical(b *testing.B) {
	var ts []*fingerprint.Template
	n := 0
	for f := range 20 {
		m := synth.NewMaster(uint64(100+f), fingerprint.RightIndex)
		for i := range 2 {
			t := fingerprint.Prepare(m.Impression(uint64(i), synth.Typical()))
			ts = append(ts, t)
			n += t.Len()
		}
	}
	k := 0
	for b.Loop() {
		ts[k%len(ts)].Compare(ts[(7*k+3)%len(ts)])
		k++
	}
	b.ReportMetric(float64(n)/float64(len(ts)), "minutiae")
}
