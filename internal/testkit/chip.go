package testkit

import (
	"cmp"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/asn1"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/vneid/vneid/internal/chipauth"
	"github.com/vneid/vneid/internal/cms"
	"github.com/vneid/vneid/internal/ec"
	"github.com/vneid/vneid/internal/icao"
	"github.com/vneid/vneid/internal/identity"
	"github.com/vneid/vneid/internal/registry"
	"github.com/vneid/vneid/internal/x509lite"
)

// AAKind is the chip's active-authentication key.
type AAKind string

// Active-authentication keys.
const (
	AAECP256  AAKind = "ec-p256"  // ECDSA P-256, SHA-256, plain r||s answers
	AARSA1024 AAKind = "rsa-1024" // RSA-1024, ISO/IEC 9796-2 scheme 1 with SHA-1
)

// ChipOptions shape a chip.
type ChipOptions struct {
	AA AAKind // default AAECP256
	// Portrait is the DG2 face image (JPEG); default SyntheticPortrait.
	Portrait []byte
	// SigningTime, if set, goes into EF.SOD's signed attributes.
	SigningTime time.Time
	// DS and DSKey sign EF.SOD instead of the PKI's document signer.
	DS    *x509lite.Certificate
	DSKey any
}

// Chip is a software chip: its files and its active-authentication key.
type Chip struct {
	Groups map[int][]byte
	COM    []byte
	SOD    []byte
	aaKey  any
}

// oidECDSAWithSHA256 names the AA signature algorithm in DG14.
func oidECDSAWithSHA256() asn1.ObjectIdentifier {
	return asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}
}

// IssueChip writes the chip of citizen c's card, signed by the PKI.
func (p *PKI) IssueChip(c registry.Citizen, card registry.IDCard, o ChipOptions) (*Chip, error) {
	if o.AA == "" {
		o.AA = AAECP256
	}
	if o.Portrait == nil {
		var err error
		if o.Portrait, err = SyntheticPortrait(c.ID); err != nil {
			return nil, err
		}
	}
	chip := &Chip{Groups: map[int][]byte{}}
	surname, given := splitName(c.FullName)
	sex := "M"
	if c.Gender == identity.Female {
		sex = "F"
	}
	expiry := card.ExpiryDate
	if expiry.IsZero() {
		expiry = c.DateOfBirth.AddYears(100)
	}
	mrz, err := icao.EncodeTD1(icao.TD1{PersonalID: c.ID, DateOfBirth: c.DateOfBirth, Sex: sex, DateOfExpiry: expiry,
		PrimaryName: surname, SecondaryName: given})
	if err != nil {
		return nil, fmt.Errorf("testkit: dg1: %w", err)
	}
	chip.Groups[1] = icao.BuildDG1(mrz)
	img, w, h, err := jpegSize(o.Portrait)
	if err != nil {
		return nil, err
	}
	if chip.Groups[2], err = icao.BuildDG2(img, "jpeg", w, h); err != nil {
		return nil, fmt.Errorf("testkit: dg2: %w", err)
	}
	d13 := icao.DG13{Version: 1, IDNumber: c.ID, FullName: c.FullName, DateOfBirthRaw: c.DateOfBirth.DMY(),
		Sex: genderVI(c.Gender), Nationality: cmp.Or(c.Nationality, "Việt Nam"), Ethnicity: c.Ethnicity, Religion: c.Religion,
		PlaceOfOrigin: c.PlaceOfOrigin, PermanentResidence: c.PermanentAddress.String(),
		IdentifyingMarks: "Nốt ruồi C:1cm trên trước đầu lông mày phải", IssueDateRaw: card.IssueDate.DMY(),
		OldIDNumber: c.OldIDNumber}
	if card.ExpiryDate.IsZero() {
		d13.ExpiryDateRaw = "Không thời hạn"
	} else {
		d13.ExpiryDateRaw = card.ExpiryDate.DMY()
	}
	if chip.Groups[13], err = icao.BuildDG13(d13); err != nil {
		return nil, fmt.Errorf("testkit: dg13: %w", err)
	}
	var spki []byte
	switch o.AA {
	case AAECP256:
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return nil, err
		}
		chip.aaKey = k
		if spki, err = x509lite.MarshalPublicKey(&k.PublicKey, false); err != nil {
			return nil, fmt.Errorf("testkit: dg15: %w", err)
		}
		if chip.Groups[14], err = icao.BuildDG14(oidECDSAWithSHA256()); err != nil {
			return nil, fmt.Errorf("testkit: dg14: %w", err)
		}
	case AARSA1024:
		k, err := rsa.GenerateKey(rand.Reader, 1024)
		if err != nil {
			return nil, err
		}
		chip.aaKey = k
		if spki, err = x509lite.MarshalPublicKey(&k.PublicKey, false); err != nil {
			return nil, fmt.Errorf("testkit: dg15: %w", err)
		}
	default:
		return nil, fmt.Errorf("testkit: unknown AA key %q", o.AA)
	}
	chip.Groups[15] = icao.BuildDG15(spki)
	if err := chip.Sign(p, o); err != nil {
		return nil, err
	}
	return chip, nil
}

