package verifyweb

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/png"
	"testing"
	"time"
)

func pngHeader(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		binary.Write(&b, binary.BigEndian, uint32(len(data)))
		c := append([]byte(typ), data...)
		b.Write(c)
		binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(c))
	}
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8] = 16
	ihdr[9] = 6
	chunk("IHDR", ihdr)
	chunk("IDAT", []byte{0x78, 0x9c, 0x03, 0, 0, 0, 0, 1})
	chunk("IEND", nil)
	return b.Bytes()
}

func TestScratch(t *testing.T) {
	for _, d := range []uint32{100000, 1000000} {
		st := time.Now()
		_, err := DecodeQR(bytes.NewReader(pngHeader(d, d)))
		t.Log(d, err, time.Since(st))
	}
	img := image.NewGray(image.Rect(0, 0, 6000, 6000))
	for i := range img.Pix {
		img.Pix[i] = byte(i * 7 % 251)
	}
	var b bytes.Buffer
	png.Encode(&b, img)
	t.Log("size", b.Len())
	st := time.Now()
	_, err := DecodeQR(bytes.NewReader(b.Bytes()))
	t.Log(err, time.Since(st))
}
