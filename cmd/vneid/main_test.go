package main

import (
	"bytes"
	"context"
	"encoding/base32"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vneid/vneid/internal/store/sqlstore"
	"github.com/vneid/vneid/internal/testkit"
	"github.com/vneid/vneid/internal/totp"
)

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func vneid(t *testing.T, stdin io.Reader, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	if stdin == nil {
		stdin = strings.NewReader("")
	}
	err := run(context.Background(), args, stdin, &out, &errOut)
	if err != nil {
		t.Logf("vneid %s: %v\nstderr: %s", strings.Join(args, " "), err, errOut.String())
	}
	return out.String(), err
}

// TestFirstRun is the README's promise: serve with the embedded store and demo
// data, then `vneid app register` completes against it and logs in.
func TestFirstRun(t *testing.T) {
	dir := t.TempDir()
	url := startServer(t, dir, "-demo-citizens", "300")
	id, device, regOut := registerInApp(t, url, dir, "0912345678", "Matkhau@2024")
	for _, want := range []string{"Kiểm tra thông tin", id, "091****678", "Account activated", "Đăng nhập thành công"} {
		if !strings.Contains(regOut, want) {
			t.Errorf("register output lacks %q:\n%s", want, regOut)
		}
	}
	out, err := vneid(t, nil, "app", "login", "-server", url, "-device", device, "-id", id, "-password", "Matkhau@2024")
	if err != nil || !strings.Contains(out, "Đăng nhập thành công") {
		t.Fatalf("app login: %v\n%s", err, out)
	}
	// A different device is refused.
	_, err = vneid(t, nil, "app", "login", "-server", url, "-device", filepath.Join(dir, "other.json"), "-id", id, "-password", "Matkhau@2024")
	if err == nil || !strings.Contains(err.Error(), "device_not_bound") {
		t.Errorf("login from another device: %v", err)
	}

	// Level 1 online: the demo trust list holds the demo CSCA; the test
	// kit makes the citizen's chip; the reference app submits the dossier.
	// This server has no face engine (it runs from cmd/vneid), so the
	// dossier waits for an officer.
	if out, err := vneid(t, nil, "trust", "list", "-data-dir", dir); err != nil || !strings.Contains(out, "demo") {
		t.Errorf("trust list: %v\n%s", err, out)
	}
	if out := applyLevel1(t, url, dir, id, device, "Matkhau@2024"); !strings.Contains(out, "Waiting for review") || !strings.Contains(out, "chip_passive_auth") {
		t.Fatalf("app level1:\n%s", out)
	}
	chipDir := filepath.Join(dir, "chip-"+id)
	if b, err := os.ReadFile(filepath.Join(dir, "demo-officer.txt")); err != nil || !strings.Contains(string(b), "otpauth://totp/") {
		t.Errorf("demo officer file: %v", err)
	}
	out, err = vneid(t, nil, "app", "level1", "-server", url, "-device", device, "-id", id, "-password", "Matkhau@2024",
		"-chip", chipDir, "-yes")
	if err == nil || !strings.Contains(err.Error(), "eid_application_pending") {
		t.Errorf("second level1 while pending: %v\n%s", err, out)
	}

	// The demo officer approves the dossier in the console, as a browser
	// would (the sign-in details are in demo-officer.txt), and the citizen
	// activates: the account is level 1.
	approveInConsole(t, url, filepath.Join(dir, "demo-officer.txt"), time.Now())
	out, err = vneid(t, nil, "app", "activate", "-server", url, "-device", device, "-id", id, "-password", "Matkhau@2024")
	if err != nil || !strings.Contains(out, "mức 1") {
		t.Fatalf("app activate: %v\n%s", err, out)
	}
	if out, err := vneid(t, nil, "outbox", "list", "-data-dir", dir); err != nil || !strings.Contains(out, "đã được phê duyệt") {
		t.Errorf("no approval SMS in the outbox: %v\n%s", err, out)
	}

	// Level 2 at the desk (seed letter 1): the demo desk officer enrols a
	// citizen listed in demo-desk-officer.txt with the scanner's templates
	// from `vneid testkit fingers` and the consent code from the outbox;
	// the demo reviewer approves; the approval SMS goes to the desk phone.
	enrolAtDesk(t, url, dir)
	approveInConsole(t, url, filepath.Join(dir, "demo-officer.txt"), time.Now().Add(30*time.Second))
	if out, err := vneid(t, nil, "outbox", "list", "-to", "0977123456", "-data-dir", dir); err != nil || !strings.Contains(out, "đã được phê duyệt") {
		t.Errorf("no approval SMS to the desk phone: %v\n%s", err, out)
	}
}

