package extract_test

import (
	"fmt"

	"github.com/vneid/vneid/internal/fingerprint"
	"github.com/vneid/vneid/internal/fingerprint/extract"
	"github.com/vneid/vneid/internal/fingerprint/ridge"
)

// Extract the minutiae of two desk captures of one (synthetic) finger and
// compare them.
func ExampleMinutiae() {
	finger := ridge.NewMaster(1, ridge.MasterOptions{})
	enrolled, err := extract.Minutiae(finger.Render(1, ridge.Cooperative()), fingerprint.DefaultResolution)
	if err != nil {
		fmt.Println(err)
		return
	}
	probe, err := extract.Minutiae(finger.Render(2, ridge.Cooperative()), 0)
	if err != nil {
		fmt.Println(err)
		return
	}
	r := fingerprint.Match(probe, enrolled)
	fmt.Println(probe.ResolutionX, len(probe.Minutiae) >= extract.MinMinutiae, r.Paired > 0)
	// Output: 197 true true
}
