package eid

import (
	"context"
	"errors"

	"github.com/vneid/vneid/internal/account"
	"github.com/vneid/vneid/internal/chipauth"
	"github.com/vneid/vneid/internal/failure"
	"github.com/vneid/vneid/internal/registry"
)

// ErrChipFilesInvalid: the chip files sent for a device change are
// missing, unknown or of a bad size.
var ErrChipFilesInvalid = failure.New("chip_files_invalid", failure.Invalid,
	"Dữ liệu đọc từ chip không đầy đủ hoặc không hợp lệ. Vui lòng đọc lại thẻ.",
	"The data read from the chip is incomplete or not valid. Please read the card again.")

// DeviceChip is the ID card's chip as the new device read it for a device
// change (account.StartDeviceChangeByChip): its files and its answer to
// the change's challenge. No portrait is needed.
type DeviceChip struct {
	// Files are the chip files by name: "sod", "dg1", "dg13" and "dg15"
	// are required; "com", "dg2" and "dg14" (needed for an EC
	// active-authentication key) may be sent.
	Files map[string][]byte
	// AASignature is the chip's answer to the change's challenge.
	AASignature []byte
}

// deviceChipRequired are the files a device change needs.
var deviceChipRequired = []string{"sod", "dg1", "dg13", "dg15"}

// CheckDeviceChipFiles checks the names and sizes of d's files and its
// answer, so that a malformed read is refused before a try of the change
// is spent.
func (s *Service) CheckDeviceChipFiles(d DeviceChip) error {
	_, err := s.deviceChip(d)
	return err
}

func (s *Service) deviceChip(d DeviceChip) (chipauth.Chip, error) {
	chip := chipauth.Chip{Groups: map[int][]byte{}}
	for name, b := range d.Files {
		n, ok := evidenceKind(name)
		if !ok || len(b) == 0 || len(b) > s.cfg.MaxFileBytes {
			return chip, ErrChipFilesInvalid.WithFields("files." + name)
		}
		switch {
		case n > 0:
			chip.Groups[n] = b
		case n < 0:
			chip.SOD = b
		}
	}
	for _, need := range deviceChipRequired {
		if _, ok := d.Files[need]; !ok {
			return chip, ErrChipFilesInvalid.WithFields("files." + need)
		}
	}
	if len(d.AASignature) == 0 || len(d.AASignature) > 1024 {
		return chip, ErrChipFilesInvalid.WithFields("aa_signature")
	}
	return chip, nil
}

// DeviceChipChecker returns the account.ChipChecker for d, to pass to
// account.CompleteDeviceChangeByChip. It refuses, in this order:
//   - malformed files (chip_files_invalid);
//   - a chip that fails passive authentication against the trust list or
//     whose DG15 key does not sign this change's challenge (an answer to
//     another change's challenge included), or that is not a Vietnamese
//     card (chip_refused, with the reason);
//   - an authentic card of another citizen (chip_not_yours);
//   - the holder's card that is not their current valid chip card in the
//     population database: expired, lost, revoked or replaced by a newer
//     one (card_not_valid).
//
// The registry read is audited.
func (s *Service) DeviceChipChecker(c Caller, d DeviceChip) account.ChipChecker {
	return func(ctx context.Context, want account.DeviceChipCheck) error {
		return s.checkDeviceChip(ctx, c, d, want)
	}
}

func (s *Service) checkDeviceChip(ctx context.Context, c Caller, d DeviceChip, want account.DeviceChipCheck) error {
	chip, err := s.deviceChip(d)
	if err != nil {
		return err
	}
	now := s.now()
	trust, err := s.trustList(ctx)
	if err != nil {
		return err
	}
	v := &chipauth.Verifier{Trust: trust, Required: []int{1, 13, 15}}
	res, err := v.Passive(chip, now)
	if err != nil {
		return chipRefusal(err)
	}
	if err := chipauth.Active(res, want.Challenge, d.AASignature); err != nil {
		return chipRefusal(err)
	}
	if res.DG1.IssuingState != "VNM" {
		return ErrChipRefused.WithReason(string(chipauth.ReasonDSCountry))
	}
	chipID := res.DG1.PersonalID
	if chipID == "" {
		chipID = res.DG13.IDNumber
	}
	if chipID != want.IDNumber || (res.DG13.IDNumber != "" && res.DG13.IDNumber != want.IDNumber) {
		return ErrChipNotYours
	}
	cit, err := s.citizen(ctx, want.IDNumber)
	if errors.Is(err, registry.ErrNotFound) {
		return account.ErrCitizenNotFound
	}
	if err != nil {
		return err
	}
	if err := s.audit(ctx, s.store, c, "account:"+want.AccountID, "registry.citizen.read", cit.ID, "device_change",
		map[string]any{"change": want.ChangeID, "fields": []string{"life_status", "cards"}}); err != nil {
		return err
	}
	if !s.isCurrentCard(res, cit) {
		return account.ErrCardNotValid
	}
	return nil
}

// isCurrentCard reports whether the chip is the citizen's current card: the
// population database's most recent valid card is a chip card issued on
// the chip's issue date, and the chip has not expired.
func (s *Service) isCurrentCard(res *chipauth.Result, cit registry.Citizen) bool {
	today := s.today()
	if cit.LifeStatus != registry.Alive || res.DG13.IssueDate.IsZero() {
		return false
	}
	card, ok := cit.CurrentCard(today)
	if !ok || !card.Chip || card.IssueDate != res.DG13.IssueDate {
		return false
	}
	return res.DG1.DateOfExpiry.IsZero() || !res.DG1.DateOfExpiry.Before(today)
}

// chipRefusal turns a chip authentication failure into chip_refused with
// its reason.
func chipRefusal(err error) error {
	var f *chipauth.Failure
	if errors.As(err, &f) {
		return ErrChipRefused.WithReason(string(f.Reason))
	}
	return err
}
