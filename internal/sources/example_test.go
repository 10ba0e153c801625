package sources_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/vneid/vneid/internal/identity"
	"github.com/vneid/vneid/internal/registry"
	"github.com/vneid/vneid/internal/sources"
)

func ExampleParseHealthInsuranceNumber() {
	n, err := sources.ParseHealthInsuranceNumber("HT3010123456789")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(n.Group, sources.BeneficiaryGroupName(n.Group))
	fmt.Println(n.Level, sources.BenefitPercent(n.Level), n.Province, n.BHXH)
	// Output:
	// HT Người hưởng lương hưu, trợ cấp mất sức lao động
	// 3 95 01 0123456789
}

func ExampleParsePlate() {
	for _, s := range []string{"30a12345", "29-b1 12345"} {
		p, err := sources.ParsePlate(s)
		fmt.Println(p, p.Motorbike, err)
	}
	// Output:
	// 30A-123.45 false <nil>
	// 29-B1 123.45 true <nil>
}

func ExampleValidateTaxCode() {
	fmt.Println(sources.ValidateTaxCode("0100233488"))
	fmt.Println(sources.ValidateTaxCode("0100233480"))
	// Output:
	// <nil>
	// tax code "0100233480": check digit 0, want 8
}

func ExampleDocument_Claims() {
	d := sources.Document{
		Kind: sources.TaxCode, Number: "8012345677",
		HolderID: "001085012345", HolderName: "Nguyễn Văn An",
		DateOfBirth: identity.Date{Year: 1985, Month: time.March, Day: 12},
		Status:      sources.StatusValid,
		IssuedOn:    identity.Date{Year: 2010, Month: time.April, Day: 5},
		Issuer:      "Tổng cục Thuế",
		Tax: &sources.TaxRegistration{
			Office:       "Thuế cơ sở 1 thành phố Hà Nội",
			RegisteredOn: identity.Date{Year: 2010, Month: time.April, Day: 5},
		},
	}
	if err := d.Validate(); err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range d.Claims() {
		fmt.Printf("%s (%s): %v\n", c.LabelVI, c.Name, c.Value)
	}
	// Output:
	// Mã số thuế (number): 8012345677
	// Họ và tên (holder_name): Nguyễn Văn An
	// Số định danh cá nhân (holder_id): 001085012345
	// Ngày sinh (date_of_birth): 1985-03-12
	// Cơ quan thuế quản lý (tax_office): Thuế cơ sở 1 thành phố Hà Nội
	// Ngày đăng ký thuế (registered_on): 2010-04-05
	// Ngày cấp (issued_on): 2010-04-05
	// Nơi cấp (issuer): Tổng cục Thuế
	// Tình trạng (status): valid
}

// A remote registry served from memory, read through the HTTP adapter.
func ExampleHandler() {
	ctx := context.Background()
	today := identity.Date{Year: 2026, Month: time.March, Day: 1}
	mem := &sources.Memory{}
	gen := sources.Generator{Seed: 1, Today: today}
	var holder string
	_ = registry.Generator{Seed: 1, Today: today}.Generate(ctx, 50, func(c registry.Citizen) error {
		docs := gen.ForCitizen(c)
		for _, d := range docs {
			if d.Kind == sources.VehicleRegistration && holder == "" {
				holder = d.HolderID
			}
		}
		return mem.UpsertDocuments(ctx, docs)
	})

	srv := httptest.NewServer(sources.Handler(mem, "token"))
	defer srv.Close()
	remote, err := sources.NewHTTP(srv.URL, srv.Client(), "token")
	if err != nil {
		fmt.Println(err)
		return
	}
	docs, err := remote.Documents(ctx, sources.VehicleRegistration, holder)
	fmt.Println(len(docs) > 0, err)
	_, err = remote.Document(ctx, sources.TaxCode, "8300456214")
	fmt.Println(strings.Contains(err.Error(), "404"))
	// Output:
	// true <nil>
	// true
}

func ExampleImport() {
	csv := "kind,number,holder_id,holder_name,date_of_birth,issued_on,issuer,tax_office,registered_on\n" +
		"tax_code,8012345677,001085012345,Nguyễn Văn An,12/03/1985,2010-04-05,Tổng cục Thuế,Thuế cơ sở 1 thành phố Hà Nội,2010-04-05\n" +
		"tax_code,8012345670,001085012345,Nguyễn Văn An,1985-03-12,2010-04-05,Tổng cục Thuế,Thuế cơ sở 1 thành phố Hà Nội,2010-04-05\n"
	mem := &sources.Memory{}
	stats, err := sources.Import(context.Background(), strings.NewReader(csv), registry.FormatCSV, mem,
		sources.ImportOptions{SkipInvalid: true})
	fmt.Println(stats.Read, stats.Written, stats.Skipped, err)
	fmt.Println(stats.Errors[0])
	// Output:
	// 2 1 1 <nil>
	// line 3: number: tax code "8012345670": check digit 0, want 7
}
