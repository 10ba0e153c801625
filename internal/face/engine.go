package face

import (
	"context"
	"errors"
	"fmt"
	"image"
	"log/slog"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// InstallCommand is the command, run from the repository root, that installs
// the face engine's worker.
const InstallCommand = "npm ci --prefix tools/faceapi"

// Defaults for EngineConfig.
const (
	// DefaultStartTimeout bounds a worker's start; one takes 2–4 s on two
	// cores (loading the WASM backend and the models, and one warm-up run).
	DefaultStartTimeout = 60 * time.Second
	// DefaultRequestTimeout bounds one picture's detection, which takes
	// 0.3–0.6 s on one core.
	DefaultRequestTimeout = 30 * time.Second
	// DefaultMinConfidence is the detector score below which a detection is
	// not a face: face-api's default for its SSD MobileNet v1 detector.
	DefaultMinConfidence = 0.5
)

// Supervision constants.
const (
	minBackoff = 100 * time.Millisecond
	maxBackoff = 30 * time.Second
	// stableAfter is how long a worker must have run for a later crash to
	// restart it without delay growth.
	stableAfter = time.Minute
	// failingAfter consecutive failed starts mark a worker slot as down;
	// when every slot is down, requests fail at once instead of waiting.
	failingAfter = 3
	stopGrace    = 3 * time.Second
)

// EngineConfig configures an Engine. Zero fields take their defaults.
type EngineConfig struct {
	// NodePath is the node executable, looked up in PATH (default "node").
	NodePath string
	// WorkerDir is the tools/faceapi directory, with node_modules installed
	// by InstallCommand. Required.
	WorkerDir string
	// Workers is the number of worker processes (default 1). Each handles
	// one request at a time and uses one core while it does.
	Workers int
	// StartTimeout bounds the start of one worker, models loaded
	// (default DefaultStartTimeout).
	StartTimeout time.Duration
	// RequestTimeout bounds one picture's detection; a worker that takes
	// longer is killed and restarted (default DefaultRequestTimeout).
	RequestTimeout time.Duration
	// Threshold is the descriptor distance below which Compare reports a
	// match (default DefaultThreshold, 0.6).
	Threshold float64
	// MinConfidence is the detector score from which a detection counts as
	// a face (default DefaultMinConfidence, 0.5).
	MinConfidence float64
	// Logger receives restarts at warn level and the workers' stderr at
	// debug level (default slog.Default()). No image data is logged.
	Logger *slog.Logger
}

func (c EngineConfig) withDefaults() EngineConfig {
	if c.NodePath == "" {
		c.NodePath = "node"
	}
	if c.Workers <= 0 {
		c.Workers = 1
	}
	if c.StartTimeout <= 0 {
		c.StartTimeout = DefaultStartTimeout
	}
	if c.RequestTimeout <= 0 {
		c.RequestTimeout = DefaultRequestTimeout
	}
	if c.Threshold <= 0 {
		c.Threshold = DefaultThreshold
	}
	if c.MinConfidence <= 0 || c.MinConfidence >= 1 {
		c.MinConfidence = DefaultMinConfidence
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c
}

var _ Comparer = (*Engine)(nil)

// Engine finds and compares faces with a supervised pool of face-api worker
// processes. Requests are dispatched to whichever worker is free; a worker
// that dies, hangs past RequestTimeout or breaks the protocol fails the
// request it was handling with ErrWorkerFailed and is restarted with
// exponential backoff. An Engine is safe for concurrent use.
type Engine struct {
	cfg   EngineConfig
	log   *slog.Logger
	calls chan *call // to whichever supervisor is idle

	mu      sync.Mutex
	state   engineState
	done    chan struct{} // closed by Close
	wg      sync.WaitGroup
	slots   []*slot
	engine  string // "face-api 1.7.15 wasm"
	down    atomic.Int32
	lastErr atomic.Value // error: the last failed start, for fast failures
}

type engineState int

const (
	stateNew engineState = iota
	stateRunning
	stateClosed
)

// slot is one worker position in the pool, owned by a supervisor goroutine.
type slot struct {
	mu   sync.Mutex
	proc *process // nil while (re)starting
}

func (s *slot) set(p *process) {
	s.mu.Lock()
	s.proc = p
	s.mu.Unlock()
}

// call is one picture to describe.
type call struct {
	ctx   context.Context
	img   *Image
	reply chan callResult // buffered: the supervisor never blocks on it
}

type callResult struct {
	faces  []wireFace
	engine string
	err    error
}

// NewEngine returns an engine that is not started yet; see Start.
func NewEngine(cfg EngineConfig) *Engine {
	cfg = cfg.withDefaults()
	return &Engine{
		cfg:   cfg,
		log:   cfg.Logger.With("component", "face"),
		calls: make(chan *call),
		done:  make(chan struct{}),
	}
}

// Start checks the installation and starts the workers, returning once all
// are ready (models loaded) or with an error. Any error wraps ErrNoEngine:
// node or the installed package missing, or a worker that does not start.
// ctx bounds the start only; the workers run until Close.
func (e *Engine) Start(ctx context.Context) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	switch e.state {
	case stateRunning:
		return errors.New("face: engine already started")
	case stateClosed:
		return ErrClosed
	}
	if err := e.checkInstall(); err != nil {
		return err
	}
	procs := make([]*process, e.cfg.Workers)
	errs := make([]error, e.cfg.Workers)
	var wg sync.WaitGroup
	for i := range procs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			procs[i], errs[i] = startProcess(ctx, e.cfg, e.log)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		for _, p := range procs {
			if p != nil {
				p.stop(stopGrace)
			}
		}
		return fmt.Errorf("%w: start worker in %s: %w", ErrNoEngine, e.cfg.WorkerDir, err)
	}
	for _, p := range procs[1:] {
		if p.engine != procs[0].engine {
			for _, p := range procs {
				p.stop(stopGrace)
			}
			return fmt.Errorf("%w: workers report different engines %q and %q", ErrNoEngine, procs[0].engine, p.engine)
		}
	}
	e.engine = procs[0].engine
	e.slots = make([]*slot, len(procs))
	for i, p := range procs {
		s := &slot{proc: p}
		e.slots[i] = s
		e.wg.Add(1)
		go e.supervise(s, p)
	}
	e.state = stateRunning
	e.log.Info("face engine started", "engine", e.engine, "workers", len(procs))
	return nil
}

