// Package fingerprint reads and writes ISO/IEC 19794-2 finger minutiae
// records (the 2005 and the 2011 editions) and compares two finger views 1:1
// with a minutiae matcher of its own: Minutia Cylinder-Code local structures
// consolidated by a seeded global alignment, with a score calibrated on
// false match rates (see Compare, ThresholdFor and docs/fingerprint.md).
//
// # Record layout (ISO/IEC 19794-2:2005, all integers big-endian)
//
// General header, 24 bytes:
//
//	0  4  format identifier "FMR\x00"
//	4  4  version " 20\x00"
//	8  4  total record length in bytes, header included
//	12 2  capture equipment: 4 bits compliance/certification flags, 12 bits equipment ID
//	14 2  image width in pixels    16 2  image height in pixels
//	18 2  X resolution, pixels/cm  20 2  Y resolution, pixels/cm
//	22 1  number of finger views   23 1  reserved, 0
//
// Each finger view: finger position (1 byte, 0–10), view number (high 4
// bits) and impression type (low 4 bits), finger quality (0–100), number of
// minutiae (1 byte), then 6 bytes per minutia — type (2 bits: 01 ridge
// ending, 10 bifurcation, 00 other) and X (14 bits); 2 reserved bits (0) and
// Y (14 bits); angle (1 byte, units of 360/256 degrees, counter-clockwise from
// the horizontal pointing right, image Y axis pointing down); quality (0–100)
// — then a 2-byte extended data length and that many bytes of extended data.
//
// The 2011 layout (version "030\x00") is described on Version2011.
//
// Reading of ambiguous points (documented, enforced by Parse):
//
//   - The record length is 4 bytes. The 2-byte length that is 0 when a 4-byte
//     length follows (a 6-byte form) belongs to ANSI/INCITS 378-2004, whose
//     header also carries a CBEFF product identifier and is 26 bytes long; it
//     shares the "FMR\x00" " 20\x00" prefix. Parse does not read ANSI 378: when
//     the 4-byte reading does not fit but a 2- or 6-byte reading does, it
//     fails with ErrUnsupported so the caller can tell the two apart.
//   - Reserved bits and the reserved header byte must be 0; minutia type 11
//     is reserved and refused. Finger and minutia qualities must be 0–100.
//   - Impression types accepted: 0 live-scan plain, 1 live-scan rolled,
//     2 non-live-scan plain, 3 non-live-scan rolled, 8 swipe.
//   - Minutia coordinates must lie inside the image: 0 ≤ X < width,
//     0 ≤ Y < height. Resolutions must be non-zero.
//   - Two views of the same known finger must have different view numbers.
//   - Extended data is kept raw. ExtendedBlocks splits it into typed blocks
//     (2-byte type, 2-byte length of the data that follows); Parse does not
//     require that framing, because vendors differ on it.
package fingerprint

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// Errors returned by Parse and Marshal. Every Parse error wraps ErrMalformed
// and one of the more specific kinds below; every Marshal error wraps
// ErrInvalid and one of the specific kinds.
var (
	// ErrMalformed is wrapped by every Parse error.
	ErrMalformed = errors.New("malformed finger minutiae record")
	// ErrInvalid is wrapped by every Marshal error.
	ErrInvalid = errors.New("invalid finger minutiae record")
	// ErrTruncated: the data ends before a field does.
	ErrTruncated = errors.New("truncated")
	// ErrFormat: the format identifier or version is not ISO/IEC
	// 19794-2:2005 or 19794-2:2011.
	ErrFormat = errors.New("not an ISO/IEC 19794-2 record")
	// ErrUnsupported: a related format (ANSI/INCITS 378-2004) was recognised.
	ErrUnsupported = errors.New("unsupported record format")
	// ErrLength: a length field disagrees with the data.
	ErrLength = errors.New("length mismatch")
	// ErrCount: a count is out of range or inconsistent.
	ErrCount = errors.New("count out of range")
	// ErrRange: a field value is outside its allowed range.
	ErrRange = errors.New("value out of range")
	// ErrTrailing: bytes remain after the last finger view.
	ErrTrailing = errors.New("trailing bytes")
)

