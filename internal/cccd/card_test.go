package cccd

import (
	"testing"

	"github.com/vneid/vneid/internal/identity"
	"github.com/vneid/vneid/internal/registry"
)

func TestFromCardRoundTrip(t *testing.T) {
	dob, _ := identity.ParseDate("1988-03-15")
	issued, _ := identity.ParseDate("2021-06-10")
	c := registry.Citizen{ID: "001088012345", OldIDNumber: "012345678", FullName: "Nguyễn Văn An", DateOfBirth: dob,
		Gender: identity.Male, PermanentAddress: registry.Address{HouseNumber: "Số 12", Street: "Phố Hàng Bạc",
			Commune: "Phường Hàng Đào", District: "Quận Hoàn Kiếm", Province: "Thành phố Hà Nội"}}
	card := registry.IDCard{Number: c.ID, Chip: true, IssueDate: issued, Status: registry.CardValid}
	payload := FromCard(c, card).String()
	want := "001088012345|012345678|Nguyễn Văn An|15031988|Nam|Số 12, Phố Hàng Bạc, Phường Hàng Đào, Quận Hoàn Kiếm, Thành phố Hà Nội|10062021"
	if payload != want {
		t.Fatalf("payload = %q\nwant %q", payload, want)
	}
	q, err := Parse(payload)
	if err != nil {
		t.Fatal(err)
	}
	if q.IDNumber != c.ID || q.FullName != c.FullName || q.DateOfBirth != dob || q.IssueDate != issued || q.Gender != identity.Male {
		t.Errorf("round trip = %+v", q)
	}
}
