package extract

import (
	"testing"

	"github.com/vneid/vneid/internal/fingerprint/ridge"
)

// BenchmarkMinutiae extracts a 400×500, 500 ppi cooperative impression.
func BenchmarkMinutiae(b *testing.B) {
	img := ridge.NewMaster(1, ridge.MasterOptions{}).Render(1, ridge.Cooperative())
	b.ResetTimer()
	for b.Loop() {
		if _, err := Minutiae(img, 0); err != nil {
			b.Fatal(err)
		}
	}
}
