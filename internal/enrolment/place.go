// Package enrolment holds the rules of the level-2 enrolment desk (letters
// 1 and 2): where a citizen may enrol, and, as the desk grows, the capture
// and verification of portrait and fingerprints. It knows nothing of HTTP or
// SQL.
package enrolment

import (
	"github.com/vneid/vneid/internal/adminunit"
	"github.com/vneid/vneid/internal/failure"
)

// ErrWrongPlace: without a valid chip card the citizen must enrol at the
// police of their permanent or temporary residence.
var ErrWrongPlace = failure.New("enrolment_wrong_place", failure.Forbidden,
	"Công dân chưa có thẻ Căn cước công dân gắn chip, hoặc thẻ bị mất, hỏng hay cần đổi, làm thủ tục tại Công an cấp huyện hoặc cấp xã nơi thường trú hoặc tạm trú.",
	"Without a valid chip ID card (or when it is lost, damaged or being replaced), the citizen enrols at the district or commune police of their permanent or temporary residence.")

// ErrUnknownPlace: an address or office unit is not in the hierarchy.
var ErrUnknownPlace = failure.New("enrolment_unknown_place", failure.Invalid,
	"Không xác định được đơn vị hành chính của nơi cư trú hoặc của cơ quan Công an.",
	"The administrative unit of the residence or of the police office is not known.")

// Place is what the place rule looks at.
type Place struct {
	// ValidChipCard: the citizen holds a chip card valid today and is not
	// asking for it to be replaced (lost, damaged, renewal).
	ValidChipCard bool
	// Residence are the unit codes of the permanent and temporary
	// residence (communes, or coarser when that is all that is known).
	Residence []string
	// Office is the unit code of the area the police office serves (a
	// district or commune; a province for provincial police).
	Office string
}

// CheckPlace applies the place rule of letter 1 (step 2): a citizen with a
// valid chip card may enrol at any office; one without, or whose card is
// lost, damaged or being renewed, only at an office whose area holds their
// permanent or temporary residence.
func CheckPlace(h *adminunit.Hierarchy, p Place) error {
	if p.ValidChipCard {
		return nil
	}
	if _, ok := h.Unit(p.Office); !ok {
		return ErrUnknownPlace.WithFields("office")
	}
	known := false
	for _, r := range p.Residence {
		if _, ok := h.Unit(r); !ok {
			continue
		}
		known = true
		if h.Contains(p.Office, r) {
			return nil
		}
	}
	if !known {
		return ErrUnknownPlace.WithFields("residence")
	}
	return ErrWrongPlace
}
