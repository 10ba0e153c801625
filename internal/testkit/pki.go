// Package testkit makes synthetic chip ID cards for tests, demos and load
// runs: a CSCA → document signer → EF.SOD chain (P-256, RSA-2048, or
// brainpoolP512r1 with explicit parameters as Vietnam's CSCA uses), complete
// chip files (EF.COM, DG1, DG2, DG13, DG14, DG15, EF.SOD) for any citizen of
// the registry, and a software chip that answers active-authentication
// challenges. Nothing here is for production keys: the brainpool and RSA
// raw signing paths use math/big and are not constant-time.
package testkit

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"time"

	"github.com/vneid/vneid/internal/ec"
	"github.com/vneid/vneid/internal/x509lite"
)

// Profile names the algorithms of a synthetic PKI.
type Profile string

// Profiles.
const (
	// P256 signs with ECDSA on P-256 (named curve) and SHA-256.
	P256 Profile = "p256"
	// RSA2048 signs with RSA-2048, PKCS#1 v1.5 and SHA-256.
	RSA2048 Profile = "rsa2048"
	// BrainpoolP512 signs with ECDSA on brainpoolP512r1, keys encoded with
	// explicit curve parameters, and SHA-512: the shape of Vietnam's CSCA.
	BrainpoolP512 Profile = "brainpoolP512r1"
)

// Profiles lists every profile.
func Profiles() []Profile { return []Profile{P256, RSA2048, BrainpoolP512} }

// PKI is a synthetic country signing CA with one document signer.
type PKI struct {
	Profile Profile
	Country string
	CSCA    *x509lite.Certificate
	CSCAKey any
	DS      *x509lite.Certificate
	DSKey   any
}

// DSOptions shape a document signer certificate; tests use them to make
// bad ones.
type DSOptions struct {
	CommonName          string
	Country             string
	NotBefore, NotAfter time.Time
	KeyUsage            x509.KeyUsage // default digitalSignature
	// UnknownCritical adds a critical extension no verifier knows.
	UnknownCritical bool
}

func (p Profile) newKey() (any, error) {
	switch p {
	case P256:
		return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case RSA2048:
		return rsa.GenerateKey(rand.Reader, 2048)
	case BrainpoolP512:
		return ec.GenerateKey(ec.BrainpoolP512r1(), rand.Reader)
	}
	return nil, fmt.Errorf("testkit: unknown profile %q", p)
}

func (p Profile) signatureAlgorithm() x509lite.AlgorithmIdentifier {
	switch p {
	case RSA2048:
		return x509lite.SHA256WithRSA()
	case BrainpoolP512:
		return x509lite.ECDSAWithSHA512()
	}
	return x509lite.ECDSAWithSHA256()
}

// Digest is the hash the profile uses for EF.SOD.
func (p Profile) Digest() crypto.Hash {
	if p == BrainpoolP512 {
		return crypto.SHA512
	}
	return crypto.SHA256
}

func publicOf(priv any) (any, error) {
	switch k := priv.(type) {
	case *ecdsa.PrivateKey:
		return &k.PublicKey, nil
	case *rsa.PrivateKey:
		return &k.PublicKey, nil
	case *ec.PrivateKey:
		return &k.PublicKey, nil
	}
	return nil, fmt.Errorf("testkit: unsupported key %T", priv)
}

func serial() *big.Int {
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 63))
	return n.Add(n, big.NewInt(1))
}

