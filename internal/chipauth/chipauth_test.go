package chipauth_test

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/vneid/vneid/internal/chipauth"
	"github.com/vneid/vneid/internal/icao"
	"github.com/vneid/vneid/internal/identity"
	"github.com/vneid/vneid/internal/registry"
	"github.com/vneid/vneid/internal/testkit"
)

var now = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

func citizen() (registry.Citizen, registry.IDCard) {
	dob, _ := identity.NewDate(1988, 3, 15)
	issued, _ := identity.NewDate(2021, 6, 10)
	expiry, _ := identity.NewDate(2028, 3, 15)
	card := registry.IDCard{Number: "001088012345", Chip: true, IssueDate: issued, ExpiryDate: expiry, Status: registry.CardValid}
	return registry.Citizen{ID: "001088012345", FullName: "Nguyễn Văn An", DateOfBirth: dob, Gender: identity.Male,
		Nationality: "Việt Nam", Ethnicity: "Kinh", Religion: "Không",
		PermanentAddress: registry.Address{HouseNumber: "Số 12", Street: "Phố Hàng Bạc", Commune: "Phường Hàng Đào",
			District: "Quận Hoàn Kiếm", Province: "Thành phố Hà Nội"}, LifeStatus: registry.Alive,
		Cards: []registry.IDCard{card}}, card
}

func trust(t *testing.T, p *testkit.PKI, crls ...[]byte) *chipauth.TrustList {
	t.Helper()
	tl, err := chipauth.NewTrustList([][]byte{p.CSCA.Raw}, crls)
	if err != nil {
		t.Fatal(err)
	}
	return tl
}

func issue(t *testing.T, p *testkit.PKI, o testkit.ChipOptions) *testkit.Chip {
	t.Helper()
	c, card := citizen()
	chip, err := p.IssueChip(c, card, o)
	if err != nil {
		t.Fatal(err)
	}
	return chip
}

func TestGoodChipsEveryProfile(t *testing.T) {
	for _, prof := range testkit.Profiles() {
		for _, aa := range []testkit.AAKind{testkit.AAECP256, testkit.AARSA1024} {
			t.Run(string(prof)+"/"+string(aa), func(t *testing.T) {
				p, err := testkit.NewPKI(prof, "VN", now)
				if err != nil {
					t.Fatal(err)
				}
				chip := issue(t, p, testkit.ChipOptions{AA: aa, SigningTime: now.Add(-time.Hour)})
				v := &chipauth.Verifier{Trust: trust(t, p)}
				res, err := v.Passive(chip.Input(), now)
				if err != nil {
					t.Fatalf("Passive: %v", err)
				}
				if res.DG1.PersonalID != "001088012345" || res.DG13.FullName != "Nguyễn Văn An" || len(res.DG2.Faces) != 1 ||
					res.DG15 == nil || !res.SignedAt.Equal(now.Add(-time.Hour)) || res.CSCA == nil {
					t.Errorf("result = %+v", res)
				}
				challenge := []byte{1, 2, 3, 4, 5, 6, 7, 8}
				answer, err := chip.AnswerChallenge(challenge)
				if err != nil {
					t.Fatal(err)
				}
				if err := chipauth.Active(res, challenge, answer); err != nil {
					t.Fatalf("Active: %v", err)
				}
				wrong := []byte{8, 7, 6, 5, 4, 3, 2, 1}
				if err := chipauth.Active(res, wrong, answer); !isReason(err, chipauth.ReasonAASignature) {
					t.Errorf("answer to another challenge: %v, want %s", err, chipauth.ReasonAASignature)
				}
				if err := chipauth.Active(res, challenge[:4], answer); !isReason(err, chipauth.ReasonAAChallenge) {
					t.Errorf("short challenge: %v", err)
				}
			})
		}
	}
}

func isReason(err error, r chipauth.Reason) bool {
	return errors.Is(err, &chipauth.Failure{Reason: r})
}

