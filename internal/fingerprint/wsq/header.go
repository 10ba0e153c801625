package wsq

import (
	"fmt"
	"strconv"
	"strings"
)

// Magic is the byte sequence every WSQ file starts with (the SOI marker),
// for image.RegisterFormat.
const Magic = "\xff\xa0"

// Size limits. The format allows 65535×65535; the decoder refuses more than
// this so that a small file cannot make it allocate gigabytes.
const (
	MaxWidth  = 4096
	MaxHeight = 4096
	MaxPixels = 16 << 20
)

// Marker codes.
const (
	markerSOI = 0xFFA0
	markerEOI = 0xFFA1
	markerSOF = 0xFFA2
	markerSOB = 0xFFA3
	markerDTT = 0xFFA4
	markerDQT = 0xFFA5
	markerDHT = 0xFFA6
	markerDRT = 0xFFA7
	markerCOM = 0xFFA8
)

// Header is what a WSQ file says about its image: the frame header and the
// comments that precede it.
type Header struct {
	Width, Height int
	// Black and White are the frame header's darkest and lightest grey
	// levels (informative; the decoder does not use them).
	Black, White uint8
	// Shift and Scale are the frame header's M and R: a pixel is
	// reconstructed as coefficient×Scale + Shift.
	Shift, Scale float64
	// Encoder and Software are the frame header's encoder number and
	// software implementation number.
	Encoder  uint8
	Software uint16
	// PPI is the resolution in pixels per inch from the NISTCOM comment, or
	// 0 when there is none or it says -1 (unknown).
	PPI int
	// Comments holds the text of every COM segment read, in file order
	// (DecodeHeader reads only those before the frame header).
	Comments []string
	// NISTCOM holds the fields of the first NISTCOM comment (keys such as
	// "PIX_WIDTH", "PPI", "WSQ_BITRATE"), or nil when there is none.
	NISTCOM map[string]string
}

// nistcomPrefix starts a NISTCOM comment.
const nistcomPrefix = "NIST_COM"

// parseNISTCOM reads the "KEY VALUE" lines of a NISTCOM comment. Lines
// without a value are kept with an empty value.
func parseNISTCOM(text string) map[string]string {
	m := make(map[string]string)
	for line := range strings.SplitSeq(text, "\n") {
		line = strings.TrimRight(line, "\r\x00")
		if line == "" {
			continue
		}
		key, value, _ := strings.Cut(line, " ")
		if _, dup := m[key]; !dup {
			m[key] = strings.TrimSpace(value)
		}
	}
	return m
}

// addComment records a COM segment in the header.
func (h *Header) addComment(text string) {
	h.Comments = append(h.Comments, text)
	if h.NISTCOM != nil || !strings.HasPrefix(text, nistcomPrefix) {
		return
	}
	h.NISTCOM = parseNISTCOM(text)
	if ppi, err := strconv.Atoi(h.NISTCOM["PPI"]); err == nil && ppi > 0 {
		h.PPI = ppi
	}
}

// nistcom formats the NISTCOM comment the encoder writes, with the fields
// NBIS writes, in its order.
func nistcom(width, height, ppi int, rate float64) string {
	if ppi <= 0 {
		ppi = -1
	}
	lines := []string{
		fmt.Sprintf("PIX_WIDTH %d", width),
		fmt.Sprintf("PIX_HEIGHT %d", height),
		"PIX_DEPTH 8",
		fmt.Sprintf("PPI %d", ppi),
		"LOSSY 1",
		"COLORSPACE GRAY",
		"COMPRESSION WSQ",
		fmt.Sprintf("WSQ_BITRATE %f", rate),
	}
	return fmt.Sprintf("%s %d\n%s", nistcomPrefix, len(lines)+1, strings.Join(lines, "\n"))
}
