package main

import (
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"encoding/base32"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/vneid/vneid/internal/account"
	"github.com/vneid/vneid/internal/bench"
	"github.com/vneid/vneid/internal/config"
	"github.com/vneid/vneid/internal/eid"
	"github.com/vneid/vneid/internal/face"
	"github.com/vneid/vneid/internal/fingerprint"
	"github.com/vneid/vneid/internal/fingerprint/extract"
	"github.com/vneid/vneid/internal/fingerprint/wsq"
	"github.com/vneid/vneid/internal/identity"
	"github.com/vneid/vneid/internal/jurisdiction"
	"github.com/vneid/vneid/internal/officer"
	"github.com/vneid/vneid/internal/seal"
	"github.com/vneid/vneid/internal/sources"
	"github.com/vneid/vneid/internal/store"
	"github.com/vneid/vneid/internal/store/sqlstore"
	"github.com/vneid/vneid/internal/testkit"
	"github.com/vneid/vneid/internal/trustlist"
	"github.com/vneid/vneid/internal/workday"
)

// services are the domain services every command shares.
type services struct {
	box      *seal.Box
	eid      *eid.Service
	officers *officer.Service
	units    *jurisdiction.Directory
	trust    *trustlist.Manager
	faces    *face.Engine // nil when no engine runs

	stopKeys func() // stops the seal keys' refresh; nil when none runs
}

func (s *services) Close() {
	if s.stopKeys != nil {
		s.stopKeys()
	}
	if s.faces != nil {
		_ = s.faces.Close()
	}
}

// refreshSealKeys reloads the box's keys every sealKeyRefresh until the
// returned function is called (and returns when the loop has ended), so
// that a server seals with the key made current by a rotation.
func refreshSealKeys(ctx context.Context, box *seal.Box, log *slog.Logger) func() {
	ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() {
		defer close(done)
		box.Refresh(ctx, sealKeyRefresh, func(err error) {
			log.Warn("seal keys not reloaded; keeping the keys held", "err", err.Error())
		})
	}()
	return func() { cancel(); <-done }
}

// sealBox returns the box that seals personal data at rest. Its keys are
// the store's seal-key-N secrets (wrapped under the master key); the box
// loads a key it does not hold when a value names one, so a rotation made
// elsewhere is read at once. A store without seal keys (none in this
// repository) gets the single key "seal-key-1".
func sealBox(ctx context.Context, st store.Store) (*seal.Box, error) {
	if ks, ok := st.(interface {
		SealKeys(ctx context.Context, fresh []byte) (int, []sqlstore.SealKey, error)
	}); ok {
		return seal.Load(ctx, storeSealKeys{ks})
	}
	fresh := make([]byte, 32)
	if _, err := rand.Read(fresh); err != nil {
		return nil, err
	}
	key, err := st.Secret(ctx, "seal-key-1", fresh)
	if err != nil {
		return nil, err
	}
	return seal.New(seal.Key{ID: 1, Bytes: key})
}

func calendar(cfg config.Config) (*workday.Calendar, error) {
	if cfg.Holidays == "" {
		return workday.Default()
	}
	f, err := os.Open(cfg.Holidays)
	if err != nil {
		return nil, fmt.Errorf("holidays: %w", err)
	}
	defer f.Close()
	return workday.Load(f)
}

// startFaces starts the face engine when it is configured and installed;
// otherwise dossiers go to officers.
func startFaces(ctx context.Context, cfg config.Config, log *slog.Logger) *face.Engine {
	if cfg.Face.Engine == "none" {
		log.Info("face engine off: every dossier goes to an officer")
		return nil
	}
	e := face.NewEngine(face.EngineConfig{NodePath: cfg.Face.NodePath, WorkerDir: cfg.Face.WorkerDir,
		Workers: cfg.Face.Workers, Logger: log})
	if err := e.Start(ctx); err != nil {
		log.Warn("face engine not available: every dossier goes to an officer", "err", err.Error(),
			"install", "npm ci --prefix tools/faceapi")
		return nil
	}
	log.Info("face engine ready", "engine", e.Engine())
	return e
}