func TestRefusals(t *testing.T) {
	p, err := testkit.NewPKI(testkit.P256, "VN", now)
	if err != nil {
		t.Fatal(err)
	}
	other, err := testkit.NewPKI(testkit.P256, "VN", now)
	if err != nil {
		t.Fatal(err)
	}
	foreign, err := testkit.NewPKI(testkit.P256, "FR", now)
	if err != nil {
		t.Fatal(err)
	}
	expiredDS, expiredKey, err := p.NewDS(testkit.DSOptions{NotBefore: now.AddDate(-3, 0, 0), NotAfter: now.AddDate(-1, 0, 0)})
	if err != nil {
		t.Fatal(err)
	}
	frenchDS, frenchKey, err := p.NewDS(testkit.DSOptions{Country: "FR", NotBefore: now.AddDate(0, -1, 0), NotAfter: now.AddDate(1, 0, 0)})
	if err != nil {
		t.Fatal(err)
	}
	criticalDS, criticalKey, err := p.NewDS(testkit.DSOptions{UnknownCritical: true, NotBefore: now.AddDate(0, -1, 0), NotAfter: now.AddDate(1, 0, 0)})
	if err != nil {
		t.Fatal(err)
	}
	caDS, caKey, err := p.NewDS(testkit.DSOptions{KeyUsage: 1 << 5 /* keyCertSign */, NotBefore: now.AddDate(0, -1, 0), NotAfter: now.AddDate(1, 0, 0)})
	if err != nil {
		t.Fatal(err)
	}
	crl, err := p.CRL(now, p.DS)
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name   string
		chip   func() chipauth.Chip
		trust  *chipauth.TrustList
		reason chipauth.Reason
	}{
		{"tampered DG1", func() chipauth.Chip {
			c := issue(t, p, testkit.ChipOptions{}).Input()
			c.Groups[1] = bytes.Replace(c.Groups[1], []byte("VNM"), []byte("VNN"), 1)
			return c
		}, trust(t, p), chipauth.ReasonDGHash},
		{"tampered DG13", func() chipauth.Chip {
			c := issue(t, p, testkit.ChipOptions{}).Input()
			c.Groups[13] = bytes.Replace(c.Groups[13], []byte("An"), []byte("Ân"[:2]), 1)
			return c
		}, trust(t, p), chipauth.ReasonDGHash},
		{"tampered DG2 portrait", func() chipauth.Chip {
			c := issue(t, p, testkit.ChipOptions{}).Input()
			c.Groups[2][len(c.Groups[2])-10] ^= 0xFF
			return c
		}, trust(t, p), chipauth.ReasonDGHash},
		{"wrong signer: a DS of another CSCA", func() chipauth.Chip {
			return issue(t, p, testkit.ChipOptions{DS: other.DS, DSKey: other.DSKey}).Input()
		}, trust(t, p), chipauth.ReasonDSUntrusted},
		{"signature by a key other than the DS's", func() chipauth.Chip {
			return issue(t, p, testkit.ChipOptions{DS: p.DS, DSKey: other.DSKey}).Input()
		}, trust(t, p), chipauth.ReasonSODSignature},
		{"untrusted CSCA", func() chipauth.Chip { return issue(t, p, testkit.ChipOptions{}).Input() }, trust(t, other), chipauth.ReasonDSUntrusted},
		{"expired DS", func() chipauth.Chip {
			return issue(t, p, testkit.ChipOptions{DS: expiredDS, DSKey: expiredKey}).Input()
		}, trust(t, p), chipauth.ReasonDSNotValid},
		{"DS from another country", func() chipauth.Chip {
			return issue(t, p, testkit.ChipOptions{DS: frenchDS, DSKey: frenchKey}).Input()
		}, trust(t, p), chipauth.ReasonDSCountry},
		{"foreign CSCA and DS for a VNM document", func() chipauth.Chip {
			return issue(t, foreign, testkit.ChipOptions{}).Input()
		}, trust(t, foreign), chipauth.ReasonDSCountry},
		{"unknown critical extension", func() chipauth.Chip {
			return issue(t, p, testkit.ChipOptions{DS: criticalDS, DSKey: criticalKey}).Input()
		}, trust(t, p), chipauth.ReasonDSCriticalExt},
		{"DS without digitalSignature", func() chipauth.Chip {
			return issue(t, p, testkit.ChipOptions{DS: caDS, DSKey: caKey}).Input()
		}, trust(t, p), chipauth.ReasonDSKeyUsage},
		{"revoked DS", func() chipauth.Chip { return issue(t, p, testkit.ChipOptions{}).Input() }, trust(t, p, crl), chipauth.ReasonDSRevoked},
		{"missing DG13", func() chipauth.Chip {
			c := issue(t, p, testkit.ChipOptions{}).Input()
			delete(c.Groups, 13)
			return c
		}, trust(t, p), chipauth.ReasonDGMissing},
		{"extra unsigned DG", func() chipauth.Chip {
			c := issue(t, p, testkit.ChipOptions{}).Input()
			c.Groups[11] = []byte{0x6B, 0x03, 0x5F, 0x0E, 0x00}
			return c
		}, trust(t, p), chipauth.ReasonDGNotInSOD},
		{"no SOD", func() chipauth.Chip {
			c := issue(t, p, testkit.ChipOptions{}).Input()
			c.SOD = nil
			return c
		}, trust(t, p), chipauth.ReasonSODMalformed},
		{"SOD cut short", func() chipauth.Chip {
			c := issue(t, p, testkit.ChipOptions{}).Input()
			c.SOD = c.SOD[:len(c.SOD)/2]
			return c
		}, trust(t, p), chipauth.ReasonSODMalformed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := &chipauth.Verifier{Trust: tc.trust}
			_, err := v.Passive(tc.chip(), now)
			if !isReason(err, tc.reason) {
				t.Errorf("got %v, want reason %s", err, tc.reason)
			}
		})
	}
}