// NewPKI makes a CSCA valid from a year before now for 15 years, and a
// document signer valid from a month before now for 10 years.
func NewPKI(p Profile, country string, now time.Time) (*PKI, error) {
	if country == "" {
		country = "VN"
	}
	cscaKey, err := p.newKey()
	if err != nil {
		return nil, err
	}
	cscaPub, err := publicOf(cscaKey)
	if err != nil {
		return nil, err
	}
	t := &x509lite.Template{SerialNumber: serial(),
		Subject:   x509lite.DistinguishedName{Country: country, Organization: "Bo Cong an", CommonName: "CSCA Test " + country + " " + string(p)},
		NotBefore: now.AddDate(-1, 0, 0), NotAfter: now.AddDate(14, 0, 0), IsCA: true, MaxPathLen: 0,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign, ExplicitParameters: p == BrainpoolP512,
		SignatureAlgorithm: p.signatureAlgorithm()}
	der, err := x509lite.CreateCertificate(t, cscaPub, nil, cscaKey)
	if err != nil {
		return nil, fmt.Errorf("testkit: csca: %w", err)
	}
	csca, err := x509lite.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("testkit: csca: %w", err)
	}
	pki := &PKI{Profile: p, Country: country, CSCA: csca, CSCAKey: cscaKey}
	pki.DS, pki.DSKey, err = pki.NewDS(DSOptions{NotBefore: now.AddDate(0, -1, 0), NotAfter: now.AddDate(10, 0, 0)})
	if err != nil {
		return nil, err
	}
	return pki, nil
}

// NewDS issues another document signer under the CSCA.
func (p *PKI) NewDS(o DSOptions) (*x509lite.Certificate, any, error) {
	key, err := p.Profile.newKey()
	if err != nil {
		return nil, nil, err
	}
	pub, err := publicOf(key)
	if err != nil {
		return nil, nil, err
	}
	if o.CommonName == "" {
		o.CommonName = "Document Signer Test " + string(p.Profile)
	}
	if o.Country == "" {
		o.Country = p.Country
	}
	if o.KeyUsage == 0 {
		o.KeyUsage = x509.KeyUsageDigitalSignature
	}
	t := &x509lite.Template{SerialNumber: serial(),
		Subject:   x509lite.DistinguishedName{Country: o.Country, Organization: "Bo Cong an", CommonName: o.CommonName},
		NotBefore: o.NotBefore, NotAfter: o.NotAfter, MaxPathLen: -1, KeyUsage: o.KeyUsage,
		ExplicitParameters: p.Profile == BrainpoolP512, SignatureAlgorithm: p.Profile.signatureAlgorithm()}
	if o.UnknownCritical {
		t.ExtraExtensions = []x509lite.Extension{{ID: []int{1, 3, 6, 1, 4, 1, 99999, 1}, Critical: true, Value: []byte{0x05, 0x00}}}
	}
	der, err := x509lite.CreateCertificate(t, pub, p.CSCA, p.CSCAKey)
	if err != nil {
		return nil, nil, fmt.Errorf("testkit: document signer: %w", err)
	}
	ds, err := x509lite.ParseCertificate(der)
	if err != nil {
		return nil, nil, fmt.Errorf("testkit: document signer: %w", err)
	}
	return ds, key, nil
}

// CRL returns a CRL of the CSCA revoking the given certificates.
func (p *PKI) CRL(now time.Time, revoked ...*x509lite.Certificate) ([]byte, error) {
	var entries []x509lite.RevokedEntry
	for _, c := range revoked {
		entries = append(entries, x509lite.RevokedEntry{Serial: c.SerialNumber, At: now})
	}
	der, err := x509lite.CreateCRL(p.CSCA, p.CSCAKey, entries, now, now.AddDate(0, 3, 0), big.NewInt(now.Unix()))
	if err != nil {
		return nil, fmt.Errorf("testkit: crl: %w", err)
	}
	return der, nil
}

// keyJSON stores a private key of any supported type.
type keyJSON struct {
	Type  string `json:"type"`            // "ec", "rsa"
	Curve string `json:"curve,omitempty"` // ec.Curve name
	D     []byte `json:"d,omitempty"`
	PKCS1 []byte `json:"pkcs1,omitempty"`
}

