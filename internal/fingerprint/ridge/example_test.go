package ridge_test

import (
	"fmt"

	"github.com/vneid/vneid/internal/fingerprint/ridge"
)

// Draw a master finger and render two impressions of it, as the desk's
// demo scanner does.
func ExampleNewMaster() {
	finger := ridge.NewMaster(2024, ridge.MasterOptions{Class: ridge.Whorl})
	first := finger.Render(1, ridge.Cooperative())
	second := finger.Impress(2, ridge.Cooperative())
	fmt.Println(finger.Class(), first.Bounds(), second.Image.Bounds() == first.Bounds())
	// Output: whorl (0,0)-(400,500) true
}