// checkInstall finds node and the installed worker package.
func (e *Engine) checkInstall() error {
	node, err := exec.LookPath(e.cfg.NodePath)
	if err != nil {
		return fmt.Errorf("%w: node not found (%q): %w", ErrNoEngine, e.cfg.NodePath, err)
	}
	e.cfg.NodePath = node
	if e.cfg.WorkerDir == "" {
		return fmt.Errorf("%w: EngineConfig.WorkerDir (the tools/faceapi directory) is not set", ErrNoEngine)
	}
	dir, err := filepath.Abs(e.cfg.WorkerDir)
	if err != nil {
		return fmt.Errorf("%w: worker directory: %w", ErrNoEngine, err)
	}
	e.cfg.WorkerDir = dir
	for _, f := range []string{
		"worker.js",
		"node_modules/@vladmandic/face-api/package.json",
		"node_modules/@vladmandic/face-api/model/ssd_mobilenetv1_model.bin",
		"node_modules/@vladmandic/face-api/model/face_landmark_68_model.bin",
		"node_modules/@vladmandic/face-api/model/face_recognition_model.bin",
		"node_modules/@tensorflow/tfjs-backend-wasm/package.json",
	} {
		if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(f))); err != nil {
			return fmt.Errorf("%w: %s is missing; run %q (%w)", ErrNoEngine, f, InstallCommand, err)
		}
	}
	return nil
}

// Close stops the workers and waits for them. Requests under way or waiting
// fail with ErrClosed. Close is idempotent.
func (e *Engine) Close() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.state == stateClosed {
		return nil
	}
	e.state = stateClosed
	close(e.done)
	e.wg.Wait()
	return nil
}

