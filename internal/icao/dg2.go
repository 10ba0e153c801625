package icao

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image/jpeg"
	"image/png"
)

// Formats of a face record, as FaceImage.Format.
const (
	FormatISO19794 = "ISO19794-5" // ISO/IEC 19794-5:2005, "FAC\0" records under 0x5F2E
	FormatISO39794 = "ISO39794-5" // ISO/IEC 39794-5, DER under 0x7F2E
)

// Image types, as FaceImage.ImageType.
const (
	ImageJPEG     = "jpeg"
	ImageJPEG2000 = "jpeg2000"
	ImagePNG      = "png"
)

// Magic numbers at the start of an image.
const (
	magicJPEG = "\xFF\xD8\xFF"
	magicJP2  = "\x00\x00\x00\x0CjP  \r\n\x87\n" // JPEG 2000 file format signature box
	magicJ2K  = "\xFF\x4F\xFF\x51"               // JPEG 2000 codestream: SOC, SIZ
	magicPNG  = "\x89PNG\r\n\x1A\n"
)

// maxNesting bounds the depth searched for images in an ISO/IEC 39794-5
// block of unknown layout.
const maxNesting = 16

// CBEFF values of the biometric header template (Doc 9303 Part 10, ISO/IEC
// 7816-11, the IBIA registry of format identifiers).
const (
	bioTypeFace         = 0x02   // facial features
	formatOwnerSC37     = 0x0101 // ISO/IEC JTC 1/SC 37
	formatTypeFace19794 = 0x0008 // face image, ISO/IEC 19794-5
	formatTypeFace39794 = 0x002A // g3-binary-face-image, ISO/IEC 39794-5
)

// DG2 is EF.DG2, the encoded face.
type DG2 struct {
	// Faces are the images in the order of the file; a Vietnamese card
	// holds one.
	Faces []FaceImage
}

// FaceImage is one face image record of DG2.
type FaceImage struct {
	// Format is FormatISO19794 or FormatISO39794.
	Format string
	// ImageType is ImageJPEG, ImageJPEG2000 or ImagePNG (PNG only in ISO/IEC
	// 39794-5 records). The image is checked to start with its magic number.
	ImageType string
	// Width and Height are in pixels, as the record declares them (for an
	// ISO/IEC 39794-5 record without an image size block, as the JPEG or PNG
	// header declares them; 0 when unknown).
	Width, Height int
	// Gender, EyeColour, HairColour and Expression are the ISO/IEC 19794-5
	// codes (0 unspecified; gender 1 male, 2 female, 0xFF unknown); 0 for
	// ISO/IEC 39794-5 records.
	Gender, EyeColour, HairColour, Expression int
	// FeaturePoints is the number of feature points in the record.
	FeaturePoints int
	// Image is the encoded image.
	Image []byte
}

// ParseDG2 parses EF.DG2: 0x75 { 0x7F61 { 0x02 number of instances, 0x7F60
// { 0xA1 biometric header template, 0x5F2E or 0x7F2E biometric data block }
// … } } (Doc 9303 Part 10). The header must hold the format owner (0x87) and
// type (0x88), and name facial features if it names a biometric type (0x81).
// A 0x5F2E block must be an ISO/IEC 19794-5:2005 facial record, every length
// and count agreeing with the bytes present; a 0x7F2E block an ISO/IEC
// 39794-5 face image data block, read by its tags. Every image must start with
// the magic number of the type declared for it.
func ParseDG2(b []byte) (DG2, error) {
	fail := func(format string, a ...any) (DG2, error) { return DG2{}, malformed("dg2", format, a...) }
	outer, err := readOnly(b)
	if err != nil {
		return fail("%v", err)
	}
	if outer.tag != 0x75 {
		return fail("tag is %X, want 75", outer.tag)
	}
	group, err := readOnly(outer.value)
	if err != nil {
		return fail("%v", err)
	}
	if group.tag != 0x7F61 {
		return fail("tag %X, want the biometric information group template 7F61", group.tag)
	}
	elems, err := readAll(group.value)
	if err != nil {
		return fail("group template: %v", err)
	}
	if len(elems) == 0 || elems[0].tag != 0x02 {
		return fail("group template does not start with the number of instances (02)")
	}
	n, err := parseUint(elems[0].value)
	if err != nil {
		return fail("number of instances: %v", err)
	}
	if n < 1 || n != len(elems)-1 {
		return fail("declares %d instances, holds %d templates", n, len(elems)-1)
	}
	var d DG2
	for i, bit := range elems[1:] {
		if bit.tag != 0x7F60 {
			return fail("instance %d: tag %X, want the biometric information template 7F60", i, bit.tag)
		}
		faces, err := parseBIT(bit.value)
		if err != nil {
			return fail("instance %d: %v", i, err)
		}
		d.Faces = append(d.Faces, faces...)
	}
	return d, nil
}

