package testkit_test

import (
	"testing"

	"github.com/vneid/vneid/internal/fingerprint"
	"github.com/vneid/vneid/internal/testkit"
)

// TestFingerRecords: a later capture of a demo citizen's finger matches
// the database's enrolment of it, and not another citizen's or another
// finger's.
func TestFingerRecords(t *testing.T) {
	parse := func(id string, pos fingerprint.FingerPosition, imp uint64) fingerprint.View {
		b, err := testkit.FingerRecord(id, pos, imp)
		if err != nil {
			t.Fatal(err)
		}
		r, err := fingerprint.Parse(b)
		if err != nil || len(r.Views) != 1 || r.Views[0].Position != pos {
			t.Fatalf("record of %s/%d: %+v, %v", id, pos, r, err)
		}
		return r.Views[0]
	}
	ids := []string{"001042240991", "001050883394", "079190012345"}
	for _, id := range ids {
		for _, pos := range testkit.DemoFingers() {
			db, desk := parse(id, pos, 0), parse(id, pos, 1)
			if r := fingerprint.Match(desk, db); !r.Matched() {
				t.Errorf("%s %s: the desk capture scores %.3f against the database", id, pos, r.Score)
			}
		}
	}
	if r := fingerprint.Match(parse(ids[0], fingerprint.RightIndex, 1), parse(ids[1], fingerprint.RightIndex, 0)); r.Matched() {
		t.Errorf("another citizen's finger matches (%.3f)", r.Score)
	}
	if r := fingerprint.Match(parse(ids[0], fingerprint.RightIndex, 1), parse(ids[0], fingerprint.LeftIndex, 0)); r.Matched() {
		t.Errorf("another finger matches (%.3f)", r.Score)
	}
}