// FieldError describes one problem in a record: where it is and what kind it
// is. It unwraps to both Base (ErrMalformed or ErrInvalid) and Kind.
type FieldError struct {
	Base   error  // ErrMalformed (Parse) or ErrInvalid (Marshal)
	Kind   error  // ErrTruncated, ErrFormat, ErrLength, …
	Offset int    // byte offset of the field for Parse, -1 for Marshal
	Field  string // e.g. "view 0 minutia 3 X"
	Detail string
}

// Error implements error.
func (e *FieldError) Error() string {
	s := fmt.Sprintf("fingerprint: %v: %s: %v", e.Base, e.Field, e.Kind)
	if e.Offset >= 0 {
		s += fmt.Sprintf(" at byte %d", e.Offset)
	}
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	return s
}

// Unwrap returns Base and Kind so errors.Is works with either.
func (e *FieldError) Unwrap() []error { return []error{e.Base, e.Kind} }

// Format constants.
const (
	// HeaderLen is the length of the 2005 general record header.
	HeaderLen = 24
	// viewHeaderLen is the finger view header length.
	viewHeaderLen = 4
	// MinutiaLen is the encoded length of one minutia.
	MinutiaLen = 6
	// MaxMinutiae is the most minutiae one view can hold (1-byte count).
	MaxMinutiae = 255
	// MaxViews is the most finger views one 2005 record can hold (1-byte
	// count).
	MaxViews = 255
	// MaxCoordinate is the largest X or Y a 14-bit field holds.
	MaxCoordinate = 1<<14 - 1
	// MaxQuality is the largest finger or minutia quality.
	MaxQuality = 100
	// DefaultResolution is 500 ppi in pixels per centimetre (the usual
	// scanner resolution), used by the matcher when a view carries none.
	DefaultResolution = 197

	magic       = "FMR\x00"
	version2005 = " 20\x00"
	version2011 = "030\x00"
)

// MinutiaType is the 2-bit minutia type.
type MinutiaType uint8

// Minutia types. Type 3 is reserved.
const (
	TypeOther       MinutiaType = 0
	TypeEnding      MinutiaType = 1
	TypeBifurcation MinutiaType = 2
)

// String returns the English name of the type.
func (t MinutiaType) String() string {
	switch t {
	case TypeOther:
		return "other"
	case TypeEnding:
		return "ridge ending"
	case TypeBifurcation:
		return "bifurcation"
	}
	return fmt.Sprintf("reserved(%d)", uint8(t))
}

// Impression types accepted in a finger view.
const (
	ImpressionLivePlain    = 0
	ImpressionLiveRolled   = 1
	ImpressionNonLivePlain = 2
	ImpressionNonLiveRoll  = 3
	ImpressionSwipe        = 8
)

// Minutia is one ridge ending, bifurcation or other minutia.
type Minutia struct {
	Type MinutiaType
	// X and Y are pixel coordinates, origin at the top left of the image,
	// Y pointing down.
	X, Y int
	// Angle is the minutia direction in RADIANS in [0, 2π), counter-clockwise
	// from the horizontal axis pointing right, as seen on the image. The
	// record stores it in units of 2π/256; Marshal rounds to the nearest unit
	// (Parse(Marshal) therefore quantises arbitrary angles).
	Angle float64
	// Quality is 0–100 (0: not reported).
	Quality int
}

// AngleCode returns the angle in the record's units of 360/256 degrees,
// rounded and reduced to 0–255. It returns false for NaN or infinite angles.
func (m Minutia) AngleCode() (uint8, bool) {
	if math.IsNaN(m.Angle) || math.IsInf(m.Angle, 0) {
		return 0, false
	}
	c := math.Round(m.Angle * 256 / (2 * math.Pi))
	c = math.Mod(c, 256)
	if c < 0 {
		c += 256
	}
	return uint8(c), true
}

