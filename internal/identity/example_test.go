package identity_test

import (
	"fmt"

	"github.com/vneid/vneid/internal/identity"
)

func ExampleASCIIName() {
	fmt.Println(identity.ASCIIName("Nguyễn Thị Ánh Đào"))
	fmt.Println(identity.ASCIIName("  Trần   Văn Ơn "))
	// Output:
	// NGUYEN THI ANH DAO
	// TRAN VAN ON
}

func ExampleDecodePersonalID() {
	info, err := identity.DecodePersonalID("001188012345")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(info.Province.Name, info.Gender, info.BirthYear)
	// Output: Thành phố Hà Nội female 1988
}

func ExampleNormalizePhone() {
	e164, err := identity.NormalizePhone("0912.345.678")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(e164, identity.MaskPhone(e164))
	// Output: +84912345678 091****678
}
