package fingerprint

import (
	"encoding/binary"
	"fmt"
	"math"
	"time"
)

// Version is the edition of ISO/IEC 19794-2 a Record is read from or
// written in.
type Version uint8

// Editions. The zero value is 2005, so records built before the 2011
// edition was supported marshal as they did.
const (
	// Version2005 is ISO/IEC 19794-2:2005, version " 20\x00"; its layout is
	// in the package documentation.
	Version2005 Version = iota
	// Version2011 is ISO/IEC 19794-2:2011, version "030\x00" (all integers
	// big-endian). General header, 15 bytes:
	//
	//	0  4  format identifier "FMR\x00"
	//	4  4  version "030\x00"
	//	8  4  total record length in bytes, header included
	//	12 2  number of finger representations
	//	14 1  certification flag: 0, or 1 when every representation has a
	//	      certification record
	//
	// Each finger representation:
	//
	//	4  representation length in bytes, these 4 included
	//	9  capture date and time, UTC: year (2), month, day, hour, minute,
	//	   second (1 each), millisecond (2); an unreported field is all
	//	   ones (0xff or 0xffff), and once one is unreported all that
	//	   follow are too
	//	1  capture device technology ID (0–20)
	//	2  capture device vendor ID    2  capture device type ID
	//	1  number of quality blocks, then 5 bytes each: score (0–100, or
	//	   255 failed), quality algorithm vendor ID (2), algorithm ID (2)
	//	   [certification flag 1 only: 1 byte number of certification
	//	   blocks, then 3 bytes each: authority ID (2), scheme ID (1)]
	//	1  finger position (0–10)       1  representation number (0–15)
	//	2  X resolution, pixels/cm      2  Y resolution, pixels/cm
	//	1  impression type (0–9, 24, 28, 29)
	//	2  image width in pixels        2  image height in pixels
	//	1  minutia field length (high 4 bits: 5 or 6) and ridge ending
	//	   type (low 4 bits: 0 valley skeleton bifurcation, 1 ridge
	//	   skeleton end point)
	//	1  number of minutiae, then 5 or 6 bytes each: type (2 bits) and
	//	   X (14 bits); 2 reserved bits (0) and Y (14 bits); angle (1 byte,
	//	   360/256 degrees); quality (0–100, 254 not reported, 255 failed)
	//	   when the field length is 6
	//	2  extended data length, then the extended data (kept raw)
	//
	// The representation length must cover its fields exactly, and the
	// record length the header and all representations.
	Version2011
)

// String names the edition, e.g. "ISO/IEC 19794-2:2011".
func (v Version) String() string {
	switch v {
	case Version2005:
		return "ISO/IEC 19794-2:2005"
	case Version2011:
		return "ISO/IEC 19794-2:2011"
	}
	return fmt.Sprintf("Version(%d)", uint8(v))
}

// Header and field lengths of the 2011 edition.
const (
	// HeaderLen2011 is the length of the 2011 general header.
	HeaderLen2011 = 15
	// MaxViews2011 is the most representations a 2011 record can hold
	// (2-byte count).
	MaxViews2011 = math.MaxUint16
	// min2011ViewLen is a representation with no quality, certification,
	// minutiae or extended data: length 4, date 9, technology 1, vendor
	// 2, type 2, quality count 1, position 1, number 1, resolutions 4,
	// impression 1, size 4, field length 1, count 1, extended length 2.
	min2011ViewLen  = 34
	qualityBlockLen = 5
	certBlockLen    = 3
	maxTechnology   = 20
)

// Special minutia and finger quality values of the 2011 edition.
const (
	// MinutiaQualityNotReported is a 2011 minutia quality: none computed.
	MinutiaQualityNotReported = 254
	// QualityFailed is a 2011 quality (minutia or quality block): the
	// computation failed.
	QualityFailed = 255
)

// EndingType is the 2011 ridge ending type: where ridge endings are placed.
type EndingType uint8

// Ridge ending types.
const (
	// EndingValleyBifurcation places a ridge ending at the bifurcation of
	// the valley skeleton (the 2005 edition's definition).
	EndingValleyBifurcation EndingType = 0
	// EndingRidgeEndPoint places it at the end point of the ridge skeleton.
	EndingRidgeEndPoint EndingType = 1
)