func TestRegistryCommands(t *testing.T) {
	dir := t.TempDir()
	if out, err := vneid(t, nil, "migrate", "-data-dir", dir); err != nil || !strings.Contains(out, "sqlite") {
		t.Fatalf("migrate: %v %s", err, out)
	}
	if _, err := vneid(t, nil, "registry", "generate", "-citizens", "120", "-seed", "7", "-data-dir", dir); err != nil {
		t.Fatal(err)
	}
	csv := filepath.Join(dir, "export.csv")
	if out, err := vneid(t, nil, "registry", "export", "-data-dir", dir, csv); err != nil || !strings.Contains(out, "exported 120") {
		t.Fatalf("export: %v %s", err, out)
	}
	// Import into a fresh store, twice: idempotent.
	dir2 := t.TempDir()
	for i := 0; i < 2; i++ {
		out, err := vneid(t, nil, "registry", "import", "-data-dir", dir2, csv)
		if err != nil || !strings.Contains(out, " 0 rejected") {
			t.Fatalf("import %d: %v %s", i, err, out)
		}
	}
	st, err := sqlstore.Open(context.Background(), filepath.Join(dir2, "vneid.db"))
	if err != nil {
		t.Fatal(err)
	}
	n, err := st.CountCitizens(context.Background())
	st.Close()
	if err != nil || n != 120 {
		t.Fatalf("citizens after two imports = %d, %v; want 120", n, err)
	}
	// A file with bad rows: the good ones land, each bad one is reported.
	data, _ := os.ReadFile(csv)
	rows := strings.Split(strings.TrimSpace(string(data)), "\n")
	bad := filepath.Join(dir, "bad.csv")
	broken := strings.Replace(rows[2], rows[2][:12], "12345", 1)
	os.WriteFile(bad, []byte(strings.Join([]string{rows[0], rows[1], broken, rows[3]}, "\n")+"\n"), 0o600)
	report := filepath.Join(dir, "errors.txt")
	out, err := vneid(t, nil, "registry", "import", "-data-dir", t.TempDir(), "-errors", report, bad)
	if err == nil || !strings.Contains(out, "2 imported, 1 rejected") {
		t.Fatalf("import with a bad row: %v %s", err, out)
	}
	rep, _ := os.ReadFile(report)
	if !strings.Contains(string(rep), "line 3: id_number") {
		t.Errorf("error report = %q", rep)
	}
	id := rows[1][:12]
	out, err = vneid(t, nil, "registry", "show", "-data-dir", dir2, id)
	if err != nil || !strings.Contains(out, `"id_number": "`+id+`"`) {
		t.Errorf("show: %v %s", err, out)
	}
	if _, err := vneid(t, nil, "outbox", "list", "-data-dir", dir, "-demo=false"); err == nil {
		t.Error("outbox list must refuse outside demo mode")
	}
	if out, _ := vneid(t, nil, "version"); !strings.HasPrefix(out, "vneid "+version) {
		t.Errorf("version = %q", out)
	}
}