// parseBIT reads a biometric information template: header, data block.
func parseBIT(v []byte) ([]FaceImage, error) {
	parts, err := readAll(v)
	if err != nil {
		return nil, err
	}
	if len(parts) != 2 {
		return nil, fmt.Errorf("%d elements, want a header template and a data block", len(parts))
	}
	if err := checkBHT(parts[0]); err != nil {
		return nil, err
	}
	switch bdb := parts[1]; bdb.tag {
	case 0x5F2E:
		return parse19794(bdb.value)
	case 0x7F2E:
		return parse39794(bdb.value)
	default:
		return nil, fmt.Errorf("tag %X, want a biometric data block 5F2E or 7F2E", bdb.tag)
	}
}

// checkBHT checks a biometric header template: 0xA1 in Doc 9303; the other
// context-specific constructed tags up to 0xAF are accepted, as other readers
// do.
func checkBHT(bht tlv) error {
	if bht.tag < 0xA1 || bht.tag > 0xAF {
		return fmt.Errorf("tag %X, want a biometric header template A1", bht.tag)
	}
	elems, err := readAll(bht.value)
	if err != nil {
		return fmt.Errorf("header template: %v", err)
	}
	seen := map[uint32]bool{}
	for _, e := range elems {
		if e.tag < 0x80 || e.tag > 0x9E {
			return fmt.Errorf("header template: element %X is not a context-specific primitive", e.tag)
		}
		if seen[e.tag] {
			return fmt.Errorf("header template: element %X appears twice", e.tag)
		}
		seen[e.tag] = true
		switch e.tag {
		case 0x81:
			if t, err := parseUint(e.value); err != nil || t != bioTypeFace {
				return fmt.Errorf("header template: biometric type % X is not facial features (02)", e.value)
			}
		case 0x87, 0x88:
			if len(e.value) != 2 {
				return fmt.Errorf("header template: format owner or type of %d bytes, want 2", len(e.value))
			}
		}
	}
	if !seen[0x87] || !seen[0x88] {
		return fmt.Errorf("header template: no format owner (87) or format type (88)")
	}
	return nil
}

// parse19794 reads an ISO/IEC 19794-5:2005 facial record.
func parse19794(rec []byte) ([]FaceImage, error) {
	if len(rec) < 14 {
		return nil, fmt.Errorf("facial record of %d bytes, shorter than its header", len(rec))
	}
	if string(rec[0:4]) != "FAC\x00" {
		return nil, fmt.Errorf("facial record format %q, want FAC", rec[0:4])
	}
	if string(rec[4:8]) != "010\x00" {
		return nil, fmt.Errorf("facial record version %q, want 010 (ISO/IEC 19794-5:2005)", rec[4:8])
	}
	if l := binary.BigEndian.Uint32(rec[8:12]); uint64(l) != uint64(len(rec)) {
		return nil, fmt.Errorf("facial record declares %d bytes, holds %d", l, len(rec))
	}
	n := int(binary.BigEndian.Uint16(rec[12:14]))
	if n == 0 {
		return nil, fmt.Errorf("facial record holds no image")
	}
	p := rec[14:]
	faces := make([]FaceImage, 0, n)
	for i := 0; i < n; i++ {
		if len(p) < 20 {
			return nil, fmt.Errorf("facial image %d: truncated", i)
		}
		blockLen := uint64(binary.BigEndian.Uint32(p[0:4]))
		points := int(binary.BigEndian.Uint16(p[4:6]))
		head := 20 + 8*points + 12 // facial information, feature points, image information
		if blockLen > uint64(len(p)) {
			return nil, fmt.Errorf("facial image %d declares %d bytes, %d remain", i, blockLen, len(p))
		}
		if blockLen <= uint64(head) {
			return nil, fmt.Errorf("facial image %d: %d bytes, too short for %d feature points and an image", i, blockLen, points)
		}
		block := p[:blockLen]
		p = p[blockLen:]
		info := block[20+8*points : head]
		f := FaceImage{
			Format:        FormatISO19794,
			FeaturePoints: points,
			Gender:        int(block[6]),
			EyeColour:     int(block[7]),
			HairColour:    int(block[8]),
			Expression:    int(binary.BigEndian.Uint16(block[12:14])),
			Width:         int(binary.BigEndian.Uint16(info[2:4])),
			Height:        int(binary.BigEndian.Uint16(info[4:6])),
		}
		switch info[1] {
		case 0:
			f.ImageType = ImageJPEG
		case 1:
			f.ImageType = ImageJPEG2000
		default:
			return nil, fmt.Errorf("facial image %d: image data type %d, want 0 (JPEG) or 1 (JPEG 2000)", i, info[1])
		}
		img := block[head:]
		if got := sniffImage(img); got != f.ImageType {
			return nil, fmt.Errorf("facial image %d: declared %s, image data is %s", i, f.ImageType, describe(got))
		}
		f.Image = bytes.Clone(img)
		faces = append(faces, f)
	}
	if len(p) != 0 {
		return nil, fmt.Errorf("%d bytes after the last facial image", len(p))
	}
	return faces, nil
}