func TestActiveAuthRefusals(t *testing.T) {
	p, err := testkit.NewPKI(testkit.P256, "VN", now)
	if err != nil {
		t.Fatal(err)
	}
	chip := issue(t, p, testkit.ChipOptions{})
	v := &chipauth.Verifier{Trust: trust(t, p)}
	res, err := v.Passive(chip.Input(), now)
	if err != nil {
		t.Fatal(err)
	}
	challenge := []byte("12345678")
	good, _ := chip.AnswerChallenge(challenge)
	// Copied files: another chip (with another AA key) answers.
	clone := issue(t, p, testkit.ChipOptions{})
	forged, _ := clone.AnswerChallenge(challenge)
	tests := map[string]struct {
		res    *chipauth.Result
		answer []byte
		reason chipauth.Reason
	}{
		"copied files, another chip answers": {res, forged, chipauth.ReasonAASignature},
		"garbage answer":                     {res, []byte("nonsense"), chipauth.ReasonAASignature},
		"flipped bit":                        {res, flip(good), chipauth.ReasonAASignature},
		"no DG15":                            {&chipauth.Result{DG14: res.DG14}, good, chipauth.ReasonAAKeyMissing},
		"EC key without DG14":                {&chipauth.Result{DG15: res.DG15}, good, chipauth.ReasonAAAlgorithm},
	}
	for name, tc := range tests {
		if err := chipauth.Active(tc.res, challenge, tc.answer); !isReason(err, tc.reason) {
			t.Errorf("%s: %v, want %s", name, err, tc.reason)
		}
	}
	// DER-encoded ECDSA answers are accepted as well as plain ones.
	if err := chipauth.Active(res, challenge, good); err != nil {
		t.Fatal(err)
	}
}

func flip(b []byte) []byte {
	c := bytes.Clone(b)
	c[len(c)/2] ^= 1
	return c
}