// supervise runs one worker slot until Close: it serves calls with the
// current process and replaces the process when it dies.
func (e *Engine) supervise(s *slot, p *process) {
	defer e.wg.Done()
	backoff := minBackoff
	failures := 0
	var pending *call // taken from the queue but not sent to a dead process
	for {
		if p == nil {
			select {
			case <-e.done:
				if pending != nil {
					pending.reply <- callResult{err: ErrClosed}
				}
				return
			case <-time.After(backoff):
			}
			backoff = min(backoff*2, maxBackoff) // the delay before the next restart
			var err error
			p, err = e.startWithDone()
			if err != nil {
				if e.closing() {
					continue // the select above returns
				}
				failures++
				if failures == failingAfter {
					e.down.Add(1)
				}
				e.lastErr.Store(err)
				e.log.Warn("face worker failed to start", "err", err, "failures", failures, "retry_in", backoff)
				if failures >= failingAfter && pending != nil {
					pending.reply <- callResult{err: fmt.Errorf("%w: worker cannot be restarted: %w", ErrWorkerFailed, err)}
					pending = nil
				}
				continue
			}
			if failures >= failingAfter {
				e.down.Add(-1)
			}
			failures = 0
			if p.engine != e.engine {
				e.log.Warn("face worker restarted with a different engine", "was", e.engine, "now", p.engine)
			}
			e.log.Info("face worker restarted", "pid", p.pid)
		}
		s.set(p)
		started := time.Now()
		pending = e.serve(p, pending)
		s.set(nil)
		p.stop(stopGrace)
		if e.closing() {
			if pending != nil {
				pending.reply <- callResult{err: ErrClosed}
			}
			return
		}
		if time.Since(started) >= stableAfter {
			backoff = minBackoff // it had been fine for a while
		}
		e.log.Warn("face worker stopped; restarting", "pid", p.pid, "exit", p.waitErr, "retry_in", backoff)
		p = nil
	}
}

func (e *Engine) closing() bool {
	select {
	case <-e.done:
		return true
	default:
		return false
	}
}

// startWithDone starts a process, giving up when the engine closes.
func (e *Engine) startWithDone() (*process, error) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel() // also ends the goroutine below
	go func() {
		select {
		case <-e.done:
			cancel()
		case <-ctx.Done():
		}
	}()
	return startProcess(ctx, e.cfg, e.log)
}

// serve hands calls to p until p fails or the engine closes. It returns a
// call it took but could not send because p had already died.
func (e *Engine) serve(p *process, pending *call) *call {
	for {
		c := pending
		pending = nil
		if c == nil {
			select {
			case <-e.done:
				return nil
			case <-p.exited:
				return nil
			case c = <-e.calls:
			}
		}
		if c.ctx.Err() != nil { // the caller has gone
			c.reply <- callResult{err: c.ctx.Err()}
			continue
		}
		if !p.alive() {
			return c
		}
		faces, err := p.describe(e.done, c.img, e.cfg.MinConfidence, e.cfg.RequestTimeout)
		c.reply <- callResult{faces: faces, engine: p.engine, err: err}
		if errors.Is(err, ErrWorkerFailed) || errors.Is(err, ErrClosed) {
			return nil
		}
	}
}

// describeImage runs one prepared picture through a worker.
func (e *Engine) describeImage(ctx context.Context, img *Image) (callResult, error) {
	e.mu.Lock()
	state := e.state
	e.mu.Unlock()
	if state != stateRunning {
		return callResult{}, ErrClosed
	}
	if int(e.down.Load()) >= len(e.slots) {
		err, _ := e.lastErr.Load().(error)
		return callResult{}, fmt.Errorf("%w: no worker can be started: %w", ErrWorkerFailed, err)
	}
	c := &call{ctx: ctx, img: img, reply: make(chan callResult, 1)}
	select {
	case e.calls <- c:
	case <-ctx.Done():
		return callResult{}, fmt.Errorf("face: waiting for a free worker: %w", ctx.Err())
	case <-e.done:
		return callResult{}, ErrClosed
	}
	select {
	case r := <-c.reply:
		return r, r.err
	case <-ctx.Done():
		return callResult{}, fmt.Errorf("face: waiting for the engine: %w", ctx.Err())
	}
}

// Describe finds the faces in an encoded JPEG or PNG picture, best first:
// the largest face, then the highest detector score (the face Compare would
// use). A picture with no face gives an empty slice and no error. Decoding
// errors are those of Decode; ErrWorkerFailed may be retried.
func (e *Engine) Describe(ctx context.Context, img []byte) ([]Face, error) {
	faces, _, err := e.describe(ctx, img)
	return faces, err
}