// parse39794 reads an ISO/IEC 39794-5 face image data block, [APPLICATION 5]
// (0x65), found directly in the data block or inside one context-specific
// wrapper (both are seen). The path to each image is representationBlocks [1]
// → representation → imageRepresentation [1] → base [0] → 2D block [0] →
// representationData2D [0]; its image information [1] gives the format
// [0] → code [0] and the size [7] → width [0], height [1]. When that path
// yields nothing the block is searched for elements holding an image.
func parse39794(v []byte) ([]FaceImage, error) {
	elems, err := readAll(v)
	if err != nil {
		return nil, fmt.Errorf("face image data block: %v", err)
	}
	if len(elems) == 1 && elems[0].tag >= 0xA0 && elems[0].tag <= 0xBE {
		if elems, err = readAll(elems[0].value); err != nil {
			return nil, fmt.Errorf("face image data block: %v", err)
		}
	}
	if len(elems) != 1 || elems[0].tag != 0x65 {
		return nil, fmt.Errorf("no ISO/IEC 39794-5 face image data block (65)")
	}
	block, err := readAll(elems[0].value)
	if err != nil {
		return nil, fmt.Errorf("face image data block: %v", err)
	}
	var faces []FaceImage
	if reps, ok := find(block, 0xA1); ok {
		list, err := readAll(reps.value)
		if err != nil {
			return nil, fmt.Errorf("representation blocks: %v", err)
		}
		for i, rep := range list {
			f, ok, err := representation39794(rep)
			if err != nil {
				return nil, fmt.Errorf("representation %d: %v", i, err)
			}
			if ok {
				faces = append(faces, f)
			}
		}
	}
	if len(faces) == 0 {
		if err := scanImages(elems[0], 0, &faces); err != nil {
			return nil, err
		}
	}
	if len(faces) == 0 {
		return nil, fmt.Errorf("face image data block holds no JPEG, JPEG 2000 or PNG image")
	}
	return faces, nil
}

