package face

import (
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// The engine tests use the sample photos shipped inside the installed
// @vladmandic/face-api package (group photos of several people each):
//
//   - sample1.jpg: three women; the largest face is the one on the right.
//   - sample6.jpg: four women; sample6Right and sample6Left are two of them.
//
// The demo photos hold no two pictures of one person, so "same person" pairs
// are made from one face: a crop of it mirrored, rescaled and brightened
// (mirroring changes the descriptor about as much as a second photo would:
// distances of 0.26–0.36 here, against 0.81 between the two women of
// sample6). Rectangles are the detector's boxes, in pixels of the photos.

const (
	workerDir  = "../../tools/faceapi"
	samplesDir = workerDir + "/node_modules/@vladmandic/face-api/demo"
	skipEnv    = "VNEID_SKIP_NODE"
)

var (
	sample1Right = image.Rect(1474, 196, 1678, 438)
	sample6Right = image.Rect(1487, 260, 1697, 557)
	sample6Left  = image.Rect(250, 468, 460, 758)
)

// requireNode fails the test when node is missing, unless VNEID_SKIP_NODE=1.
func requireNode(t testing.TB) {
	t.Helper()
	if _, err := exec.LookPath("node"); err != nil {
		if os.Getenv(skipEnv) == "1" {
			t.Skipf("node not found; skipped because %s=1", skipEnv)
		}
		t.Fatalf("node not found (%v): install Node.js 20 and run `%s`, or set %s=1 to skip the face engine tests", err, InstallCommand, skipEnv)
	}
}

// requireEngine fails the test when node or the installed face-api package
// is missing, unless VNEID_SKIP_NODE=1.
func requireEngine(t testing.TB) {
	t.Helper()
	requireNode(t)
	if _, err := os.Stat(filepath.Join(workerDir, "node_modules/@vladmandic/face-api/package.json")); err != nil {
		if os.Getenv(skipEnv) == "1" {
			t.Skipf("tools/faceapi/node_modules missing; skipped because %s=1", skipEnv)
		}
		t.Fatalf("tools/faceapi/node_modules is missing: run `%s` from the repository root (or set %s=1 to skip the face engine tests)", InstallCommand, skipEnv)
	}
}

// testLogger sends the engine's log to the test log, so that worker stderr
// shows with -v.
func testLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

func startEngine(t testing.TB, cfg EngineConfig) *Engine {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	e := NewEngine(cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	start := time.Now()
	if err := e.Start(ctx); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Logf("engine %q with %d worker(s) started in %v", e.Engine(), max(1, cfg.Workers), time.Since(start).Round(time.Millisecond))
	t.Cleanup(func() {
		if err := e.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return e
}

func readSample(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(samplesDir, name))
	if err != nil {
		t.Fatalf("read sample photo: %v", err)
	}
	return data
}

// derived is a picture made from a face in a sample photo.
type derived struct {
	margin     int     // pixels around the face box
	scale      float64 // output size / crop size
	brightness float64 // multiplies every channel
	mirror     bool
	png        bool // PNG instead of JPEG
}

// derive crops r (grown by d.margin) out of the encoded photo and transforms
// it as d says, with nearest-neighbour sampling.
func derive(t testing.TB, photo []byte, r image.Rectangle, d derived) []byte {
	t.Helper()
	src, _, err := Decode(photo)
	if err != nil {
		t.Fatalf("decode sample: %v", err)
	}
	r = r.Inset(-d.margin).Intersect(src.Bounds())
	w, h := int(float64(r.Dx())*d.scale), int(float64(r.Dy())*d.scale)
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	light := func(v uint8) uint8 { return uint8(min(255, float64(v)*d.brightness)) }
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			sx := int(float64(x) / d.scale)
			if d.mirror {
				sx = r.Dx() - 1 - sx
			}
			c := color.RGBAModel.Convert(src.At(r.Min.X+sx, r.Min.Y+int(float64(y)/d.scale))).(color.RGBA)
			dst.SetRGBA(x, y, color.RGBA{light(c.R), light(c.G), light(c.B), 255})
		}
	}
	if d.png {
		return encodePNG(t, dst)
	}
	return encodeJPEG(t, dst, 85)
}

func greyPicture(t testing.TB) []byte {
	img := image.NewGray(image.Rect(0, 0, 640, 480))
	for i := range img.Pix {
		img.Pix[i] = 128
	}
	return encodePNG(t, img)
}

// overlaps reports whether a and b overlap by at least half of the smaller.
func overlaps(a, b image.Rectangle) bool {
	in := a.Intersect(b)
	return 2*area(in) >= min(area(a), area(b))
}

func TestEngine(t *testing.T) {
	requireEngine(t)
	e := startEngine(t, EngineConfig{WorkerDir: workerDir, Workers: 2, Logger: testLogger(t)})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	s1 := readSample(t, "sample1.jpg")
	s6 := readSample(t, "sample6.jpg")
	s1RightMirrored := derive(t, s1, sample1Right, derived{margin: 100, scale: 0.8, brightness: 1.1, mirror: true})
	s6RightPortrait := derive(t, s6, sample6Right, derived{margin: 80, scale: 1, brightness: 1})
	s6RightSelfie := derive(t, s6, sample6Right, derived{margin: 120, scale: 0.6, brightness: 1.2, mirror: true, png: true})
	s6LeftPortrait := derive(t, s6, sample6Left, derived{margin: 80, scale: 1, brightness: 1})

	t.Run("same person, selfie with three faces", func(t *testing.T) {
		start := time.Now()
		c, err := e.Compare(ctx, s1, s1RightMirrored)
		if err != nil {
			t.Fatalf("Compare: %v", err)
		}
		t.Logf("%+v in %v", c, time.Since(start).Round(time.Millisecond))
		if !c.Match || c.Distance >= 0.6 {
			t.Errorf("Match = %v, Distance = %.3f; want a match below 0.6", c.Match, c.Distance)
		}
		if c.FacesA != 3 || c.FacesB != 1 {
			t.Errorf("faces found: A %d, B %d; want 3 and 1", c.FacesA, c.FacesB)
		}
		if !overlaps(c.BoxA, sample1Right) {
			t.Errorf("face used in A at %v, want the largest one at %v", c.BoxA, sample1Right)
		}
		if c.Engine != "face-api 1.7.15 wasm" {
			t.Errorf("Engine = %q", c.Engine)
		}
		if c.Threshold != DefaultThreshold || c.Similarity <= 0.5 || c.Similarity > 1 {
			t.Errorf("Threshold %v, Similarity %v", c.Threshold, c.Similarity)
		}
		if c.DetectionA < 0.5 || c.DetectionB < 0.5 {
			t.Errorf("detection scores %v, %v", c.DetectionA, c.DetectionB)
		}
	})

	t.Run("same person, portrait and PNG selfie", func(t *testing.T) {
		c, err := e.Compare(ctx, s6RightSelfie, s6RightPortrait)
		if err != nil {
			t.Fatalf("Compare: %v", err)
		}
		t.Logf("%+v", c)
		if !c.Match || c.Distance >= 0.6 {
			t.Errorf("Match = %v, Distance = %.3f; want a match below 0.6", c.Match, c.Distance)
		}
	})

	t.Run("different people", func(t *testing.T) {
		c, err := e.Compare(ctx, s6RightPortrait, s6LeftPortrait)
		if err != nil {
			t.Fatalf("Compare: %v", err)
		}
		t.Logf("%+v", c)
		if c.Match || c.Distance < 0.6 || c.Similarity >= 0.5 {
			t.Errorf("Match = %v, Distance = %.3f, Similarity = %.3f; want no match", c.Match, c.Distance, c.Similarity)
		}
	})

	t.Run("no face", func(t *testing.T) {
		grey := greyPicture(t)
		for _, tt := range []struct {
			a, b  []byte
			which string
		}{{grey, s6RightPortrait, "A"}, {s6RightPortrait, grey, "B"}} {
			_, err := e.Compare(ctx, tt.a, tt.b)
			var nf *NoFaceError
			if !errors.Is(err, ErrNoFace) || !errors.As(err, &nf) || nf.Image != tt.which {
				t.Errorf("Compare error = %v, want no face in image %s", err, tt.which)
			}
		}
		faces, err := e.Describe(ctx, grey)
		if err != nil || len(faces) != 0 {
			t.Errorf("Describe(grey) = %v, %v; want no faces, no error", faces, err)
		}
	})

	t.Run("undecodable pictures", func(t *testing.T) {
		corrupt := append([]byte{}, s6RightPortrait[:len(s6RightPortrait)/3]...)
		_, err := e.Compare(ctx, s6RightPortrait, corrupt)
		if !errors.Is(err, ErrInvalidImage) || !strings.Contains(err.Error(), "image B") {
			t.Errorf("corrupt JPEG: %v, want ErrInvalidImage for image B", err)
		}
		jp2 := []byte("\x00\x00\x00\x0CjP  \r\n\x87\n\x00\x00\x00\x14ftypjp2 ")
		_, err = e.Compare(ctx, jp2, s6RightPortrait)
		if !errors.Is(err, ErrUnsupportedFormat) || !strings.Contains(err.Error(), "image A") {
			t.Errorf("JPEG 2000: %v, want ErrUnsupportedFormat for image A", err)
		}
	})

	t.Run("describe", func(t *testing.T) {
		faces, err := e.Describe(ctx, readSample(t, "sample5.jpg"))
		if err != nil {
			t.Fatalf("Describe: %v", err)
		}
		if len(faces) != 5 {
			t.Errorf("%d faces in sample5.jpg, want 5", len(faces))
		}
		bounds := image.Rect(0, 0, 1920, 1398)
		for i, f := range faces {
			if len(f.Descriptor) != DescriptorSize || !f.Box.In(bounds) || f.Box.Empty() || f.Score < DefaultMinConfidence {
				t.Errorf("face %d: score %v box %v descriptor %d values", i, f.Score, f.Box, len(f.Descriptor))
			}
			if i > 0 && better(f, faces[i-1]) {
				t.Errorf("face %d ranks above face %d", i, i-1)
			}
		}
	})

	t.Run("concurrent compares", func(t *testing.T) {
		pairs := []struct {
			a, b  []byte
			match bool
		}{
			{s6RightSelfie, s6RightPortrait, true},
			{s6RightPortrait, s6LeftPortrait, false},
			{s1RightMirrored, s6LeftPortrait, false},
			{s6LeftPortrait, s6LeftPortrait, true},
		}
		var wg sync.WaitGroup
		errs := make([]error, len(pairs))
		for i, p := range pairs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c, err := e.Compare(ctx, p.a, p.b)
				if err == nil && c.Match != p.match {
					err = fmt.Errorf("Match = %v (distance %.3f), want %v", c.Match, c.Distance, p.match)
				}
				errs[i] = err
			}()
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("pair %d: %v", i, err)
			}
		}
	})

	t.Run("worker killed", func(t *testing.T) {
		before := e.pids()
		if len(before) != 2 {
			t.Fatalf("running workers %v, want 2", before)
		}
		for _, pid := range before {
			p, err := os.FindProcess(pid)
			if err != nil {
				t.Fatal(err)
			}
			if err := p.Kill(); err != nil {
				t.Fatalf("kill worker %d: %v", pid, err)
			}
		}
		// Wait until the supervisors have seen both deaths; they then
		// restart the workers, and requests wait for them.
		for slices.ContainsFunc(e.pids(), func(pid int) bool { return slices.Contains(before, pid) }) {
			if ctx.Err() != nil {
				t.Fatalf("killed workers still listed: %v", e.pids())
			}
			time.Sleep(20 * time.Millisecond)
		}
		c, err := e.Compare(ctx, s6RightPortrait, s6RightSelfie)
		if err != nil || !c.Match {
			t.Fatalf("Compare after the workers were killed: %+v, %v", c, err)
		}
		after := e.pids()
		if len(after) != 2 || slices.ContainsFunc(after, func(pid int) bool { return slices.Contains(before, pid) }) {
			t.Errorf("workers %v after restart, were %v", after, before)
		}
	})
}

