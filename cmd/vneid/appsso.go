package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/vneid/vneid/internal/appclient"
)

// appApprove is "Quét mã QR" for a web sign-in: the app, logged in,
// approves the QR code the provider's page shows, confirming with the
// password.
func appApprove(ctx context.Context, c *appclient.Client, p *prompter, f appFlags, out io.Writer) error {
	if f.qrLogin == "" {
		return errors.New("-qr-login is required: the payload of the QR code on the sign-in page")
	}
	if err := appSession(ctx, c, p, f); err != nil {
		return err
	}
	defer c.Logout(context.WithoutCancel(ctx))
	pw, err := p.secret("Xác nhận mật khẩu / Confirm password", f.password)
	if err != nil {
		return err
	}
	a, err := c.ApproveLogin(ctx, strings.TrimSpace(f.qrLogin), pw)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Đã xác nhận đăng nhập %s (mức %d) / Sign-in to %s approved (level %d)\n", a.ClientName["vi"], a.Level,
		a.ClientName["en"], a.Level)
	if len(a.Claims) > 0 {
		fmt.Fprintf(out, "Thông tin sẽ chia sẻ sau khi bạn đồng ý / Shared after your consent: %s\n", strings.Join(a.Claims, ", "))
	}
	return nil
}

// appUsage is "Lịch sử sử dụng": logins, consents and releases of data to
// relying parties.
func appUsage(ctx context.Context, c *appclient.Client, p *prompter, f appFlags, out io.Writer) error {
	if err := appSession(ctx, c, p, f); err != nil {
		return err
	}
	defer c.Logout(context.WithoutCancel(ctx))
	l, err := c.Usage(ctx, 0, 50)
	if err != nil {
		return err
	}
	for _, u := range l {
		var claims string
		if cl, ok := u.Detail["claims"].([]any); ok {
			parts := make([]string, 0, len(cl))
			for _, x := range cl {
				parts = append(parts, fmt.Sprint(x))
			}
			claims = strings.Join(parts, ",")
		}
		fmt.Fprintf(out, "%s  %-16s %-30s %s\n", u.At, u.Kind, u.ClientName, claims)
	}
	return nil
}
