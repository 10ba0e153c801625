package x509lite

import (
	"bytes"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vneid/vneid/internal/ec"
)

// openssl runs the openssl command in a temporary directory. These tests
// fail, rather than skip, when openssl is missing: interoperability with
// it is part of what this package promises.
type openssl struct {
	t        *testing.T
	bin, dir string
}

func newOpenSSL(t *testing.T) *openssl {
	t.Helper()
	bin, err := exec.LookPath("openssl")
	if err != nil {
		t.Fatalf("openssl is required by this test: %v", err)
	}
	return &openssl{t: t, bin: bin, dir: t.TempDir()}
}

// try runs openssl and returns its combined output.
func (o *openssl) try(args ...string) (string, error) {
	cmd := exec.Command(o.bin, args...)
	cmd.Dir = o.dir
	cmd.Env = append(os.Environ(), "OPENSSL_CONF=/dev/null")
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// run runs openssl and fails the test if it fails.
func (o *openssl) run(args ...string) string {
	o.t.Helper()
	out, err := o.try(args...)
	if err != nil {
		o.t.Fatalf("openssl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

func (o *openssl) path(name string) string { return filepath.Join(o.dir, name) }

func (o *openssl) write(name string, data []byte) {
	o.t.Helper()
	if err := os.WriteFile(o.path(name), data, 0o600); err != nil {
		o.t.Fatal(err)
	}
}

// der reads the first PEM block of a file openssl wrote.
func (o *openssl) der(name string) []byte {
	o.t.Helper()
	b, err := os.ReadFile(o.path(name))
	if err != nil {
		o.t.Fatal(err)
	}
	p, _ := pem.Decode(b)
	if p == nil {
		o.t.Fatalf("%s: no PEM block", name)
	}
	return p.Bytes
}

const dsExtensions = "keyUsage = critical, digitalSignature\nsubjectKeyIdentifier = hash\nauthorityKeyIdentifier = keyid\n"

// TestOpenSSLBrainpoolExplicitChain: a CSCA and a document signer made by
// OpenSSL on brainpoolP512r1 with explicit parameters (as Vietnam's CSCA),
// which crypto/x509 refuses and this package reads and verifies.
func TestOpenSSLBrainpoolExplicitChain(t *testing.T) {
	o := newOpenSSL(t)
	ecKey := []string{"-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:brainpoolP512r1", "-pkeyopt", "ec_param_enc:explicit", "-nodes"}
	o.run(append([]string{"req", "-x509"}, append(ecKey, "-keyout", "csca.key", "-out", "csca.pem", "-days", "3650", "-sha512",
		"-subj", "/C=VN/O=Test Government/CN=CSCA Test", "-set_serial", "1",
		"-addext", "basicConstraints=critical,CA:TRUE,pathlen:0", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
		"-addext", "subjectKeyIdentifier=hash")...)...)
	o.run(append([]string{"req", "-new"}, append(ecKey, "-keyout", "ds.key", "-out", "ds.csr", "-subj", "/C=VN/O=Test Government/CN=DS Test")...)...)
	o.write("ds.ext", []byte(dsExtensions))
	o.run("x509", "-req", "-in", "ds.csr", "-CA", "csca.pem", "-CAkey", "csca.key", "-set_serial", "4660",
		"-days", "365", "-sha512", "-extfile", "ds.ext", "-out", "ds.pem")

	cscaDER, dsDER := o.der("csca.pem"), o.der("ds.pem")
	if _, err := x509.ParseCertificate(cscaDER); err == nil {
		t.Log("note: crypto/x509 now accepts explicit brainpool parameters")
	}
	csca := mustParse(t, cscaDER)
	ds := mustParse(t, dsDER)
	if err := csca.CheckSignatureFrom(csca); err != nil {
		t.Fatal(err)
	}
	if err := ds.CheckSignatureFrom(csca); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(csca.RawSubjectPublicKeyInfo, mustOID(oidPrimeField())) || !bytes.Contains(ds.RawSubjectPublicKeyInfo, mustOID(oidPrimeField())) {
		t.Fatal("OpenSSL did not write explicit parameters")
	}
	if k := ds.PublicKey.(*ec.PublicKey); k.Curve != ec.BrainpoolP512r1() {
		t.Fatalf("DS curve %s", k.Curve)
	}
	if ds.SerialNumber.Int64() != 4660 || ds.KeyUsage != x509.KeyUsageDigitalSignature || !csca.IsCA || csca.MaxPathLen != 0 ||
		!bytes.Equal(ds.AuthorityKeyID, csca.SubjectKeyID) || !ds.Issuer.Equal(csca.Subject) {
		t.Fatalf("fields: serial %v key usage %v AKI %x SKI %x", ds.SerialNumber, ds.KeyUsage, ds.AuthorityKeyID, csca.SubjectKeyID)
	}
	// The DS key OpenSSL reports is the one we parsed.
	o.run("pkey", "-in", "ds.key", "-pubout", "-out", "ds.pub")
	pub, err := ParsePublicKey(o.der("ds.pub"))
	if err != nil || !pub.(*ec.PublicKey).Equal(ds.PublicKey.(*ec.PublicKey)) {
		t.Fatalf("DS public key: %v", err)
	}
	// A document signature (as over an EF.SOD's signed attributes).
	o.write("attrs.der", []byte("signed attributes of an EF.SOD"))
	o.run("dgst", "-sha512", "-sign", "ds.key", "-out", "attrs.sig", "attrs.der")
	sig, _ := os.ReadFile(o.path("attrs.sig"))
	if err := ds.CheckSignature(ECDSAWithSHA512(), []byte("signed attributes of an EF.SOD"), sig); err != nil {
		t.Fatal(err)
	}
	if err := ds.CheckSignature(ECDSAWithSHA512(), []byte("signed attributes of an EF.SOD!"), sig); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("altered attributes: %v", err)
	}
}

// TestOpenSSLRSAPSSChain: an RSA CSCA and document signer signed with
// RSASSA-PSS by OpenSSL (default and digest-length salts).
func TestOpenSSLRSAPSSChain(t *testing.T) {
	o := newOpenSSL(t)
	o.run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "csca.key", "-out", "csca.pem", "-days", "3650",
		"-sha256", "-sigopt", "rsa_padding_mode:pss", "-subj", "/C=VN/CN=CSCA RSA", "-set_serial", "1",
		"-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign")
	o.run("req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", "ds.key", "-out", "ds.csr", "-subj", "/C=VN/CN=DS RSA")
	o.write("ds.ext", []byte(dsExtensions))
	o.run("x509", "-req", "-in", "ds.csr", "-CA", "csca.pem", "-CAkey", "csca.key", "-set_serial", "2", "-days", "365",
		"-sha384", "-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:-1", "-extfile", "ds.ext", "-out", "ds.pem")
	csca := mustParse(t, o.der("csca.pem"))
	ds := mustParse(t, o.der("ds.pem"))
	if err := csca.CheckSignatureFrom(csca); err != nil {
		t.Fatalf("CSCA (%s): %v", csca.SignatureAlgorithm, err)
	}
	if err := ds.CheckSignatureFrom(csca); err != nil {
		t.Fatalf("DS (%s): %v", ds.SignatureAlgorithm, err)
	}
	if got := ds.SignatureAlgorithm.String(); got != "RSASSA-PSS(SHA-384, salt 48)" {
		t.Fatalf("DS algorithm %s", got)
	}
	// OpenSSL's default salt is the maximum (222 bytes for RSA-2048 and SHA-256).
	if got := csca.SignatureAlgorithm.String(); got != "RSASSA-PSS(SHA-256, salt 222)" {
		t.Fatalf("CSCA algorithm %s", csca.SignatureAlgorithm)
	}
	if _, ok := ds.PublicKey.(*rsa.PublicKey); !ok {
		t.Fatalf("DS key %T", ds.PublicKey)
	}
}

// TestOpenSSLCRL: a CRL issued by OpenSSL's "ca" command from an explicit
// brainpool CSCA, revoking a document signer.
func TestOpenSSLCRL(t *testing.T) {
	o := newOpenSSL(t)
	o.run("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:brainpoolP384r1", "-pkeyopt", "ec_param_enc:explicit",
		"-nodes", "-keyout", "csca.key", "-out", "csca.pem", "-days", "3650", "-sha384", "-subj", "/C=VN/CN=CSCA CRL Test",
		"-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
		"-addext", "subjectKeyIdentifier=hash")
	o.run("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:brainpoolP384r1", "-nodes", "-keyout", "ds.key",
		"-out", "ds.csr", "-subj", "/C=VN/CN=DS CRL Test")
	o.write("ds.ext", []byte(dsExtensions))
	o.run("x509", "-req", "-in", "ds.csr", "-CA", "csca.pem", "-CAkey", "csca.key", "-set_serial", "77", "-days", "365",
		"-sha384", "-extfile", "ds.ext", "-out", "ds.pem")
	o.write("index.txt", nil)
	o.write("crlnumber", []byte("1000\n"))
	o.write("ca.cnf", []byte("[ca]\ndefault_ca = c\n[c]\ndatabase = index.txt\ncrlnumber = crlnumber\ndefault_md = sha384\n"+
		"default_crl_days = 30\ncrl_extensions = crlext\n[crlext]\nauthorityKeyIdentifier = keyid\n"))
	o.run("ca", "-config", "ca.cnf", "-cert", "csca.pem", "-keyfile", "csca.key", "-revoke", "ds.pem", "-crl_reason", "keyCompromise")
	o.run("ca", "-config", "ca.cnf", "-cert", "csca.pem", "-keyfile", "csca.key", "-gencrl", "-out", "crl.pem")

	csca := mustParse(t, o.der("csca.pem"))
	ds := mustParse(t, o.der("ds.pem"))
	crl, err := ParseCRL(o.der("crl.pem"))
	if err != nil {
		t.Fatal(err)
	}
	if err := crl.CheckSignatureFrom(csca); err != nil {
		t.Fatal(err)
	}
	if !crl.IsRevoked(ds.SerialNumber) || crl.Number.Int64() != 0x1000 || !crl.Issuer.Equal(csca.Subject) ||
		!bytes.Equal(crl.AuthorityKeyID, csca.SubjectKeyID) || crl.NextUpdate.Sub(crl.ThisUpdate) != 30*24*time.Hour ||
		len(crl.UnhandledCritical) != 0 {
		t.Fatalf("CRL: revoked %v number %v issuer %s", crl.Revoked, crl.Number, crl.Issuer)
	}
	if err := crl.CheckSignatureFrom(ds); !errors.Is(err, ErrNotIssuer) {
		t.Fatalf("CRL against the DS: %v", err)
	}
}

// TestOpenSSLAcceptsOurs: chains and CRLs from our builder are accepted by
// OpenSSL. With explicit brainpool parameters, OpenSSL 3's chain verifier
// refuses every explicit-parameter key by policy (X509_V_ERR_EC_KEY_
// EXPLICIT_PARAMS), so there the signatures are checked with "openssl
// dgst" on the TBS bytes and the CRL with "openssl crl -CAfile"; the same
// chain with named parameters passes "openssl verify" outright, CRL
// checking included.
func TestOpenSSLAcceptsOurs(t *testing.T) {
	for _, tc := range []struct {
		name     string
		o        chainOptions
		explicit bool
	}{
		{"brainpoolP512r1 explicit", chainOptions{csca: "brainpoolP512r1", ds: "brainpoolP512r1", explicit: true}, true},
		{"brainpoolP512r1 named", chainOptions{csca: "brainpoolP512r1", ds: "brainpoolP256r1"}, false},
		{"P-256 and P-384", chainOptions{csca: "P-256", ds: "P-384"}, false},
		{"RSA-PSS", chainOptions{csca: "RSA", ds: "RSA2", cscaAlg: RSAPSSWithSHA256(), dsAlg: RSAPSSWithSHA512()}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := newOpenSSL(t)
			p := newPKI(t, tc.o)
			writePEM(t, o.path("csca.pem"), "CERTIFICATE", p.cscaDER)
			writePEM(t, o.path("ds.pem"), "CERTIFICATE", p.dsDER)
			now := time.Now()
			okCRL, err := CreateCRL(p.csca, p.cscaPriv, []RevokedEntry{{Serial: big.NewInt(12345), At: now}}, now.Add(-time.Minute), now.AddDate(0, 0, 30), big.NewInt(1))
			if err != nil {
				t.Fatal(err)
			}
			revCRL, err := CreateCRL(p.csca, p.cscaPriv, []RevokedEntry{{Serial: p.ds.SerialNumber, At: now.Add(-time.Minute)}}, now.Add(-time.Minute), now.AddDate(0, 0, 30), big.NewInt(2))
			if err != nil {
				t.Fatal(err)
			}
			writePEM(t, o.path("ok.crl"), "X509 CRL", okCRL)
			writePEM(t, o.path("rev.crl"), "X509 CRL", revCRL)

			// OpenSSL parses everything, strictly enough to print it.
			text := o.run("x509", "-in", "csca.pem", "-noout", "-text")
			if tc.explicit && !strings.Contains(text, "prime-field") {
				t.Fatalf("OpenSSL does not see explicit parameters:\n%s", text)
			}
			o.run("x509", "-in", "ds.pem", "-noout", "-text")
			for _, f := range []string{"ok.crl", "rev.crl"} {
				if out := o.run("crl", "-in", f, "-CAfile", "csca.pem", "-noout"); !strings.Contains(out, "verify OK") {
					t.Fatalf("openssl crl %s: %s", f, out)
				}
			}

			// The signatures, checked by OpenSSL on the exact TBS bytes.
			o.run("x509", "-in", "csca.pem", "-pubkey", "-noout", "-out", "csca.pub")
			for _, c := range []*Certificate{p.csca, p.ds} {
				o.write("tbs.der", c.RawTBSCertificate)
				o.write("sig.der", c.Signature)
				h, _ := HashFor(c.SignatureAlgorithm)
				args := []string{"dgst", "-" + strings.ToLower(strings.ReplaceAll(h.String(), "-", "")), "-verify", "csca.pub", "-signature", "sig.der"}
				if spec, _ := lookupSignature(c.SignatureAlgorithm); spec.kind == kindRSAPSS {
					args = append(args, "-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:"+itoa(spec.salt))
				}
				if out := o.run(append(args, "tbs.der")...); !strings.Contains(out, "Verified OK") {
					t.Fatalf("openssl dgst on %s: %s", c.Subject, out)
				}
			}

			out, err := o.try("verify", "-CAfile", "csca.pem", "ds.pem")
			if tc.explicit {
				if err != nil && !strings.Contains(out, "explicit ECC parameters") {
					t.Fatalf("openssl verify refused the explicit chain for another reason:\n%s", out)
				}
				t.Logf("openssl verify on the explicit chain (policy, not encoding): %s", strings.TrimSpace(out))
				return
			}
			if err != nil || !strings.Contains(out, "ds.pem: OK") {
				t.Fatalf("openssl verify: %v\n%s", err, out)
			}
			if out := o.run("verify", "-crl_check", "-CAfile", "csca.pem", "-CRLfile", "ok.crl", "ds.pem"); !strings.Contains(out, "ds.pem: OK") {
				t.Fatalf("openssl verify -crl_check: %s", out)
			}
			out, err = o.try("verify", "-crl_check", "-CAfile", "csca.pem", "-CRLfile", "rev.crl", "ds.pem")
			if err == nil || !strings.Contains(out, "revoked") {
				t.Fatalf("openssl verify accepted a revoked DS: %v\n%s", err, out)
			}
		})
	}
}

func itoa(n int) string { return big.NewInt(int64(n)).String() }