// Sign (re)writes EF.COM and EF.SOD over the chip's current data groups,
// with the PKI's document signer unless o names another.
func (c *Chip) Sign(p *PKI, o ChipOptions) error {
	groups := make([]int, 0, len(c.Groups))
	for n := range c.Groups {
		groups = append(groups, n)
	}
	sort.Ints(groups)
	c.COM = icao.BuildCOM("0107", "040000", groups)
	lds, err := chipauth.BuildLDSSecurityObject(p.Profile.Digest(), c.Groups)
	if err != nil {
		return err
	}
	ds, key := p.DS, p.DSKey
	if o.DS != nil {
		ds, key = o.DS, o.DSKey
	}
	sd, err := cms.Sign(cms.SignOptions{ContentType: chipauth.OIDLDSSecurityObject, Content: lds, Signer: ds, Key: key,
		Digest: p.Profile.Digest(), SignatureAlgorithm: p.Profile.signatureAlgorithm(), SigningTime: o.SigningTime})
	if err != nil {
		return fmt.Errorf("testkit: sod: %w", err)
	}
	if c.SOD, err = chipauth.WrapSOD(sd); err != nil {
		return err
	}
	return nil
}

// AnswerChallenge signs an active-authentication challenge as the chip
// would.
func (c *Chip) AnswerChallenge(challenge []byte) ([]byte, error) {
	switch k := c.aaKey.(type) {
	case *ecdsa.PrivateKey:
		d := crypto.SHA256.New()
		d.Write(challenge)
		der, err := ecdsa.SignASN1(rand.Reader, k, d.Sum(nil))
		if err != nil {
			return nil, err
		}
		r, s, err := ec.ParseDER(der)
		if err != nil {
			return nil, err
		}
		return ec.MarshalPlain(r, s, (k.Curve.Params().N.BitLen()+7)/8)
	case *rsa.PrivateKey:
		m1 := make([]byte, k.Size()-2-crypto.SHA1.Size())
		if _, err := rand.Read(m1); err != nil {
			return nil, err
		}
		return chipauth.SignISO9796(k, m1, challenge)
	}
	return nil, errors.New("testkit: the chip has no active-authentication key")
}

// Files returns the chip's files by the names the app API uses.
func (c *Chip) Files() map[string][]byte {
	out := map[string][]byte{"com": c.COM, "sod": c.SOD}
	for n, b := range c.Groups {
		out[fmt.Sprintf("dg%d", n)] = b
	}
	return out
}

// Input is the chip as chipauth.Verifier takes it.
func (c *Chip) Input() chipauth.Chip {
	groups := map[int][]byte{}
	for n, b := range c.Groups {
		groups[n] = b
	}
	return chipauth.Chip{Groups: groups, SOD: c.SOD}
}

// Save writes the chip to dir: one file per EF (com.bin, dg1.bin, …,
// sod.bin) and aa-key.json, the software chip's private key.
func (c *Chip) Save(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("testkit: save chip: %w", err)
	}
	for name, b := range c.Files() {
		if err := os.WriteFile(filepath.Join(dir, name+".bin"), b, 0o600); err != nil {
			return fmt.Errorf("testkit: save chip: %w", err)
		}
	}
	k, err := marshalKey(c.aaKey)
	if err != nil {
		return err
	}
	b, err := json.Marshal(k)
	if err != nil {
		return fmt.Errorf("testkit: save chip: %w", err)
	}
	return os.WriteFile(filepath.Join(dir, "aa-key.json"), b, 0o600)
}

// LoadChip reads a chip written by Save.
func LoadChip(dir string) (*Chip, error) {
	c := &Chip{Groups: map[int][]byte{}}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("testkit: load chip: %w", err)
	}
	for _, e := range entries {
		name := e.Name()
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return nil, fmt.Errorf("testkit: load chip: %w", err)
		}
		var n int
		switch {
		case name == "com.bin":
			c.COM = b
		case name == "sod.bin":
			c.SOD = b
		case name == "aa-key.json":
			var k keyJSON
			if err := json.Unmarshal(b, &k); err != nil {
				return nil, fmt.Errorf("testkit: load chip: %w", err)
			}
			if c.aaKey, err = unmarshalKey(k); err != nil {
				return nil, err
			}
		default:
			if _, err := fmt.Sscanf(name, "dg%d.bin", &n); err == nil {
				c.Groups[n] = b
			}
		}
	}
	if c.SOD == nil || len(c.Groups) == 0 {
		return nil, fmt.Errorf("testkit: load chip: %s has no chip files", dir)
	}
	return c, nil
}

func pemBlock(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

func genderVI(g identity.Gender) string {
	if g == identity.Female {
		return "Nữ"
	}
	return "Nam"
}

// splitName splits a Vietnamese full name into surname and given names,
// as the MRZ writes them.
func splitName(full string) (string, string) {
	for i, r := range full {
		if r == ' ' {
			return full[:i], full[i+1:]
		}
	}
	return full, ""
}
