package workday_test

import (
	"fmt"
	"strings"
	"time"

	"github.com/vneid/vneid/internal/workday"
)

func ExampleCalendar_AddWorkingDays() {
	cal, err := workday.Default()
	if err != nil {
		panic(err)
	}
	// A level-2 dossier with a chip card (3 working days) completed on the
	// Friday before the Tết 2026 break.
	complete := time.Date(2026, 2, 13, 15, 0, 0, 0, workday.Zone())
	due := cal.AddWorkingDays(complete, 3)
	fmt.Println(due.Format("Mon 2006-01-02 15:04:05 MST"))

	// Two working days later the dossier is two working days overdue.
	now := time.Date(2026, 2, 27, 9, 0, 0, 0, workday.Zone())
	fmt.Println(cal.WorkingDaysBetween(due, now))
	// Output:
	// Wed 2026-02-25 23:59:59 ICT
	// 2
}

func ExampleLoad() {
	table := `# override for one office
date,name_vi,name_en,kind
2026-09-01,Quốc khánh (ngày liền kề),National Day (adjacent day)
2026-09-02,Quốc khánh,National Day
`
	cal, err := workday.Load(strings.NewReader(table))
	if err != nil {
		panic(err)
	}
	for _, h := range cal.Holidays(2026) {
		fmt.Println(h.Date.Format(time.DateOnly), h.NameEN)
	}
	_, err = workday.Load(strings.NewReader("2026-09-31,Quốc khánh,National Day\n"))
	fmt.Println(err)
	// Output:
	// 2026-09-01 National Day (adjacent day)
	// 2026-09-02 National Day
	// workday: holiday table: line 1: invalid date "2026-09-31": parsing time "2026-09-31": day out of range
}
