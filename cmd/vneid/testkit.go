package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/vneid/vneid/internal/cccd"
	"github.com/vneid/vneid/internal/identity"
	"github.com/vneid/vneid/internal/testkit"
	"github.com/vneid/vneid/internal/workday"
)

func ict() *time.Location { return workday.Zone() }

// cmdTestkit makes synthetic PKIs and chips for tests and demos.
func cmdTestkit(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "chip" && args[0] != "pki" && args[0] != "fingers") {
		fmt.Fprintln(stderr, "usage: vneid testkit chip|pki|fingers [flags]")
		return flag.ErrHelp
	}
	if args[0] == "fingers" {
		return testkitFingers(args[1:], stdout, stderr)
	}
	if args[0] == "pki" {
		var out, profile, country string
		fs := flag.NewFlagSet("vneid testkit pki", flag.ContinueOnError)
		fs.SetOutput(stderr)
		fs.StringVar(&out, "out", "", "directory to write pki.json and csca.pem to")
		fs.StringVar(&profile, "profile", string(testkit.BrainpoolP512), "p256, rsa2048 or brainpoolP512r1")
		fs.StringVar(&country, "country", "VN", "country code")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		if out == "" {
			return fmt.Errorf("-out is required")
		}
		p, err := testkit.NewPKI(testkit.Profile(profile), country, time.Now())
		if err != nil {
			return err
		}
		if err := p.Save(out); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "PKI %s written to %s (trust %s)\n", profile, out, filepath.Join(out, "csca.pem"))
		return nil
	}
	var id, out, pkiDir, portrait, aa string
	cfg, _, err := loadConfig("testkit chip", args[1:], stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&id, "id", "", "personal ID number of a citizen in the registry")
		fs.StringVar(&out, "out", "", "directory to write the chip files to")
		fs.StringVar(&pkiDir, "pki", "", "PKI directory (default DATA_DIR/demo-pki, made by the demo server)")
		fs.StringVar(&portrait, "portrait", "", "JPEG for DG2 (default: a synthetic drawing no face engine recognises)")
		fs.StringVar(&aa, "aa", string(testkit.AAECP256), "active-authentication key: ec-p256 or rsa-1024")
	})
	if err != nil {
		return err
	}
	if id == "" || out == "" {
		return fmt.Errorf("-id and -out are required")
	}
	if pkiDir == "" {
		pkiDir = filepath.Join(cfg.DataDir, "demo-pki")
	}
	pki, err := testkit.LoadPKI(pkiDir)
	if err != nil {
		return fmt.Errorf("%w (start the demo server once, or make one with `vneid testkit pki`)", err)
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	cit, err := st.Citizen(ctx, id)
	if err != nil {
		return err
	}
	if err := auditCLI(ctx, st, "registry.citizen.read", id, map[string]any{"purpose": "testkit_chip"}); err != nil {
		return err
	}
	card, ok := cit.CurrentCard(identity.DateOf(time.Now().In(ict())))
	if !ok || !card.Chip {
		return fmt.Errorf("citizen %s has no valid chip card", id)
	}
	o := testkit.ChipOptions{AA: testkit.AAKind(aa)}
	if portrait != "" {
		if o.Portrait, err = os.ReadFile(portrait); err != nil {
			return err
		}
	}
	chip, err := pki.IssueChip(cit, card, o)
	if err != nil {
		return err
	}
	if err := chip.Save(out); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(out, "qr.txt"), []byte(cccd.FromCard(cit, card).String()+"\n"), 0o600); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "chip of %s written to %s (DG1, DG2, DG13, DG14, DG15, SOD, the card's QR and the AA key)\n", id, out)
	return nil
}

// testkitFingers writes what a desk scanner would send for a demo
// citizen: one ISO/IEC 19794-2 template per finger of the demo ID-card
// database, taken afresh (a new impression of the same synthetic finger).
func testkitFingers(args []string, stdout, stderr io.Writer) error {
	var id, out string
	var impression uint64
	fs := flag.NewFlagSet("vneid testkit fingers", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&id, "id", "", "personal ID number (a demo citizen with fingerprints on file)")
	fs.StringVar(&out, "out", "", "directory to write FINGER.fmr files to")
	fs.Uint64Var(&impression, "impression", 1, "which capture (1, 2, …; 0 is the database's own)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := identity.ValidatePersonalID(id); err != nil || out == "" {
		return fmt.Errorf("testkit fingers: -id (a valid personal ID number) and -out are required")
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	for _, pos := range testkit.DemoFingers() {
		b, err := testkit.FingerRecord(id, pos, impression)
		if err != nil {
			return err
		}
		path := filepath.Join(out, fmt.Sprintf("finger-%02d.fmr", int(pos)))
		if err := os.WriteFile(path, b, 0o644); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s\t%s\n", path, pos)
	}
	return nil
}
