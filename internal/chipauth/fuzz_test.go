package chipauth_test

import (
	"testing"
	"time"

	"github.com/vneid/vneid/internal/chipauth"
	"github.com/vneid/vneid/internal/cms"
	"github.com/vneid/vneid/internal/testkit"
)

func seedChip(f *testing.F) (*testkit.PKI, *testkit.Chip) {
	p, err := testkit.NewPKI(testkit.P256, "VN", now)
	if err != nil {
		f.Fatal(err)
	}
	c, card := citizen()
	chip, err := p.IssueChip(c, card, testkit.ChipOptions{SigningTime: now})
	if err != nil {
		f.Fatal(err)
	}
	return p, chip
}

// FuzzParseSOD: EF.SOD from a phone never panics the parser.
func FuzzParseSOD(f *testing.F) {
	_, chip := seedChip(f)
	f.Add(chip.SOD)
	f.Add([]byte{0x77, 0x00})
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = chipauth.ParseSOD(b)
	})
}

// FuzzParseSignedData: CMS from outside never panics the parser, and what
// parses can be asked for its signer.
func FuzzParseSignedData(f *testing.F) {
	p, chip := seedChip(f)
	f.Add(chip.SOD[4:])
	ml, _ := chipauth.BuildMasterList([][]byte{p.CSCA.Raw}, signerOptions(p))
	f.Add(ml)
	f.Fuzz(func(t *testing.T, b []byte) {
		sd, err := cms.ParseSignedData(b)
		if err != nil {
			return
		}
		for i := range sd.Signers {
			if c, err := sd.SignerCertificate(&sd.Signers[i]); err == nil {
				_ = sd.VerifySigner(&sd.Signers[i], c)
			}
		}
	})
}

// FuzzPassive: a chip whose files are all mutated never panics passive or
// active authentication.
func FuzzPassive(f *testing.F) {
	p, chip := seedChip(f)
	tl, err := chipauth.NewTrustList([][]byte{p.CSCA.Raw}, nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(chip.SOD, chip.Groups[1], chip.Groups[13], chip.Groups[15], []byte("answer"))
	f.Fuzz(func(t *testing.T, sod, dg1, dg13, dg15, answer []byte) {
		in := chip.Input()
		in.SOD, in.Groups[1], in.Groups[13], in.Groups[15] = sod, dg1, dg13, dg15
		res, err := (&chipauth.Verifier{Trust: tl}).Passive(in, time.Now())
		if err == nil {
			_ = chipauth.Active(res, []byte("12345678"), answer)
		}
	})
}

// FuzzParseMasterList: master lists from outside never panic the parser.
func FuzzParseMasterList(f *testing.F) {
	p, _ := seedChip(f)
	ml, _ := chipauth.BuildMasterList([][]byte{p.CSCA.Raw}, signerOptions(p))
	f.Add(ml)
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = chipauth.ParseMasterList(b)
	})
}