// approveInConsole signs the demo officer in to the review console with
// the TOTP code of the step at codeAt (a code works once: a second sign-in
// uses the next step's, which the one-step skew accepts) and approves the
// first dossier of the queue.
func approveInConsole(t *testing.T, base, officerFile string, codeAt time.Time) {
	t.Helper()
	b, err := os.ReadFile(officerFile)
	if err != nil {
		t.Fatal(err)
	}
	fields := map[string]string{}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ": "); ok {
			fields[k] = v
		}
	}
	secret, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(fields["totp_secret"])
	if err != nil {
		t.Fatal(err)
	}
	jar, _ := cookiejar.New(nil)
	web := &http.Client{Jar: jar}
	page := func(resp *http.Response, err error) string {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d\n%s", resp.Request.URL, resp.StatusCode, body)
		}
		return string(body)
	}
	post := func(path string, v url.Values) string {
		req, _ := http.NewRequest("POST", base+path, strings.NewReader(v.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", base)
		return page(web.Do(req))
	}
	csrf := regexp.MustCompile(`name="csrf" value="([^"]+)"`)
	login := page(web.Get(base + "/console/login"))
	m := csrf.FindStringSubmatch(login)
	if m == nil {
		t.Fatalf("no form token on the login page:\n%s", login)
	}
	queue := post("/console/login", url.Values{"csrf": {m[1]}, "username": {fields["username"]}, "password": {fields["password"]},
		"code": {totp.Code(secret, codeAt, totp.Options{})}})
	link := regexp.MustCompile(`href="/console/dossiers/([0-9a-f]+)"`).FindStringSubmatch(queue)
	if link == nil {
		t.Fatalf("no dossier in the queue:\n%s", queue)
	}
	dossier := page(web.Get(base + "/console/dossiers/" + link[1]))
	m = csrf.FindStringSubmatch(dossier)
	if m == nil || !strings.Contains(dossier, "chip_passive_auth") && !strings.Contains(dossier, "finger_02") {
		t.Fatalf("dossier page:\n%s", dossier)
	}
	if after := post("/console/dossiers/"+link[1]+"/approve", url.Values{"csrf": {m[1]}}); !strings.Contains(after, link[1][:6]) {
		t.Errorf("no confirmation after approval:\n%s", after)
	}
}

// officerSession signs an officer in to the console from a demo sign-in
// file and returns the web client, the page after sign-in and the file's
// fields.
func officerSession(t *testing.T, base, officerFile string) (*http.Client, string, map[string]string) {
	t.Helper()
	b, err := os.ReadFile(officerFile)
	if err != nil {
		t.Fatal(err)
	}
	fields := map[string]string{}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ": "); ok && fields[k] == "" {
			fields[k] = v // the first of repeated keys
		}
	}
	secret, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(fields["totp_secret"])
	if err != nil {
		t.Fatal(err)
	}
	jar, _ := cookiejar.New(nil)
	web := &http.Client{Jar: jar}
	login := readPage(t)(web.Get(base + "/console/login"))
	m := csrfField.FindStringSubmatch(login)
	if m == nil {
		t.Fatalf("no form token on the login page:\n%s", login)
	}
	v := url.Values{"csrf": {m[1]}, "username": {fields["username"]}, "password": {fields["password"]},
		"code": {totp.Code(secret, time.Now(), totp.Options{})}}
	req, _ := http.NewRequest("POST", base+"/console/login", strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", base)
	return web, readPage(t)(web.Do(req)), fields
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func readPage(t *testing.T) func(resp *http.Response, err error) string {
	return func(resp *http.Response, err error) string {
		t.Helper()
		return pageBody(t, resp, err)
	}
}

func pageBody(t *testing.T, resp *http.Response, err error) string {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("%s: %d\n%s", resp.Request.URL, resp.StatusCode, body)
	}
	return string(body)
}

