package face

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Wire format of tools/faceapi/worker.js (see the comment at its top).

type wireImage struct {
	Width  int    `json:"width"`
	Height int    `json:"height"`
	RGB    []byte `json:"rgb"` // base64 in JSON
}

type wireRequest struct {
	ID            uint64     `json:"id"`
	Op            string     `json:"op"`
	Image         *wireImage `json:"image,omitempty"`
	MinConfidence float64    `json:"minConfidence,omitempty"`
}

type wireFace struct {
	Score      float64   `json:"score"`
	Box        []float64 `json:"box"`
	Descriptor []float32 `json:"descriptor"`
}

type wireResponse struct {
	ID    *uint64    `json:"id"`
	OK    bool       `json:"ok"`
	Faces []wireFace `json:"faces"`
	Error string     `json:"error"`
}

type wireReady struct {
	Ready   bool   `json:"ready"`
	Engine  string `json:"engine"`
	Version string `json:"version"`
	Backend string `json:"backend"`
	Error   string `json:"error"`
}

const (
	maxResponseLine = 4 << 20 // far above the ~60 KB of 20 faces
	stderrKept      = 8       // last stderr lines kept for error messages
	maxLogLine      = 2000    // longer stderr lines are cut in the log
)

// process is one running worker: a node process speaking JSON Lines. It is
// used by one supervisor goroutine at a time.
type process struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	lines  chan []byte   // stdout lines; closed at EOF
	exited chan struct{} // closed once the process has been waited for
	pid    int
	engine string // "face-api 1.7.15 wasm", from the ready line
	log    *slog.Logger

	nextID   uint64
	timedOut atomic.Bool
	waitErr  error // set before exited is closed

	drainOnce sync.Once

	mu     sync.Mutex
	stderr []string // last stderrKept lines
}

// startProcess runs the worker and waits, up to timeout, for its ready line.
func startProcess(ctx context.Context, cfg EngineConfig, log *slog.Logger) (*process, error) {
	cmd := exec.Command(cfg.NodePath, "worker.js")
	cmd.Dir = cfg.WorkerDir
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, fmt.Errorf("stdin pipe: %w", err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("stdout pipe: %w", err)
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, fmt.Errorf("stderr pipe: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("run %s: %w", cfg.NodePath, err)
	}
	p := &process{
		cmd:    cmd,
		stdin:  stdin,
		lines:  make(chan []byte, 4),
		exited: make(chan struct{}),
		pid:    cmd.Process.Pid,
		log:    log.With("pid", cmd.Process.Pid),
	}
	var readers sync.WaitGroup
	readers.Add(2)
	go func() { defer readers.Done(); p.readStdout(stdout) }()
	go func() { defer readers.Done(); p.readStderr(stderr) }()
	go func() {
		readers.Wait() // cmd.Wait must not run before the pipes are drained
		p.waitErr = cmd.Wait()
		close(p.exited)
	}()

	timer := time.NewTimer(cfg.StartTimeout)
	defer timer.Stop()
	select {
	case line, ok := <-p.lines:
		if !ok {
			<-p.exited
			return nil, fmt.Errorf("worker exited before it was ready (%v)%s", p.waitErr, p.stderrTail())
		}
		var r wireReady
		if err := json.Unmarshal(line, &r); err != nil {
			p.abandon()
			return nil, fmt.Errorf("worker's first line is not a ready message: %w", err)
		}
		if !r.Ready {
			p.abandon()
			return nil, fmt.Errorf("worker not ready: %s%s", r.Error, p.stderrTail())
		}
		if r.Engine == "" || r.Version == "" || r.Backend == "" {
			p.abandon()
			return nil, errors.New("worker's ready message does not name engine, version and backend")
		}
		p.engine = r.Engine + " " + r.Version + " " + r.Backend
		return p, nil
	case <-timer.C:
		p.abandon()
		return nil, fmt.Errorf("worker not ready within %s%s", cfg.StartTimeout, p.stderrTail())
	case <-ctx.Done():
		p.abandon()
		return nil, fmt.Errorf("waiting for worker: %w", ctx.Err())
	}
}

func (p *process) readStdout(r io.Reader) {
	defer close(p.lines)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxResponseLine)
	for sc.Scan() {
		line := sc.Bytes()
		if len(line) == 0 {
			continue
		}
		p.lines <- append([]byte(nil), line...)
	}
	if err := sc.Err(); err != nil {
		p.log.Warn("face worker: bad output, stopping it", "err", err)
		p.kill()
		_, _ = io.Copy(io.Discard, r)
	}
}

// readStderr logs the worker's diagnostics at debug level. The worker never
// writes image data there.
func (p *process) readStderr(r io.Reader) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if len(line) > maxLogLine {
			line = line[:maxLogLine] + "…"
		}
		p.log.Debug("face worker", "stderr", line)
		p.mu.Lock()
		p.stderr = append(p.stderr, line)
		if len(p.stderr) > stderrKept {
			p.stderr = p.stderr[len(p.stderr)-stderrKept:]
		}
		p.mu.Unlock()
	}
	_, _ = io.Copy(io.Discard, r)
}

