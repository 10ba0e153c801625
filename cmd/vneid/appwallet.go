package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/vneid/vneid/internal/appclient"
)

// walletFlags are the flags of the wallet commands.
type walletFlags struct {
	passcode, kind, number, nonce, audience, qrOut, out string
	ttl                                                 int
	docs                                                multiFlag
}

// multiFlag is a repeatable string flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, " ") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

func (w *walletFlags) register(fs *flag.FlagSet, cmd string) {
	fs.StringVar(&w.passcode, "passcode", "", "the wallet's 6-digit passcode (prompted when omitted)")
	switch cmd {
	case "integrate":
		fs.StringVar(&w.kind, "kind", "", "health_insurance, driving_licence, vehicle_registration or tax_code")
		fs.StringVar(&w.number, "number", "", "the document number (licence number, plate); empty: every document of the kind")
	case "present":
		fs.Var(&w.docs, "doc", "a document to present, repeatable: KIND[:NUMBER][=claim,claim…]; KIND eid is the e-ID card")
		fs.StringVar(&w.nonce, "nonce", "", "the verifier's nonce, to bind the presentation to it")
		fs.StringVar(&w.audience, "audience", "", "the verifier's client ID, to bind the presentation to it")
		fs.IntVar(&w.ttl, "ttl", 0, "lifetime in seconds (default: the server's, 180)")
		fs.StringVar(&w.qrOut, "qr-out", "", "write the QR code to this PNG file")
		fs.StringVar(&w.out, "out", "", "write the presentation text to this file")
	}
}

// parseDocSpec reads KIND[:NUMBER][=claim,claim…].
func parseDocSpec(spec string) (appclient.PresentItem, error) {
	var it appclient.PresentItem
	head, claims, hasClaims := strings.Cut(spec, "=")
	it.Kind, it.Number, _ = strings.Cut(head, ":")
	if it.Kind == "" {
		return it, fmt.Errorf("-doc %q: want KIND[:NUMBER][=claim,claim…]", spec)
	}
	if hasClaims {
		for _, c := range strings.Split(claims, ",") {
			if c = strings.TrimSpace(c); c != "" {
				it.Claims = append(it.Claims, c)
			}
		}
	}
	return it, nil
}

// appPasscode is "Đặt passcode": the wallet's 6-digit passcode.
func appPasscode(ctx context.Context, c *appclient.Client, p *prompter, f appFlags, w walletFlags, out io.Writer) error {
	if err := appSession(ctx, c, p, f); err != nil {
		return err
	}
	defer c.Logout(context.WithoutCancel(ctx))
	code, err := p.secret("Passcode mới (6 chữ số) / New passcode (6 digits)", w.passcode)
	if err != nil {
		return err
	}
	pw, err := p.secret("Xác nhận mật khẩu / Confirm password", f.password)
	if err != nil {
		return err
	}
	if err := c.SetPasscode(ctx, pw, code); err != nil {
		return err
	}
	fmt.Fprintln(out, "Đã đặt passcode / Passcode set")
	return nil
}

func unlockWallet(ctx context.Context, c *appclient.Client, p *prompter, w walletFlags) error {
	code, err := p.secret("Passcode", w.passcode)
	if err != nil {
		return err
	}
	return c.Unlock(ctx, code)
}