func TestMasterListAndCRL(t *testing.T) {
	p, _ := testkit.NewPKI(testkit.BrainpoolP512, "VN", now)
	q, _ := testkit.NewPKI(testkit.P256, "DE", now)
	signer, _ := testkit.NewPKI(testkit.P256, "DE", now)
	ml, err := chipauth.BuildMasterList([][]byte{p.CSCA.Raw, q.CSCA.Raw}, signerOptions(signer))
	if err != nil {
		t.Fatal(err)
	}
	got, err := chipauth.ParseMasterList(ml)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Certificates) != 2 || !bytes.Equal(got.Signer.Raw, signer.DS.Raw) {
		t.Errorf("master list = %d certificates, signer %v", len(got.Certificates), got.Signer.Subject)
	}
	bad := bytes.Clone(ml)
	i := bytes.Index(bad, p.CSCA.Raw[len(p.CSCA.Raw)-40:])
	bad[i] ^= 1
	if _, err := chipauth.ParseMasterList(bad); err == nil {
		t.Error("altered master list accepted")
	}
	e, err := chipauth.DescribeCertificate(p.CSCA.Raw)
	if err != nil || e.Country != "VN" || e.ID != chipauth.Fingerprint(p.CSCA.Raw) {
		t.Errorf("DescribeCertificate = %+v, %v", e, err)
	}
	if _, err := chipauth.DescribeCertificate(p.DS.Raw); err == nil {
		t.Error("a DS accepted as a CSCA")
	}
	crl, _ := p.CRL(now)
	if _, err := chipauth.NewTrustList([][]byte{q.CSCA.Raw}, [][]byte{crl}); err == nil {
		t.Error("a CRL without its CSCA accepted")
	}
	if _, err := chipauth.NewTrustList([][]byte{p.CSCA.Raw}, [][]byte{crl}); err != nil {
		t.Errorf("CRL with its CSCA: %v", err)
	}
}

// TestOpenSSLMadeSOD checks passive authentication on an SOD made entirely
// by openssl: a brainpoolP512r1 CSCA and DS with explicit parameters, and
// `openssl cms -sign` over an LDSSecurityObject.
func TestOpenSSLMadeSOD(t *testing.T) {
	openssl := requireOpenSSL(t)
	dir := t.TempDir()
	run := func(args ...string) {
		t.Helper()
		cmd := exec.Command(openssl, args...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("openssl %v: %v\n%s", args, err, out)
		}
	}
	write := func(name string, b []byte) {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("ca.ext", []byte("basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\n"))
	write("ds.ext", []byte("keyUsage=critical,digitalSignature\nauthorityKeyIdentifier=keyid\nsubjectKeyIdentifier=hash\n"))
	run("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:brainpoolP512r1", "-pkeyopt", "ec_param_enc:explicit",
		"-nodes", "-keyout", "csca.key", "-out", "csca.pem", "-days", "3650", "-sha512",
		"-subj", "/C=VN/O=Bo Cong an/CN=CSCA OpenSSL Test", "-extensions", "v3_ca", "-addext", "keyUsage=critical,keyCertSign,cRLSign")
	run("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:brainpoolP512r1", "-pkeyopt", "ec_param_enc:explicit",
		"-nodes", "-keyout", "ds.key", "-out", "ds.csr", "-subj", "/C=VN/O=Bo Cong an/CN=DS OpenSSL Test")
	run("x509", "-req", "-in", "ds.csr", "-CA", "csca.pem", "-CAkey", "csca.key", "-CAcreateserial", "-out", "ds.pem",
		"-days", "365", "-sha512", "-extfile", "ds.ext")

	c, card := citizen()
	kit, _ := testkit.NewPKI(testkit.P256, "VN", now) // only to build the data groups
	chip, err := kit.IssueChip(c, card, testkit.ChipOptions{})
	if err != nil {
		t.Fatal(err)
	}
	lds, err := chipauth.BuildLDSSecurityObject(testkit.BrainpoolP512.Digest(), chip.Groups)
	if err != nil {
		t.Fatal(err)
	}
	write("lds.der", lds)
	run("cms", "-sign", "-binary", "-nodetach", "-nosmimecap", "-econtent_type", "2.23.136.1.1.1", "-md", "sha512",
		"-signer", "ds.pem", "-inkey", "ds.key", "-in", "lds.der", "-outform", "DER", "-out", "sod.cms")
	cmsDER, _ := os.ReadFile(filepath.Join(dir, "sod.cms"))
	sod, err := chipauth.WrapSOD(cmsDER)
	if err != nil {
		t.Fatal(err)
	}
	run("x509", "-in", "csca.pem", "-outform", "DER", "-out", "csca.der")
	cscaDER, _ := os.ReadFile(filepath.Join(dir, "csca.der"))
	tl, err := chipauth.NewTrustList([][]byte{cscaDER}, nil)
	if err != nil {
		t.Fatal(err)
	}
	in := chip.Input()
	in.SOD = sod
	res, err := (&chipauth.Verifier{Trust: tl}).Passive(in, time.Now())
	if err != nil {
		t.Fatalf("openssl-made SOD refused: %v", err)
	}
	if res.SignatureAlgorithm == "" || res.DS.Subject.CommonName != "DS OpenSSL Test" {
		t.Errorf("result: %q, %q", res.SignatureAlgorithm, res.DS.Subject.CommonName)
	}
	// Tampering still shows.
	in.Groups[13] = append(bytes.Clone(in.Groups[13][:len(in.Groups[13])-1]), 'X')
	if _, err := (&chipauth.Verifier{Trust: tl}).Passive(in, time.Now()); !isReason(err, chipauth.ReasonDGHash) {
		t.Errorf("tampered DG13 with openssl SOD: %v", err)
	}
}

// TestOpenSSLVerifiesOurSOD cross-checks our CMS with openssl's verifier.
func TestOpenSSLVerifiesOurSOD(t *testing.T) {
	openssl := requireOpenSSL(t)
	for _, prof := range testkit.Profiles() {
		t.Run(string(prof), func(t *testing.T) {
			p, err := testkit.NewPKI(prof, "VN", now)
			if err != nil {
				t.Fatal(err)
			}
			chip := issue(t, p, testkit.ChipOptions{SigningTime: now})
			sod, err := chipauth.ParseSOD(chip.SOD)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			// The ContentInfo inside tag 0x77.
			inner := chip.SOD[len(chip.SOD)-len(sodInner(t, chip.SOD)):]
			if err := os.WriteFile(filepath.Join(dir, "sod.cms"), inner, 0o600); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(openssl, "cms", "-verify", "-noverify", "-binary", "-inform", "DER", "-in", "sod.cms", "-out", "content.der")
			cmd.Dir = dir
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("openssl cms -verify refused our SOD: %v\n%s", err, out)
			}
			content, _ := os.ReadFile(filepath.Join(dir, "content.der"))
			if !bytes.Equal(content, sod.SignedData.Content) {
				t.Error("openssl's content differs from ours")
			}
		})
	}
}

