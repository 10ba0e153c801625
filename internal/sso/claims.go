package sso

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/vneid/vneid/internal/eid"
	"github.com/vneid/vneid/internal/identity"
	"github.com/vneid/vneid/internal/registry"
	"github.com/vneid/vneid/internal/sources"
	"github.com/vneid/vneid/internal/store"
)

// fillClaims sets the claims of the data scopes, read from the population
// database at the time of the request (never a copy made at login); the
// read is audited, and a release through userinfo is a usage record.
func (s *Service) fillClaims(ctx context.Context, ui *oidc.UserInfo, accountID, clientID string, scopes []string, via string) error {
	if len(dataScopes(scopes)) == 0 {
		return nil
	}
	a, err := s.st.Account(ctx, accountID)
	if err != nil {
		return err
	}
	cit, err := s.pop.Citizen(ctx, a.IDNumber)
	if err != nil {
		return err
	}
	if hasScope(scopes, ScopeProfile) {
		setName(ui, cit.FullName)
		ui.Birthdate = cit.DateOfBirth.String()
		switch cit.Gender {
		case identity.Male:
			ui.Gender = "male"
		case identity.Female:
			ui.Gender = "female"
		}
	}
	if hasScope(scopes, ScopePersonalID) {
		ui.PreferredUsername = cit.ID
		ui.AppendClaims("personal_id", cit.ID)
	}
	if hasScope(scopes, ScopeAddress) && !cit.PermanentAddress.IsZero() {
		ui.Address = address(cit.PermanentAddress)
	}
	if hasScope(scopes, ScopePortrait) {
		p, err := s.st.Portrait(ctx, cit.ID)
		if err == nil {
			img, err := s.box.Open(p.Data, eid.PortraitAD(cit.ID))
			if err != nil {
				return err
			}
			ui.AppendClaims("portrait", "data:"+http.DetectContentType(img)+";base64,"+base64.StdEncoding.EncodeToString(img))
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
	}
	if hasScope(scopes, ScopeDocuments) && a.Level >= 2 {
		docs, err := s.documents(ctx, accountID)
		if err != nil {
			return err
		}
		ui.AppendClaims("documents", docs)
	}
	ip := exchangeFrom(ctx).IP
	return s.st.InTx(ctx, func(q store.Queries) error {
		if err := s.audit(ctx, q, "client:"+clientID, "registry.citizen.read", cit.ID, "sso_"+via,
			map[string]any{"claims": claimNames(scopes)}); err != nil {
			return err
		}
		if via != "userinfo" {
			return nil
		}
		return s.usage(ctx, q, accountID, clientID, "release", ip, map[string]any{"claims": claimNames(scopes), "via": via})
	})
}

// setName splits a Vietnamese full name: the family name first, the given
// name last, the middle names between.
func setName(ui *oidc.UserInfo, full string) {
	ui.Name = full
	parts := strings.Fields(full)
	if len(parts) == 0 {
		return
	}
	ui.FamilyName = parts[0]
	if len(parts) > 1 {
		ui.GivenName = parts[len(parts)-1]
	}
	if len(parts) > 2 {
		ui.MiddleName = strings.Join(parts[1:len(parts)-1], " ")
	}
}

// address is the OIDC address claim of a residence.
func address(a registry.Address) *oidc.UserInfoAddress {
	var street []string
	for _, p := range []string{a.HouseNumber, a.Street, a.Hamlet} {
		if p = strings.TrimSpace(p); p != "" {
			street = append(street, p)
		}
	}
	locality := a.Commune
	if a.District != "" {
		locality += ", " + a.District
	}
	return &oidc.UserInfoAddress{Formatted: a.String(), StreetAddress: strings.Join(street, ", "),
		Locality: strings.TrimPrefix(locality, ", "), Region: a.Province, Country: "VN"}
}

// releasedDocument is one wallet document in the documents claim.
type releasedDocument struct {
	Kind   string         `json:"kind"`
	Number string         `json:"number"`
	Claims map[string]any `json:"claims"`
}

// documents lists the account's wallet documents valid today, with their
// attributes, as the source registry last gave them (level 2 only: the
// caller checks).
func (s *Service) documents(ctx context.Context, accountID string) ([]releasedDocument, error) {
	rows, err := s.st.WalletDocuments(ctx, accountID)
	if err != nil {
		return nil, err
	}
	today := identity.DateOf(s.now().In(time.FixedZone("ICT", 7*3600)))
	out := []releasedDocument{}
	for _, r := range rows {
		var d sources.Document
		if err := json.Unmarshal(r.Data, &d); err != nil {
			return nil, err
		}
		if r.Status != sources.StatusValid || !d.ValidOn(today) {
			continue
		}
		rd := releasedDocument{Kind: string(r.Kind), Number: r.Number, Claims: map[string]any{}}
		for _, c := range d.Claims() {
			rd.Claims[c.Name] = c.Value
		}
		out = append(out, rd)
	}
	return out, nil
}
