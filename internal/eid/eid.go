// Package eid provides electronic identification on top of the app account:
// the level-1 application made online (the chip read by the phone, active
// authentication, the selfie), the checks run on each dossier, the rules
// that approve it or send it to reviewing officers, the decision and its
// notices (SMS, email, in-app inbox), and activation within the legal
// window. It knows nothing of HTTP or SQL.
package eid

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/vneid/vneid/internal/chipauth"
	"github.com/vneid/vneid/internal/face"
	"github.com/vneid/vneid/internal/identity"
	"github.com/vneid/vneid/internal/registry"
	"github.com/vneid/vneid/internal/seal"
	"github.com/vneid/vneid/internal/store"
)

// Config holds the e-ID rules; zero fields take DefaultConfig's values.
type Config struct {
	// EvidenceTTL is how long after the start the dossier may arrive (the
	// life of the active-authentication challenge).
	EvidenceTTL time.Duration
	// ActivationWindow is how long after approval the citizen may activate
	// (Decree 59 Art 18: 7 days).
	ActivationWindow time.Duration
	// Level1Deadline is the review deadline in working days (Art 17: 1).
	Level1Deadline int
	// AutoApprove approves dossiers whose every check passes.
	AutoApprove bool
	// FaceThreshold is the least face similarity (0–1) auto-approval
	// accepts; below it an officer decides.
	FaceThreshold float64
	// MaxSelfieBytes and MaxFileBytes bound the evidence.
	MaxSelfieBytes, MaxFileBytes int
	// Location is the zone of dates and deadlines (UTC+7).
	Location *time.Location
	// PortalURL and SenderName appear in notices.
	PortalURL string
	// DeskReviewDays and DeskCardReviewDays are the review deadlines of a
	// level-2 desk dossier in working days, alone (3) and with a card
	// application (7).
	DeskReviewDays, DeskCardReviewDays int
	// FingerThreshold is the fingerprint matcher's decision threshold (0:
	// the matcher's default).
	FingerThreshold float64
}

// DefaultConfig returns the rules of the decree and the published app.
func DefaultConfig() Config {
	return Config{EvidenceTTL: 15 * time.Minute, ActivationWindow: 7 * 24 * time.Hour, Level1Deadline: 1,
		AutoApprove: true, FaceThreshold: 0.65, MaxSelfieBytes: 4 << 20, MaxFileBytes: 256 << 10,
		Location: time.FixedZone("ICT", 7*3600), PortalURL: "https://vneid.gov.vn",
		DeskReviewDays: 3, DeskCardReviewDays: 7}
}

func (c Config) withDefaults() Config {
	d := DefaultConfig()
	if c.EvidenceTTL <= 0 {
		c.EvidenceTTL = d.EvidenceTTL
	}
	if c.ActivationWindow <= 0 {
		c.ActivationWindow = d.ActivationWindow
	}
	if c.Level1Deadline <= 0 {
		c.Level1Deadline = d.Level1Deadline
	}
	if c.FaceThreshold <= 0 {
		c.FaceThreshold = d.FaceThreshold
	}
	if c.MaxSelfieBytes <= 0 {
		c.MaxSelfieBytes = d.MaxSelfieBytes
	}
	if c.MaxFileBytes <= 0 {
		c.MaxFileBytes = d.MaxFileBytes
	}
	if c.Location == nil {
		c.Location = d.Location
	}
	if c.PortalURL == "" {
		c.PortalURL = d.PortalURL
	}
	if c.DeskReviewDays <= 0 {
		c.DeskReviewDays = d.DeskReviewDays
	}
	if c.DeskCardReviewDays <= 0 {
		c.DeskCardReviewDays = d.DeskCardReviewDays
	}
	return c
}

// FaceVerifier compares two face images (JPEG or PNG): the selfie with the
// chip portrait, and with the database portrait. *face.Engine is one.
type FaceVerifier interface {
	Compare(ctx context.Context, a, b []byte) (face.Comparison, error)
}

// Calendar turns working days into deadlines. *workday.Calendar is one.
type Calendar interface {
	AddWorkingDays(from time.Time, n int) time.Time
}