// QualityBlock is one 2011 quality record of a finger representation.
type QualityBlock struct {
	// Score is 0–100, or QualityFailed.
	Score int
	// Vendor is the quality algorithm vendor ID, Algorithm the vendor's
	// algorithm ID (0 when unreported).
	Vendor, Algorithm uint16
}

// Certification is one 2011 certification block.
type Certification struct {
	// Authority is the certification authority ID.
	Authority uint16
	// Scheme is the certification scheme ID.
	Scheme uint8
}

// CaptureTime is a 2011 capture date and time in UTC. Fields counts the
// reported fields in the order Year, Month, Day, Hour, Minute, Second,
// Millisecond (the record can only leave out a tail): 0 (the zero value)
// means not reported, 7 all reported. Fields beyond Fields must be 0.
type CaptureTime struct {
	Fields                                              int
	Year, Month, Day, Hour, Minute, Second, Millisecond int
}

// CaptureTimeOf returns t (converted to UTC) with all seven fields reported.
func CaptureTimeOf(t time.Time) CaptureTime {
	t = t.UTC()
	return CaptureTime{Fields: 7, Year: t.Year(), Month: int(t.Month()), Day: t.Day(),
		Hour: t.Hour(), Minute: t.Minute(), Second: t.Second(), Millisecond: t.Nanosecond() / 1e6}
}

// Time returns the capture time, the unreported fields taken as their
// smallest value; ok is false when not even the date (year, month, day) is
// reported.
func (c CaptureTime) Time() (t time.Time, ok bool) {
	if c.Fields < 3 {
		return time.Time{}, false
	}
	return time.Date(c.Year, time.Month(c.Month), c.Day, c.Hour, c.Minute, c.Second, c.Millisecond*1e6, time.UTC), true
}

// values returns the seven fields in record order.
func (c CaptureTime) values() [7]int {
	return [7]int{c.Year, c.Month, c.Day, c.Hour, c.Minute, c.Second, c.Millisecond}
}

// captureFields names the date and time fields and their ranges.
func captureField(i int) (name string, lo, hi int) {
	switch i {
	case 0:
		return "year", 1, 0xfffe
	case 1:
		return "month", 1, 12
	case 2:
		return "day", 1, 31
	case 3:
		return "hour", 0, 23
	case 4:
		return "minute", 0, 59
	case 5:
		return "second", 0, 59
	}
	return "millisecond", 0, 999
}

// check validates c; it returns the name and value of the first bad field.
func (c CaptureTime) check() (field string, detail string, ok bool) {
	if c.Fields < 0 || c.Fields > 7 {
		return "fields", fmt.Sprintf("%d, want 0–7", c.Fields), false
	}
	for i, v := range c.values() {
		name, lo, hi := captureField(i)
		if i < c.Fields && (v < lo || v > hi) {
			return name, fmt.Sprintf("%d, want %d–%d", v, lo, hi), false
		}
		if i >= c.Fields && v != 0 {
			return name, fmt.Sprintf("%d set but not reported (Fields %d)", v, c.Fields), false
		}
	}
	return "", "", true
}

// validImpression2011 reports whether t is an impression type of the 2011
// edition (ISO/IEC 19794-4:2011): live-scan plain and rolled, non-live-scan
// plain and rolled, latent impression, tracing, photo and lift, swipe,
// vertical roll, live-scan contactless, other and unknown.
func validImpression2011(t int) bool {
	return t >= 0 && t <= 9 || t == 24 || t == 28 || t == 29
}

// validMinutiaQuality2011 reports whether q is a 2011 minutia quality.
func validMinutiaQuality2011(q int) bool {
	return q >= 0 && q <= MaxQuality || q == MinutiaQualityNotReported || q == QualityFailed
}

