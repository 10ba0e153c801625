package registry_test

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/vneid/vneid/internal/identity"
	"github.com/vneid/vneid/internal/registry"
)

// countingSink stands in for the store.
type countingSink struct{ n int }

func (s *countingSink) UpsertCitizens(_ context.Context, cs []registry.Citizen) error {
	s.n += len(cs)
	return nil
}

func ExampleGenerator() {
	today := identity.Date{Year: 2026, Month: time.March, Day: 1}
	g := registry.Generator{Seed: 1, Today: today}
	err := g.Generate(context.Background(), 3, func(c registry.Citizen) error {
		card, ok := c.CurrentCard(today)
		fmt.Println(c.ID, identity.ASCIIName(c.FullName), c.DateOfBirth, ok && card.Chip)
		return nil
	})
	if err != nil {
		fmt.Println(err)
	}
	// Output:
	// 058073852624 NGUYEN BA HOAN 1973-08-16 true
	// 080168662333 LE THI HUE 1968-03-17 true
	// 036184220527 DANG THI NGA 1984-03-11 false
}

func ExampleImporter() {
	data := "id_number,full_name,date_of_birth,gender,card_number,card_issue_date\n" +
		"001088012345,Nguyễn Văn An,15/03/1988,Nam,001088012345,10/06/2021\n" +
		"001188012346,Trần Thị Bình,1988-13-01,Nữ,,\n"
	sink := &countingSink{}
	im := registry.Importer{Sink: sink, Today: identity.Date{Year: 2026, Month: time.March, Day: 1}}
	rep, err := im.Import(context.Background(), strings.NewReader(data), registry.FormatCSV)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%d lines, %d imported, %d failed\n", rep.Lines, rep.Imported, rep.Failed)
	for _, e := range rep.Errors {
		fmt.Println(e)
	}
	// Output:
	// 2 lines, 1 imported, 1 failed
	// line 3: date_of_birth: date "1988-13-01": date 1988-13-01: out of range
}