// Options are the Service's collaborators.
type Options struct {
	Store      store.Store
	Population registry.Population
	// Box seals evidence and portraits at rest.
	Box *seal.Box
	// Faces may be nil: no engine is installed, and every dossier goes to
	// an officer.
	Faces    FaceVerifier
	Calendar Calendar
	// Places resolves a residence to the administrative unit whose police
	// review it (nil: the province, by name).
	Places Places
	// Codes sends the desk's consent codes (nil: signatures only).
	Codes Codes
	// FingerImages extracts minutiae from fingerprint images (nil:
	// templates only).
	FingerImages FingerImages
	Logger       *slog.Logger
	// OutboxWritten, if set, is called after a notice is queued.
	OutboxWritten func()
	Now           func() time.Time
}

// Places resolves an address to an administrative unit code.
type Places interface {
	ResolveAddress(a registry.Address, day identity.Date) string
}

// Service runs e-ID applications.
type Service struct {
	cfg          Config
	store        store.Store
	population   registry.Population
	box          *seal.Box
	faces        FaceVerifier
	cal          Calendar
	places       Places
	codes        Codes
	fingerImages FingerImages
	log          *slog.Logger
	wake         func()
	now          func() time.Time

	trustMu  sync.Mutex
	trust    *chipauth.TrustList
	trustAt  time.Time
	trustTTL time.Duration
}

// New returns the service.
func New(cfg Config, o Options) (*Service, error) {
	if o.Store == nil || o.Population == nil || o.Box == nil || o.Calendar == nil {
		return nil, errors.New("eid: store, population, seal box and calendar are required")
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.OutboxWritten == nil {
		o.OutboxWritten = func() {}
	}
	return &Service{cfg: cfg.withDefaults(), store: o.Store, population: o.Population, box: o.Box, faces: o.Faces,
		cal: o.Calendar, places: o.Places, codes: o.Codes, fingerImages: o.FingerImages, log: o.Logger, wake: o.OutboxWritten, now: o.Now, trustTTL: 30 * time.Second}, nil
}

// Config returns the rules in force.
func (s *Service) Config() Config { return s.cfg }

// FaceEngine reports whether a face engine is configured.
func (s *Service) FaceEngine() bool { return s.faces != nil }

// Caller identifies who is asking, for the audit log.
type Caller struct {
	IP        string
	RequestID string
}

// trustList returns the trust list, reloaded from the store every trustTTL
// or after InvalidateTrust.
func (s *Service) trustList(ctx context.Context) (*chipauth.TrustList, error) {
	s.trustMu.Lock()
	defer s.trustMu.Unlock()
	if s.trust != nil && s.now().Sub(s.trustAt) < s.trustTTL {
		return s.trust, nil
	}
	entries, err := s.store.ListTrust(ctx, "")
	if err != nil {
		return nil, fmt.Errorf("eid: trust list: %w", err)
	}
	var cscas, crls [][]byte
	for _, e := range entries {
		if e.Kind == store.TrustCRL {
			crls = append(crls, e.DER)
		} else {
			cscas = append(cscas, e.DER)
		}
	}
	t, err := chipauth.NewTrustList(cscas, crls)
	if err != nil {
		return nil, fmt.Errorf("eid: trust list: %w", err)
	}
	s.trust, s.trustAt = t, s.now()
	return t, nil
}

// InvalidateTrust makes the next dossier reload the trust list.
func (s *Service) InvalidateTrust() {
	s.trustMu.Lock()
	s.trust = nil
	s.trustMu.Unlock()
}

func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func (s *Service) audit(ctx context.Context, q store.Queries, c Caller, actor, action, subject, purpose string, detail map[string]any) error {
	d := ""
	if detail != nil {
		b, err := json.Marshal(detail)
		if err != nil {
			return fmt.Errorf("eid: audit detail: %w", err)
		}
		d = string(b)
	}
	return q.AppendAudit(ctx, store.AuditEvent{At: s.now(), Actor: actor, Action: action, Subject: subject,
		Purpose: purpose, RequestID: c.RequestID, Detail: d})
}