func sodInner(t *testing.T, sod []byte) []byte {
	t.Helper()
	// 0x77 with a long-form length: skip the tag and length octets.
	if sod[0] != 0x77 {
		t.Fatal("not an SOD")
	}
	n := 2
	if sod[1]&0x80 != 0 {
		n += int(sod[1] & 0x7F)
	}
	return sod[n:]
}

func requireOpenSSL(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("openssl")
	if err != nil {
		t.Fatal("openssl is needed for this test (Debian package openssl)")
	}
	return path
}

func TestParsedDG1MatchesMRZ(t *testing.T) {
	p, _ := testkit.NewPKI(testkit.P256, "VN", now)
	chip := issue(t, p, testkit.ChipOptions{})
	td1, err := icao.ParseDG1(chip.Groups[1], identity.DateOf(now))
	if err != nil || td1.IssuingState != "VNM" || td1.DocumentNumber != "088012345" {
		t.Errorf("DG1 = %+v, %v", td1, err)
	}
}

// TestCRLAfterKeyRollover: a CRL signed with the CSCA's new key revokes a
// document signer issued under the old key of the same name.
func TestCRLAfterKeyRollover(t *testing.T) {
	old, _ := testkit.NewPKI(testkit.P256, "VN", now)
	rolled, _ := testkit.NewPKI(testkit.P256, "VN", now) // same name, new key
	if !bytes.Equal(old.CSCA.Subject.Raw, rolled.CSCA.Subject.Raw) {
		t.Fatal("the test needs two CSCAs of one name")
	}
	crl, err := rolled.CRL(now, old.DS)
	if err != nil {
		t.Fatal(err)
	}
	tl, err := chipauth.NewTrustList([][]byte{old.CSCA.Raw, rolled.CSCA.Raw}, [][]byte{crl})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := (&chipauth.Verifier{Trust: tl}).Passive(issue(t, old, testkit.ChipOptions{}).Input(), now); !isReason(err, chipauth.ReasonDSRevoked) {
		t.Errorf("DS revoked by the rolled-over CSCA's CRL: %v", err)
	}
	if _, err := (&chipauth.Verifier{Trust: tl}).Passive(issue(t, rolled, testkit.ChipOptions{}).Input(), now); err != nil {
		t.Errorf("the new DS: %v", err)
	}
}
