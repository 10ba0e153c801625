package chipauth

import (
	"bytes"
	"crypto/x509"
	"errors"

	"sort"
	"time"

	"github.com/vneid/vneid/internal/cms"
	"github.com/vneid/vneid/internal/icao"
	"github.com/vneid/vneid/internal/identity"
	"github.com/vneid/vneid/internal/x509lite"
)

// Verifier runs passive and active authentication against a trust list.
type Verifier struct {
	Trust *TrustList
	// Required are the data groups that must be present and covered by
	// the SOD (default 1, 2 and 13, as the level-1 dossier needs).
	Required []int
}

// Chip is what the phone read: the data groups by number and EF.SOD.
type Chip struct {
	Groups map[int][]byte
	SOD    []byte
}

// Result is a chip that passed passive authentication, with its parsed
// data groups.
type Result struct {
	SOD  *SOD
	DS   *x509lite.Certificate
	CSCA *x509lite.Certificate
	// SignedAt is the SOD's signing time, or the verification time when
	// the SOD carries none.
	SignedAt time.Time
	// SignatureAlgorithm names the SOD's signature algorithm for reviewers.
	SignatureAlgorithm string
	DG1                icao.TD1
	DG2                icao.DG2
	DG13               icao.DG13
	DG14               *icao.DG14 // nil when absent
	DG15               *icao.DG15 // nil when absent
	// Groups lists the data groups verified, in order.
	Groups []int
}

// Passive verifies a chip's EF.SOD and data groups at time at (Doc 9303
// Part 11 §5.1 and formats.md): the SOD's structure and signed attributes,
// the document signer's signature, validity, key usage, extensions and
// country, its chain to a trusted CSCA and revocation, then every data
// group's hash. A refusal is a *Failure with a distinct Reason.
func (v *Verifier) Passive(chip Chip, at time.Time) (*Result, error) {
	sod, err := ParseSOD(chip.SOD)
	if err != nil {
		return nil, err
	}
	sd := sod.SignedData
	if len(sd.Signers) != 1 {
		return nil, fail(ReasonSODMalformed, "%d signers, want 1", len(sd.Signers))
	}
	si := &sd.Signers[0]
	if si.SignedAttrs == nil {
		return nil, fail(ReasonSODAttributes, "no signed attributes")
	}
	ds, err := sd.SignerCertificate(si)
	if err != nil {
		return nil, fail(ReasonDSMissing, "%v", err)
	}
	if err := sd.VerifySigner(si, ds); err != nil {
		return nil, signerFailure(err)
	}
	res := &Result{SOD: sod, DS: ds, SignedAt: at, SignatureAlgorithm: si.SignatureAlgorithm.String()}
	if !si.SigningTime.IsZero() {
		res.SignedAt = si.SigningTime
	}

	// The document signer certificate.
	if res.SignedAt.Before(ds.NotBefore) || res.SignedAt.After(ds.NotAfter) {
		return nil, fail(ReasonDSNotValid, "signed at %s, certificate valid %s to %s", res.SignedAt.Format(time.RFC3339),
			ds.NotBefore.Format(time.RFC3339), ds.NotAfter.Format(time.RFC3339))
	}
	if ds.HasKeyUsage && ds.KeyUsage&x509.KeyUsageDigitalSignature == 0 {
		return nil, fail(ReasonDSKeyUsage, "key usage %b lacks digitalSignature", ds.KeyUsage)
	}
	if !ds.HasKeyUsage {
		return nil, fail(ReasonDSKeyUsage, "no key usage extension")
	}
	if len(ds.UnhandledCritical) > 0 {
		return nil, fail(ReasonDSCriticalExt, "%v", ds.UnhandledCritical)
	}

	// The chain to a trusted CSCA, valid when it issued the DS.
	if v.Trust == nil {
		return nil, fail(ReasonDSUntrusted, "no trust list")
	}
	issuers := v.Trust.issuers(ds)
	var csca *x509lite.Certificate
	for _, c := range issuers {
		if !ds.NotBefore.Before(c.NotBefore) && !ds.NotBefore.After(c.NotAfter) {
			csca = c
			break
		}
	}
	if csca == nil {
		if len(issuers) > 0 {
			return nil, fail(ReasonDSUntrusted, "the CSCA that signed the DS was not valid when it did")
		}
		return nil, fail(ReasonDSUntrusted, "no trusted CSCA signed the DS (issuer C=%s, CN=%s)", ds.Issuer.Country, ds.Issuer.CommonName)
	}
	res.CSCA = csca
	if !sameCountry(ds.Subject.Country, csca.Subject.Country) {
		return nil, fail(ReasonDSCountry, "DS country %q, CSCA country %q", ds.Subject.Country, csca.Subject.Country)
	}
	if v.Trust.revoked(ds) {
		return nil, fail(ReasonDSRevoked, "serial %s", ds.SerialNumber.Text(16))
	}

	// The data groups: required ones present and covered; every one sent
	// covered and unaltered.
	required := v.Required
	if required == nil {
		required = []int{1, 2, 13}
	}
	for _, n := range required {
		if _, ok := chip.Groups[n]; !ok {
			return nil, fail(ReasonDGMissing, "DG%d was not sent", n)
		}
	}
	for n := range chip.Groups {
		res.Groups = append(res.Groups, n)
	}
	sort.Ints(res.Groups)
	for _, n := range res.Groups {
		want, ok := sod.Hashes[n]
		if !ok {
			return nil, fail(ReasonDGNotInSOD, "DG%d is not covered by EF.SOD", n)
		}
		h := sod.Hash.New()
		h.Write(chip.Groups[n])
		if !bytes.Equal(h.Sum(nil), want) {
			return nil, fail(ReasonDGHash, "DG%d does not match its hash in EF.SOD", n)
		}
	}

	// Parse what was verified.
	today := identity.DateOf(at.In(ict))
	if res.DG1, err = icao.ParseDG1(chip.Groups[1], today); err != nil {
		return nil, fail(ReasonDGMalformed, "DG1: %v", err)
	}
	if !sameCountry(ds.Subject.Country, res.DG1.IssuingState) {
		return nil, fail(ReasonDSCountry, "DS country %q, DG1 issuing state %q", ds.Subject.Country, res.DG1.IssuingState)
	}
	if b, ok := chip.Groups[2]; ok {
		if res.DG2, err = icao.ParseDG2(b); err != nil {
			return nil, fail(ReasonDGMalformed, "DG2: %v", err)
		}
	}
	if b, ok := chip.Groups[13]; ok {
		if res.DG13, err = icao.ParseDG13(b); err != nil {
			return nil, fail(ReasonDGMalformed, "DG13: %v", err)
		}
	}
	if b, ok := chip.Groups[14]; ok {
		d, err := icao.ParseDG14(b)
		if err != nil {
			return nil, fail(ReasonDGMalformed, "DG14: %v", err)
		}
		res.DG14 = &d
	}
	if b, ok := chip.Groups[15]; ok {
		d, err := icao.ParseDG15(b)
		if err != nil {
			return nil, fail(ReasonDGMalformed, "DG15: %v", err)
		}
		res.DG15 = &d
	}
	return res, nil
}