func parse2011(b []byte) (Record, error) {
	fail := func(kind error, off int, field, detail string, args ...any) (Record, error) {
		return Record{}, malformed(kind, off, field, detail, args...)
	}
	if len(b) < HeaderLen2011 {
		return fail(ErrTruncated, len(b), "header", "%d bytes, need %d", len(b), HeaderLen2011)
	}
	r := Record{Version: Version2011}
	length := binary.BigEndian.Uint32(b[8:12])
	if uint64(length) > uint64(len(b)) {
		return fail(ErrTruncated, 8, "record length", "says %d bytes, have %d", length, len(b))
	}
	if uint64(length) < uint64(len(b)) {
		return fail(ErrLength, 8, "record length", "says %d bytes, have %d", length, len(b))
	}
	nViews := int(binary.BigEndian.Uint16(b[12:14]))
	switch b[14] {
	case 0:
	case 1:
		r.Certified = true
	default:
		return fail(ErrRange, 14, "certification flag", "%d, want 0 or 1", b[14])
	}
	minView := min2011ViewLen
	if r.Certified {
		minView++
	}
	if rest := len(b) - HeaderLen2011; nViews*minView > rest {
		return fail(ErrCount, 12, "number of finger representations", "%d representations cannot fit in %d bytes", nViews, rest)
	}
	type key struct {
		pos  FingerPosition
		view int
	}
	seen := make(map[key]bool, nViews)
	off := HeaderLen2011
	if nViews > 0 {
		r.Views = make([]View, 0, nViews)
	}
	for vi := range nViews {
		name := fmt.Sprintf("representation %d", vi)
		if len(b)-off < 4 {
			return fail(ErrTruncated, off, name+" length", "")
		}
		vlen := binary.BigEndian.Uint32(b[off:])
		if vlen < uint32(minView) {
			return fail(ErrLength, off, name+" length", "%d bytes, at least %d", vlen, minView)
		}
		if uint64(vlen) > uint64(len(b)-off) {
			return fail(ErrTruncated, off, name+" length", "says %d bytes, have %d", vlen, len(b)-off)
		}
		start := off
		end := off + int(vlen)
		v, err := parse2011View(b[:end], off, name, r.Certified)
		if err != nil {
			return Record{}, err
		}
		off = end
		if k := (key{v.Position, v.ViewNumber}); v.Position != PositionUnknown {
			if seen[k] {
				return fail(ErrCount, start, name, "second representation %d of %s", v.ViewNumber, v.Position.English())
			}
			seen[k] = true
		}
		r.Views = append(r.Views, v)
	}
	if off != len(b) {
		return fail(ErrTrailing, off, "after last representation", "%d bytes", len(b)-off)
	}
	if len(r.Views) > 0 {
		v := r.Views[0]
		r.Width, r.Height, r.ResolutionX, r.ResolutionY = v.Width, v.Height, v.ResolutionX, v.ResolutionY
	}
	return r, nil
}

