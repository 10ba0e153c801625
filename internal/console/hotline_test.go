package console_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/vneid/vneid/internal/account"
	"github.com/vneid/vneid/internal/identity"
	"github.com/vneid/vneid/internal/locking"
	"github.com/vneid/vneid/internal/officer"
	"github.com/vneid/vneid/internal/registry"
	"github.com/vneid/vneid/internal/store"
	"github.com/vneid/vneid/internal/store/sqlstore"
	"github.com/vneid/vneid/internal/store/storetest"
)

func TestHotlineUnlock(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			testHotlineUnlock(t, b.Open(t))
		})
	}
}

func testHotlineUnlock(t *testing.T, st *sqlstore.DB) {
	ctx := context.Background()
	base := newEnv(t, st, &clock{t: time.Now()})
	reviewer := base.officer(t, "reviewer.hn", []string{officer.RoleReviewer}, "CA-01")
	if r := base.signIn(t, reviewer).get("/console/hotline"); r.Status != http.StatusNotFound {
		t.Errorf("hotline without a locking service: %d", r.Status)
	}
	e := withLocking(t, base)
	desk := e.officer(t, "desk.hn", []string{officer.RoleDesk}, "CA-01")
	accA, idA := e.holder(t, 51)
	dob, _ := identity.NewDate(1990, 5, 20)
	issued, _ := identity.NewDate(2021, 6, 10)
	expiry, _ := identity.NewDate(2035, 5, 20)
	if err := st.UpsertCitizens(ctx, []registry.Citizen{{ID: idA, FullName: "Trần Thị Mai", DateOfBirth: dob, Gender: identity.Female,
		PlaceOfOrigin: "Nam Định", PermanentAddress: registry.Address{Commune: "Phường Ba Đình", Province: "Hà Nội"},
		LifeStatus: registry.Alive, Cards: []registry.IDCard{{Number: idA, Chip: true, IssueDate: issued, ExpiryDate: expiry,
			Status: registry.CardValid}}}}); err != nil {
		t.Fatal(err)
	}
	lk, err := locking.New(locking.Options{Store: st, Codes: e.accounts})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lk.Lock(ctx, account.Caller{}, "account:"+accA, accA, store.LockSelf, "mất điện thoại", ""); err != nil {
		t.Fatal(err)
	}

	// A reviewer alone may not use the page and has no link to it.
	rc := e.signIn(t, reviewer)
	if r := rc.get("/console/queue"); shows(r.Body, `href="/console/hotline"`) {
		t.Error("a reviewer has a link to the hotline page")
	}
	if r := rc.get("/console/hotline"); r.Status != http.StatusForbidden {
		t.Errorf("a reviewer opens the hotline page: %d", r.Status)
	}

	dc := e.signIn(t, desk)
	page := dc.get("/console/hotline")
	if page.Status != http.StatusOK || !shows(page.Body, `href="/console/hotline"`) || !shows(page.Body, "hotline-find") {
		t.Fatalf("hotline page: %d\n%s", page.Status, excerpt(page.Body))
	}
	token := csrf(t, page)
	if r := dc.post("/console/hotline/questions", url.Values{"id_number": {idA}}); r.Status != http.StatusForbidden {
		t.Errorf("questions without CSRF: %d", r.Status)
	}
	if r := dc.post("/console/hotline/questions", url.Values{"csrf": {token}, "id_number": {"001190999999"}}); r.Status != http.StatusNotFound ||
		!shows(r.Body, locking.ErrAccountNotFound.VI) {
		t.Errorf("unknown ID number: %d\n%s", r.Status, excerpt(r.Body))
	}
	q := dc.post("/console/hotline/questions", url.Values{"csrf": {token}, "id_number": {idA}})
	if q.Status != http.StatusOK || !shows(q.Body, "Đang bị khóa") || !shows(q.Body, "Theo yêu cầu của chủ tài khoản") ||
		!shows(q.Body, "answer_date_of_birth") || !shows(q.Body, "Quê quán") {
		t.Fatalf("questions: %d\n%s", q.Status, excerpt(q.Body))
	}
	for _, secret := range []string{"Nam Định", "Ba Đình", "20/05/1990", "10/06/2021", "2021-06-10"} {
		if shows(q.Body, secret) {
			t.Errorf("the page shows the answer %q", secret)
		}
	}
	answers := func(commune, issue string) url.Values {
		return url.Values{"csrf": {token}, "id_number": {idA}, "answer_date_of_birth": {"20/05/1990"},
			"answer_place_of_origin": {"nam  định"}, "answer_permanent_commune": {commune}, "answer_card_issue_date": {issue},
			"reason": {"Chủ tài khoản gọi 1900 0368"}}
	}
	// Without CSRF nothing happens.
	noCSRF := answers("Ba Đình", "10/06/2021")
	noCSRF.Del("csrf")
	if r := dc.post("/console/hotline/unlock", noCSRF); r.Status != http.StatusForbidden {
		t.Errorf("unlock without CSRF: %d", r.Status)
	}
	// 2 of 4 right is refused.
	r := dc.post("/console/hotline/unlock", answers("Hoàn Kiếm", "01/01/2020"))
	if r.Status != http.StatusForbidden || !shows(r.Body, locking.ErrHotlineWrong.VI) {
		t.Errorf("2 of 4: %d\n%s", r.Status, excerpt(r.Body))
	}
	if a, _ := st.Account(ctx, accA); a.State != store.AccountLocked {
		t.Fatalf("unlocked with 2 of 4: %s", a.State)
	}
	// The right answers unlock.
	r = dc.post("/console/hotline/unlock", answers("ba đình", "2021-06-10"))
	if r.Status != http.StatusOK || !shows(r.Body, "hotline-result") || !shows(r.Body, "Đang hoạt động") {
		t.Errorf("unlock: %d\n%s", r.Status, excerpt(r.Body))
	}
	if a, _ := st.Account(ctx, accA); a.State != store.AccountActive {
		t.Errorf("account after the hotline: %s", a.State)
	}
	// Nothing left to unlock.
	r = dc.post("/console/hotline/unlock", answers("ba đình", "2021-06-10"))
	if r.Status != http.StatusConflict || !shows(r.Body, locking.ErrHotlineNothing.VI) {
		t.Errorf("again: %d\n%s", r.Status, excerpt(r.Body))
	}
}
