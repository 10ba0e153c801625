package console

import (
	"strings"
	"testing"
	"time"
)

func TestImageType(t *testing.T) {
	for _, tc := range []struct {
		name       string
		b          []byte
		mime, kind string
	}{
		{"jpeg", []byte{0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, 'J', 'F', 'I', 'F'}, "image/jpeg", "JPEG"},
		{"png", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR"), "image/png", "PNG"},
		{"jp2 file", []byte{0, 0, 0, 0x0C, 'j', 'P', ' ', ' ', 0x0D, 0x0A, 0x87, 0x0A}, "", "JPEG 2000"},
		{"j2k codestream", []byte{0xFF, 0x4F, 0xFF, 0x51, 0, 0x2F}, "", "JPEG 2000"},
		{"html pretending", []byte("<svg onload=alert(1)>"), "", ""},
		{"truncated jpeg", []byte{0xFF, 0xD8}, "", ""},
		{"empty", nil, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mime, kind := imageType(tc.b)
			if mime != tc.mime || kind != tc.kind {
				t.Errorf("imageType = %q, %q; want %q, %q", mime, kind, tc.mime, tc.kind)
			}
		})
	}
}

func TestPortraitOnlyInlinesImages(t *testing.T) {
	label, missing := text{"a", "a"}, text{"none", "none"}
	if v := portrait("x", label, nil, missing); v.URI != "" || v.Missing == nil || v.Missing.EN != "none" {
		t.Errorf("no image: %+v", v)
	}
	if v := portrait("x", label, []byte{0xFF, 0x4F, 0xFF, 0x51}, missing); v.URI != "" || v.Missing == nil ||
		!strings.Contains(v.Missing.EN, "JPEG 2000") {
		t.Errorf("JPEG 2000: %+v", v)
	}
	if v := portrait("x", label, []byte("<script>"), missing); v.URI != "" || v.Missing == nil {
		t.Errorf("not an image: %+v", v)
	}
	v := portrait("x", label, []byte{0xFF, 0xD8, 0xFF, 0xDB}, missing)
	if string(v.URI) != "data:image/jpeg;base64,/9j/2w==" || v.Missing != nil {
		t.Errorf("JPEG: %+v", v)
	}
}

func TestWhen(t *testing.T) {
	h := &Handler{loc: time.FixedZone("ICT", 7*3600)}
	for _, tc := range []struct {
		t    time.Time
		want string
	}{
		{time.Date(2026, 11, 23, 17, 5, 0, 0, time.UTC), "24/11/2026 00:05"},
		{time.Date(2026, 1, 2, 3, 4, 59, 0, time.UTC), "02/01/2026 10:04"},
		{time.Time{}, "—"},
	} {
		if got := h.when(tc.t); got != tc.want {
			t.Errorf("when(%v) = %q, want %q", tc.t, got, tc.want)
		}
	}
}

func TestWhyText(t *testing.T) {
	for in, want := range map[string]string{
		"face_chip:unavailable": "Selfie matches the chip portrait: Not run",
		"registry_match:fail":   "Chip matches the population database: Fail",
		"auto_approval_off":     "Auto-approval is switched off",
		"something_new:warn":    "something_new: Look closer",
		"odd":                   "odd",
	} {
		if got := whyText(in).EN; got != want {
			t.Errorf("whyText(%q).EN = %q, want %q", in, got, want)
		}
	}
}

func TestDeskCheckLabels(t *testing.T) {
	for name, want := range map[string]text{
		"finger_02":                 {"Vân tay ngón trỏ phải khớp CSDL căn cước", "Right index finger matches the ID-card database"},
		"finger_10":                 {"Vân tay ngón út trái khớp CSDL căn cước", "Left little finger matches the ID-card database"},
		"finger_06":                 {"Vân tay ngón cái trái khớp CSDL căn cước", "Left thumb matches the ID-card database"},
		"desk_portrait_vs_registry": {"Ảnh chụp tại quầy khớp ảnh trong CSDL căn cước", "Desk portrait matches the ID-card database portrait"},
		"citizen_consent":           {"Công dân xác nhận đồng ý", "The citizen's consent"},
		// Not finger checks: shown as their code.
		"finger_00": {"finger_00", "finger_00"},
		"finger_11": {"finger_11", "finger_11"},
		"finger_2":  {"finger_2", "finger_2"},
		"finger_xx": {"finger_xx", "finger_xx"},
	} {
		if got := checkLabel(name); got != want {
			t.Errorf("checkLabel(%q) = %+v, want %+v", name, got, want)
		}
	}
	if got := whyText("level2_always_reviewed").EN; got != "Level-2 dossiers are always decided by an officer" {
		t.Errorf("whyText(level2_always_reviewed) = %q", got)
	}
	if got := whyText("finger_07:fail").VI; got != "Vân tay ngón trỏ trái khớp CSDL căn cước: Không đạt" {
		t.Errorf("whyText(finger_07:fail) = %q", got)
	}
}