// parse2011View reads the representation that starts at b[start] (its
// length field) and ends at len(b): the caller has checked that the length
// field is at least minimal and that b holds that many bytes. A field that
// runs past the end is a length error.
func parse2011View(b []byte, start int, name string, certified bool) (View, error) {
	var v View
	fail := func(kind error, at int, field, detail string, args ...any) (View, error) {
		return View{}, malformed(kind, at, name+" "+field, detail, args...)
	}
	o := start + 4
	short := func(what string) (View, error) {
		return fail(ErrLength, start, "length", "%d bytes end inside the %s", len(b)-start, what)
	}
	// Date and time 9, technology 1, vendor 2, type 2, quality count 1:
	// within the minimal length.
	var raw [7]int
	raw[0] = int(binary.BigEndian.Uint16(b[o:]))
	for i := 1; i <= 5; i++ {
		raw[i] = int(b[o+1+i])
	}
	raw[6] = int(binary.BigEndian.Uint16(b[o+7:]))
	var ct CaptureTime
	vals := [7]*int{&ct.Year, &ct.Month, &ct.Day, &ct.Hour, &ct.Minute, &ct.Second, &ct.Millisecond}
	for i, x := range raw {
		fname, lo, hi := captureField(i)
		unreported := x == 0xff
		if i == 0 || i == 6 {
			unreported = x == 0xffff
		}
		switch {
		case unreported:
			continue
		case ct.Fields < i:
			return fail(ErrRange, o, "capture "+fname, "%d reported after an unreported field", x)
		case x < lo || x > hi:
			return fail(ErrRange, o, "capture "+fname, "%d, want %d–%d", x, lo, hi)
		}
		*vals[i] = x
		ct.Fields = i + 1
	}
	v.CaptureTime = ct
	o += 9
	v.DeviceTechnology = b[o]
	if v.DeviceTechnology > maxTechnology {
		return fail(ErrRange, o, "capture device technology", "%d, want 0–%d", v.DeviceTechnology, maxTechnology)
	}
	v.DeviceVendor = binary.BigEndian.Uint16(b[o+1:])
	v.DeviceType = binary.BigEndian.Uint16(b[o+3:])
	nq := int(b[o+5])
	o += 6
	if len(b)-o < nq*qualityBlockLen {
		return short("quality blocks")
	}
	for qi := range nq {
		p := b[o : o+qualityBlockLen]
		q := QualityBlock{Score: int(p[0]), Vendor: binary.BigEndian.Uint16(p[1:]), Algorithm: binary.BigEndian.Uint16(p[3:])}
		if q.Score > MaxQuality && q.Score != QualityFailed {
			return fail(ErrRange, o, fmt.Sprintf("quality block %d score", qi), "%d, want 0–100 or 255", q.Score)
		}
		v.QualityBlocks = append(v.QualityBlocks, q)
		o += qualityBlockLen
	}
	if len(v.QualityBlocks) > 0 && v.QualityBlocks[0].Score <= MaxQuality {
		v.Quality = v.QualityBlocks[0].Score
	}
	if certified {
		if len(b)-o < 1 {
			return short("certification block count")
		}
		nc := int(b[o])
		o++
		if len(b)-o < nc*certBlockLen {
			return short("certification blocks")
		}
		for range nc {
			v.Certifications = append(v.Certifications, Certification{Authority: binary.BigEndian.Uint16(b[o:]), Scheme: b[o+2]})
			o += certBlockLen
		}
	}
	// Position … minutiae count (13 bytes) and the extended data length (2).
	if len(b)-o < 15 {
		return short("finger fields")
	}
	v.Position = FingerPosition(b[o])
	if !v.Position.Valid() {
		return fail(ErrRange, o, "finger position", "%d, want 0–10", b[o])
	}
	if b[o+1] > 15 {
		return fail(ErrRange, o+1, "representation number", "%d, want 0–15", b[o+1])
	}
	v.ViewNumber = int(b[o+1])
	v.ResolutionX = int(binary.BigEndian.Uint16(b[o+2:]))
	v.ResolutionY = int(binary.BigEndian.Uint16(b[o+4:]))
	if v.ResolutionX == 0 {
		return fail(ErrRange, o+2, "X resolution", "0 pixels/cm")
	}
	if v.ResolutionY == 0 {
		return fail(ErrRange, o+4, "Y resolution", "0 pixels/cm")
	}
	v.Impression = int(b[o+6])
	if !validImpression2011(v.Impression) {
		return fail(ErrRange, o+6, "impression type", "%d", v.Impression)
	}
	v.Width = int(binary.BigEndian.Uint16(b[o+7:]))
	v.Height = int(binary.BigEndian.Uint16(b[o+9:]))
	fl, et := int(b[o+11]>>4), b[o+11]&0x0f
	if fl != 5 && fl != 6 {
		return fail(ErrRange, o+11, "minutia field length", "%d, want 5 or 6", fl)
	}
	if et > 1 {
		return fail(ErrRange, o+11, "ridge ending type", "%d, want 0 or 1", et)
	}
	v.EndingType = EndingType(et)
	v.MinutiaQualityOmitted = fl == 5
	nMin := int(b[o+12])
	o += 13
	if len(b)-o < nMin*fl+2 {
		return short("minutiae")
	}
	if nMin > 0 {
		v.Minutiae = make([]Minutia, nMin)
	}
	for mi := range nMin {
		mname := fmt.Sprintf("minutia %d", mi)
		x := binary.BigEndian.Uint16(b[o:])
		y := binary.BigEndian.Uint16(b[o+2:])
		m := Minutia{
			Type:    MinutiaType(x >> 14),
			X:       int(x & MaxCoordinate),
			Y:       int(y & MaxCoordinate),
			Angle:   AngleFromCode(b[o+4]),
			Quality: MinutiaQualityNotReported,
		}
		if fl == 6 {
			m.Quality = int(b[o+5])
		}
		switch {
		case m.Type > TypeBifurcation:
			return fail(ErrRange, o, mname+" type", "reserved type 3")
		case y>>14 != 0:
			return fail(ErrRange, o+2, mname+" reserved bits", "%d, want 0", y>>14)
		case m.X >= v.Width:
			return fail(ErrRange, o, mname+" X", "%d outside image width %d", m.X, v.Width)
		case m.Y >= v.Height:
			return fail(ErrRange, o+2, mname+" Y", "%d outside image height %d", m.Y, v.Height)
		case !validMinutiaQuality2011(m.Quality):
			return fail(ErrRange, o+5, mname+" quality", "%d, want 0–100, 254 or 255", m.Quality)
		}
		v.Minutiae[mi] = m
		o += fl
	}
	ext := int(binary.BigEndian.Uint16(b[o:]))
	o += 2
	if len(b)-o < ext {
		return short("extended data")
	}
	if ext > 0 {
		v.Extended = append([]byte(nil), b[o:o+ext]...)
	}
	o += ext
	if o != len(b) {
		return fail(ErrLength, start, "length", "says %d bytes, the fields take %d", len(b)-start, o-start)
	}
	return v, nil
}