// buildServices wires the e-ID, officer and trust-list services.
// codes sends the desk's consent codes (the account service; nil for
// commands that send none).
func buildServices(ctx context.Context, cfg config.Config, st store.Store, log *slog.Logger, wake func(), withFaces bool,
	codes eid.Codes) (*services, error) {
	box, err := sealBox(ctx, st)
	if err != nil {
		return nil, err
	}
	cal, err := calendar(cfg)
	if err != nil {
		return nil, err
	}
	ecfg, err := cfg.EIDConfig()
	if err != nil {
		return nil, err
	}
	acfg, err := cfg.AccountConfig()
	if err != nil {
		return nil, err
	}
	s := &services{box: box}
	if s.units, err = jurisdiction.New(ctx, st, nil); err != nil {
		return nil, err
	}
	seed, err := jurisdiction.ProvinceUnits()
	if cfg.DemoMode() {
		seed, err = jurisdiction.DemoUnits()
	}
	if err != nil {
		return nil, err
	}
	if did, err := s.units.Seed(ctx, seed); err != nil {
		return nil, err
	} else if did {
		log.Info("administrative units and police units seeded", "units", len(seed), "demo", cfg.DemoMode())
	}
	opts := eid.Options{Store: st, Population: st, Box: box, Calendar: cal, Logger: log, OutboxWritten: wake, Places: s.units,
		FingerImages: fingerImages{}}
	if codes != nil {
		opts.Codes = codes
	}
	if withFaces {
		// The server (the one caller with faces) runs long: keep its
		// seal keys fresh.
		s.stopKeys = refreshSealKeys(ctx, box, log)
		if s.faces = startFaces(ctx, cfg, log); s.faces != nil {
			opts.Faces = s.faces
		}
	}
	if s.eid, err = eid.New(ecfg, opts); err != nil {
		return nil, err
	}
	if s.officers, err = officer.New(officer.Options{Store: st, Box: box, Argon2: acfg.Argon2, Logger: log, Units: s.units}); err != nil {
		return nil, err
	}
	s.trust = &trustlist.Manager{Store: st, Changed: s.eid.InvalidateTrust}
	return s, nil
}

// seedDemoEID gives a demo deployment a synthetic CSCA in its trust list
// (DataDir/demo-pki, for `vneid testkit chip`) and a demo reviewing
// officer whose sign-in details go to DataDir/demo-officer.txt.
func seedDemoEID(ctx context.Context, cfg config.Config, st store.Store, svc *services, log *slog.Logger) error {
	dir := filepath.Join(cfg.DataDir, "demo-pki")
	pki, err := testkit.LoadPKI(dir)
	if err != nil {
		if pki, err = testkit.NewPKI(testkit.BrainpoolP512, "VN", time.Now()); err != nil {
			return fmt.Errorf("demo pki: %w", err)
		}
		if err := pki.Save(dir); err != nil {
			return fmt.Errorf("demo pki: %w", err)
		}
		log.Info("demo PKI made", "dir", dir, "profile", string(pki.Profile))
	}
	if _, err := svc.trust.AddCertificate(ctx, "system", "demo", pki.CSCA.Raw); err != nil {
		return fmt.Errorf("demo trust list: %w", err)
	}
	if err := seedDemoBiometrics(ctx, st, svc, log); err != nil {
		return err
	}
	if err := seedDemoDesk(ctx, cfg, st, svc, log); err != nil {
		return err
	}
	if err := seedDemoCitizen(ctx, cfg, st, log); err != nil {
		return err
	}
	if _, err := st.OfficerByUsername(ctx, "demo.reviewer"); err == nil {
		return nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	pw := make([]byte, 12)
	if _, err := rand.Read(pw); err != nil {
		return err
	}
	password := base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(pw)
	enr, err := svc.officers.Create(ctx, "system", officer.NewOfficer{Username: "demo.reviewer", FullName: "Cán bộ Thẩm định (demo)",
		Password: password, Roles: []string{officer.RoleReviewer, officer.RoleAdmin}, Unit: "C06"})
	if err != nil {
		return fmt.Errorf("demo officer: %w", err)
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "# Demo reviewing officer (demo mode only). Console: /console/\nusername: %s\npassword: %s\ntotp_secret: %s\ntotp_uri: %s\n",
		enr.Officer.Username, password, base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(enr.TOTPSecret), enr.TOTPURI)
	path := filepath.Join(cfg.DataDir, "demo-officer.txt")
	if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
		return fmt.Errorf("demo officer: %w", err)
	}
	log.Info("demo officer made; sign-in details in the file", "file", path)
	return nil
}

