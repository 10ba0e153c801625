package wallet

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/vneid/vneid/internal/account"
	"github.com/vneid/vneid/internal/failure"
	"github.com/vneid/vneid/internal/presentation"
	"github.com/vneid/vneid/internal/sources"
	"github.com/vneid/vneid/internal/store"
)

// PresentationAlg signs presentations: ES256 gives the shortest signatures
// every verifier (WebCrypto included) supports.
const PresentationAlg = "ES256"

// Item is one document a citizen presents, with the attributes to disclose
// (every attribute when Claims is empty).
type Item struct {
	Kind   string   `json:"kind"`             // "eid" or a document kind
	Number string   `json:"number,omitempty"` // the document number; not for "eid"
	Claims []string `json:"claims,omitempty"`
}

// PresentRequest asks for a presentation.
type PresentRequest struct {
	Items []Item
	// TTL is the presentation's lifetime; zero means the default.
	TTL time.Duration
	// Nonce and Audience bind it to one verifier (optional): the nonce the
	// verifier showed, and its client ID.
	Nonce, Audience string
}

// Presented is a signed presentation, ready to show as a QR code.
type Presented struct {
	ID        string    `json:"id"`
	Token     string    `json:"presentation"`
	IssuedAt  time.Time `json:"issued_at"`
	ExpiresAt time.Time `json:"expires_at"`
	Size      int       `json:"size"`
}

// presentedDoc is what the presentation record keeps of a document: names,
// never values.
type presentedDoc struct {
	Kind   string   `json:"kind"`
	Number string   `json:"number,omitempty"`
	Claims []string `json:"claims"`
}

// Present signs a short-lived presentation of the chosen documents and
// attributes. The e-ID card can be presented from level 1 (its level-1
// attributes); wallet documents need level 2 and must be valid now. The
// issue is recorded (names of the attributes, not their values) in the
// citizen's usage history.
func (s *Service) Present(ctx context.Context, c account.Caller, p account.Principal, unlock string, req PresentRequest) (Presented, error) {
	if err := requireLevel(p, 1); err != nil {
		return Presented{}, err
	}
	if err := s.CheckUnlocked(p, unlock); err != nil {
		return Presented{}, err
	}
	if len(req.Items) == 0 || len(req.Items) > 6 || len(req.Nonce) > 128 || len(req.Audience) > 200 {
		return Presented{}, ErrPresentationRequest
	}
	ttl := req.TTL
	if ttl <= 0 {
		ttl = s.cfg.PresentationTTL
	}
	if ttl < 30*time.Second || ttl > s.cfg.MaxPresentationTTL {
		return Presented{}, ErrPresentationRequest.WithFields("ttl")
	}
	cit, err := s.population.Citizen(ctx, p.Account.IDNumber)
	if err != nil {
		return Presented{}, failure.Unexpected(err)
	}
	var docs []presentation.Document
	var record []presentedDoc
	seen := map[string]bool{}
	for _, it := range req.Items {
		key := it.Kind + "\x00" + it.Number
		if seen[key] {
			return Presented{}, ErrPresentationRequest
		}
		seen[key] = true
		var all []Claim
		if it.Kind == KindEID {
			card := s.eidCard(cit, p.Account.Level)
			all = card.Claims
		} else {
			kind := sources.Kind(it.Kind)
			if !kind.Valid() {
				return Presented{}, ErrKindInvalid.WithFields("kind")
			}
			if err := requireLevel(p, 2); err != nil {
				return Presented{}, err
			}
			row, err := s.walletDocument(ctx, p.Account.ID, kind, it.Number)
			if err != nil {
				return Presented{}, err
			}
			v, _, err := s.documentView(row, true)
			if err != nil {
				return Presented{}, err
			}
			if !v.Valid {
				return Presented{}, ErrDocumentNotValid
			}
			all = v.Claims
			it.Number = row.Number
		}
		names, lenient := it.Claims, false
		if len(names) == 0 {
			// Without the e-ID card, the first document names the holder.
			names, lenient = defaultClaims(it.Kind, len(req.Items) > 1, hasEID(req.Items) || len(docs) > 0), true
		}
		chosen, err := choose(all, names, lenient)
		if err != nil {
			return Presented{}, err
		}
		d := presentation.Document{Kind: it.Kind}
		names = make([]string, 0, len(chosen))
		for _, cl := range chosen {
			d.Claims = append(d.Claims, presentation.Claim{Name: cl.Name, Value: cl.Value})
			names = append(names, cl.Name)
		}
		docs = append(docs, d)
		record = append(record, presentedDoc{Kind: it.Kind, Number: it.Number, Claims: names})
	}
	kid, signer, err := s.issuer.SigningKey(ctx, PresentationAlg)
	if err != nil {
		return Presented{}, failure.Unexpected(err)
	}
	now := s.now().Truncate(time.Second)
	id := base64.RawURLEncoding.EncodeToString(randomBytes(16))
	token, err := presentation.Issue(presentation.Request{Issuer: s.issuer.Issuer(), ID: id, Level: p.Account.Level,
		IssuedAt: now, ExpiresAt: now.Add(ttl), Nonce: req.Nonce, Audience: req.Audience, Documents: docs},
		presentation.Key{ID: kid, Algorithm: PresentationAlg, Signer: signer}, rand.Reader)
	if err != nil {
		return Presented{}, failure.Unexpected(err)
	}
	if len(token) > s.cfg.MaxPresentationBytes {
		return Presented{}, ErrTooLarge
	}
	rec, _ := json.Marshal(record)
	err = s.store.InTx(ctx, func(q store.Queries) error {
		if err := q.CreatePresentation(ctx, store.Presentation{ID: id, AccountID: p.Account.ID, Documents: string(rec),
			Nonce: req.Nonce, Audience: req.Audience, State: store.PresentationIssued, CreatedAt: now, ExpiresAt: now.Add(ttl)}); err != nil {
			return err
		}
		detail, _ := json.Marshal(map[string]any{"presentation": id, "documents": record})
		if err := q.AppendUsage(ctx, store.UsageRecord{AccountID: p.Account.ID, Kind: "presentation_issued",
			Detail: string(detail), IP: c.IP, At: now}); err != nil {
			return err
		}
		return s.audit(ctx, q, c, "account:"+p.Account.ID, "wallet.presentation.issued", p.Account.IDNumber, "presentation",
			map[string]any{"presentation": id, "documents": len(record)})
	})
	if err != nil {
		return Presented{}, failure.Unexpected(err)
	}
	return Presented{ID: id, Token: token, IssuedAt: now.UTC(), ExpiresAt: now.Add(ttl).UTC(), Size: len(token)}, nil
}

