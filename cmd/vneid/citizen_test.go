package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// startServer runs `vneid serve` in process on a free port with the
// embedded store in dir and returns its base URL; the server stops when the
// test ends (and the test fails if it did not stop cleanly).
func startServer(t *testing.T, dir string, extra ...string) string {
	t.Helper()
	return startServerAt(t, dir, freeAddr(t), extra...)
}

// startServerAt is startServer on a given address.
func startServerAt(t *testing.T, dir, addr string, extra ...string) string {
	t.Helper()
	base := "http://" + addr
	t.Setenv("VNEID_LOG_LEVEL", "warn")
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	args := append([]string{"serve", "-data-dir", dir, "-listen", addr}, extra...)
	go func() { served <- run(ctx, args, nil, io.Discard, io.Discard) }()
	t.Cleanup(func() {
		cancel()
		if err := <-served; err != nil {
			t.Errorf("serve did not stop cleanly: %v", err)
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return base
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("server not ready: %v", err)
		}
		select {
		case err := <-served:
			t.Fatalf("serve exited: %v", err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

var otpInSMS = regexp.MustCompile(`là (\d{6})`)

// lastCode returns the newest SMS code sent to phone after the outbox held
// skip codes for it, waiting for it to be written.
func lastCode(t *testing.T, dir, phone string, skip int) string {
	t.Helper()
	for i := 0; i < 100; i++ {
		out, _ := vneid(t, nil, "outbox", "list", "-to", phone, "-data-dir", dir)
		if m := otpInSMS.FindAllStringSubmatch(out, -1); len(m) > skip {
			return m[0][1] // newest first
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("no new code for %s in the outbox", phone)
	return ""
}

// codesSent counts the SMS codes sent to phone so far.
func codesSent(t *testing.T, dir, phone string) int {
	t.Helper()
	out, _ := vneid(t, nil, "outbox", "list", "-to", phone, "-data-dir", dir)
	return len(otpInSMS.FindAllString(out, -1))
}

// registerInApp registers a sample citizen of the demo population with the
// reference app (`vneid app register`, the SMS code typed from the outbox)
// and returns the ID number, the device file and the app's output.
func registerInApp(t *testing.T, base, dir, phone, password string) (string, string, string) {
	t.Helper()
	sample, err := vneid(t, nil, "registry", "sample", "-n", "1", "-data-dir", dir)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(sample), "\n")
	if len(lines) != 2 {
		t.Fatalf("sample output:\n%s", sample)
	}
	id := strings.Fields(lines[0])[0]
	qr := strings.TrimPrefix(strings.TrimSpace(lines[1]), "QR: ")
	before := codesSent(t, dir, phone)
	pr, pw := io.Pipe()
	device := filepath.Join(dir, "device-"+id+".json")
	done := make(chan error, 1)
	var out bytes.Buffer
	go func() {
		done <- run(context.Background(), []string{"app", "register", "-server", base, "-device", device,
			"-id", id, "-phone", phone, "-qr", qr, "-yes"}, pr, &out, io.Discard)
	}()
	otp := lastCode(t, dir, phone, before)
	fmt.Fprintf(pw, "%s\n%s\n%s\n", otp, password, password)
	if err := <-done; err != nil {
		t.Fatalf("app register: %v\n%s", err, out.String())
	}
	return id, device, out.String()
}

// applyLevel1 submits the level-1 dossier from the app with a test-kit
// chip; it waits for an officer (no face engine in process).
func applyLevel1(t *testing.T, base, dir, id, device, password string) string {
	t.Helper()
	chipDir := filepath.Join(dir, "chip-"+id)
	if out, err := vneid(t, nil, "testkit", "chip", "-id", id, "-out", chipDir, "-data-dir", dir); err != nil {
		t.Fatalf("testkit chip: %v\n%s", err, out)
	}
	out, err := vneid(t, nil, "app", "level1", "-server", base, "-device", device, "-id", id, "-password", password,
		"-chip", chipDir, "-yes")
	if err != nil {
		t.Fatalf("app level1: %v\n%s", err, out)
	}
	return out
}