// AngleFromCode converts a record angle code (units of 360/256 degrees) to
// radians.
func AngleFromCode(c uint8) float64 { return float64(c) * 2 * math.Pi / 256 }

// View is one finger view: the minutiae of one impression of one finger.
type View struct {
	Position FingerPosition
	// ViewNumber tells apart several views of the same finger (0–15).
	ViewNumber int
	// Impression is the impression type (ImpressionLivePlain, …).
	Impression int
	// Quality is the finger quality, 0–100.
	Quality  int
	Minutiae []Minutia
	// Extended is the raw extended data (nil when its length is 0).
	Extended []byte
	// ResolutionX and ResolutionY are the image resolutions in pixels per
	// centimetre, and Width and Height the image size in pixels. A 2011
	// record carries them per representation; a 2005 record once for all
	// views, and Parse copies them into every view so that a View can be
	// matched on its own. Marshal of a 2005 record refuses a view whose
	// non-zero values differ from the Record's; Marshal of a 2011 record
	// writes these, taking the Record's where they are zero. A zero
	// resolution means DefaultResolution to the matcher.
	ResolutionX, ResolutionY int
	Width, Height            int

	// The fields below are ISO/IEC 19794-2:2011 only. Parse of a 2005 record
	// leaves them zero, Marshal of a 2005 record ignores them, and Convert
	// maps what has a counterpart.

	// CaptureTime is the capture date and time (UTC).
	CaptureTime CaptureTime
	// DeviceTechnology is the capture device technology ID: 0 unknown,
	// 1–20 (optical TIR … glass fibre, ISO/IEC 19794-2:2011 Table 2).
	DeviceTechnology uint8
	// DeviceVendor and DeviceType are the capture device vendor ID (an IBIA
	// organisation ID, 0 unreported) and the vendor's device type ID.
	DeviceVendor, DeviceType uint16
	// QualityBlocks are the finger's quality records. Parse of a 2011
	// record also sets Quality to the first block's score (0 when there is
	// none, or when it is 255, "failed"); 2011 Marshal writes QualityBlocks
	// and ignores Quality.
	QualityBlocks []QualityBlock
	// Certifications are the certification blocks; the Record's
	// Certified flag must be set for a view to carry any.
	Certifications []Certification
	// EndingType tells where ridge endings are placed.
	EndingType EndingType
	// MinutiaQualityOmitted: the minutiae are encoded in 5 bytes, without
	// quality. Parse then sets every minutia's Quality to
	// MinutiaQualityNotReported, and Marshal requires that value.
	MinutiaQualityOmitted bool
}

// Record is an ISO/IEC 19794-2 finger minutiae record, 2005 or 2011.
type Record struct {
	// Version is the edition the record was read from and that Marshal
	// writes; the zero value is Version2005.
	Version Version
	// Compliance is the 4-bit capture equipment compliance field (the high
	// bit flags certification to the FBI Appendix F image quality spec).
	// 2005 only.
	Compliance uint8
	// EquipmentID is the 12-bit vendor-assigned capture equipment ID. 2005
	// only.
	EquipmentID uint16
	// Certified is the 2011 certification flag: every representation
	// carries a (possibly empty) list of certification blocks. 2011 only.
	Certified bool
	// Width and Height are the image size in pixels.
	Width, Height int
	// ResolutionX and ResolutionY are in pixels per centimetre (197 ≈ 500 ppi).
	// A 2011 record has these per view; Parse sets the Record's from the
	// first view (zero when there is none).
	ResolutionX, ResolutionY int
	Views                    []View
}