// demoBiometricCitizens is how many demo citizens (the first by ID number)
// get a portrait and fingerprints in the demo ID-card database.
const demoBiometricCitizens = 50

// seedDemoBiometrics gives the first demo citizens a database portrait and
// the templates of four fingers (testkit.DemoFingers), once.
func seedDemoBiometrics(ctx context.Context, st store.Store, svc *services, log *slog.Logger) error {
	cits, err := st.ListCitizens(ctx, "", demoBiometricCitizens)
	if err != nil || len(cits) == 0 {
		return err
	}
	if t, err := st.FingerprintTemplates(ctx, cits[0].ID); err != nil || len(t) > 0 {
		return err
	}
	for _, c := range cits {
		p, err := testkit.SyntheticPortrait(c.ID)
		if err != nil {
			return err
		}
		if err := svc.eid.PutPortrait(ctx, c.ID, "jpeg", p); err != nil {
			return fmt.Errorf("demo portrait: %w", err)
		}
		for _, pos := range testkit.DemoFingers() {
			rec, err := testkit.FingerRecord(c.ID, pos, 0)
			if err != nil {
				return err
			}
			if err := svc.eid.PutFingerprintTemplate(ctx, c.ID, rec); err != nil {
				return fmt.Errorf("demo fingerprints: %w", err)
			}
		}
	}
	log.Info("demo portraits and fingerprints stored", "citizens", len(cits), "fingers", len(testkit.DemoFingers()))
	return nil
}

// seedDemoDesk makes a demo enrolment-desk officer at the district police
// of the first demo citizen's residence; the sign-in details and a few
// citizens with fingerprints on file go to DataDir/demo-desk-officer.txt.
func seedDemoDesk(ctx context.Context, cfg config.Config, st store.Store, svc *services, log *slog.Logger) error {
	if _, err := st.OfficerByUsername(ctx, "demo.desk"); err == nil {
		return nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	cits, err := st.ListCitizens(ctx, "", 5)
	if err != nil || len(cits) == 0 {
		return err
	}
	area := svc.units.ResolveAddress(cits[0].PermanentAddress, identity.Date{})
	if area == "" {
		return fmt.Errorf("demo desk: the first citizen's residence is not in the demo units")
	}
	unit := jurisdiction.PoliceUnitID(svc.units.Hierarchy(), area)
	pw := make([]byte, 12)
	if _, err := rand.Read(pw); err != nil {
		return err
	}
	password := base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(pw)
	enr, err := svc.officers.Create(ctx, "system", officer.NewOfficer{Username: "demo.desk", FullName: "Cán bộ Tiếp nhận (demo)",
		Password: password, Roles: []string{officer.RoleDesk}, Unit: unit})
	if err != nil {
		return fmt.Errorf("demo desk officer: %w", err)
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "# Demo enrolment-desk officer (demo mode only). Console: /console/desk\nusername: %s\npassword: %s\ntotp_secret: %s\nunit: %s\n",
		enr.Officer.Username, password, base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(enr.TOTPSecret), unit)
	fmt.Fprintln(&b, "# Citizens with a portrait and fingerprints on file; `vneid testkit fingers -id ID -out DIR` makes the scanner's templates:")
	for _, c := range cits {
		fmt.Fprintf(&b, "citizen: %s\n", c.ID)
	}
	path := filepath.Join(cfg.DataDir, "demo-desk-officer.txt")
	if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
		return fmt.Errorf("demo desk officer: %w", err)
	}
	log.Info("demo desk officer made; sign-in details in the file", "file", path, "unit", unit)
	return nil
}

// fingerImages turns the desk's fingerprint images into minutiae: WSQ
// through the WSQ decoder (its NIST comment gives the resolution) and PNG
// at the scanners' usual 500 ppi.
type fingerImages struct{}