func (e *Engine) describe(ctx context.Context, data []byte) ([]Face, string, error) {
	img, err := Prepare(data)
	if err != nil {
		return nil, "", err
	}
	return e.describePrepared(ctx, &img)
}

func (e *Engine) describePrepared(ctx context.Context, img *Image) ([]Face, string, error) {
	r, err := e.describeImage(ctx, img)
	if err != nil {
		return nil, "", fmt.Errorf("describe %d×%d picture: %w", img.Width, img.Height, err)
	}
	faces := make([]Face, len(r.faces))
	sx := float64(img.SourceWidth) / float64(img.Width)
	sy := float64(img.SourceHeight) / float64(img.Height)
	bounds := image.Rect(0, 0, img.SourceWidth, img.SourceHeight)
	for i, f := range r.faces {
		faces[i] = Face{
			Score: f.Score,
			Box: image.Rect(
				int(math.Round(f.Box[0]*sx)), int(math.Round(f.Box[1]*sy)),
				int(math.Round((f.Box[0]+f.Box[2])*sx)), int(math.Round((f.Box[1]+f.Box[3])*sy)),
			).Intersect(bounds),
			Descriptor: f.Descriptor,
		}
	}
	sort.SliceStable(faces, func(i, j int) bool { return better(faces[i], faces[j]) })
	return faces, r.engine, nil
}

// Compare compares the best face (see Describe) of encoded picture a, e.g.
// the selfie, with that of picture b, e.g. the chip portrait. A picture with
// no face gives a *NoFaceError (errors.Is ErrNoFace) naming it; decoding
// errors say which picture and wrap Decode's errors; ErrWorkerFailed may be
// retried. The numbers of faces found are reported so that a reviewer can
// look at a selfie with more than one.
func (e *Engine) Compare(ctx context.Context, a, b []byte) (Comparison, error) {
	imgA, err := Prepare(a)
	if err != nil {
		return Comparison{}, fmt.Errorf("image A: %w", err)
	}
	imgB, err := Prepare(b)
	if err != nil {
		return Comparison{}, fmt.Errorf("image B: %w", err)
	}
	var (
		facesA, facesB   []Face
		engineA, engineB string
		errA, errB       error
		wg               sync.WaitGroup
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		facesA, engineA, errA = e.describePrepared(ctx, &imgA)
	}()
	facesB, engineB, errB = e.describePrepared(ctx, &imgB)
	wg.Wait()
	if errA != nil {
		return Comparison{}, fmt.Errorf("image A: %w", errA)
	}
	if errB != nil {
		return Comparison{}, fmt.Errorf("image B: %w", errB)
	}
	if len(facesA) == 0 {
		return Comparison{}, &NoFaceError{Image: "A"}
	}
	if len(facesB) == 0 {
		return Comparison{}, &NoFaceError{Image: "B"}
	}
	if engineA != engineB {
		return Comparison{}, fmt.Errorf("%w: pictures described by different engines %q and %q", ErrWorkerFailed, engineA, engineB)
	}
	fa, fb := facesA[best(facesA)], facesB[best(facesB)]
	d, err := Distance(fa.Descriptor, fb.Descriptor)
	if err != nil {
		return Comparison{}, fmt.Errorf("compare descriptors: %w", err)
	}
	return Comparison{
		Distance:   d,
		Similarity: Similarity(d, e.cfg.Threshold),
		Match:      d < e.cfg.Threshold,
		Threshold:  e.cfg.Threshold,
		FacesA:     len(facesA),
		FacesB:     len(facesB),
		DetectionA: fa.Score,
		DetectionB: fb.Score,
		BoxA:       fa.Box,
		BoxB:       fb.Box,
		Engine:     engineA,
	}, nil
}

// Engine names the engine, version and backend the workers reported at
// Start, e.g. "face-api 1.7.15 wasm"; empty before Start.
func (e *Engine) Engine() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.engine
}

// pids returns the process ids of the running workers (for tests).
func (e *Engine) pids() []int {
	e.mu.Lock()
	slots := e.slots
	e.mu.Unlock()
	var out []int
	for _, s := range slots {
		s.mu.Lock()
		if s.proc != nil && s.proc.alive() {
			out = append(out, s.proc.pid)
		}
		s.mu.Unlock()
	}
	return out
}