// Parse decodes an ISO/IEC 19794-2 finger minutiae record, 2005 (version
// " 20") or 2011 (version "030"), and sets Record.Version. It is strict:
// every length and count must agree with the data, every field must be in
// range and nothing may follow the last view. Errors are *FieldError values
// wrapping ErrMalformed and a specific kind.
func Parse(b []byte) (Record, error) {
	if len(b) < 8 {
		return Record{}, malformed(ErrTruncated, len(b), "header", "%d bytes, need at least 8", len(b))
	}
	if string(b[0:4]) != magic {
		return Record{}, malformed(ErrFormat, 0, "format identifier", "%q, want %q", b[0:4], magic)
	}
	switch string(b[4:8]) {
	case version2005:
		return parse2005(b)
	case version2011:
		return parse2011(b)
	}
	return Record{}, malformed(ErrFormat, 4, "version", "%q, want %q (2005) or %q (2011)", b[4:8], version2005, version2011)
}

// malformed returns a Parse error.
func malformed(kind error, off int, field, detail string, args ...any) error {
	return &FieldError{Base: ErrMalformed, Kind: kind, Offset: off, Field: field, Detail: fmt.Sprintf(detail, args...)}
}

// invalid returns a Marshal error.
func invalid(kind error, field, detail string, args ...any) error {
	return &FieldError{Base: ErrInvalid, Kind: kind, Offset: -1, Field: field, Detail: fmt.Sprintf(detail, args...)}
}