func TestEngineRequestTimeout(t *testing.T) {
	requireEngine(t)
	e := startEngine(t, EngineConfig{WorkerDir: workerDir, RequestTimeout: time.Millisecond})
	before := e.pids()
	portrait := derive(t, readSample(t, "sample6.jpg"), sample6Right, derived{margin: 80, scale: 1, brightness: 1})
	_, err := e.Describe(context.Background(), portrait)
	if !errors.Is(err, ErrWorkerFailed) || !strings.Contains(err.Error(), "no answer within") {
		t.Fatalf("Describe with a 1ms budget: %v, want a retryable ErrWorkerFailed timeout", err)
	}
	if pids := e.pids(); slices.Equal(pids, before) {
		t.Errorf("worker %v still in service after a timeout", pids)
	}
}

func TestEngineNotInstalled(t *testing.T) {
	ctx := context.Background()
	e := NewEngine(EngineConfig{NodePath: "vneid-no-such-node", WorkerDir: workerDir})
	if err := e.Start(ctx); !errors.Is(err, ErrNoEngine) {
		t.Errorf("Start without node: %v, want ErrNoEngine", err)
	}
	if _, err := e.Compare(ctx, nil, nil); err == nil {
		t.Error("Compare on an engine that did not start: no error")
	}
	if _, err := e.Describe(ctx, greyPicture(t)); !errors.Is(err, ErrClosed) {
		t.Errorf("Describe on an engine that did not start: %v, want ErrClosed", err)
	}

	requireNode(t)
	empty := t.TempDir()
	if err := os.WriteFile(filepath.Join(empty, "worker.js"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	err := NewEngine(EngineConfig{WorkerDir: empty}).Start(ctx)
	if !errors.Is(err, ErrNoEngine) || !strings.Contains(err.Error(), InstallCommand) {
		t.Errorf("Start without node_modules: %v, want ErrNoEngine telling to run %q", err, InstallCommand)
	}
	if err := NewEngine(EngineConfig{}).Start(ctx); !errors.Is(err, ErrNoEngine) {
		t.Errorf("Start without WorkerDir: %v, want ErrNoEngine", err)
	}
}

// fakeWorker makes a worker directory whose worker.js is the given script,
// with the files Start checks for, so that supervision can be tested
// without the models. The script's directory is its state store.
func fakeWorker(t *testing.T, script string) string {
	t.Helper()
	requireNode(t)
	dir := t.TempDir()
	files := map[string]string{
		"worker.js": script,
		"node_modules/@vladmandic/face-api/package.json":                     "{}",
		"node_modules/@vladmandic/face-api/model/ssd_mobilenetv1_model.bin":  "",
		"node_modules/@vladmandic/face-api/model/face_landmark_68_model.bin": "",
		"node_modules/@vladmandic/face-api/model/face_recognition_model.bin": "",
		"node_modules/@tensorflow/tfjs-backend-wasm/package.json":            "{}",
	}
	for name, content := range files {
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// fakeScript answers describe with one fixed face, except that it exits
// (status 3) on a describe while the file "crash" exists (removing it
// first) and never answers while the file "hang" exists.
const fakeScript = `'use strict';
const fs = require('fs');
const path = require('path');
const flag = (name) => fs.existsSync(path.join(__dirname, name));
process.stdout.write(JSON.stringify({ ready: true, engine: 'fake', version: '0', backend: 'test' }) + '\n');
require('readline').createInterface({ input: process.stdin }).on('line', (line) => {
  const req = JSON.parse(line);
  if (req.op === 'describe' && flag('crash')) { fs.unlinkSync(path.join(__dirname, 'crash')); process.exit(3); }
  if (req.op === 'describe' && flag('hang')) return;
  if (req.op === 'describe' && flag('badface')) {
    process.stdout.write(JSON.stringify({ id: req.id, faces: [{ score: 0.9, box: [1, 1, 8, 8], descriptor: [1, 2] }] }) + '\n');
    return;
  }
  const descriptor = new Array(128).fill(0.01);
  process.stdout.write(JSON.stringify({ id: req.id, faces: [{ score: 0.9, box: [1, 1, 8, 8], descriptor }] }) + '\n');
});
`

func setFlag(t *testing.T, dir, name string, on bool) {
	t.Helper()
	path := filepath.Join(dir, name)
	if on {
		if err := os.WriteFile(path, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	} else if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
}

func TestSupervisor(t *testing.T) {
	dir := fakeWorker(t, fakeScript)
	e := startEngine(t, EngineConfig{WorkerDir: dir, RequestTimeout: 2 * time.Second, Logger: testLogger(t)})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	pic := greyPicture(t)

	faces, err := e.Describe(ctx, pic)
	if err != nil || len(faces) != 1 || faces[0].Score != 0.9 {
		t.Fatalf("Describe = %+v, %v", faces, err)
	}
	// Boxes come back in the picture's own pixels: the fake answers in the
	// 640×480 picture sent, unscaled.
	if faces[0].Box != image.Rect(1, 1, 9, 9) {
		t.Errorf("box %v, want (1,1)-(9,9)", faces[0].Box)
	}

	t.Run("worker dies during a request", func(t *testing.T) {
		first := e.pids()
		setFlag(t, dir, "crash", true)
		_, err := e.Describe(ctx, pic)
		if !errors.Is(err, ErrWorkerFailed) || !strings.Contains(err.Error(), "exit status 3") {
			t.Fatalf("Describe while the worker dies: %v, want ErrWorkerFailed with its exit status", err)
		}
		if _, err := e.Describe(ctx, pic); err != nil {
			t.Fatalf("Describe after the restart: %v", err)
		}
		if pids := e.pids(); slices.Equal(pids, first) {
			t.Errorf("same worker %v after a crash", pids)
		}
	})

	t.Run("worker hangs", func(t *testing.T) {
		setFlag(t, dir, "hang", true)
		_, err := e.Describe(ctx, pic)
		setFlag(t, dir, "hang", false)
		if !errors.Is(err, ErrWorkerFailed) || !strings.Contains(err.Error(), "no answer within") {
			t.Fatalf("Describe on a hung worker: %v, want an ErrWorkerFailed timeout", err)
		}
		if _, err := e.Describe(ctx, pic); err != nil {
			t.Fatalf("Describe after the restart: %v", err)
		}
	})

	t.Run("worker breaks the protocol", func(t *testing.T) {
		setFlag(t, dir, "badface", true)
		_, err := e.Describe(ctx, pic)
		setFlag(t, dir, "badface", false)
		if !errors.Is(err, ErrWorkerFailed) || !strings.Contains(err.Error(), "descriptor") {
			t.Fatalf("Describe with a bad answer: %v, want ErrWorkerFailed about the descriptor", err)
		}
		if _, err := e.Describe(ctx, pic); err != nil {
			t.Fatalf("Describe after the restart: %v", err)
		}
	})

	t.Run("caller gives up", func(t *testing.T) {
		cctx, ccancel := context.WithCancel(ctx)
		ccancel()
		if _, err := e.Describe(cctx, pic); !errors.Is(err, context.Canceled) {
			t.Errorf("Describe with a cancelled context: %v", err)
		}
	})

	if err := e.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if _, err := e.Describe(ctx, pic); !errors.Is(err, ErrClosed) {
		t.Errorf("Describe after Close: %v, want ErrClosed", err)
	}
	if err := e.Start(ctx); err == nil {
		t.Error("Start after Close: no error")
	}
}

func TestSupervisorConcurrent(t *testing.T) {
	dir := fakeWorker(t, fakeScript)
	e := startEngine(t, EngineConfig{WorkerDir: dir, Workers: 3})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	pic := encodePNG(t, testPicture(64, 48))
	var wg sync.WaitGroup
	errs := make(chan error, 30)
	for range 30 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := e.Compare(ctx, pic, pic)
			if err == nil && (c.Distance != 0 || !c.Match || c.Engine != "fake 0 test") {
				err = fmt.Errorf("comparison %+v", c)
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}

func TestStartFailure(t *testing.T) {
	for _, tt := range []struct{ name, script, want string }{
		{"not ready", `process.stdout.write('{"ready":false,"error":"boom"}\n'); process.exit(1);`, "boom"},
		{"exits", `console.error('cannot load models'); process.exit(2);`, "cannot load models"},
		{"not json", `process.stdout.write('hello\n'); setInterval(() => {}, 1000);`, "ready"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := fakeWorker(t, tt.script)
			err := NewEngine(EngineConfig{WorkerDir: dir, Workers: 2}).Start(context.Background())
			if !errors.Is(err, ErrNoEngine) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Start = %v, want ErrNoEngine mentioning %q", err, tt.want)
			}
		})
	}
	t.Run("start timeout", func(t *testing.T) {
		dir := fakeWorker(t, `setInterval(() => {}, 1000);`)
		err := NewEngine(EngineConfig{WorkerDir: dir, StartTimeout: 200 * time.Millisecond}).Start(context.Background())
		if !errors.Is(err, ErrNoEngine) || !strings.Contains(err.Error(), "not ready within") {
			t.Errorf("Start = %v, want ErrNoEngine: not ready within", err)
		}
	})
}

// BenchmarkCompare measures whole comparisons (decoding, scaling, both
// detections) of:
//   - selfie-portrait: a 1466×1714 JPEG "selfie" (sent as 876×1024; the
//     edge of a neighbour's face makes it two faces) with a 370×457 JPEG
//     portrait;
//   - group-photo: the 1920×1280 sample1.jpg (sent as 1024×683, three
//     faces) with a 364×402 portrait;
//
// on one worker (the two pictures one after the other) and on two (the
// pictures side by side). It reports ms per comparison.
func BenchmarkCompare(b *testing.B) {
	requireEngine(b)
	s1 := readSample(b, "sample1.jpg")
	s6 := readSample(b, "sample6.jpg")
	cases := []struct {
		name string
		a, b []byte
	}{
		{"selfie-portrait",
			derive(b, s6, sample6Right, derived{margin: 300, scale: 2, brightness: 1.1, mirror: true}),
			derive(b, s6, sample6Right, derived{margin: 80, scale: 1, brightness: 1})},
		{"group-photo", s1, derive(b, s1, sample1Right, derived{margin: 80, scale: 1, brightness: 1})},
	}
	ctx := context.Background()
	for _, workers := range []int{1, 2} {
		e := startEngine(b, EngineConfig{WorkerDir: workerDir, Workers: workers})
		for _, c := range cases {
			b.Run(fmt.Sprintf("%s/workers=%d", c.name, workers), func(b *testing.B) {
				if _, err := e.Compare(ctx, c.a, c.b); err != nil { // warm
					b.Fatal(err)
				}
				start, n := time.Now(), 0
				for b.Loop() {
					if _, err := e.Compare(ctx, c.a, c.b); err != nil {
						b.Fatal(err)
					}
					n++
				}
				b.ReportMetric(float64(time.Since(start).Milliseconds())/float64(n), "ms/compare")
			})
		}
	}
}
