package trustlist_test

import (
	"context"
	"encoding/base64"
	"testing"
	"time"

	"github.com/vneid/vneid/internal/chipauth"
	"github.com/vneid/vneid/internal/cms"
	"github.com/vneid/vneid/internal/failure"
	"github.com/vneid/vneid/internal/store"
	"github.com/vneid/vneid/internal/store/storetest"
	"github.com/vneid/vneid/internal/testkit"
	"github.com/vneid/vneid/internal/trustlist"
	"github.com/vneid/vneid/internal/x509lite"
)

func code(err error) string {
	if f := failure.As(err); f != nil {
		return f.Code
	}
	if err == nil {
		return ""
	}
	return err.Error()
}

func TestTrustList(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			st := b.Open(t)
			changes := 0
			m := &trustlist.Manager{Store: st, Changed: func() { changes++ }}
			now := time.Now()
			vn, _ := testkit.NewPKI(testkit.BrainpoolP512, "VN", now)
			de, _ := testkit.NewPKI(testkit.P256, "DE", now)
			fr, _ := testkit.NewPKI(testkit.RSA2048, "FR", now)

			r, err := m.AddCertificate(ctx, "test", "file:vn.pem", pem(vn.CSCA.Raw))
			if err != nil || r.Added != 1 || r.Entries[0].Country != "VN" || r.Entries[0].Kind != store.TrustCSCA {
				t.Fatalf("add = %+v, %v", r, err)
			}
			if r, err := m.AddCertificate(ctx, "test", "file:vn.der", vn.CSCA.Raw); err != nil || r.Known != 1 || r.Added != 0 {
				t.Errorf("add again = %+v, %v", r, err)
			}
			if _, err := m.AddCertificate(ctx, "test", "x", vn.DS.Raw); code(err) != "trust_invalid" {
				t.Errorf("a DS as CSCA: %v", err)
			}
			if _, err := m.AddCertificate(ctx, "test", "x", []byte("garbage")); code(err) != "trust_invalid" {
				t.Errorf("garbage: %v", err)
			}
			crlDE, _ := de.CRL(now)
			if _, err := m.AddCRL(ctx, "test", "x", crlDE); code(err) != "trust_invalid" {
				t.Errorf("CRL of an untrusted CSCA: %v", err)
			}
			crlVN, _ := vn.CRL(now, vn.DS)
			if r, err := m.AddCRL(ctx, "test", "file:vn.crl", crlVN); err != nil || r.Added != 1 {
				t.Fatalf("CRL = %+v, %v", r, err)
			}
			// A master list signed by a third party brings DE and FR.
			ml, err := chipauth.BuildMasterList([][]byte{de.CSCA.Raw, fr.CSCA.Raw, vn.CSCA.Raw}, cms.SignOptions{Signer: de.DS,
				Key: de.DSKey, Digest: de.Profile.Digest(), SignatureAlgorithm: x509lite.ECDSAWithSHA256()})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := m.ImportMasterList(ctx, "test", "x", ml, nil); code(err) != "trust_signer_untrusted" {
				t.Errorf("master list from an unknown signer: %v", err)
			}
			if _, err := m.ImportMasterList(ctx, "test", "x", ml, fr.CSCA.Raw); code(err) != "trust_signer_untrusted" {
				t.Errorf("master list with the wrong signer CA: %v", err)
			}
			r, err = m.ImportMasterList(ctx, "test", "masterlist:de.ml", ml, de.CSCA.Raw)
			if err != nil || r.Added != 2 || r.Known != 1 {
				t.Fatalf("master list = %+v, %v", r, err)
			}
			ml[len(ml)-5] ^= 1
			if _, err := m.ImportMasterList(ctx, "test", "x", ml, de.CSCA.Raw); code(err) != "trust_invalid" {
				t.Errorf("altered master list: %v", err)
			}
			l, _ := m.List(ctx)
			if len(l) != 4 {
				t.Fatalf("list has %d entries", len(l))
			}
			// The VN CSCA cannot go while its CRL needs it; the CRL can.
			vnID := chipauth.Fingerprint(vn.CSCA.Raw)
			if err := m.Remove(ctx, "test", vnID); code(err) != "trust_invalid" {
				t.Errorf("removing a CSCA its CRL needs: %v", err)
			}
			if err := m.Remove(ctx, "test", chipauth.Fingerprint(crlVN)); err != nil {
				t.Fatal(err)
			}
			if err := m.Remove(ctx, "test", vnID); err != nil {
				t.Fatal(err)
			}
			if err := m.Remove(ctx, "test", vnID); code(err) != "trust_not_found" {
				t.Errorf("second remove: %v", err)
			}
			if changes != 5 {
				t.Errorf("%d change notices, want 5", changes)
			}
		})
	}
}

func pem(der []byte) []byte {
	return []byte("-----BEGIN CERTIFICATE-----\n" + b64(der) + "\n-----END CERTIFICATE-----\n")
}

func b64(b []byte) string {
	const line = 64
	s := base64.StdEncoding.EncodeToString(b)
	var out string
	for len(s) > line {
		out += s[:line] + "\n"
		s = s[line:]
	}
	return out + s
}
