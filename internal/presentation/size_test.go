package presentation

import (
	"strings"
	"testing"

	"rsc.io/qr"
)

// Byte-mode capacities of a version 40 QR code (ISO/IEC 18004, table 7).
const (
	qrV40L = 2953 // error correction L (7 %)
	qrV40M = 2331 // error correction M (15 %)
)

// TestRealisticSize measures a level-2 presentation of an e-ID card and a
// driving licence signed with ES256.
//
// With every one of its 14 claims disclosed it does not fit a version 40-M
// QR code: each selectively disclosable claim costs about 102 bytes before
// its name and value (its SHA-256 digest, 43 characters in the payload and
// base64url-encoded again as part of it: 61; its 128-bit salt and JSON
// framing, base64url-encoded in the disclosure: 40; a "~"), so 14 claims
// cost some 1,430 bytes of overhead on top of about 470 bytes of names and
// values (UTF-8, base64url-encoded). It does fit version 40-L, and it fits
// 40-M when the holder withholds the two addresses, which a checkpoint
// rarely needs. The sizes are logged; the bounds asserted are the ones that hold.
func TestRealisticSize(t *testing.T) {
	key := testES256(t)
	full := mustIssue(t, realistic(), key)
	parts := strings.Split(full, "~")
	segs := strings.Split(parts[0], ".")
	t.Logf("realistic level-2 e-ID (9 claims) + driving licence (5 claims), ES256, all disclosed: %d bytes "+
		"(header %d, payload %d, signature %d, disclosures with separators %d); QR 40-M holds %d (%+d), 40-L %d",
		len(full), len(segs[0]), len(segs[1]), len(segs[2]), len(full)-len(parts[0]), qrV40M, len(full)-qrV40M, qrV40L)
	if len(full) > qrV40L {
		t.Errorf("full presentation is %d bytes, more than a version 40-L QR code holds (%d)", len(full), qrV40L)
	}

	noResidence, err := Withhold(full, func(kind, claim string) bool { return claim != "place_of_residence" })
	if err != nil {
		t.Fatal(err)
	}
	noAddresses, err := Withhold(full, func(kind, claim string) bool {
		return claim != "place_of_residence" && claim != "place_of_origin"
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("same, place_of_residence withheld: %d bytes; place_of_origin too: %d bytes", len(noResidence), len(noAddresses))
	if len(noAddresses) > qrV40M {
		t.Errorf("presentation without the addresses is %d bytes, more than a version 40-M QR code holds (%d)", len(noAddresses), qrV40M)
	}

	// And a QR encoder agrees.
	if _, err := qr.Encode(full, qr.L); err != nil {
		t.Errorf("full presentation at QR level L: %v", err)
	}
	if _, err := qr.Encode(full, qr.M); err == nil {
		t.Log("note: the full presentation now fits QR level M; tighten this test")
	}
	if _, err := qr.Encode(noAddresses, qr.M); err != nil {
		t.Errorf("presentation without the addresses at QR level M: %v", err)
	}

	req := realistic()
	req.Nonce = "cQ3xY1e8LmN0pR2sT4uV6w" // 128 bits, base64url
	req.Audience = "https://verifier.example.vn"
	bound := mustIssue(t, req, key)
	t.Logf("same as the full one, with nonce and aud for an online verifier: %d bytes", len(bound))
	if len(bound) > qrV40L {
		t.Errorf("presentation with nonce and aud is %d bytes, more than a version 40-L QR code holds (%d)", len(bound), qrV40L)
	}
}