// walletDocument finds the document to present: by number, or without one
// the only valid document of the kind.
func (s *Service) walletDocument(ctx context.Context, accountID string, kind sources.Kind, number string) (store.WalletDocument, error) {
	if number != "" {
		row, err := s.store.WalletDocument(ctx, accountID, kind, sources.NormalizeNumber(kind, number))
		if errors.Is(err, store.ErrNotFound) {
			return row, ErrDocumentNotFound
		}
		return row, failure.Unexpected(err)
	}
	rows, err := s.store.WalletDocuments(ctx, accountID)
	if err != nil {
		return store.WalletDocument{}, failure.Unexpected(err)
	}
	var found []store.WalletDocument
	for _, r := range rows {
		if r.Kind == kind && r.Status == sources.StatusValid {
			found = append(found, r)
		}
	}
	switch len(found) {
	case 0:
		return store.WalletDocument{}, ErrDocumentNotFound
	case 1:
		return found[0], nil
	}
	return store.WalletDocument{}, ErrPresentationRequest.WithFields("number").WithDetail(
		"(có nhiều giấy tờ loại này trong ví: chọn số giấy tờ)", "(the wallet holds several of this kind: give the number)")
}

func hasEID(items []Item) bool {
	return slices.ContainsFunc(items, func(it Item) bool { return it.Kind == KindEID })
}