func parse2005(b []byte) (Record, error) {
	var r Record
	fail := func(kind error, off int, field, detail string, args ...any) (Record, error) {
		return Record{}, malformed(kind, off, field, detail, args...)
	}
	if len(b) < HeaderLen {
		return fail(ErrTruncated, len(b), "header", "%d bytes, need %d", len(b), HeaderLen)
	}
	length := binary.BigEndian.Uint32(b[8:12])
	if uint64(length) != uint64(len(b)) {
		if l2 := binary.BigEndian.Uint16(b[8:10]); int(l2) == len(b) || (l2 == 0 && uint64(binary.BigEndian.Uint32(b[10:14])) == uint64(len(b))) {
			return fail(ErrUnsupported, 8, "record length", "the 2/6-byte length fits: an ANSI/INCITS 378-2004 record?")
		}
		if uint64(length) > uint64(len(b)) {
			return fail(ErrTruncated, 8, "record length", "says %d bytes, have %d", length, len(b))
		}
		return fail(ErrLength, 8, "record length", "says %d bytes, have %d", length, len(b))
	}
	ce := binary.BigEndian.Uint16(b[12:14])
	r.Compliance = uint8(ce >> 12)
	r.EquipmentID = ce & 0x0fff
	r.Width = int(binary.BigEndian.Uint16(b[14:16]))
	r.Height = int(binary.BigEndian.Uint16(b[16:18]))
	r.ResolutionX = int(binary.BigEndian.Uint16(b[18:20]))
	r.ResolutionY = int(binary.BigEndian.Uint16(b[20:22]))
	if r.ResolutionX == 0 {
		return fail(ErrRange, 18, "X resolution", "0 pixels/cm")
	}
	if r.ResolutionY == 0 {
		return fail(ErrRange, 20, "Y resolution", "0 pixels/cm")
	}
	nViews := int(b[22])
	if b[23] != 0 {
		return fail(ErrRange, 23, "reserved header byte", "%#02x, want 0", b[23])
	}
	// Every view needs at least 6 bytes (4 header + 2 extended length).
	if rest := len(b) - HeaderLen; nViews*(viewHeaderLen+2) > rest {
		return fail(ErrCount, 22, "number of finger views", "%d views cannot fit in %d bytes", nViews, rest)
	}
	off := HeaderLen
	r.Views = make([]View, 0, nViews)
	type key struct {
		pos  FingerPosition
		view int
	}
	seen := make(map[key]bool, nViews)
	for vi := range nViews {
		name := fmt.Sprintf("view %d", vi)
		if len(b)-off < viewHeaderLen {
			return fail(ErrTruncated, off, name+" header", "")
		}
		v := View{
			Position:    FingerPosition(b[off]),
			ViewNumber:  int(b[off+1] >> 4),
			Impression:  int(b[off+1] & 0x0f),
			Quality:     int(b[off+2]),
			ResolutionX: r.ResolutionX,
			ResolutionY: r.ResolutionY,
			Width:       r.Width,
			Height:      r.Height,
		}
		if !v.Position.Valid() {
			return fail(ErrRange, off, name+" finger position", "%d, want 0–10", b[off])
		}
		if !validImpression(v.Impression) {
			return fail(ErrRange, off+1, name+" impression type", "%d", v.Impression)
		}
		if v.Quality > MaxQuality {
			return fail(ErrRange, off+2, name+" finger quality", "%d, want 0–100", v.Quality)
		}
		if k := (key{v.Position, v.ViewNumber}); v.Position != PositionUnknown {
			if seen[k] {
				return fail(ErrCount, off, name, "second view %d of %s", v.ViewNumber, v.Position.English())
			}
			seen[k] = true
		}
		nMin := int(b[off+3])
		off += viewHeaderLen
		if len(b)-off < nMin*MinutiaLen {
			return fail(ErrTruncated, off, name+" minutiae", "%d minutiae need %d bytes, have %d", nMin, nMin*MinutiaLen, len(b)-off)
		}
		if nMin > 0 {
			v.Minutiae = make([]Minutia, nMin)
		}
		for mi := range nMin {
			mname := fmt.Sprintf("%s minutia %d", name, mi)
			p := b[off : off+MinutiaLen]
			x := binary.BigEndian.Uint16(p[0:2])
			y := binary.BigEndian.Uint16(p[2:4])
			m := Minutia{
				Type:    MinutiaType(x >> 14),
				X:       int(x & MaxCoordinate),
				Y:       int(y & MaxCoordinate),
				Angle:   AngleFromCode(p[4]),
				Quality: int(p[5]),
			}
			if m.Type > TypeBifurcation {
				return fail(ErrRange, off, mname+" type", "reserved type 3")
			}
			if y>>14 != 0 {
				return fail(ErrRange, off+2, mname+" reserved bits", "%d, want 0", y>>14)
			}
			if m.X >= r.Width {
				return fail(ErrRange, off, mname+" X", "%d outside image width %d", m.X, r.Width)
			}
			if m.Y >= r.Height {
				return fail(ErrRange, off+2, mname+" Y", "%d outside image height %d", m.Y, r.Height)
			}
			if m.Quality > MaxQuality {
				return fail(ErrRange, off+5, mname+" quality", "%d, want 0–100", m.Quality)
			}
			v.Minutiae[mi] = m
			off += MinutiaLen
		}
		if len(b)-off < 2 {
			return fail(ErrTruncated, off, name+" extended data length", "")
		}
		ext := int(binary.BigEndian.Uint16(b[off : off+2]))
		off += 2
		if len(b)-off < ext {
			return fail(ErrTruncated, off-2, name+" extended data", "says %d bytes, have %d", ext, len(b)-off)
		}
		if ext > 0 {
			v.Extended = append([]byte(nil), b[off:off+ext]...)
		}
		off += ext
		r.Views = append(r.Views, v)
	}
	if off != len(b) {
		return fail(ErrTrailing, off, "after last view", "%d bytes", len(b)-off)
	}
	return r, nil
}

// validImpression reports whether t is an impression type of the 2005
// edition.
func validImpression(t int) bool {
	switch t {
	case ImpressionLivePlain, ImpressionLiveRolled, ImpressionNonLivePlain, ImpressionNonLiveRoll, ImpressionSwipe:
		return true
	}
	return false
}