// representation39794 reads one representation block; ok is false when it
// holds no 2D image.
func representation39794(rep tlv) (FaceImage, bool, error) {
	path := []uint32{0xA1, 0xA0, 0xA0} // imageRepresentation, base, imageRepresentation2DBlock
	node := rep
	for _, tag := range path {
		if !node.constructed {
			return FaceImage{}, false, nil
		}
		children, err := readAll(node.value)
		if err != nil {
			return FaceImage{}, false, err
		}
		var ok bool
		if node, ok = find(children, tag); !ok {
			return FaceImage{}, false, nil
		}
	}
	if !node.constructed {
		return FaceImage{}, false, nil
	}
	twoD, err := readAll(node.value)
	if err != nil {
		return FaceImage{}, false, err
	}
	data, ok := find(twoD, 0x80)
	if !ok {
		return FaceImage{}, false, nil
	}
	f := FaceImage{Format: FormatISO39794}
	declared := ""
	sized := false
	if info, ok := find(twoD, 0xA1); ok && info.constructed {
		fields, err := readAll(info.value)
		if err != nil {
			return FaceImage{}, false, fmt.Errorf("image information: %v", err)
		}
		if format, ok := find(fields, 0xA0); ok && format.constructed {
			choice, err := readAll(format.value)
			if err != nil {
				return FaceImage{}, false, fmt.Errorf("image data format: %v", err)
			}
			if code, ok := find(choice, 0x80); ok {
				c, err := parseUint(code.value)
				if err != nil {
					return FaceImage{}, false, fmt.Errorf("image data format: %v", err)
				}
				switch c {
				case 2:
					declared = ImageJPEG
				case 3, 4:
					declared = ImageJPEG2000
				case 5:
					declared = ImagePNG
				}
			}
		}
		if size, ok := find(fields, 0xA7); ok && size.constructed {
			wh, err := readAll(size.value)
			if err != nil {
				return FaceImage{}, false, fmt.Errorf("image size: %v", err)
			}
			w, okW := find(wh, 0x80)
			h, okH := find(wh, 0x81)
			if !okW || !okH {
				return FaceImage{}, false, fmt.Errorf("image size without width and height")
			}
			if f.Width, err = parseUint(w.value); err == nil {
				f.Height, err = parseUint(h.value)
			}
			if err != nil || f.Width > 0xFFFF || f.Height > 0xFFFF {
				return FaceImage{}, false, fmt.Errorf("image size: not two INTEGERs up to 65535")
			}
			sized = true
		}
	}
	f.ImageType = sniffImage(data.value)
	if f.ImageType == "" {
		return FaceImage{}, false, fmt.Errorf("image data is not JPEG, JPEG 2000 or PNG")
	}
	if declared != "" && declared != f.ImageType {
		return FaceImage{}, false, fmt.Errorf("declared %s, image data is %s", declared, f.ImageType)
	}
	f.Image = bytes.Clone(data.value)
	if !sized {
		f.Width, f.Height = imageSize(f.ImageType, f.Image)
	}
	return f, true, nil
}

// scanImages appends every primitive element under o that holds an image.
func scanImages(o tlv, depth int, faces *[]FaceImage) error {
	if !o.constructed {
		if t := sniffImage(o.value); t != "" {
			f := FaceImage{Format: FormatISO39794, ImageType: t, Image: bytes.Clone(o.value)}
			f.Width, f.Height = imageSize(t, f.Image)
			*faces = append(*faces, f)
		}
		return nil
	}
	if depth >= maxNesting {
		return fmt.Errorf("face image data block nested deeper than %d", maxNesting)
	}
	children, err := readAll(o.value)
	if err != nil {
		return fmt.Errorf("face image data block: %v", err)
	}
	for _, c := range children {
		if err := scanImages(c, depth+1, faces); err != nil {
			return err
		}
	}
	return nil
}

// sniffImage names the image type b starts with, or returns "".
func sniffImage(b []byte) string {
	has := func(magic string) bool { return len(b) >= len(magic) && string(b[:len(magic)]) == magic }
	switch {
	case has(magicJPEG):
		return ImageJPEG
	case has(magicJP2), has(magicJ2K):
		return ImageJPEG2000
	case has(magicPNG):
		return ImagePNG
	}
	return ""
}

// describe names an image type for an error message.
func describe(imageType string) string {
	if imageType == "" {
		return "of no known type"
	}
	return imageType
}

// imageSize reads the size from a JPEG or PNG header; 0, 0 otherwise.
func imageSize(imageType string, img []byte) (int, int) {
	var err error
	var w, h int
	switch imageType {
	case ImageJPEG:
		c, e := jpeg.DecodeConfig(bytes.NewReader(img))
		w, h, err = c.Width, c.Height, e
	case ImagePNG:
		c, e := png.DecodeConfig(bytes.NewReader(img))
		w, h, err = c.Width, c.Height, e
	default:
		return 0, 0
	}
	if err != nil {
		return 0, 0
	}
	return w, h
}

// imageCheck checks the arguments of the DG2 builders.
func imageCheck(img []byte, imageType string, width, height int) error {
	if got := sniffImage(img); got != imageType {
		return fmt.Errorf("image type %q, image data is %s", imageType, describe(got))
	}
	if width < 0 || width > 0xFFFF || height < 0 || height > 0xFFFF {
		return fmt.Errorf("image size %d×%d out of range", width, height)
	}
	return nil
}