// defaultClaims are the attributes presented when the citizen picks none:
// what the paper document shows a checker, kept small so that several
// documents fit one QR code. With other documents, the e-ID card gives the
// core identity (what level 1 proves); a document presented with the e-ID
// card, or after another document, leaves out its holder's details, which
// the card or the first document gives.
func defaultClaims(kind string, several, holderShown bool) []string {
	holder := []string{"holder_name", "holder_id", "date_of_birth"}
	var out []string
	switch kind {
	case KindEID:
		if several {
			return []string{"id_number", "full_name", "date_of_birth"}
		}
		return nil // the whole card
	case string(sources.HealthInsurance):
		out = []string{"number", "benefit_level", "clinic", "valid_until"}
	case string(sources.DrivingLicence):
		out = []string{"number", "classes", "points"}
	case string(sources.VehicleRegistration):
		out = []string{"number", "brand", "model", "colour", "vin"}
	case string(sources.TaxCode):
		out = []string{"number", "tax_office"}
	}
	if !holderShown {
		out = append(out[:1:1], append(holder, out[1:]...)...)
	}
	return out
}

// choose picks the named claims, in the document's order; none named means
// all. Lenient choice (the defaults) skips names the document lacks.
func choose(all []Claim, names []string, lenient bool) ([]Claim, error) {
	if len(names) == 0 {
		return all, nil
	}
	var out []Claim
	for _, n := range names {
		if !lenient && !slices.ContainsFunc(all, func(c Claim) bool { return c.Name == n }) {
			return nil, ErrClaimUnknown.WithFields("claims").WithDetail("("+n+")", "("+n+")")
		}
	}
	for _, c := range all {
		if slices.Contains(names, c.Name) {
			out = append(out, c)
		}
	}
	return out, nil
}

// PresentationView is a presentation as its citizen lists it.
type PresentationView struct {
	ID         string         `json:"id"`
	State      string         `json:"state"`
	Documents  []presentedDoc `json:"documents"`
	Audience   string         `json:"audience,omitempty"`
	CreatedAt  time.Time      `json:"created_at"`
	ExpiresAt  time.Time      `json:"expires_at"`
	VerifiedAt *time.Time     `json:"verified_at,omitempty"`
	VerifiedBy string         `json:"verified_by,omitempty"`
}

// ListPresentations returns the citizen's recent presentations.
func (s *Service) ListPresentations(ctx context.Context, p account.Principal) ([]PresentationView, error) {
	rows, err := s.store.ListPresentations(ctx, p.Account.ID, 50)
	if err != nil {
		return nil, failure.Unexpected(err)
	}
	out := make([]PresentationView, 0, len(rows))
	for _, r := range rows {
		v := PresentationView{ID: r.ID, State: r.State, Audience: r.Audience, CreatedAt: r.CreatedAt.UTC(),
			ExpiresAt: r.ExpiresAt.UTC(), VerifiedBy: r.VerifiedBy}
		_ = json.Unmarshal([]byte(r.Documents), &v.Documents)
		if !r.VerifiedAt.IsZero() {
			t := r.VerifiedAt.UTC()
			v.VerifiedAt = &t
		}
		out = append(out, v)
	}
	return out, nil
}

// RevokePresentation withdraws one of the citizen's presentations (all of
// them when id is empty): online verification refuses it from then on.
func (s *Service) RevokePresentation(ctx context.Context, c account.Caller, p account.Principal, id string) (int64, error) {
	var n int64
	err := s.store.InTx(ctx, func(q store.Queries) error {
		var err error
		if n, err = q.RevokePresentations(ctx, p.Account.ID, id); err != nil {
			return err
		}
		if id != "" && n == 0 {
			return ErrPresentationNotFound
		}
		return s.audit(ctx, q, c, "account:"+p.Account.ID, "wallet.presentation.revoked", p.Account.IDNumber, "presentation",
			map[string]any{"presentation": id, "count": n})
	})
	return n, failure.Unexpected(err)
}

// Verifier is a relying party calling the verification API.
type Verifier struct {
	ID, Name string
	// StateBody: a state body or public-service provider may receive the
	// attributes (Decree 59 Art 23); other parties learn only whether the
	// presentation is valid.
	StateBody bool
}

// Nonce is a verifier's one-time nonce.
type Nonce struct {
	Nonce     string    `json:"nonce"`
	ExpiresAt time.Time `json:"expires_at"`
}

