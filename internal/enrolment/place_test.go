package enrolment_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/vneid/vneid/internal/adminunit"
	"github.com/vneid/vneid/internal/enrolment"
)

const units = `code,name,level,parent,valid_from,valid_to
01,Thành phố Hà Nội,province,,,
002,Quận Hoàn Kiếm,district,01,,
00037,Phường Hàng Đào,commune,002,,
005,Quận Cầu Giấy,district,01,,
00160,Phường Dịch Vọng,commune,005,,
79,Thành phố Hồ Chí Minh,province,,,
26734,Phường Bến Nghé,commune,79,,
`

func TestCheckPlace(t *testing.T) {
	h, err := adminunit.Load(strings.NewReader(units))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		p    enrolment.Place
		want error
	}{
		{"valid chip card: any office", enrolment.Place{ValidChipCard: true, Residence: []string{"00037"}, Office: "26734"}, nil},
		{"no card: district police of the permanent residence", enrolment.Place{Residence: []string{"00037"}, Office: "002"}, nil},
		{"no card: commune police of the residence", enrolment.Place{Residence: []string{"00037"}, Office: "00037"}, nil},
		{"no card: temporary residence counts", enrolment.Place{Residence: []string{"00037", "26734"}, Office: "26734"}, nil},
		{"no card: another district", enrolment.Place{Residence: []string{"00037"}, Office: "005"}, enrolment.ErrWrongPlace},
		{"no card: another province", enrolment.Place{Residence: []string{"00160"}, Office: "26734"}, enrolment.ErrWrongPlace},
		{"no card: a neighbouring ward", enrolment.Place{Residence: []string{"00160"}, Office: "00037"}, enrolment.ErrWrongPlace},
		{"unknown office", enrolment.Place{Residence: []string{"00037"}, Office: "99999"}, enrolment.ErrUnknownPlace},
		{"unknown residence", enrolment.Place{Residence: []string{"12345"}, Office: "002"}, enrolment.ErrUnknownPlace},
		{"no residence", enrolment.Place{Office: "002"}, enrolment.ErrUnknownPlace},
	}
	for _, tc := range tests {
		err := enrolment.CheckPlace(h, tc.p)
		if (tc.want == nil) != (err == nil) || (tc.want != nil && !errors.Is(err, tc.want)) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
}