func (p *process) stderrTail() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.stderr) == 0 {
		return ""
	}
	return "; worker stderr: " + strings.Join(p.stderr, " | ")
}

func (p *process) alive() bool {
	select {
	case <-p.exited:
		return false
	default:
		return true
	}
}

// abandon kills the process, discards its output and waits for its end.
func (p *process) abandon() {
	p.kill()
	p.drain()
	<-p.exited
}

// kill ends the process at once; the waiter goroutine reaps it.
func (p *process) kill() {
	_ = p.cmd.Process.Kill()
}

// drain discards whatever the worker still writes to stdout, so that the
// stdout reader never blocks and the process can be reaped. It is called
// once nobody reads answers any more; its goroutine ends at stdout's EOF,
// which follows the process's end.
func (p *process) drain() {
	p.drainOnce.Do(func() {
		go func() {
			for range p.lines { //nolint:revive // discard
			}
		}()
	})
}

// stop asks the worker to finish (it exits when stdin closes) and kills it
// if it has not within grace.
func (p *process) stop(grace time.Duration) {
	p.drain()
	_ = p.stdin.Close()
	select {
	case <-p.exited:
	case <-time.After(grace):
		p.kill()
		<-p.exited
	}
}

// describe sends one picture and waits for the faces. Any failure of the
// process itself (death, timeout, protocol) is returned wrapping
// ErrWorkerFailed, and the process is then dead or being killed. done
// aborts the wait when the engine closes.
func (p *process) describe(done <-chan struct{}, img *Image, minConfidence float64, timeout time.Duration) ([]wireFace, error) {
	p.nextID++
	id := p.nextID
	msg, err := json.Marshal(wireRequest{
		ID: id, Op: "describe", MinConfidence: minConfidence,
		Image: &wireImage{Width: img.Width, Height: img.Height, RGB: img.RGB},
	})
	if err != nil {
		return nil, fmt.Errorf("encode request: %w", err)
	}
	msg = append(msg, '\n')

	timer := time.AfterFunc(timeout, func() {
		p.timedOut.Store(true)
		p.kill()
	})
	defer timer.Stop()
	if _, err := p.stdin.Write(msg); err != nil {
		return nil, p.failure(fmt.Errorf("send request: %w", err), timeout)
	}
	for {
		var line []byte
		var ok bool
		select {
		case line, ok = <-p.lines:
		case <-done:
			p.kill()
			p.drain()
			return nil, ErrClosed
		}
		if !ok {
			return nil, p.failure(errors.New("worker exited"), timeout)
		}
		var r wireResponse
		if err := json.Unmarshal(line, &r); err != nil {
			p.kill()
			return nil, fmt.Errorf("%w: unreadable answer: %w", ErrWorkerFailed, err)
		}
		if r.ID == nil && r.Error != "" {
			// The worker could not read the request well enough to find
			// its id; with one request at a time, it is this one.
			return nil, fmt.Errorf("face engine: %s", r.Error)
		}
		if r.ID == nil || *r.ID != id {
			p.log.Warn("face worker: answer to another request ignored", "want", id)
			continue
		}
		if r.Error != "" {
			return nil, fmt.Errorf("face engine: %s", r.Error)
		}
		if err := checkFaces(r.Faces); err != nil {
			p.kill()
			return nil, fmt.Errorf("%w: %w", ErrWorkerFailed, err)
		}
		return r.Faces, nil
	}
}

// failure builds the error for a process that stopped answering.
func (p *process) failure(cause error, timeout time.Duration) error {
	if p.timedOut.Load() {
		return fmt.Errorf("%w: no answer within %s, worker %d killed", ErrWorkerFailed, timeout, p.pid)
	}
	p.kill()
	p.drain()
	<-p.exited
	return fmt.Errorf("%w: %w (worker %d: %v)%s", ErrWorkerFailed, cause, p.pid, p.waitErr, p.stderrTail())
}

func checkFaces(faces []wireFace) error {
	for i, f := range faces {
		if len(f.Descriptor) != DescriptorSize {
			return fmt.Errorf("face %d: descriptor has %d values, want %d", i, len(f.Descriptor), DescriptorSize)
		}
		if len(f.Box) != 4 {
			return fmt.Errorf("face %d: box has %d values, want 4", i, len(f.Box))
		}
		if !(f.Score >= 0 && f.Score <= 1) {
			return fmt.Errorf("face %d: score %v out of 0..1", i, f.Score)
		}
		for _, v := range f.Box {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("face %d: box %v", i, f.Box)
			}
		}
		for _, v := range f.Descriptor {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return fmt.Errorf("face %d: descriptor is not finite", i)
			}
		}
	}
	return nil
}