// NewNonce issues a nonce for a verifier to show the citizen; a
// presentation made with it verifies only for that verifier, once.
func (s *Service) NewNonce(ctx context.Context, v Verifier) (Nonce, error) {
	n := base64.RawURLEncoding.EncodeToString(randomBytes(16))
	now := s.now()
	h := sha256.Sum256([]byte(n))
	if err := s.store.CreateVerifierNonce(ctx, store.VerifierNonce{Hash: h[:], ClientID: v.ID, CreatedAt: now,
		ExpiresAt: now.Add(s.cfg.NonceTTL)}); err != nil {
		return Nonce{}, failure.Unexpected(err)
	}
	return Nonce{Nonce: n, ExpiresAt: now.Add(s.cfg.NonceTTL).UTC()}, nil
}

// VerifiedDocument is one document of a verified presentation.
type VerifiedDocument struct {
	Kind    string         `json:"kind"`
	LabelVI string         `json:"label_vi"`
	LabelEN string         `json:"label_en"`
	Claims  map[string]any `json:"claims,omitempty"`
	Names   []string       `json:"claim_names"`
}

// Verification is the online verdict on a presentation.
type Verification struct {
	Valid     bool               `json:"valid"`
	ID        string             `json:"id"`
	Level     int                `json:"level"`
	IssuedAt  time.Time          `json:"issued_at"`
	ExpiresAt time.Time          `json:"expires_at"`
	Documents []VerifiedDocument `json:"documents"`
	Withheld  map[string]int     `json:"withheld,omitempty"`
	// Attributes says whether claim values are returned (state bodies)
	// or only their names (other parties, Decree 59 Art 23).
	Attributes bool `json:"attributes"`
	// Bound says the presentation was bound to this verifier's nonce.
	Bound bool `json:"bound"`
}

// keyCache keeps the parsed issuer key set for a short while.
type keyCache struct {
	mu   sync.Mutex
	at   time.Time
	raw  string
	keys presentation.KeySet
}

func (s *Service) keySet(ctx context.Context) (presentation.KeySet, error) {
	s.keys.mu.Lock()
	defer s.keys.mu.Unlock()
	if s.keys.keys != nil && s.now().Sub(s.keys.at) < 30*time.Second {
		return s.keys.keys, nil
	}
	raw, err := s.issuer.JWKS(ctx)
	if err != nil {
		return nil, err
	}
	if s.keys.keys == nil || string(raw) != s.keys.raw {
		ks, err := presentation.JWKS(raw)
		if err != nil {
			return nil, err
		}
		s.keys.keys, s.keys.raw = ks, string(raw)
	}
	s.keys.at = s.now()
	return s.keys.keys, nil
}

// presentationFailure turns a verification error into a user-facing one,
// with the code and messages of presentation.Reason.
func presentationFailure(err error) error {
	code, vi, en := presentation.Reason(err)
	var f *failure.Error
	switch code {
	case "presentation_altered":
		f = failure.New("presentation_altered", failure.Invalid, vi, en)
	case "presentation_malformed":
		f = failure.New("presentation_malformed", failure.Invalid, vi, en)
	case "presentation_unknown_key":
		f = failure.New("presentation_unknown_key", failure.Invalid, vi, en)
	case "presentation_algorithm":
		f = failure.New("presentation_algorithm", failure.Invalid, vi, en)
	case "presentation_expired":
		f = failure.New("presentation_expired", failure.Gone, vi, en)
	case "presentation_not_yet_valid":
		f = failure.New("presentation_not_yet_valid", failure.Invalid, vi, en)
	case "presentation_wrong_issuer":
		f = failure.New("presentation_wrong_issuer", failure.Invalid, vi, en)
	default: // the key set could not be read: ours to fix
		return failure.Unexpected(err)
	}
	return f.WithCause(err)
}

