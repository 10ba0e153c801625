// Package face compares faces for e-ID registration: the citizen's selfie
// against the portrait read from the ID card's chip (DG2) and the portrait in
// the population database.
//
// Pictures are decoded here (JPEG and PNG, with limits against decompression
// bombs) and scaled down; faces are found and described by a pool of
// supervised Node.js workers running @vladmandic/face-api 1.7.15 on its
// TensorFlow.js WASM backend (tools/faceapi, installed with
// `npm ci --prefix tools/faceapi`; nothing is downloaded at run time). Two
// faces match when the Euclidean distance between their 128-dimensional
// descriptors is below a threshold, 0.6 by default as face-api documents.
//
// The package never invents a result: when the engine is not installed,
// Engine.Start returns ErrNoEngine and the caller sends the dossier to manual
// review.
package face

import (
	"context"
	"errors"
	"fmt"
	"image"
	"math"
)

// DescriptorSize is the length of a face descriptor.
const DescriptorSize = 128

// DefaultThreshold is the descriptor distance below which two faces are
// taken to be the same person: the value face-api documents for its
// recognition net (99.38% on LFW as published).
//
// It is loose. On face-api's own six demo photos (22 faces found), 6 of the
// 31 pairs of faces in one photo (so certainly two people) are closer than
// 0.6, the closest at 0.45, and so are 18 of the 200 pairs across photos
// (the closest ones checked by eye: different people). A match is evidence
// for a reviewer, not a decision; choose the threshold from an evaluation
// on representative portraits.
const DefaultThreshold = 0.6

var (
	// ErrNoEngine means the face engine cannot run: node or the installed
	// tools/faceapi package is missing, or its workers fail to start. No
	// comparison is possible; send the case to manual review.
	ErrNoEngine = errors.New("face: face engine not available")
	// ErrNoFace means no face was found in a picture. Errors from Compare
	// are a *NoFaceError saying which picture.
	ErrNoFace = errors.New("face: no face found")
	// ErrWorkerFailed means the worker handling a request died, timed out or
	// broke the protocol. The worker is restarted; the request may be
	// retried.
	ErrWorkerFailed = errors.New("face: engine worker failed")
	// ErrClosed means the engine is not running: not started yet, or closed.
	ErrClosed = errors.New("face: engine not running")
)

// NoFaceError reports which picture of a comparison has no face in it. It
// matches ErrNoFace with errors.Is.
type NoFaceError struct {
	// Image is "A" or "B", the argument of Compare that had no face.
	Image string
}

// Error implements error.
func (e *NoFaceError) Error() string {
	return fmt.Sprintf("face: no face found in image %s", e.Image)
}

// Is reports whether target is ErrNoFace.
func (e *NoFaceError) Is(target error) bool { return target == ErrNoFace }

// Face is one face found in a picture.
type Face struct {
	// Score is the detector's confidence, 0..1.
	Score float64
	// Box is where the face is, in pixels of the decoded, upright picture.
	Box image.Rectangle
	// Descriptor is the face's DescriptorSize-dimensional embedding.
	Descriptor []float32
}

// Comparison is the result of comparing the best face of picture A with the
// best face of picture B. It records what the engine measured and nothing
// else; a reviewer decides what to make of it.
type Comparison struct {
	// Distance is the Euclidean distance between the two descriptors:
	// 0 for identical descriptors, below Threshold for the same person.
	Distance float64
	// Similarity is Distance mapped to 0..1 by Similarity: 1 for identical
	// descriptors, 0.5 exactly at Threshold, 0 at twice Threshold or more.
	// It is a display aid, not a probability.
	Similarity float64
	// Match is Distance < Threshold.
	Match bool
	// Threshold is the distance threshold used for Match.
	Threshold float64
	// FacesA and FacesB are the numbers of faces found in each picture. More
	// than one face in a selfie deserves a reviewer's look.
	FacesA, FacesB int
	// DetectionA and DetectionB are the detector scores of the faces used.
	DetectionA, DetectionB float64
	// BoxA and BoxB are where the faces used are, in pixels of each decoded,
	// upright picture.
	BoxA, BoxB image.Rectangle
	// Engine names the engine, version and backend, e.g.
	// "face-api 1.7.15 wasm".
	Engine string
}

// Distance returns the Euclidean distance between two descriptors of the
// same length.
func Distance(a, b []float32) (float64, error) {
	if len(a) != len(b) || len(a) == 0 {
		return 0, fmt.Errorf("face: descriptor lengths %d and %d", len(a), len(b))
	}
	var sum float64
	for i := range a {
		d := float64(a[i]) - float64(b[i])
		sum += d * d
	}
	return math.Sqrt(sum), nil
}

// Similarity maps a descriptor distance to 0..1 for display:
// max(0, 1 − distance/(2·threshold)). It decreases as distance grows, is 1 at
// distance 0 and exactly 0.5 at the threshold, so "above one half" means the
// same as Match. It is not a probability.
func Similarity(distance, threshold float64) float64 {
	if threshold <= 0 || math.IsNaN(distance) {
		return 0
	}
	return math.Min(1, math.Max(0, 1-distance/(2*threshold)))
}

// Comparer compares the faces in two encoded pictures. *Engine implements
// it; callers that need a face comparison depend on this, so that tests and
// other engines can stand in.
type Comparer interface {
	// Compare compares the best face of picture a with that of picture b.
	// See Engine.Compare for the errors.
	Compare(ctx context.Context, a, b []byte) (Comparison, error)
}

// best returns the index of the face Compare uses: the largest box (in a
// selfie the subject is the face nearest the camera), then the highest
// score. It returns -1 for no faces.
func best(faces []Face) int {
	idx := -1
	for i, f := range faces {
		if idx < 0 || better(f, faces[idx]) {
			idx = i
		}
	}
	return idx
}

func better(a, b Face) bool {
	aa, ab := area(a.Box), area(b.Box)
	if aa != ab {
		return aa > ab
	}
	return a.Score > b.Score
}

func area(r image.Rectangle) int64 { return int64(r.Dx()) * int64(r.Dy()) }