func claimText(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case nil:
		return ""
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// appWallet is "Ví giấy tờ": the e-ID card with its issuance history and
// every integrated document.
func appWallet(ctx context.Context, c *appclient.Client, p *prompter, f appFlags, w walletFlags, out io.Writer) error {
	if err := appSession(ctx, c, p, f); err != nil {
		return err
	}
	defer c.Logout(context.WithoutCancel(ctx))
	if err := unlockWallet(ctx, c, p, w); err != nil {
		return err
	}
	v, err := c.Wallet(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Thẻ căn cước điện tử / e-ID card — mức / level %d\n", v.EID.Level)
	for _, cl := range v.EID.Claims {
		fmt.Fprintf(out, "  %-28s %s\n", cl.LabelVI+":", claimText(cl.Value))
	}
	if len(v.EID.History) > 0 {
		fmt.Fprintln(out, "  Lịch sử cấp thẻ / Card history:")
		for _, h := range v.EID.History {
			fmt.Fprintf(out, "    %s  %s → %s  %s (chip %v)\n", h.Number, h.IssueDate, h.ExpiryDate, h.Status, h.Chip)
		}
	}
	for _, d := range v.Documents {
		state := "còn hiệu lực / valid"
		if !d.Valid {
			state = "không còn giá trị / not valid (" + d.Status + ")"
		}
		fmt.Fprintf(out, "\n%s / %s — %s — %s\n", d.LabelVI, d.LabelEN, d.Number, state)
		for _, cl := range d.Claims {
			fmt.Fprintf(out, "  %-28s %s\n", cl.LabelVI+":", claimText(cl.Value))
		}
	}
	if len(v.Documents) == 0 {
		fmt.Fprintln(out, "\nChưa có giấy tờ tích hợp / No documents integrated yet (vneid app integrate)")
	}
	return nil
}

// appIntegrate is "Tích hợp giấy tờ": ask to add a document, with consent.
func appIntegrate(ctx context.Context, c *appclient.Client, p *prompter, f appFlags, w walletFlags, out io.Writer) error {
	if w.kind == "" {
		return errors.New("-kind is required: health_insurance, driving_licence, vehicle_registration or tax_code")
	}
	if err := appSession(ctx, c, p, f); err != nil {
		return err
	}
	defer c.Logout(context.WithoutCancel(ctx))
	if !f.yes {
		ans, err := p.ask("Tôi đồng ý cho phép kiểm tra thông tin giấy tờ tại cơ sở dữ liệu chuyên ngành và tích hợp vào tài khoản định danh điện tử (c/k) / "+
			"I agree to have the document checked at its source registry and integrated into my e-ID account (y/n)", "")
		if err != nil {
			return err
		}
		if a := strings.ToLower(ans); a != "c" && a != "y" && a != "có" && a != "yes" {
			return errors.New("cancelled: consent not given")
		}
	}
	r, err := c.RequestIntegration(ctx, w.kind, w.number, true)
	if err != nil {
		return err
	}
	switch r.State {
	case "approved":
		fmt.Fprintf(out, "Đã tích hợp / Integrated: %s %s\n", r.Kind, strings.Join(r.Documents, ", "))
	case "rejected":
		fmt.Fprintf(out, "Bị từ chối / Refused (%s): %s / %s\n", r.ReasonCode, r.ReasonVI, r.ReasonEN)
		return fmt.Errorf("integration refused: %s", r.ReasonCode)
	default:
		fmt.Fprintf(out, "Đang chờ cơ sở dữ liệu chuyên ngành phản hồi / Waiting for the source registry (request %s)\n", r.ID)
	}
	return nil
}

// appPresent is "Xuất trình": a presentation of chosen documents and
// attributes, as text and as a QR code.
func appPresent(ctx context.Context, c *appclient.Client, p *prompter, f appFlags, w walletFlags, out io.Writer) error {
	if len(w.docs) == 0 {
		w.docs = multiFlag{"eid"}
	}
	req := appclient.PresentRequest{TTLSeconds: w.ttl, Nonce: w.nonce, Audience: w.audience, QR: w.qrOut != ""}
	for _, spec := range w.docs {
		it, err := parseDocSpec(spec)
		if err != nil {
			return err
		}
		req.Items = append(req.Items, it)
	}
	if err := appSession(ctx, c, p, f); err != nil {
		return err
	}
	defer c.Logout(context.WithoutCancel(ctx))
	if err := unlockWallet(ctx, c, p, w); err != nil {
		return err
	}
	pr, err := c.Present(ctx, req)
	if err != nil {
		return err
	}
	if w.qrOut != "" {
		png, err := base64.StdEncoding.DecodeString(pr.QRPNG)
		if err != nil {
			return fmt.Errorf("qr: %w", err)
		}
		if err := os.WriteFile(w.qrOut, png, 0o600); err != nil {
			return err
		}
	}
	if w.out != "" {
		if err := os.WriteFile(w.out, []byte(pr.Presentation), 0o600); err != nil {
			return err
		}
		fmt.Fprintf(out, "Mã xuất trình %s (%d byte), hết hạn / expires %s\n", pr.ID, pr.Size, pr.ExpiresAt)
		return nil
	}
	fmt.Fprintln(out, pr.Presentation)
	return nil
}