// VerifyOnline checks a presentation for a verifier: the signature, times
// and disclosures, then what only the server knows: that it was not used
// before (a second verification is a replay), not revoked, that the account
// is not locked, that every document is still valid, and the verifier's
// nonce and audience when the presentation names them. The use goes into
// the citizen's usage history.
func (s *Service) VerifyOnline(ctx context.Context, c account.Caller, v Verifier, token, nonce string) (Verification, error) {
	keys, err := s.keySet(ctx)
	if err != nil {
		return Verification{}, failure.Unexpected(err)
	}
	now := s.now()
	got, err := presentation.Verify(strings.TrimSpace(token), keys, presentation.VerifyOptions{Issuer: s.issuer.Issuer(), Now: now})
	if err != nil {
		return Verification{}, presentationFailure(err)
	}
	rec, err := s.store.Presentation(ctx, got.ID)
	if errors.Is(err, store.ErrNotFound) {
		return Verification{}, ErrRevoked
	}
	if err != nil {
		return Verification{}, failure.Unexpected(err)
	}
	switch rec.State {
	case store.PresentationRevoked:
		return Verification{}, ErrRevoked
	case store.PresentationVerified:
		return Verification{}, ErrReplayed
	}
	if got.Audience != "" && got.Audience != v.ID {
		return Verification{}, ErrAudience
	}
	// A bound presentation needs its verifier's nonce; a verifier that
	// gave a nonce accepts only a presentation bound to it (else a
	// photographed QR made for someone else would pass).
	if got.Nonce != nonce {
		return Verification{}, ErrNonce
	}
	acc, err := s.store.Account(ctx, rec.AccountID)
	if err != nil {
		return Verification{}, failure.Unexpected(err)
	}
	if acc.State != store.AccountActive {
		return Verification{}, ErrRevoked
	}
	var docs []presentedDoc
	_ = json.Unmarshal([]byte(rec.Documents), &docs)
	today := s.today()
	for _, d := range docs {
		if d.Kind == KindEID {
			continue
		}
		row, err := s.store.WalletDocument(ctx, rec.AccountID, sources.Kind(d.Kind), d.Number)
		if err != nil {
			return Verification{}, ErrRevoked
		}
		var src sources.Document
		if json.Unmarshal(row.Data, &src) != nil || row.Status != sources.StatusValid || !src.ValidOn(today) {
			return Verification{}, ErrRevoked
		}
	}
	out := Verification{Valid: true, ID: got.ID, Level: got.Level, IssuedAt: got.IssuedAt.UTC(), ExpiresAt: got.ExpiresAt.UTC(),
		Withheld: got.Withheld, Attributes: v.StateBody, Bound: got.Nonce != ""}
	var names []presentedDoc
	for _, d := range got.Documents {
		vd := VerifiedDocument{Kind: d.Kind, Names: []string{}}
		if d.Kind == KindEID {
			vd.LabelVI, vd.LabelEN = "Thẻ căn cước điện tử", "Electronic identity card"
		} else {
			vd.LabelVI, vd.LabelEN = sources.Kind(d.Kind).Label()
		}
		if v.StateBody {
			vd.Claims = map[string]any{}
		}
		for _, cl := range d.Claims {
			vd.Names = append(vd.Names, cl.Name)
			if v.StateBody {
				vd.Claims[cl.Name] = cl.Value
			}
		}
		out.Documents = append(out.Documents, vd)
		names = append(names, presentedDoc{Kind: d.Kind, Claims: vd.Names})
	}
	err = s.store.InTx(ctx, func(q store.Queries) error {
		if got.Nonce != "" {
			h := sha256.Sum256([]byte(nonce))
			if err := q.UseVerifierNonce(ctx, h[:], v.ID, now); err != nil {
				if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrConflict) {
					return ErrNonce
				}
				return err
			}
		}
		if err := q.UsePresentation(ctx, got.ID, v.ID, now); err != nil {
			if errors.Is(err, store.ErrConflict) {
				return ErrReplayed
			}
			return err
		}
		detail, _ := json.Marshal(map[string]any{"presentation": got.ID, "verifier": v.Name, "documents": names})
		if err := q.AppendUsage(ctx, store.UsageRecord{AccountID: rec.AccountID, ClientID: v.ID, Kind: "presentation_verified",
			Detail: string(detail), IP: c.IP, At: now}); err != nil {
			return err
		}
		return s.audit(ctx, q, c, "rp:"+v.ID, "wallet.presentation.verified", acc.IDNumber, "presentation",
			map[string]any{"presentation": got.ID, "attributes": v.StateBody})
	})
	if err != nil {
		return Verification{}, failure.Unexpected(err)
	}
	return out, nil
}
