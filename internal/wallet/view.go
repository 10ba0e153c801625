package wallet

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/vneid/vneid/internal/account"
	"github.com/vneid/vneid/internal/failure"
	"github.com/vneid/vneid/internal/registry"
	"github.com/vneid/vneid/internal/sources"
	"github.com/vneid/vneid/internal/store"
)

// KindEID names the e-ID card in a wallet view and in presentations.
const KindEID = "eid"

// Claim is one attribute of a document, with its labels.
type Claim struct {
	Name    string `json:"name"`
	Value   any    `json:"value"`
	LabelVI string `json:"label_vi"`
	LabelEN string `json:"label_en"`
}

// Card is one ID card of the citizen's issuance history.
type Card struct {
	Number     string `json:"number"`
	Chip       bool   `json:"chip"`
	IssueDate  string `json:"issue_date"`
	ExpiryDate string `json:"expiry_date,omitempty"`
	Status     string `json:"status"`
}

// EIDCard is the e-ID card as the wallet shows it: level 1 holds the
// attributes level 1 proves; level 2 adds the card and residence.
type EIDCard struct {
	Level   int     `json:"level"`
	Claims  []Claim `json:"claims"`
	History []Card  `json:"card_history,omitempty"`
}

// Document is a wallet document as the citizen sees it.
type Document struct {
	Kind      sources.Kind   `json:"kind"`
	Number    string         `json:"number"`
	LabelVI   string         `json:"label_vi"`
	LabelEN   string         `json:"label_en"`
	Status    sources.Status `json:"status"`
	Valid     bool           `json:"valid"`
	Claims    []Claim        `json:"claims,omitempty"`
	AddedAt   time.Time      `json:"added_at"`
	UpdatedAt time.Time      `json:"updated_at"`
}

// View is the whole wallet.
type View struct {
	EID       EIDCard    `json:"eid"`
	Documents []Document `json:"documents"`
}

// eidClaims lists the e-ID card's attributes for a level.
func eidClaims(c registry.Citizen, level int) []Claim {
	out := []Claim{
		{"id_number", c.ID, "Số định danh cá nhân", "Personal ID number"},
		{"full_name", c.FullName, "Họ, chữ đệm và tên", "Full name"},
		{"date_of_birth", c.DateOfBirth.String(), "Ngày, tháng, năm sinh", "Date of birth"},
		{"gender", c.Gender.VI(), "Giới tính", "Sex"},
	}
	if level < 2 {
		return out
	}
	if c.Nationality != "" {
		out = append(out, Claim{"nationality", c.Nationality, "Quốc tịch", "Nationality"})
	}
	if c.PlaceOfOrigin != "" {
		out = append(out, Claim{"place_of_origin", c.PlaceOfOrigin, "Quê quán", "Place of origin"})
	}
	if !c.PermanentAddress.IsZero() {
		out = append(out, Claim{"place_of_residence", c.PermanentAddress.String(), "Nơi thường trú", "Place of residence"})
	}
	return out
}

// cardClaims adds the current card to a level-2 e-ID card.
func cardClaims(c registry.Citizen, s *Service) []Claim {
	card, ok := c.CurrentCard(s.today())
	if !ok {
		return nil
	}
	var out []Claim
	if card.Number != c.ID { // a CCCD's number is the personal ID number
		out = append(out, Claim{"card_number", card.Number, "Số thẻ căn cước", "Card number"})
	}
	out = append(out, Claim{"card_issued_on", card.IssueDate.String(), "Ngày cấp", "Date of issue"})
	if !card.ExpiryDate.IsZero() {
		out = append(out, Claim{"card_valid_until", card.ExpiryDate.String(), "Có giá trị đến", "Valid until"})
	}
	return out
}

func (s *Service) eidCard(c registry.Citizen, level int) EIDCard {
	card := EIDCard{Level: level, Claims: eidClaims(c, level)}
	if level >= 2 {
		card.Claims = append(card.Claims, cardClaims(c, s)...)
		for _, k := range c.Cards {
			h := Card{Number: k.Number, Chip: k.Chip, IssueDate: k.IssueDate.String(), Status: string(k.Status)}
			if !k.ExpiryDate.IsZero() {
				h.ExpiryDate = k.ExpiryDate.String()
			}
			card.History = append(card.History, h)
		}
	}
	return card
}

func (s *Service) documentView(d store.WalletDocument, withClaims bool) (Document, sources.Document, error) {
	var src sources.Document
	if err := json.Unmarshal(d.Data, &src); err != nil {
		return Document{}, src, failure.Unexpected(err)
	}
	vi, en := d.Kind.Label()
	v := Document{Kind: d.Kind, Number: d.Number, LabelVI: vi, LabelEN: en, Status: d.Status,
		Valid: d.Status == sources.StatusValid && src.ValidOn(s.today()), AddedAt: d.AddedAt.UTC(), UpdatedAt: d.UpdatedAt.UTC()}
	if withClaims {
		for _, c := range src.Claims() {
			v.Claims = append(v.Claims, Claim{Name: c.Name, Value: c.Value, LabelVI: c.LabelVI, LabelEN: c.LabelEN})
		}
	}
	return v, src, nil
}

// Wallet returns the open wallet: the e-ID card with its issuance history
// and every document. The read is audited.
func (s *Service) Wallet(ctx context.Context, c account.Caller, p account.Principal, unlock string) (View, error) {
	if err := requireLevel(p, 1); err != nil {
		return View{}, err
	}
	if err := s.CheckUnlocked(p, unlock); err != nil {
		return View{}, err
	}
	cit, err := s.population.Citizen(ctx, p.Account.IDNumber)
	if err != nil {
		return View{}, failure.Unexpected(err)
	}
	rows, err := s.store.WalletDocuments(ctx, p.Account.ID)
	if err != nil {
		return View{}, failure.Unexpected(err)
	}
	v := View{EID: s.eidCard(cit, p.Account.Level), Documents: []Document{}}
	for _, r := range rows {
		d, _, err := s.documentView(r, true)
		if err != nil {
			return View{}, err
		}
		v.Documents = append(v.Documents, d)
	}
	err = s.store.InTx(ctx, func(q store.Queries) error {
		return s.audit(ctx, q, c, "account:"+p.Account.ID, "wallet.read", p.Account.IDNumber, "wallet",
			map[string]any{"documents": len(v.Documents)})
	})
	return v, failure.Unexpected(err)
}

// Document returns one wallet document; the read is audited.
func (s *Service) Document(ctx context.Context, c account.Caller, p account.Principal, unlock string, kind sources.Kind, number string) (Document, error) {
	if err := requireLevel(p, 1); err != nil {
		return Document{}, err
	}
	if err := s.CheckUnlocked(p, unlock); err != nil {
		return Document{}, err
	}
	row, err := s.store.WalletDocument(ctx, p.Account.ID, kind, sources.NormalizeNumber(kind, number))
	if errors.Is(err, store.ErrNotFound) {
		return Document{}, ErrDocumentNotFound
	}
	if err != nil {
		return Document{}, failure.Unexpected(err)
	}
	d, _, err := s.documentView(row, true)
	if err != nil {
		return Document{}, err
	}
	err = s.store.InTx(ctx, func(q store.Queries) error {
		return s.audit(ctx, q, c, "account:"+p.Account.ID, "wallet.document.read", p.Account.IDNumber, "wallet",
			map[string]any{"kind": kind})
	})
	return d, failure.Unexpected(err)
}
