package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/term"

	"github.com/vneid/vneid/internal/appclient"
	"github.com/vneid/vneid/internal/identity"
)

// prompter asks what a person would type into the app.
type prompter struct {
	in  *bufio.Reader
	out io.Writer
	tty *os.File // set when input is a terminal, to read secrets without echo
}

func (p *prompter) ask(label, preset string) (string, error) {
	if preset != "" {
		return preset, nil
	}
	fmt.Fprint(p.out, label+": ")
	line, err := p.in.ReadString('\n')
	if err != nil && (err != io.EOF || line == "") {
		return "", fmt.Errorf("read %s: %w", label, err)
	}
	return strings.TrimSpace(line), nil
}

func (p *prompter) secret(label, preset string) (string, error) {
	if preset != "" || p.tty == nil {
		return p.ask(label, preset)
	}
	fmt.Fprint(p.out, label+": ")
	b, err := term.ReadPassword(int(p.tty.Fd()))
	fmt.Fprintln(p.out)
	if err != nil {
		return "", fmt.Errorf("read %s: %w", label, err)
	}
	return string(b), nil
}

type appFlags struct {
	server, device, id, phone, qr, qrFile, otp, password, lang string
	chip, selfie, qrLogin                                      string
	yes                                                        bool
}

func (f *appFlags) register(fs *flag.FlagSet, withRegistration, level1 bool) {
	home, _ := os.UserHomeDir()
	fs.StringVar(&f.server, "server", envOr("VNEID_SERVER", "http://localhost:8080"), "server URL (also VNEID_SERVER)")
	fs.StringVar(&f.device, "device", filepath.Join(home, ".vneid", "device.json"), "device key file (made on first use)")
	fs.StringVar(&f.id, "id", "", "personal ID number (số định danh cá nhân)")
	fs.StringVar(&f.password, "password", "", "password (prompted without echo when omitted)")
	fs.StringVar(&f.lang, "lang", "vi", "language of messages: vi or en")
	if level1 {
		fs.StringVar(&f.chip, "chip", "", "directory of the chip read (made by `vneid testkit chip`)")
		fs.StringVar(&f.selfie, "selfie", "", "the selfie (JPEG or PNG); default: the chip portrait")
		fs.StringVar(&f.qr, "qr", "", "the QR payload scanned from the back of the ID card (default: chip dir's qr.txt)")
		fs.BoolVar(&f.yes, "yes", false, "accept the NFC notes without asking")
	}
	fs.StringVar(&f.qrLogin, "qr-login", "", "approve: the payload of the web sign-in QR code (VNEID-LOGIN:…)")
	if withRegistration {
		fs.StringVar(&f.phone, "phone", "", "mobile phone number")
		fs.StringVar(&f.qr, "qr", "", "the QR payload scanned from the back of the ID card")
		fs.StringVar(&f.qrFile, "qr-file", "", "read the QR payload from this file")
		fs.StringVar(&f.otp, "otp", "", "the code from the SMS")
		fs.BoolVar(&f.yes, "yes", false, "confirm the details without asking")
	}
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

func cmdApp(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	cmds := []string{"register", "login", "level1", "activate", "inbox", "approve", "usage", "passcode", "wallet", "integrate", "present"}
	if len(args) == 0 || !slices.Contains(cmds, args[0]) {
		fmt.Fprintln(stderr, "usage: vneid app "+strings.Join(cmds, "|")+" [flags]")
		return flag.ErrHelp
	}
	var f appFlags
	var w walletFlags
	fs := flag.NewFlagSet("vneid app "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	f.register(fs, args[0] == "register", args[0] == "level1")
	if slices.Contains(cmds[7:], args[0]) {
		w.register(fs, args[0])
		if args[0] == "integrate" {
			fs.BoolVar(&f.yes, "yes", false, "give the consent without asking")
		}
	}
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	dev, err := appclient.LoadOrCreateDevice(f.device)
	if err != nil {
		return err
	}
	p := &prompter{in: bufio.NewReader(stdin), out: stdout}
	if file, ok := stdin.(*os.File); ok && term.IsTerminal(int(file.Fd())) {
		p.tty = file
	}
	c := &appclient.Client{BaseURL: f.server, Device: dev, Lang: f.lang}
	switch args[0] {
	case "register":
		return appRegister(ctx, c, p, f, stdout)
	case "level1":
		return appLevel1(ctx, c, p, f, stdout)
	case "activate":
		return appActivate(ctx, c, p, f, stdout)
	case "inbox":
		return appInbox(ctx, c, p, f, stdout)
	case "approve":
		return appApprove(ctx, c, p, f, stdout)
	case "usage":
		return appUsage(ctx, c, p, f, stdout)
	case "passcode":
		return appPasscode(ctx, c, p, f, w, stdout)
	case "wallet":
		return appWallet(ctx, c, p, f, w, stdout)
	case "integrate":
		return appIntegrate(ctx, c, p, f, w, stdout)
	case "present":
		return appPresent(ctx, c, p, f, w, stdout)
	}
	return appLogin(ctx, c, p, f, stdout)
}

func appRegister(ctx context.Context, c *appclient.Client, p *prompter, f appFlags, out io.Writer) error {
	fmt.Fprintln(out, "Đăng ký tài khoản VNeID / Register a VNeID account")
	id, err := p.ask("Số định danh cá nhân / Personal ID number", f.id)
	if err != nil {
		return err
	}
	phone, err := p.ask("Số điện thoại / Phone number", f.phone)
	if err != nil {
		return err
	}
	reg, err := c.Start(ctx, id, phone)
	if err != nil {
		return err
	}
	qr := f.qr
	if qr == "" && f.qrFile != "" {
		b, err := os.ReadFile(f.qrFile)
		if err != nil {
			return err
		}
		qr = string(b)
	}
	qr, err = p.ask("Quét mã QR trên thẻ CCCD (dán nội dung) / Scan the card's QR code (paste its text)", qr)
	if err != nil {
		return err
	}
	conf, err := c.SubmitQR(ctx, reg, qr)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "\nKiểm tra thông tin / Check your details:\n  Số định danh cá nhân: %s\n  Số điện thoại:        %s\n  Họ và tên:            %s\n  Giới tính:            %s\n  Ngày sinh:            %s\n  Nơi thường trú:       %s\n",
		conf.IDNumber, conf.Phone, conf.FullName, conf.GenderVI, dmy(conf.DateOfBirth), conf.PermanentAddress.Full)
	if a := conf.PermanentAddress; a.HouseNumber != "" || a.Street != "" || a.Hamlet != "" {
		var parts []string
		for _, v := range []string{a.HouseNumber, a.Street, a.Hamlet} {
			if v != "" {
				parts = append(parts, v)
			}
		}
		fmt.Fprintf(out, "  Số nhà, phố, tổ/thôn: %s\n", strings.Join(parts, ", "))
	}
	if !f.yes {
		ans, err := p.ask("Thông tin chính xác? Nhấn Enter để Đăng ký, n để hủy / Correct? Enter to register, n to cancel", "")
		if err != nil {
			return err
		}
		if strings.EqualFold(ans, "n") {
			return errors.New("cancelled")
		}
	}
	sent, err := c.Confirm(ctx, reg)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Mã OTP đã được gửi tới %s / A code was sent to %s\n", sent.PhoneMasked, sent.PhoneMasked)
	for tries := 0; ; tries++ {
		otp, err := p.ask("Mã OTP / Code", f.otp)
		if err != nil {
			return err
		}
		err = c.VerifyOTP(ctx, reg, otp)
		if err == nil {
			break
		}
		var prob *appclient.Problem
		if f.otp != "" || !errors.As(err, &prob) || prob.Code != "otp_invalid" || tries > 5 {
			return err
		}
		fmt.Fprintln(out, prob.Error())
	}
	for {
		pw, err := p.secret("Mật khẩu (8–20 ký tự: chữ hoa, chữ thường, số, ký tự đặc biệt) / Password", f.password)
		if err != nil {
			return err
		}
		if f.password == "" {
			again, err := p.secret("Nhập lại mật khẩu / Repeat the password", "")
			if err != nil {
				return err
			}
			if again != pw {
				fmt.Fprintln(out, "Mật khẩu không khớp / The passwords differ")
				continue
			}
		}
		acc, err := c.SetPassword(ctx, reg, pw)
		var prob *appclient.Problem
		if errors.As(err, &prob) && prob.Code == "password_weak" && f.password == "" {
			fmt.Fprintln(out, prob.Error())
			continue
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "Tài khoản đã được kích hoạt / Account activated: %s (%s)\n", acc.IDNumber, acc.State)
		if _, err := c.Login(ctx, id, pw); err != nil {
			return fmt.Errorf("login after registration: %w", err)
		}
		fmt.Fprintln(out, "Đăng nhập thành công / Logged in")
		return c.Logout(ctx)
	}
}

func appLogin(ctx context.Context, c *appclient.Client, p *prompter, f appFlags, out io.Writer) error {
	id, err := p.ask("Số định danh cá nhân / Personal ID number", f.id)
	if err != nil {
		return err
	}
	pw, err := p.secret("Mật khẩu / Password", f.password)
	if err != nil {
		return err
	}
	acc, err := c.Login(ctx, id, pw)
	if err != nil {
		return err
	}
	_, cit, err := c.Me(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Đăng nhập thành công / Logged in: %s — %s, %s, %s; tài khoản %s, mức %d\n",
		acc.IDNumber, cit.FullName, cit.GenderVI, dmy(cit.DateOfBirth), acc.State, acc.Level)
	return c.Logout(ctx)
}

// dmy shows an ISO date the Vietnamese way.
func dmy(iso string) string {
	if d, err := identity.ParseDate(iso); err == nil {
		return d.DMY()
	}
	return iso
}
