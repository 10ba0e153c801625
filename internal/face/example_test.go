package face_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/vneid/vneid/internal/face"
)

// A level-1 registration compares the selfie with the chip portrait. Any
// failure to compare sends the dossier to manual review: the package never
// makes up a score.
func ExampleEngine_Compare() {
	ctx := context.Background()
	var selfie, chipPortrait []byte // JPEG or PNG, from the app

	engine := face.NewEngine(face.EngineConfig{WorkerDir: "tools/faceapi", Workers: 2})
	if err := engine.Start(ctx); err != nil {
		// errors.Is(err, face.ErrNoEngine): node or tools/faceapi missing.
		fmt.Println("manual review:", err)
		return
	}
	defer engine.Close()

	cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	c, err := engine.Compare(cctx, selfie, chipPortrait)
	switch {
	case errors.Is(err, face.ErrNoFace):
		fmt.Println("ask for a new selfie:", err) // says which picture
	case errors.Is(err, face.ErrWorkerFailed):
		fmt.Println("retry later:", err)
	case err != nil:
		fmt.Println("manual review:", err)
	default:
		fmt.Printf("distance %.3f (similarity %.2f), match %v, %d face(s) in the selfie, by %s\n",
			c.Distance, c.Similarity, c.Match, c.FacesA, c.Engine)
	}
}