var ict = time.FixedZone("ICT", 7*3600)

func signerFailure(err error) error {
	switch {
	case errors.Is(err, cms.ErrContentTypeAttr):
		return fail(ReasonSODAttributes, "%v", err)
	case errors.Is(err, cms.ErrDigest):
		return fail(ReasonSODDigest, "%v", err)
	default:
		return fail(ReasonSODSignature, "%v", err)
	}
}

// alpha2 maps the ISO 3166-1 alpha-3 codes (and Doc 9303's "D" for
// Germany) that appear in MRZs to the alpha-2 codes certificates use; other
// values are returned as they are.
func alpha2(s string) string {
	switch s {
	case "VNM":
		return "VN"
	case "D", "DEU":
		return "DE"
	case "UTO": // Doc 9303's specimen state
		return "UT"
	case "NLD", "FRA", "GBR", "USA", "JPN", "KOR", "CHN", "THA", "LAO", "KHM", "SGP", "MYS", "IDN", "PHL", "AUS",
		"CAN", "ITA", "ESP", "BEL", "CHE", "AUT", "SWE", "NOR", "FIN", "DNK", "POL", "CZE", "RUS", "IND":
		return map[string]string{"NLD": "NL", "FRA": "FR", "GBR": "GB", "USA": "US", "JPN": "JP", "KOR": "KR",
			"CHN": "CN", "THA": "TH", "LAO": "LA", "KHM": "KH", "SGP": "SG", "MYS": "MY", "IDN": "ID", "PHL": "PH",
			"AUS": "AU", "CAN": "CA", "ITA": "IT", "ESP": "ES", "BEL": "BE", "CHE": "CH", "AUT": "AT", "SWE": "SE",
			"NOR": "NO", "FIN": "FI", "DNK": "DK", "POL": "PL", "CZE": "CZ", "RUS": "RU", "IND": "IN"}[s]
	}
	return s
}

// sameCountry compares country codes given as alpha-2 or alpha-3.
func sameCountry(a, b string) bool {
	return a != "" && alpha2(a) == alpha2(b)
}
