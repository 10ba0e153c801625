package wsq_test

import (
	"bytes"
	"fmt"
	"image"
	"log"

	"github.com/vneid/vneid/internal/fingerprint/wsq"
)

func Example() {
	// A 64×48 grey test pattern standing in for a scanned fingerprint.
	img := image.NewGray(image.Rect(0, 0, 64, 48))
	for i := range img.Pix {
		img.Pix[i] = uint8(i % 64 * 4)
	}

	var buf bytes.Buffer
	if err := wsq.Encode(&buf, img, &wsq.Options{BitRate: 2.25, PPI: 500}); err != nil {
		log.Fatal(err)
	}

	h, err := wsq.DecodeHeader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(h.Width, h.Height, h.PPI, h.NISTCOM["COMPRESSION"])

	out, err := wsq.Decode(bytes.NewReader(buf.Bytes()))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(out.Bounds())
	// Output:
	// 64 48 500 WSQ
	// (0,0)-(64,48)
}