func marshalKey(k any) (keyJSON, error) {
	switch k := k.(type) {
	case *rsa.PrivateKey:
		return keyJSON{Type: "rsa", PKCS1: x509.MarshalPKCS1PrivateKey(k)}, nil
	case *ecdsa.PrivateKey:
		b, err := k.Bytes()
		if err != nil {
			return keyJSON{}, fmt.Errorf("testkit: key: %w", err)
		}
		return keyJSON{Type: "ecdsa", Curve: k.Curve.Params().Name, D: b}, nil
	case *ec.PrivateKey:
		return keyJSON{Type: "ec", Curve: k.Curve.Name, D: k.D.Bytes()}, nil
	}
	return keyJSON{}, fmt.Errorf("testkit: unsupported key %T", k)
}

func unmarshalKey(j keyJSON) (any, error) {
	switch j.Type {
	case "rsa":
		return x509.ParsePKCS1PrivateKey(j.PKCS1)
	case "ecdsa":
		var c elliptic.Curve
		switch j.Curve {
		case "P-256":
			c = elliptic.P256()
		case "P-384":
			c = elliptic.P384()
		case "P-521":
			c = elliptic.P521()
		default:
			return nil, fmt.Errorf("testkit: curve %q", j.Curve)
		}
		return ecdsa.ParseRawPrivateKey(c, j.D)
	case "ec":
		for _, c := range []*ec.Curve{ec.BrainpoolP256r1(), ec.BrainpoolP384r1(), ec.BrainpoolP512r1()} {
			if c.Name == j.Curve {
				return ec.NewPrivateKey(c, new(big.Int).SetBytes(j.D))
			}
		}
		return nil, fmt.Errorf("testkit: curve %q", j.Curve)
	}
	return nil, fmt.Errorf("testkit: key type %q", j.Type)
}

type pkiJSON struct {
	Profile Profile `json:"profile"`
	Country string  `json:"country"`
	CSCA    []byte  `json:"csca"`
	CSCAKey keyJSON `json:"csca_key"`
	DS      []byte  `json:"ds"`
	DSKey   keyJSON `json:"ds_key"`
}

// Save writes the PKI to dir: pki.json (with private keys: test use only)
// and csca.pem, the certificate to put in a trust list.
func (p *PKI) Save(dir string) error {
	ck, err := marshalKey(p.CSCAKey)
	if err != nil {
		return err
	}
	dk, err := marshalKey(p.DSKey)
	if err != nil {
		return err
	}
	b, err := json.MarshalIndent(pkiJSON{Profile: p.Profile, Country: p.Country, CSCA: p.CSCA.Raw, CSCAKey: ck, DS: p.DS.Raw, DSKey: dk}, "", "  ")
	if err != nil {
		return fmt.Errorf("testkit: save pki: %w", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("testkit: save pki: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "pki.json"), b, 0o600); err != nil {
		return fmt.Errorf("testkit: save pki: %w", err)
	}
	return os.WriteFile(filepath.Join(dir, "csca.pem"), pemBlock("CERTIFICATE", p.CSCA.Raw), 0o644)
}

// LoadPKI reads a PKI written by Save.
func LoadPKI(dir string) (*PKI, error) {
	b, err := os.ReadFile(filepath.Join(dir, "pki.json"))
	if err != nil {
		return nil, fmt.Errorf("testkit: load pki: %w", err)
	}
	var j pkiJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return nil, fmt.Errorf("testkit: load pki: %w", err)
	}
	p := &PKI{Profile: j.Profile, Country: j.Country}
	if p.CSCA, err = x509lite.ParseCertificate(j.CSCA); err != nil {
		return nil, fmt.Errorf("testkit: load pki: %w", err)
	}
	if p.DS, err = x509lite.ParseCertificate(j.DS); err != nil {
		return nil, fmt.Errorf("testkit: load pki: %w", err)
	}
	if p.CSCAKey, err = unmarshalKey(j.CSCAKey); err != nil {
		return nil, err
	}
	if p.DSKey, err = unmarshalKey(j.DSKey); err != nil {
		return nil, err
	}
	if p.CSCA == nil || p.DS == nil {
		return nil, errors.New("testkit: load pki: incomplete")
	}
	return p, nil
}