// bht encodes the biometric header template of a face record.
func bht(formatType uint16) []byte {
	return encode(0xA1,
		encode(0x80, []byte{0x01, 0x01}), // ICAO header version 1.1
		encode(0x81, []byte{bioTypeFace}),
		encode(0x82, []byte{0x00}), // no subtype
		encode(0x87, []byte{formatOwnerSC37 >> 8, formatOwnerSC37 & 0xFF}),
		encode(0x88, []byte{byte(formatType >> 8), byte(formatType)}))
}

// dg2 wraps one biometric information template in EF.DG2.
func dg2(bit []byte) []byte {
	return encode(0x75, encode(0x7F61, encode(0x02, uintBytes(1)), encode(0x7F60, bit)))
}

// BuildDG2 encodes EF.DG2 holding one ISO/IEC 19794-5:2005 facial record of
// img, a "jpeg" or "jpeg2000" image of width×height pixels: a full frontal
// image (type 1) in 24-bit RGB (colour space 1) from a digital still camera
// (source type 2), no feature points, every other code unspecified. The image
// must start with the magic number of its type.
func BuildDG2(img []byte, imageType string, width, height int) ([]byte, error) {
	var dataType byte
	switch imageType {
	case ImageJPEG:
		dataType = 0
	case ImageJPEG2000:
		dataType = 1
	default:
		return nil, fmt.Errorf("build dg2: image type %q, want jpeg or jpeg2000", imageType)
	}
	if err := imageCheck(img, imageType, width, height); err != nil {
		return nil, fmt.Errorf("build dg2: %v", err)
	}
	blockLen := 20 + 12 + len(img)
	recLen := 14 + blockLen
	if uint64(recLen) > 0xFFFFFFFF {
		return nil, fmt.Errorf("build dg2: image of %d bytes too large", len(img))
	}
	rec := make([]byte, 0, recLen)
	rec = append(rec, "FAC\x00010\x00"...)
	rec = binary.BigEndian.AppendUint32(rec, uint32(recLen))
	rec = binary.BigEndian.AppendUint16(rec, 1) // number of facial images
	// Facial information: block length, feature points, gender, eye colour,
	// hair colour, property mask (3), expression (2), pose angles (3), pose
	// uncertainty (3).
	rec = binary.BigEndian.AppendUint32(rec, uint32(blockLen))
	rec = append(rec, make([]byte, 16)...)
	// Image information: face image type, image data type, width, height,
	// colour space, source type, device type (2), quality (2).
	rec = append(rec, 1, dataType)
	rec = binary.BigEndian.AppendUint16(rec, uint16(width))
	rec = binary.BigEndian.AppendUint16(rec, uint16(height))
	rec = append(rec, 1, 2, 0, 0, 0, 0)
	rec = append(rec, img...)
	return dg2(append(bht(formatTypeFace19794), encode(0x5F2E, rec)...)), nil
}

// BuildDG2ISO39794 encodes EF.DG2 holding one ISO/IEC 39794-5 face image data
// block of img, a "jpeg", "jpeg2000" or "png" image of width×height pixels:
// 0x7F2E { [APPLICATION 5] { version (generation 3, year 2019), one
// representation with the image, its format and size, face image kind MRTD }
// }. The image must start with the magic number of its type.
func BuildDG2ISO39794(img []byte, imageType string, width, height int) ([]byte, error) {
	var code int
	switch imageType {
	case ImageJPEG:
		code = 2
	case ImageJPEG2000:
		code = 3 // lossy
	case ImagePNG:
		code = 5
	default:
		return nil, fmt.Errorf("build dg2: image type %q, want jpeg, jpeg2000 or png", imageType)
	}
	if err := imageCheck(img, imageType, width, height); err != nil {
		return nil, fmt.Errorf("build dg2: %v", err)
	}
	version := encode(0xA0, encode(0x80, uintBytes(3)), encode(0x81, uintBytes(2019)))
	info := encode(0xA1,
		encode(0xA0, encode(0x80, uintBytes(code))), // imageDataFormat
		encode(0xA1, encode(0x80, uintBytes(0))),    // faceImageKind2D: mrtd
		encode(0xA7, encode(0x80, uintBytes(width)), encode(0x81, uintBytes(height))))
	twoD := encode(0xA0, encode(0x80, img), info)
	rep := encode(0x30, encode(0x80, uintBytes(0)), encode(0xA1, encode(0xA0, twoD)))
	block := encode(0x65, version, encode(0xA1, rep))
	return dg2(append(bht(formatTypeFace39794), encode(0x7F2E, block)...)), nil
}