// enrolAtDesk walks the desk over HTTP as the desk page's forms do.
func enrolAtDesk(t *testing.T, base, dir string) {
	t.Helper()
	web, landing, fields := officerSession(t, base, filepath.Join(dir, "demo-desk-officer.txt"))
	id := fields["citizen"]
	if id == "" || !strings.Contains(landing, `action="/console/desk/search"`) {
		t.Fatalf("desk landing (citizen %q):\n%s", id, landing)
	}
	token := func(page string) string {
		m := csrfField.FindStringSubmatch(page)
		if m == nil {
			t.Fatalf("no form token:\n%s", page)
		}
		return m[1]
	}
	form := func(path string, v url.Values) (string, string) {
		req, _ := http.NewRequest("POST", base+path, strings.NewReader(v.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", base)
		resp, err := web.Do(req)
		page := pageBody(t, resp, err)
		return page, resp.Request.URL.Path
	}
	multi := func(path, csrf string, values map[string]string, files map[string][]byte) string {
		var body bytes.Buffer
		w := multipart.NewWriter(&body)
		_ = w.WriteField("csrf", csrf)
		for k, v := range values {
			_ = w.WriteField(k, v)
		}
		for k, b := range files {
			fw, _ := w.CreateFormFile(k, k+".bin")
			_, _ = fw.Write(b)
		}
		_ = w.Close()
		req, _ := http.NewRequest("POST", base+path, &body)
		req.Header.Set("Content-Type", w.FormDataContentType())
		req.Header.Set("Origin", base)
		return readPage(t)(web.Do(req))
	}
	found, _ := form("/console/desk/search", url.Values{"csrf": {token(landing)}, "query": {id}})
	if !strings.Contains(found, id) || !strings.Contains(found, `action="/console/desk/applications"`) {
		t.Fatalf("search result:\n%s", found)
	}
	// A renewal goes with level 2 whatever card the citizen holds; the
	// office is the residence's police, so the place rule passes.
	appPage, appPath := form("/console/desk/applications", url.Values{"csrf": {token(found)}, "id_number": {id},
		"card_request": {"renewal"}, "phone": {"0977 123 456"}})
	if !strings.HasPrefix(appPath, "/console/desk/applications/") {
		t.Fatalf("open application landed on %s:\n%s", appPath, appPage)
	}
	portrait, err := testkit.SyntheticPortrait("desk " + id)
	if err != nil {
		t.Fatal(err)
	}
	page := multi(appPath+"/portrait", token(appPage), nil, map[string][]byte{"portrait": portrait})
	fingerDir := filepath.Join(dir, "fingers")
	if out, err := vneid(t, nil, "testkit", "fingers", "-id", id, "-out", fingerDir); err != nil {
		t.Fatalf("testkit fingers: %v\n%s", err, out)
	}
	right, _ := os.ReadFile(filepath.Join(fingerDir, "finger-02.fmr"))
	left, _ := os.ReadFile(filepath.Join(fingerDir, "finger-07.fmr"))
	page = multi(appPath+"/fingerprints", token(page), map[string]string{
		"finger1_position": "2", "finger1_format": "iso19794-2", "finger2_position": "7", "finger2_format": "iso19794-2"},
		map[string][]byte{"finger1_file": right, "finger2_file": left})
	page, _ = form(appPath+"/consent-code", url.Values{"csrf": {token(page)}})
	var code string
	for i := 0; i < 50 && code == ""; i++ {
		out, _ := vneid(t, nil, "outbox", "list", "-to", "0977123456", "-data-dir", dir)
		if m := regexp.MustCompile(`\b(\d{6})\b`).FindStringSubmatch(out); m != nil {
			code = m[1]
		} else {
			time.Sleep(100 * time.Millisecond)
		}
	}
	if code == "" {
		t.Fatal("no consent code in the outbox")
	}
	page = multi(appPath+"/consent", token(page), map[string]string{"method": "otp", "code": code}, nil)
	done, _ := form(appPath+"/submit", url.Values{"csrf": {token(page)}, "documents": {"health_insurance"}})
	if !strings.Contains(done, `id="submitted"`) || !strings.Contains(done, "7 ngày làm việc") {
		t.Fatalf("after submission:\n%s", done)
	}
}