// Minutiae implements eid.FingerImages.
func (fingerImages) Minutiae(format string, data []byte) (fingerprint.View, error) {
	switch format {
	case "wsq":
		img, hdr, err := wsq.DecodeWithHeader(bytes.NewReader(data))
		if err != nil {
			return fingerprint.View{}, err
		}
		ppcm := 0
		if hdr.PPI > 0 {
			ppcm = int(float64(hdr.PPI)/2.54 + 0.5)
		}
		return extract.Minutiae(img, ppcm)
	case "png":
		img, typ, err := extract.Decode(data)
		if err != nil {
			return fingerprint.View{}, err
		}
		if typ != "png" {
			return fingerprint.View{}, fmt.Errorf("fingerprint image: %s, want png", typ)
		}
		return extract.Minutiae(img, 0)
	}
	return fingerprint.View{}, fmt.Errorf("fingerprint image: unknown format %q", format)
}

// seedDemoCitizen gives the demo a citizen with an active level-2 e-ID (the
// last citizen by ID number, away from those the desk demo uses), for
// "log in with VNeID": DATA_DIR/demo-citizen.txt has the ID number, phone
// and password, and demo-citizen-device.json the app's device key for
// `vneid app approve`.
func seedDemoCitizen(ctx context.Context, cfg config.Config, st store.Store, log *slog.Logger) error {
	path := filepath.Join(cfg.DataDir, "demo-citizen.txt")
	if _, err := os.Stat(path); err == nil {
		return nil
	}
	ids, err := bench.SampleIDs(ctx, st, 200, nil)
	if err != nil {
		return err
	}
	if len(ids) == 0 {
		return nil
	}
	acfg, err := cfg.AccountConfig()
	if err != nil {
		return err
	}
	pw := make([]byte, 9)
	if _, err := rand.Read(pw); err != nil {
		return err
	}
	password := "Vn@" + base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(pw)
	// Prefer a citizen the document registry holds a valid driving
	// licence for, so the demo can integrate and present one.
	today := identity.DateOf(time.Now().In(acfg.Location))
	slices.SortStableFunc(ids, func(a, b string) int {
		return cmp.Compare(hasLicence(ctx, st, a, today), hasLicence(ctx, st, b, today))
	})
	var made []bench.Credential
	for i := len(ids) - 1; i >= 0 && len(made) == 0; i-- {
		if made, err = bench.CreateAccounts(ctx, st, ids[i:i+1], 1, password, acfg.Argon2); err != nil && len(made) == 0 && i == 0 {
			return fmt.Errorf("demo citizen: %w", err)
		}
	}
	if len(made) == 0 {
		return nil
	}
	c := made[0]
	a, err := st.AccountByIDNumber(ctx, c.IDNumber)
	if err != nil {
		return err
	}
	if err := st.UpdateEID(ctx, a.ID, store.EIDUpdate{From: store.EIDNone, To: store.EIDActive, Level: 2, At: time.Now()}); err != nil {
		return fmt.Errorf("demo citizen: %w", err)
	}
	const passcode = "246810"
	pcHash, err := account.HashPassword(passcode, acfg.Argon2)
	if err != nil {
		return err
	}
	if err := st.SetPasscodeHash(ctx, a.ID, pcHash, time.Now()); err != nil {
		return fmt.Errorf("demo citizen: %w", err)
	}
	dev := filepath.Join(cfg.DataDir, "demo-citizen-device.json")
	if err := c.Device.Save(dev); err != nil {
		return fmt.Errorf("demo citizen: %w", err)
	}
	body := fmt.Sprintf("# Demo citizen with an active level-2 e-ID (demo mode only), for \"log in with VNeID\" at /oidc/\n"+
		"id_number: %s\nphone: %s\npassword: %s\npasscode: %s\ndevice: %s\n", c.IDNumber, a.Phone, password, passcode, dev)
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		return fmt.Errorf("demo citizen: %w", err)
	}
	log.Info("demo citizen made; sign-in details in the file", "file", path)
	return nil
}

// hasLicence is 1 when the document registry holds a licence valid today
// for the citizen, else 0.
func hasLicence(ctx context.Context, st store.Store, id string, today identity.Date) int {
	docs, err := st.Documents(ctx, sources.DrivingLicence, id)
	if err != nil {
		return 0
	}
	for _, d := range docs {
		if d.ValidOn(today) {
			return 1
		}
	}
	return 0
}