func (r Record) marshal2011() ([]byte, error) {
	fail := func(kind error, field, detail string, args ...any) ([]byte, error) {
		return nil, invalid(kind, field, detail, args...)
	}
	if len(r.Views) > MaxViews2011 {
		return fail(ErrCount, "number of finger representations", "%d, at most %d", len(r.Views), MaxViews2011)
	}
	size := HeaderLen2011
	for _, v := range r.Views {
		size += v.len2011(r.Certified)
	}
	if uint64(size) > math.MaxUint32 {
		return fail(ErrLength, "record length", "%d bytes", size)
	}
	b := make([]byte, 0, size)
	b = append(b, magic...)
	b = append(b, version2011...)
	b = binary.BigEndian.AppendUint32(b, uint32(size))
	b = binary.BigEndian.AppendUint16(b, uint16(len(r.Views)))
	if r.Certified {
		b = append(b, 1)
	} else {
		b = append(b, 0)
	}
	type key struct {
		pos  FingerPosition
		view int
	}
	seen := make(map[key]bool, len(r.Views))
	for vi, v := range r.Views {
		name := fmt.Sprintf("representation %d", vi)
		or := func(a, b int) int {
			if a != 0 {
				return a
			}
			return b
		}
		resX, resY := or(v.ResolutionX, r.ResolutionX), or(v.ResolutionY, r.ResolutionY)
		width, height := or(v.Width, r.Width), or(v.Height, r.Height)
		if f, d, ok := v.CaptureTime.check(); !ok {
			return fail(ErrRange, name+" capture "+f, "%s", d)
		}
		switch {
		case v.DeviceTechnology > maxTechnology:
			return fail(ErrRange, name+" capture device technology", "%d, want 0–%d", v.DeviceTechnology, maxTechnology)
		case len(v.QualityBlocks) > math.MaxUint8:
			return fail(ErrCount, name+" quality blocks", "%d, at most 255", len(v.QualityBlocks))
		case len(v.Certifications) > math.MaxUint8:
			return fail(ErrCount, name+" certification blocks", "%d, at most 255", len(v.Certifications))
		case len(v.Certifications) > 0 && !r.Certified:
			return fail(ErrCount, name+" certification blocks", "%d, but the record's certification flag is not set", len(v.Certifications))
		case !v.Position.Valid():
			return fail(ErrRange, name+" finger position", "%d", v.Position)
		case v.ViewNumber < 0 || v.ViewNumber > 15:
			return fail(ErrRange, name+" representation number", "%d, want 0–15", v.ViewNumber)
		case resX < 1 || resX > math.MaxUint16 || resY < 1 || resY > math.MaxUint16:
			return fail(ErrRange, name+" resolution", "%d×%d", resX, resY)
		case !validImpression2011(v.Impression):
			return fail(ErrRange, name+" impression type", "%d", v.Impression)
		case width < 0 || width > math.MaxUint16 || height < 0 || height > math.MaxUint16:
			return fail(ErrRange, name+" image size", "%d×%d", width, height)
		case v.EndingType > EndingRidgeEndPoint:
			return fail(ErrRange, name+" ridge ending type", "%d", v.EndingType)
		case len(v.Minutiae) > MaxMinutiae:
			return fail(ErrCount, name+" minutiae", "%d, at most %d", len(v.Minutiae), MaxMinutiae)
		case len(v.Extended) > math.MaxUint16:
			return fail(ErrLength, name+" extended data", "%d bytes, at most 65535", len(v.Extended))
		}
		for qi, q := range v.QualityBlocks {
			if q.Score < 0 || q.Score > MaxQuality && q.Score != QualityFailed {
				return fail(ErrRange, fmt.Sprintf("%s quality block %d score", name, qi), "%d, want 0–100 or 255", q.Score)
			}
		}
		if k := (key{v.Position, v.ViewNumber}); v.Position != PositionUnknown {
			if seen[k] {
				return fail(ErrCount, name, "second representation %d of %s", v.ViewNumber, v.Position.English())
			}
			seen[k] = true
		}
		b = binary.BigEndian.AppendUint32(b, uint32(v.len2011(r.Certified)))
		vals := v.CaptureTime.values()
		for i, x := range vals {
			wide := i == 0 || i == 6
			switch {
			case i >= v.CaptureTime.Fields && wide:
				b = append(b, 0xff, 0xff)
			case i >= v.CaptureTime.Fields:
				b = append(b, 0xff)
			case wide:
				b = binary.BigEndian.AppendUint16(b, uint16(x))
			default:
				b = append(b, byte(x))
			}
		}
		b = append(b, v.DeviceTechnology)
		b = binary.BigEndian.AppendUint16(b, v.DeviceVendor)
		b = binary.BigEndian.AppendUint16(b, v.DeviceType)
		b = append(b, byte(len(v.QualityBlocks)))
		for _, q := range v.QualityBlocks {
			b = append(b, byte(q.Score))
			b = binary.BigEndian.AppendUint16(b, q.Vendor)
			b = binary.BigEndian.AppendUint16(b, q.Algorithm)
		}
		if r.Certified {
			b = append(b, byte(len(v.Certifications)))
			for _, c := range v.Certifications {
				b = binary.BigEndian.AppendUint16(b, c.Authority)
				b = append(b, c.Scheme)
			}
		}
		fl := byte(6)
		if v.MinutiaQualityOmitted {
			fl = 5
		}
		b = append(b, byte(v.Position), byte(v.ViewNumber))
		b = binary.BigEndian.AppendUint16(b, uint16(resX))
		b = binary.BigEndian.AppendUint16(b, uint16(resY))
		b = append(b, byte(v.Impression))
		b = binary.BigEndian.AppendUint16(b, uint16(width))
		b = binary.BigEndian.AppendUint16(b, uint16(height))
		b = append(b, fl<<4|byte(v.EndingType), byte(len(v.Minutiae)))
		for mi, m := range v.Minutiae {
			mname := fmt.Sprintf("%s minutia %d", name, mi)
			code, ok := m.AngleCode()
			switch {
			case m.Type > TypeBifurcation:
				return fail(ErrRange, mname+" type", "%d", m.Type)
			case m.X < 0 || m.X >= width:
				return fail(ErrRange, mname+" X", "%d outside image width %d", m.X, width)
			case m.Y < 0 || m.Y >= height:
				return fail(ErrRange, mname+" Y", "%d outside image height %d", m.Y, height)
			case m.X > MaxCoordinate || m.Y > MaxCoordinate:
				return fail(ErrRange, mname+" position", "does not fit in 14 bits")
			case !ok:
				return fail(ErrRange, mname+" angle", "%v", m.Angle)
			case v.MinutiaQualityOmitted && m.Quality != MinutiaQualityNotReported:
				return fail(ErrRange, mname+" quality", "%d, but minutia qualities are omitted (want %d)", m.Quality, MinutiaQualityNotReported)
			case !validMinutiaQuality2011(m.Quality):
				return fail(ErrRange, mname+" quality", "%d, want 0–100, 254 or 255", m.Quality)
			}
			b = binary.BigEndian.AppendUint16(b, uint16(m.Type)<<14|uint16(m.X))
			b = binary.BigEndian.AppendUint16(b, uint16(m.Y))
			b = append(b, code)
			if !v.MinutiaQualityOmitted {
				b = append(b, byte(m.Quality))
			}
		}
		b = binary.BigEndian.AppendUint16(b, uint16(len(v.Extended)))
		b = append(b, v.Extended...)
	}
	return b, nil
}