// Marshal encodes r in the edition r.Version names (the zero value writes
// 2005), writing the fields of that edition (see View for which fields
// belong to which). It checks every field against the ranges Parse
// enforces, so whatever Marshal returns, Parse accepts; for a Record that
// Parse returned, Marshal reproduces the input bytes exactly. Angles are
// rounded to the record's 360/256-degree units. Errors wrap ErrInvalid.
func (r Record) Marshal() ([]byte, error) {
	switch r.Version {
	case Version2005:
		return r.marshal2005()
	case Version2011:
		return r.marshal2011()
	}
	return nil, invalid(ErrFormat, "version", "%d", r.Version)
}

func (r Record) marshal2005() ([]byte, error) {
	fail := func(kind error, field, detail string, args ...any) ([]byte, error) {
		return nil, invalid(kind, field, detail, args...)
	}
	if r.Compliance > 0x0f {
		return fail(ErrRange, "compliance", "%d does not fit in 4 bits", r.Compliance)
	}
	if r.EquipmentID > 0x0fff {
		return fail(ErrRange, "equipment ID", "%d does not fit in 12 bits", r.EquipmentID)
	}
	for _, f := range []struct {
		name string
		v    int
		min  int
	}{{"width", r.Width, 0}, {"height", r.Height, 0}, {"X resolution", r.ResolutionX, 1}, {"Y resolution", r.ResolutionY, 1}} {
		if f.v < f.min || f.v > math.MaxUint16 {
			return fail(ErrRange, f.name, "%d", f.v)
		}
	}
	if len(r.Views) > MaxViews {
		return fail(ErrCount, "number of finger views", "%d, at most %d", len(r.Views), MaxViews)
	}
	size := HeaderLen
	for _, v := range r.Views {
		size += viewHeaderLen + MinutiaLen*len(v.Minutiae) + 2 + len(v.Extended)
	}
	if uint64(size) > math.MaxUint32 {
		return fail(ErrLength, "record length", "%d bytes", size)
	}
	b := make([]byte, 0, size)
	b = append(b, magic...)
	b = append(b, version2005...)
	b = binary.BigEndian.AppendUint32(b, uint32(size))
	b = binary.BigEndian.AppendUint16(b, uint16(r.Compliance)<<12|r.EquipmentID)
	b = binary.BigEndian.AppendUint16(b, uint16(r.Width))
	b = binary.BigEndian.AppendUint16(b, uint16(r.Height))
	b = binary.BigEndian.AppendUint16(b, uint16(r.ResolutionX))
	b = binary.BigEndian.AppendUint16(b, uint16(r.ResolutionY))
	b = append(b, byte(len(r.Views)), 0)
	type key struct {
		pos  FingerPosition
		view int
	}
	seen := make(map[key]bool, len(r.Views))
	for vi, v := range r.Views {
		name := fmt.Sprintf("view %d", vi)
		switch {
		case !v.Position.Valid():
			return fail(ErrRange, name+" finger position", "%d", v.Position)
		case v.ViewNumber < 0 || v.ViewNumber > 15:
			return fail(ErrRange, name+" view number", "%d, want 0–15", v.ViewNumber)
		case !validImpression(v.Impression):
			return fail(ErrRange, name+" impression type", "%d", v.Impression)
		case v.Quality < 0 || v.Quality > MaxQuality:
			return fail(ErrRange, name+" finger quality", "%d", v.Quality)
		case len(v.Minutiae) > MaxMinutiae:
			return fail(ErrCount, name+" minutiae", "%d, at most %d", len(v.Minutiae), MaxMinutiae)
		case len(v.Extended) > math.MaxUint16:
			return fail(ErrLength, name+" extended data", "%d bytes, at most 65535", len(v.Extended))
		case v.ResolutionX != 0 && v.ResolutionX != r.ResolutionX, v.ResolutionY != 0 && v.ResolutionY != r.ResolutionY:
			return fail(ErrRange, name+" resolution", "%d×%d differs from the record's %d×%d (a 2005 record has one)", v.ResolutionX, v.ResolutionY, r.ResolutionX, r.ResolutionY)
		case v.Width != 0 && v.Width != r.Width, v.Height != 0 && v.Height != r.Height:
			return fail(ErrRange, name+" image size", "%d×%d differs from the record's %d×%d (a 2005 record has one)", v.Width, v.Height, r.Width, r.Height)
		}
		if k := (key{v.Position, v.ViewNumber}); v.Position != PositionUnknown {
			if seen[k] {
				return fail(ErrCount, name, "second view %d of %s", v.ViewNumber, v.Position.English())
			}
			seen[k] = true
		}
		b = append(b, byte(v.Position), byte(v.ViewNumber<<4|v.Impression), byte(v.Quality), byte(len(v.Minutiae)))
		for mi, m := range v.Minutiae {
			mname := fmt.Sprintf("%s minutia %d", name, mi)
			code, ok := m.AngleCode()
			switch {
			case m.Type > TypeBifurcation:
				return fail(ErrRange, mname+" type", "%d", m.Type)
			case m.X < 0 || m.X >= r.Width:
				return fail(ErrRange, mname+" X", "%d outside image width %d", m.X, r.Width)
			case m.Y < 0 || m.Y >= r.Height:
				return fail(ErrRange, mname+" Y", "%d outside image height %d", m.Y, r.Height)
			case m.X > MaxCoordinate || m.Y > MaxCoordinate:
				return fail(ErrRange, mname+" position", "does not fit in 14 bits")
			case !ok:
				return fail(ErrRange, mname+" angle", "%v", m.Angle)
			case m.Quality < 0 || m.Quality > MaxQuality:
				return fail(ErrRange, mname+" quality", "%d", m.Quality)
			}
			b = binary.BigEndian.AppendUint16(b, uint16(m.Type)<<14|uint16(m.X))
			b = binary.BigEndian.AppendUint16(b, uint16(m.Y))
			b = append(b, code, byte(m.Quality))
		}
		b = binary.BigEndian.AppendUint16(b, uint16(len(v.Extended)))
		b = append(b, v.Extended...)
	}
	return b, nil
}

