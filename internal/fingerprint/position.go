package fingerprint

import "fmt"

// FingerPosition is the finger position code of ISO/IEC 19794-2 (shared with
// ANSI/NIST-ITL and ISO/IEC 19794-4): 0 unknown, 1–5 right thumb to right
// little finger, 6–10 left thumb to left little finger.
type FingerPosition uint8

// Finger positions defined for single-finger minutiae records.
const (
	PositionUnknown   FingerPosition = 0
	RightThumb        FingerPosition = 1
	RightIndex        FingerPosition = 2
	RightMiddle       FingerPosition = 3
	RightRing         FingerPosition = 4
	RightLittle       FingerPosition = 5
	LeftThumb         FingerPosition = 6
	LeftIndex         FingerPosition = 7
	LeftMiddle        FingerPosition = 8
	LeftRing          FingerPosition = 9
	LeftLittle        FingerPosition = 10
	maxFingerPosition                = LeftLittle
)

// names returns the Vietnamese and English names of a valid position. It is
// a switch rather than a table so the package holds no mutable state.
func (p FingerPosition) names() (vi, en string) {
	switch p {
	case RightThumb:
		return "Ngón cái phải", "Right thumb"
	case RightIndex:
		return "Ngón trỏ phải", "Right index finger"
	case RightMiddle:
		return "Ngón giữa phải", "Right middle finger"
	case RightRing:
		return "Ngón áp út phải", "Right ring finger"
	case RightLittle:
		return "Ngón út phải", "Right little finger"
	case LeftThumb:
		return "Ngón cái trái", "Left thumb"
	case LeftIndex:
		return "Ngón trỏ trái", "Left index finger"
	case LeftMiddle:
		return "Ngón giữa trái", "Left middle finger"
	case LeftRing:
		return "Ngón áp út trái", "Left ring finger"
	case LeftLittle:
		return "Ngón út trái", "Left little finger"
	case PositionUnknown:
		return "Không xác định", "Unknown finger"
	}
	return fmt.Sprintf("Vị trí ngón không hợp lệ (%d)", uint8(p)), fmt.Sprintf("Invalid finger position (%d)", uint8(p))
}

// Valid reports whether p is one of the codes 0–10.
func (p FingerPosition) Valid() bool { return p <= maxFingerPosition }

// Vietnamese returns the Vietnamese name of the finger, e.g. "Ngón cái phải".
func (p FingerPosition) Vietnamese() string { vi, _ := p.names(); return vi }

// English returns the English name of the finger, e.g. "Right thumb".
func (p FingerPosition) English() string { _, en := p.names(); return en }

// String returns both names, "Ngón cái phải / Right thumb".
func (p FingerPosition) String() string { return p.Vietnamese() + " / " + p.English() }
