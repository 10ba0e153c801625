package presentation

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

func FuzzVerify(f *testing.F) {
	es, ed := testES256(f), testEdDSA(f)
	keys := testKeySet(f, es, ed)
	opts := verifyOpts()
	full := mustIssue(f, realistic(), es)
	f.Add(full)
	f.Add(mustIssue(f, realistic(), ed))
	withheld, _ := Withhold(full, func(kind, claim string) bool { return kind == "eid" })
	f.Add(withheld)
	req := realistic()
	req.Nonce, req.Audience, req.Level = "n", "a", 1
	req.Documents = req.Documents[:1]
	f.Add(mustIssue(f, req, ed))
	f.Add(full + "eyJhbGciOiJub25lIn0.e30.~")
	f.Add(strings.Replace(full, "~", "~~", 1))
	f.Add("")
	f.Add("~")
	f.Add("a.b.c~")

	// Each input is tried on its own and after the issuer-signed JWT of a
	// valid presentation, so that the disclosure checks get inputs whose
	// signature verifies.
	jwt, disclosures, _ := strings.Cut(full, "~")
	f.Add(disclosures)
	f.Fuzz(func(t *testing.T, s string) {
		checkFuzzInput(t, s, keys, opts)
		checkFuzzInput(t, jwt+"~"+s, keys, opts)
	})
}

// checkFuzzInput verifies s and, if it is accepted, that Peek and Withhold agree.
func checkFuzzInput(t *testing.T, s string, keys KeySet, opts VerifyOptions) {
	t.Helper()
	v, err := Verify(s, keys, opts)
	if err != nil {
		if _, perr := Peek(s); perr == nil && (errors.Is(err, ErrMalformed) || strings.Contains(err.Error(), "digest not signed")) {
			t.Fatalf("Verify refused the format (%v) but Peek accepted", err)
		}
		return
	}
	p, err := Peek(s)
	if err != nil {
		t.Fatalf("Verify accepted, Peek: %v", err)
	}
	if !reflect.DeepEqual(v, p) {
		t.Fatalf("Verify = %+v, Peek = %+v", v, p)
	}
	// Re-serialising with every disclosure kept gives the input back.
	all, err := Withhold(s, func(string, string) bool { return true })
	if err != nil || all != s {
		t.Fatalf("Withhold(keep all) = %q, %v; want the input", all, err)
	}
	// Withholding everything still verifies, with the same digests.
	none, err := Withhold(s, func(string, string) bool { return false })
	if err != nil {
		t.Fatal(err)
	}
	w, err := Verify(none, keys, opts)
	if err != nil {
		t.Fatalf("withheld all: %v", err)
	}
	total := 0
	for kind, n := range w.Withheld {
		total += n
		if n <= 0 || kind == "" {
			t.Fatalf("withheld %q: %d", kind, n)
		}
	}
	disclosed := 0
	for i, d := range v.Documents {
		disclosed += len(d.Claims)
		if w.Documents[i].Kind != d.Kind || w.Documents[i].Claims != nil {
			t.Fatalf("withheld all: document %d = %+v", i, w.Documents[i])
		}
	}
	vTotal := 0
	for _, n := range v.Withheld {
		vTotal += n
	}
	if total != vTotal+disclosed {
		t.Fatalf("digests: %d withheld after withholding all, %d + %d before", total, vTotal, disclosed)
	}
}

func FuzzJWKS(f *testing.F) {
	data, err := MarshalJWKS(testES256(f), testEdDSA(f), testRS256(f))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	f.Add([]byte(`{"keys":[{"kty":"EC","crv":"P-256","kid":"a","x":"AAAA","y":"AAAA"}]}`))
	f.Add([]byte(`{"keys":[{"kty":"OKP","crv":"Ed25519","kid":"a","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","use":"sig","key_ops":["verify"]}]}`))
	f.Add([]byte(`{"keys":[{"kty":"RSA","kid":"a","n":"AQAB","e":"AQAB"}]}`))
	f.Add([]byte(`{"keys":[{"kty":"oct","k":"AAAA"}]}`))
	f.Add([]byte(`null`))

	f.Fuzz(func(t *testing.T, data []byte) {
		ks, err := JWKS(data)
		if err != nil {
			return
		}
		set := ks.(keySet)
		if len(set) == 0 {
			t.Fatal("JWKS accepted a set with no usable key")
		}
		for kid, e := range set {
			if kid == "" {
				t.Fatal("key with an empty kid")
			}
			if err := checkPublicKey(e.alg, e.pub); err != nil {
				t.Fatalf("kid %q: %v", kid, err)
			}
			if pub, alg, err := ks.Key(kid); err != nil || alg != e.alg || pub == nil {
				t.Fatalf("Key(%q) = %v, %q, %v", kid, pub, alg, err)
			}
		}
	})
}

// FuzzPlainString checks the fast path for JSON strings against
// encoding/json.
func FuzzPlainString(f *testing.F) {
	for _, s := range []string{`""`, `"Nguyễn"`, `"a\"b"`, `"a\u0041"`, "\"\x01\"", "\"\xff\"", `"a"x`, `"`, `x`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		got, ok := plainString(raw)
		if !ok {
			return
		}
		var want string
		if err := json.Unmarshal(raw, &want); err != nil || got != want {
			t.Fatalf("plainString(%q) = %q; encoding/json: %q, %v", raw, got, want, err)
		}
	})
}
