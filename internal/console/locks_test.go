package console_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"testing"
	"time"

	"github.com/vneid/vneid/internal/console"
	"github.com/vneid/vneid/internal/identity"
	"github.com/vneid/vneid/internal/locking"
	"github.com/vneid/vneid/internal/officer"
	"github.com/vneid/vneid/internal/store"
	"github.com/vneid/vneid/internal/store/sqlstore"
	"github.com/vneid/vneid/internal/store/storetest"
)

// withLocking serves a second console on e's services with a locking
// service, and returns e pointed at it. The locking service's clock runs a
// week behind, so that its requests are overdue on the console's clock.
func withLocking(t *testing.T, e *env) *env {
	t.Helper()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	lk, err := locking.New(locking.Options{Store: e.st, Codes: e.accounts, Calendar: e.cal, Logger: quiet,
		Now: func() time.Time { return time.Now().Add(-7 * 24 * time.Hour) }})
	if err != nil {
		t.Fatal(err)
	}
	h, err := console.New(console.Options{Officers: e.officers, EID: e.eid, Locking: lk,
		Logger: slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle(console.Prefix, h)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	le := *e
	le.handler, le.srv = h, srv
	return &le
}

// holder gives a citizen an active account and returns its ID and ID number.
func (e *env) holder(t *testing.T, serial int) (string, string) {
	t.Helper()
	dob, _ := identity.NewDate(1990, 5, 20)
	id, err := identity.MakePersonalID("001", dob, identity.Female, serial)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	acc := store.Account{ID: randomHex(t), IDNumber: id, Phone: fmt.Sprintf("+8498%07d", serial),
		PasswordHash: "unused", State: store.AccountActive, CreatedAt: now, UpdatedAt: now, PasswordChangedAt: now}
	if err := e.st.CreateAccount(context.Background(), acc); err != nil {
		t.Fatal(err)
	}
	return acc.ID, id
}

func TestLockRequests(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			testLockRequests(t, b.Open(t))
		})
	}
}

var lockRowID = regexp.MustCompile(`<tr id="lock-([0-9a-f]+)"`)

