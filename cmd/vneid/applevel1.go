package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/vneid/vneid/internal/appclient"
	"github.com/vneid/vneid/internal/icao"
	"github.com/vneid/vneid/internal/testkit"
)

// appSession logs in as the app does.
func appSession(ctx context.Context, c *appclient.Client, p *prompter, f appFlags) error {
	id, err := p.ask("Số định danh cá nhân / Personal ID number", f.id)
	if err != nil {
		return err
	}
	pw, err := p.secret("Mật khẩu / Password", f.password)
	if err != nil {
		return err
	}
	_, err = c.Login(ctx, id, pw)
	return err
}

// appLevel1 is "Đăng ký tài khoản định danh điện tử mức 1": start, the NFC
// notes, the chip read (a software chip from `vneid testkit chip`), the
// selfie, and the dossier.
func appLevel1(ctx context.Context, c *appclient.Client, p *prompter, f appFlags, out io.Writer) error {
	if f.chip == "" {
		return errors.New("-chip DIR is required: make one with `vneid testkit chip -id ID -out DIR`")
	}
	chip, err := testkit.LoadChip(f.chip)
	if err != nil {
		return err
	}
	qr := f.qr
	if qr == "" {
		b, err := os.ReadFile(filepath.Join(f.chip, "qr.txt"))
		if err != nil {
			return fmt.Errorf("-qr is required (or qr.txt in the chip directory): %w", err)
		}
		qr = strings.TrimSpace(string(b))
	}
	var selfie []byte
	if f.selfie != "" {
		if selfie, err = os.ReadFile(f.selfie); err != nil {
			return err
		}
	} else {
		d, err := icao.ParseDG2(chip.Groups[2])
		if err != nil || len(d.Faces) == 0 {
			return fmt.Errorf("the chip has no portrait to use as a selfie; give -selfie: %v", err)
		}
		selfie = d.Faces[0].Image
	}
	if err := appSession(ctx, c, p, f); err != nil {
		return err
	}
	defer c.Logout(context.WithoutCancel(ctx))
	fmt.Fprintln(out, "Đăng ký tài khoản định danh điện tử mức 1 (thực hiện trực tuyến) / Level-1 e-ID registration (online)")
	app, err := c.StartLevel1(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintln(out, "Lưu ý khi đọc chip NFC / NFC notes:")
	for i, n := range app.Notes["vi"] {
		en := ""
		if i < len(app.Notes["en"]) {
			en = " / " + app.Notes["en"][i]
		}
		fmt.Fprintf(out, "  - %s%s\n", n, en)
	}
	if !f.yes {
		if _, err := p.ask("Nhấn Enter: Tôi đã hiểu / Press Enter: I understand", ""); err != nil {
			return err
		}
	}
	answer, err := chip.AnswerChallenge(app.Challenge)
	if err != nil {
		return err
	}
	fmt.Fprintln(out, "Đã đọc chip và chụp ảnh chân dung / Chip read and portrait taken")
	res, err := c.SubmitLevel1(ctx, app.ApplicationID, chip.Files(), answer, selfie, qr)
	if err != nil {
		return err
	}
	for _, ch := range res.Checks {
		score := ""
		if ch.Score != nil {
			score = fmt.Sprintf(" %.2f", *ch.Score)
		}
		fmt.Fprintf(out, "  %-20s %s%s %s\n", ch.Name, ch.Status, score, strings.Join(ch.Fields, ","))
	}
	switch res.State {
	case "approved":
		fmt.Fprintln(out, "Hồ sơ đã được phê duyệt. Hãy kích hoạt: vneid app activate / Approved. Activate with: vneid app activate")
	default:
		fmt.Fprintf(out, "Hồ sơ đang chờ phê duyệt, hạn %s / Waiting for review, due %s\n",
			res.DeadlineAt.In(ict()).Format("15:04 02/01/2006"), res.DeadlineAt.In(ict()).Format("15:04 02/01/2006"))
	}
	return nil
}

func appActivate(ctx context.Context, c *appclient.Client, p *prompter, f appFlags, out io.Writer) error {
	if err := appSession(ctx, c, p, f); err != nil {
		return err
	}
	defer c.Logout(context.WithoutCancel(ctx))
	level, err := c.Activate(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Đã kích hoạt tài khoản định danh điện tử mức %d / Level %d e-ID account activated\n", level, level)
	return nil
}

func appInbox(ctx context.Context, c *appclient.Client, p *prompter, f appFlags, out io.Writer) error {
	if err := appSession(ctx, c, p, f); err != nil {
		return err
	}
	defer c.Logout(context.WithoutCancel(ctx))
	l, err := c.Notifications(ctx)
	if err != nil {
		return err
	}
	for _, n := range l {
		fmt.Fprintf(out, "%s  %s / %s\n  %s\n", n.CreatedAt.In(ict()).Format("02/01/2006 15:04"), n.Title["vi"], n.Title["en"], n.Body["vi"])
	}
	return nil
}
