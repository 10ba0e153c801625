package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base32"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/vneid/vneid/internal/config"
	"github.com/vneid/vneid/internal/eid"
	"github.com/vneid/vneid/internal/face"
	"github.com/vneid/vneid/internal/jurisdiction"
	"github.com/vneid/vneid/internal/officer"
	"github.com/vneid/vneid/internal/seal"
	"github.com/vneid/vneid/internal/store"
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
}

func (s *services) Close() {
	if s.faces != nil {
		_ = s.faces.Close()
	}
}

// sealBox returns the box that seals personal data at rest. Its key lives
// in the database's secrets table until keys move under a master key.
func sealBox(ctx context.Context, st store.Store) (*seal.Box, error) {
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
func buildServices(ctx context.Context, cfg config.Config, st store.Store, log *slog.Logger, wake func(), withFaces bool) (*services, error) {
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
	seed := jurisdiction.ProvinceUnits()
	if cfg.DemoMode() {
		if seed, err = jurisdiction.DemoUnits(); err != nil {
			return nil, err
		}
	}
	if did, err := s.units.Seed(ctx, seed); err != nil {
		return nil, err
	} else if did {
		log.Info("administrative units and police units seeded", "units", len(seed), "demo", cfg.DemoMode())
	}
	opts := eid.Options{Store: st, Population: st, Box: box, Calendar: cal, Logger: log, OutboxWritten: wake, Places: s.units}
	if withFaces {
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