func testLockRequests(t *testing.T, st *sqlstore.DB) {
	ctx := context.Background()
	base := newEnv(t, st, &clock{t: time.Now()})

	// Without a locking service the pages do not exist.
	reviewer := base.officer(t, "reviewer.hn", []string{officer.RoleReviewer}, "CA-01")
	if r := base.signIn(t, reviewer).get("/console/locks"); r.Status != http.StatusNotFound {
		t.Errorf("locks without a locking service: %d", r.Status)
	}

	e := withLocking(t, base)
	desk := e.officer(t, "desk.hn", []string{officer.RoleDesk}, "CA-01")
	head := e.officer(t, "head.hn", []string{officer.RoleReviewer, officer.RoleUnitHead}, "CA-01")
	headHCM := e.officer(t, "head.hcm", []string{officer.RoleReviewer, officer.RoleUnitHead}, "CA-79")
	accA, idA := e.holder(t, 41)
	accB, idB := e.holder(t, 42)
	accC, idC := e.holder(t, 43)

	// A reviewer alone may not see the page, and has no link to it.
	rc := e.signIn(t, reviewer)
	if r := rc.get("/console/queue"); shows(r.Body, `href="/console/locks"`) {
		t.Error("a reviewer has a link to the lock requests")
	}
	if r := rc.get("/console/locks"); r.Status != http.StatusForbidden || !shows(r.Body, "console_not_lock_desk") {
		t.Errorf("a reviewer opens the lock requests: %d\n%s", r.Status, excerpt(r.Body))
	}

	// The desk officer records three requests.
	dc := e.signIn(t, desk)
	page := dc.get("/console/desk")
	if !shows(page.Body, `href="/console/locks"`) {
		t.Error("the desk officer has no link to the lock requests")
	}
	page = dc.get("/console/locks")
	if page.Status != http.StatusOK || !shows(page.Body, "new-lock-request") || shows(page.Body, "approve-lock") {
		t.Fatalf("desk's lock page: %d\n%s", page.Status, excerpt(page.Body))
	}
	form := func(id string) url.Values {
		return url.Values{"csrf": {csrf(t, page)}, "id_number": {id}, "kind": {"lock"},
			"requester": {"Cơ quan Cảnh sát điều tra Công an TP Hà Nội"}, "reference": {"Công văn 345/CSĐT-PC02 ngày 26/11/2026"},
			"contact": {"pc02@congan.hanoi.gov.vn"}, "reason": {"Phục vụ điều tra vụ án lừa đảo."}}
	}
	bad := form(idA)
	bad.Set("reason", " ")
	if r := dc.post("/console/locks", bad); r.Status != http.StatusBadRequest || !shows(r.Body, locking.ErrRequestInvalid.VI) ||
		!shows(r.Body, "Công văn 345/CSĐT-PC02") {
		t.Errorf("a request without a reason: %d\n%s", r.Status, excerpt(r.Body))
	}
	for _, id := range []string{idA, idB, idC} {
		r := dc.post("/console/locks", form(id))
		if r.Status != http.StatusSeeOther || r.Location != "/console/locks" {
			t.Fatalf("record a request: %d %q\n%s", r.Status, r.Location, excerpt(r.Body))
		}
		if p := dc.follow(r); !shows(p.Body, "Đã tiếp nhận yêu cầu") {
			t.Errorf("no flash after recording\n%s", excerpt(p.Body))
		}
	}
	page = dc.get("/console/locks")
	for _, id := range []string{idA, idB, idC} {
		if !shows(page.Body, id) {
			t.Errorf("request for %s not listed", id)
		}
	}
	list, err := st.ListLockRequests(ctx, "CA-01", store.LockRequestPending, 10)
	if err != nil || len(list) != 3 {
		t.Fatalf("pending requests %d, %v", len(list), err)
	}
	reqOf := map[string]string{}
	for _, q := range list {
		reqOf[q.IDNumber] = q.ID
	}
	if ids := lockRowID.FindAllStringSubmatch(page.Body, -1); len(ids) != 3 {
		t.Errorf("%d rows listed, want 3", len(ids))
	}

	// The desk officer cannot decide.
	r := dc.post("/console/locks/"+reqOf[idA]+"/decide", url.Values{"csrf": {csrf(t, page)}, "action": {"approve"}})
	if r.Status != http.StatusForbidden || !shows(r.Body, locking.ErrNotUnitHead.VI) {
		t.Errorf("desk decides: %d\n%s", r.Status, excerpt(r.Body))
	}

	// Another unit's head neither sees nor decides the requests.
	oc := e.signIn(t, headHCM)
	op := oc.get("/console/locks")
	if shows(op.Body, idA) {
		t.Error("another unit sees the requests")
	}
	if r := oc.post("/console/locks/"+reqOf[idA]+"/decide", url.Values{"csrf": {csrf(t, op)}, "action": {"approve"}}); r.Status != http.StatusNotFound ||
		!shows(r.Body, locking.ErrRequestNotFound.VI) {
		t.Errorf("another unit's head decides: %d\n%s", r.Status, excerpt(r.Body))
	}

	// The unit head approves the first: the account is locked.
	hc := e.signIn(t, head)
	hp := hc.get("/console/locks")
	if !shows(hp.Body, `href="/console/locks"`) || !shows(hp.Body, "approve-lock") || !shows(hp.Body, "Từ chối") {
		t.Fatalf("head's lock page\n%s", excerpt(hp.Body))
	}
	token := csrf(t, hp)
	r = hc.post("/console/locks/"+reqOf[idA]+"/decide", url.Values{"csrf": {token}, "action": {"approve"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("approve: %d\n%s", r.Status, excerpt(r.Body))
	}
	if p := hc.follow(r); !shows(p.Body, "Đã chấp thuận yêu cầu") {
		t.Errorf("no flash after approving\n%s", excerpt(p.Body))
	}
	if a, err := st.Account(ctx, accA); err != nil || a.State != store.AccountLocked {
		t.Errorf("account after approval: %s, %v", a.State, err)
	}

	// A refusal without a reason is refused with the message.
	r = hc.post("/console/locks/"+reqOf[idB]+"/decide", url.Values{"csrf": {token}, "action": {"refuse"}, "decision": {"  "}})
	if r.Status != http.StatusBadRequest || !shows(r.Body, locking.ErrRefusalReason.VI) {
		t.Errorf("refusal without a reason: %d\n%s", r.Status, excerpt(r.Body))
	}
	if q, _ := st.LockRequest(ctx, reqOf[idB]); q.State != store.LockRequestPending {
		t.Errorf("request after a refusal without reason: %s", q.State)
	}
	// With a reason it is refused; the account stays active.
	r = hc.post("/console/locks/"+reqOf[idB]+"/decide", url.Values{"csrf": {token}, "action": {"refuse"},
		"decision": {"Văn bản không đúng thẩm quyền."}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("refuse: %d\n%s", r.Status, excerpt(r.Body))
	}
	p := hc.follow(r)
	if !shows(p.Body, "Đã từ chối yêu cầu") || !shows(p.Body, "Văn bản không đúng thẩm quyền.") {
		t.Errorf("after refusing\n%s", excerpt(p.Body))
	}
	if q, _ := st.LockRequest(ctx, reqOf[idB]); q.State != store.LockRequestRefused || q.Decision != "Văn bản không đúng thẩm quyền." {
		t.Errorf("refused request: %+v", q)
	}
	if a, _ := st.Account(ctx, accB); a.State != store.AccountActive {
		t.Errorf("account after a refusal: %s", a.State)
	}
	// Deciding twice is refused.
	if r := hc.post("/console/locks/"+reqOf[idA]+"/decide", url.Values{"csrf": {token}, "action": {"approve"}}); r.Status != http.StatusConflict {
		t.Errorf("deciding twice: %d", r.Status)
	}
	// Without the CSRF token nothing is decided.
	if r := hc.post("/console/locks/"+reqOf[idC]+"/decide", url.Values{"action": {"approve"}}); r.Status != http.StatusForbidden {
		t.Errorf("decide without CSRF: %d", r.Status)
	}
	if a, _ := st.Account(ctx, accC); a.State != store.AccountActive {
		t.Errorf("account C: %s", a.State)
	}
	// The page lists the pending request first.
	p = hc.get("/console/locks")
	if ids := lockRowID.FindAllStringSubmatch(p.Body, -1); len(ids) != 3 || ids[0][1] != reqOf[idC] {
		t.Errorf("rows %v, want %s first", ids, reqOf[idC])
	}
	if n := regexp.MustCompile(`Quá hạn / Overdue`).FindAllStringIndex(p.Body, -1); len(n) != 1 {
		t.Errorf("%d requests shown overdue, want the pending one", len(n))
	}
}