// ExtendedBlock is one block of a view's extended data.
type ExtendedBlock struct {
	// Type is the block type: 0x0001 ridge counts, 0x0002 cores and deltas,
	// 0x0003 zonal quality, others vendor-defined. 0x0000 is reserved.
	Type uint16
	// Data is the block's data, without its 4-byte type and length.
	Data []byte
}

// ExtendedBlocks splits v.Extended into blocks, reading each as a 2-byte
// type, a 2-byte length of the data that follows (the reading of
// 19794-2:2005 this package takes; some writers may count the 4 header bytes
// too) and the data. It returns an error wrapping ErrMalformed if the framing
// does not cover the extended data exactly.
func (v View) ExtendedBlocks() ([]ExtendedBlock, error) {
	var out []ExtendedBlock
	b := v.Extended
	for off := 0; off < len(b); {
		if len(b)-off < 4 {
			return nil, &FieldError{Base: ErrMalformed, Kind: ErrTruncated, Offset: off, Field: "extended block header"}
		}
		t := binary.BigEndian.Uint16(b[off:])
		n := int(binary.BigEndian.Uint16(b[off+2:]))
		if t == 0 {
			return nil, &FieldError{Base: ErrMalformed, Kind: ErrRange, Offset: off, Field: "extended block type", Detail: "reserved type 0"}
		}
		if len(b)-off-4 < n {
			return nil, &FieldError{Base: ErrMalformed, Kind: ErrTruncated, Offset: off + 2, Field: "extended block length", Detail: fmt.Sprintf("says %d bytes, have %d", n, len(b)-off-4)}
		}
		out = append(out, ExtendedBlock{Type: t, Data: b[off+4 : off+4+n]})
		off += 4 + n
	}
	return out, nil
}