// len2011 is the encoded length of v as a 2011 representation.
func (v View) len2011(certified bool) int {
	n := min2011ViewLen + qualityBlockLen*len(v.QualityBlocks) + len(v.Extended)
	if certified {
		n += 1 + certBlockLen*len(v.Certifications)
	}
	fl := 6
	if v.MinutiaQualityOmitted {
		fl = 5
	}
	return n + fl*len(v.Minutiae)
}

// Convert returns r in the edition to, mapping each field that has a
// counterpart. It does not check what Marshal will check.
//
// 2005 to 2011: every view takes the record's image size and resolution;
// the equipment ID becomes the device type ID (vendor 0, unreported); the
// finger quality becomes one quality block with vendor and algorithm 0;
// minutia qualities (0–100) carry over; the capture time is unreported;
// ridge endings are valley skeleton bifurcations (the 2005 definition).
// The 4-bit compliance field has no 2011 counterpart and is dropped.
//
// 2011 to 2005: all views must share one image size and resolution (else an
// error wrapping ErrInvalid and ErrRange); the device type ID becomes the
// equipment ID when it fits 12 bits (else 0); the finger quality is the
// first quality block's score (0 when none, or failed); minutia qualities
// 254 and 255 become 0; impression types 2005 lacks are refused. Capture
// time, device technology and vendor, further quality blocks,
// certifications and the ridge ending type are dropped.
func (r Record) Convert(to Version) (Record, error) {
	out := r
	out.Views = make([]View, len(r.Views))
	if len(r.Views) == 0 {
		out.Views = nil
	}
	out.Version = to
	switch {
	case to == r.Version:
		for i, v := range r.Views {
			out.Views[i] = v.clone()
		}
		return out, nil
	case to == Version2011 && r.Version == Version2005:
		out.Compliance, out.EquipmentID = 0, 0
		for i, v := range r.Views {
			v = v.clone()
			v.Width, v.Height, v.ResolutionX, v.ResolutionY = r.Width, r.Height, r.ResolutionX, r.ResolutionY
			v.CaptureTime = CaptureTime{}
			v.DeviceTechnology, v.DeviceVendor, v.DeviceType = 0, 0, r.EquipmentID
			v.QualityBlocks = []QualityBlock{{Score: v.Quality}}
			v.Certifications = nil
			v.EndingType = EndingValleyBifurcation
			v.MinutiaQualityOmitted = false
			out.Views[i] = v
		}
		out.Certified = false
		return out, nil
	case to == Version2005 && r.Version == Version2011:
		out.Certified = false
		out.Compliance, out.EquipmentID = 0, 0
		for i, v := range r.Views {
			if i == 0 {
				out.Width, out.Height, out.ResolutionX, out.ResolutionY = v.Width, v.Height, v.ResolutionX, v.ResolutionY
				if v.DeviceType <= 0x0fff {
					out.EquipmentID = v.DeviceType
				}
			} else if v.Width != out.Width || v.Height != out.Height || v.ResolutionX != out.ResolutionX || v.ResolutionY != out.ResolutionY {
				return Record{}, invalid(ErrRange, fmt.Sprintf("representation %d image", i), "%d×%d px at %d×%d px/cm differs from representation 0; a 2005 record has one", v.Width, v.Height, v.ResolutionX, v.ResolutionY)
			}
			if !validImpression(v.Impression) {
				return Record{}, invalid(ErrRange, fmt.Sprintf("representation %d impression type", i), "%d has no 2005 counterpart", v.Impression)
			}
			v = v.clone()
			v.Quality = 0
			if len(v.QualityBlocks) > 0 && v.QualityBlocks[0].Score <= MaxQuality {
				v.Quality = v.QualityBlocks[0].Score
			}
			for j, m := range v.Minutiae {
				if m.Quality > MaxQuality {
					v.Minutiae[j].Quality = 0
				}
			}
			v.CaptureTime = CaptureTime{}
			v.DeviceTechnology, v.DeviceVendor, v.DeviceType = 0, 0, 0
			v.QualityBlocks, v.Certifications = nil, nil
			v.EndingType = EndingValleyBifurcation
			v.MinutiaQualityOmitted = false
			out.Views[i] = v
		}
		return out, nil
	}
	return Record{}, invalid(ErrFormat, "version", "cannot convert %v to %v", r.Version, to)
}

// clone returns v with its slices copied.
func (v View) clone() View {
	v.Minutiae = cloneNil(v.Minutiae)
	v.Extended = cloneNil(v.Extended)
	v.QualityBlocks = cloneNil(v.QualityBlocks)
	v.Certifications = cloneNil(v.Certifications)
	return v
}

func cloneNil[T any](s []T) []T {
	if s == nil {
		return nil
	}
	return append([]T(nil), s...)
}
