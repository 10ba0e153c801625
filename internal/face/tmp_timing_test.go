package face

import (
	"context"
	"testing"
	"time"
)

func TestTmpTiming(t *testing.T) {
	s6 := readSample(t, "sample6.jpg")
	a := derive(t, s6, sample6Right, derived{margin: 300, scale: 2, brightness: 1.1, mirror: true})
	b := derive(t, s6, sample6Right, derived{margin: 80, scale: 1, brightness: 1})
	for _, w := range []int{1, 2} {
		e := startEngine(t, EngineConfig{WorkerDir: workerDir, Workers: w, Logger: testLogger(t)})
		for i := 0; i < 4; i++ {
			t0 := time.Now()
			_, err := e.Compare(context.Background(), a, b)
			t.Logf("workers=%d compare %v %v", w, time.Since(t0), err)
		}
		t0 := time.Now()
		pa, _ := Prepare(a)
		t.Logf("prepare A %v (%dx%d)", time.Since(t0), pa.Width, pa.Height)
		e.Close()
	}
}
