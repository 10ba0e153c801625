package presentation

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

// nodeResult is what tools/sdjwt-verify/verify.mjs prints.
type nodeResult struct {
	Valid     bool   `json:"valid"`
	Reason    string `json:"reason"`
	Level     int    `json:"level"`
	ID        string `json:"id"`
	Documents []struct {
		Kind   string          `json:"kind"`
		Claims json.RawMessage `json:"claims"`
	} `json:"documents"`
}

// TestNodeVerifier runs the independent JavaScript verifier as a separate
// process on presentations made here, so that the two implementations of
// RFC 9901 check each other.
func TestNodeVerifier(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not on PATH: skipping the cross-check with tools/sdjwt-verify (CI runs it)")
	}
	script, err := filepath.Abs("../../tools/sdjwt-verify/verify.mjs")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	es, ed, rs := testES256(t), testEdDSA(t), testRS256(t)
	jwks, err := MarshalJWKS(es, ed, rs)
	if err != nil {
		t.Fatal(err)
	}
	jwksFile := filepath.Join(dir, "jwks.json")
	if err := os.WriteFile(jwksFile, jwks, 0o600); err != nil {
		t.Fatal(err)
	}
	now := testNow.Add(time.Minute)
	run := func(t *testing.T, presentation string, at time.Time) nodeResult {
		t.Helper()
		cmd := exec.Command(node, script, "--jwks", jwksFile, "--issuer", testIssuer,
			"--now", strconv.FormatInt(at.Unix(), 10), presentation)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		var res nodeResult
		if jerr := json.Unmarshal(stdout.Bytes(), &res); jerr != nil {
			t.Fatalf("node: %v; stdout %q; stderr %q", err, stdout.String(), stderr.String())
		}
		var exit *exec.ExitError
		switch {
		case res.Valid && err != nil, !res.Valid && !(errors.As(err, &exit) && exit.ExitCode() == 1):
			t.Fatalf("node printed valid=%v but exited with %v (stderr %q)", res.Valid, err, stderr.String())
		}
		return res
	}
	// same checks that node found exactly the claims Verify finds.
	same := func(t *testing.T, s string, res nodeResult) {
		t.Helper()
		if !res.Valid {
			t.Fatalf("node refused a valid presentation: %s", res.Reason)
		}
		v, err := Verify(s, testKeySet(t, es, ed, rs), VerifyOptions{Issuer: testIssuer, Now: now})
		if err != nil {
			t.Fatal(err)
		}
		if res.Level != v.Level || res.ID != v.ID || len(res.Documents) != len(v.Documents) {
			t.Fatalf("node: level %d, id %q, %d documents; Go: %d, %q, %d", res.Level, res.ID, len(res.Documents), v.Level, v.ID, len(v.Documents))
		}
		for i, d := range v.Documents {
			want := map[string]any{}
			for _, c := range d.Claims {
				want[c.Name] = c.Value
			}
			got, err := decodeValue(res.Documents[i].Claims)
			if err != nil {
				t.Fatal(err)
			}
			if res.Documents[i].Kind != d.Kind || !reflect.DeepEqual(got, want) {
				t.Errorf("document %d: node %s %v, Go %s %v", i, res.Documents[i].Kind, got, d.Kind, want)
			}
		}
	}

	full := mustIssue(t, realistic(), es)

	t.Run("valid", func(t *testing.T) {
		for _, key := range []Key{es, ed, rs} {
			s := mustIssue(t, realistic(), key)
			same(t, s, run(t, s, now))
		}
	})
	t.Run("valid from a file", func(t *testing.T) {
		f := filepath.Join(dir, "presentation.txt")
		if err := os.WriteFile(f, []byte(full+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		same(t, full, run(t, "@"+f, now))
	})
	t.Run("withheld claims", func(t *testing.T) {
		s, err := Withhold(full, func(kind, claim string) bool { return claim == "full_name" || kind == "driving_licence" })
		if err != nil {
			t.Fatal(err)
		}
		res := run(t, s, now)
		same(t, s, res)
		if strings.Contains(string(res.Documents[0].Claims), "id_number") {
			t.Errorf("node shows a withheld claim: %s", res.Documents[0].Claims)
		}
	})

	for _, tt := range []struct {
		name  string
		token func(t *testing.T) string
		at    time.Time
	}{
		{"altered disclosed value", func(t *testing.T) string {
			tp := split(t, full)
			tp.disclosures[0] = editDisclosure(t, tp.disclosures[0], func(a []any) { a[2] = "001190099999" })
			return tp.join(t)
		}, now},
		{"expired", func(t *testing.T) string { return full }, testNow.Add(6 * time.Minute)},
		{"issued in the future", func(t *testing.T) string { return full }, testNow.Add(-time.Minute)},
		{"altered signature", func(t *testing.T) string {
			tp := split(t, full)
			tp.sig = flipFirst(tp.sig)
			return tp.join(t)
		}, now},
		{"altered payload", func(t *testing.T) string {
			tp := split(t, full)
			tp.payload["lvl"] = 1
			return tp.join(t)
		}, now},
		{"added disclosure", func(t *testing.T) string { return full + disclosure(t, "blood_type", "O") + "~" }, now},
		{"duplicate disclosure", func(t *testing.T) string {
			tp := split(t, full)
			tp.disclosures = append(tp.disclosures, tp.disclosures[0])
			return tp.join(t)
		}, now},
		{"wrong issuer", func(t *testing.T) string {
			tp := split(t, full)
			tp.payload["iss"] = "https://id.example.com/oidc"
			return tp.signed(t, es)
		}, now},
		{"digest listed twice", func(t *testing.T) string {
			tp := split(t, full)
			dl := docsOf(tp)[1].(map[string]any)
			dl["_sd"] = append(sdOf(tp, 1), sdOf(tp, 0)[0])
			return tp.signed(t, es)
		}, now},
		{"alg none", func(t *testing.T) string {
			tp := split(t, full)
			tp.header["alg"], tp.sig = "none", ""
			return tp.join(t)
		}, now},
		{"alg not matching the key", func(t *testing.T) string {
			return mustIssue(t, realistic(), Key{ID: es.ID, Algorithm: EdDSA, Signer: ed.Signer})
		}, now},
		{"key-binding JWT", func(t *testing.T) string {
			jwt, _, _ := strings.Cut(full, "~")
			return full + jwt
		}, now},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel() // node starts in about 50 ms; run a few at once
			if res := run(t, tt.token(t), tt.at); res.Valid || res.Reason == "" {
				t.Errorf("node accepted it: %+v", res)
			} else {
				t.Logf("node: %s", res.Reason)
			}
		})
	}
}
