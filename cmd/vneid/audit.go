package main

import (
	"context"
	"crypto/ed25519"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/vneid/vneid/internal/audit"
)

const auditUsage = `usage: vneid audit verify [-public-key KEY|@FILE]...   prove the audit chain (exit status 1 when broken)
       vneid audit seal                                 seal the events appended so far and sign a checkpoint now
       vneid audit show -subject ID [-limit N]          a subject's audit events, newest first (itself audited)
       vneid audit key                                  the checkpoint public key, to keep outside the database`

// errChainBroken is returned when verification finds a break, so that the
// command exits non-zero after printing its report.
var errChainBroken = errors.New("audit chain broken / chuỗi nhật ký kiểm toán bị phá vỡ")

// cmdAudit runs the audit log's commands.
func cmdAudit(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprintln(stderr, auditUsage)
		return flag.ErrHelp
	}
	switch args[0] {
	case "verify":
		return auditVerify(ctx, args[1:], stdout, stderr)
	case "seal":
		return auditSeal(ctx, args[1:], stdout, stderr)
	case "show":
		return auditShow(ctx, args[1:], stdout, stderr)
	case "key":
		return auditKey(ctx, args[1:], stdout, stderr)
	}
	fmt.Fprintln(stderr, auditUsage)
	return fmt.Errorf("audit: unknown command %q", args[0])
}

func auditVerify(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var pubs []ed25519.PublicKey
	cfg, _, err := loadConfig("audit verify", args, stderr, func(fs *flag.FlagSet) {
		fs.Func("public-key", "checkpoint public key (base64 or hex, or @FILE) as vneid audit key prints it; repeat for rotated keys; default: the key in the database", func(s string) error {
			if name, ok := strings.CutPrefix(s, "@"); ok {
				b, err := os.ReadFile(name)
				if err != nil {
					return err
				}
				s = string(b)
			}
			k, err := audit.ParsePublicKey(s)
			if err != nil {
				return err
			}
			pubs = append(pubs, k)
			return nil
		})
	})
	if err != nil {
		return err
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	fromDB := len(pubs) == 0
	if fromDB {
		signer, err := audit.LoadKey(ctx, st)
		if err != nil {
			return err
		}
		pubs = append(pubs, signer.PublicKey())
	}
	start := time.Now()
	rep, err := audit.Verify(ctx, st, audit.NewKeys(pubs...))
	if err != nil {
		return err
	}
	printAuditReport(stdout, rep, pubs, fromDB, time.Since(start))
	if err := auditCLI(ctx, st, "audit.verify", "", map[string]any{"sealed": rep.Sealed, "breaks": rep.TotalBreaks}); err != nil {
		return err
	}
	if !rep.OK() {
		return errChainBroken
	}
	return nil
}

func printAuditReport(w io.Writer, rep *audit.Report, pubs []ed25519.PublicKey, fromDB bool, took time.Duration) {
	fmt.Fprintf(w, "Chuỗi nhật ký kiểm toán / Audit chain\n")
	fmt.Fprintf(w, "  Đã niêm phong / Sealed:        %d sự kiện / events (đầu chuỗi / head: seq %d)\n", rep.Sealed, rep.Head.Seq)
	fmt.Fprintf(w, "  Chưa niêm phong / Unsealed:    %d", rep.Unsealed)
	if rep.Unsealed > 0 {
		fmt.Fprintf(w, " (cũ nhất / oldest: %s, %s trước / ago)", rep.OldestUnsealed.Local().Format(time.RFC3339),
			time.Since(rep.OldestUnsealed).Round(time.Second))
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "  Điểm kiểm tra / Checkpoints:   %d đã kiểm tra / checked", rep.Checkpoints)
	if rep.Checkpoints > 0 {
		cp := rep.LastCheckpoint
		fmt.Fprintf(w, " (cuối / last: seq %d, %s, %s)", cp.Seq, cp.SignedAt.Local().Format(time.RFC3339), cp.KeyID)
	}
	fmt.Fprintln(w)
	for _, p := range pubs {
		fmt.Fprintf(w, "  Khóa / Key:                    %s %s\n", audit.KeyIDOf(p), audit.FormatPublicKey(p))
	}
	if fromDB {
		fmt.Fprintln(w, "  Lưu ý: khóa đọc từ chính cơ sở dữ liệu; hãy dùng -public-key với khóa đã lưu bên ngoài.")
		fmt.Fprintln(w, "  Note: the key was read from the database itself; pass -public-key with the key kept outside it.")
	}
	fmt.Fprintf(w, "  Thời gian / Took:              %s\n", took.Round(time.Millisecond))
	if rep.OK() {
		fmt.Fprintln(w, "KẾT QUẢ / RESULT: TOÀN VẸN / INTACT")
		return
	}
	fmt.Fprintf(w, "KẾT QUẢ / RESULT: BỊ PHÁ VỠ / BROKEN — %d chỗ hỏng / breaks", rep.TotalBreaks)
	if len(rep.Breaks) < rep.TotalBreaks {
		fmt.Fprintf(w, " (%d đầu tiên / first %d shown)", len(rep.Breaks), len(rep.Breaks))
	}
	fmt.Fprintln(w)
	for i, b := range rep.Breaks {
		fmt.Fprintf(w, "  %d. [%s] %s\n     %s\n", i+1, b.Kind, b.Vietnamese(), b.String())
	}
}

func auditSeal(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, _, err := loadConfig("audit seal", args, stderr, nil)
	if err != nil {
		return err
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	signer, err := audit.LoadKey(ctx, st)
	if err != nil {
		return err
	}
	s := &audit.Sealer{Store: st, Signer: signer}
	res, err := s.Seal(ctx)
	if err != nil {
		return err
	}
	cp := res.Checkpoint
	if cp == nil {
		if cp, err = s.Checkpoint(ctx, true); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "đã niêm phong / sealed: %d sự kiện / events; đầu chuỗi / head: seq %d\n", res.Sealed, res.Head.Seq)
	if cp != nil {
		fmt.Fprintf(stdout, "điểm kiểm tra / checkpoint: seq %d, %s\n", cp.Seq, cp.KeyID)
	} else {
		fmt.Fprintln(stdout, "điểm kiểm tra / checkpoint: không cần / none needed (the last one covers the head)")
	}
	return nil
}

func auditShow(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var (
		subject string
		limit   int
	)
	cfg, _, err := loadConfig("audit show", args, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&subject, "subject", "", "whose events: the personal ID number")
		fs.IntVar(&limit, "limit", 50, "how many events, newest first (at most 1000)")
	})
	if err != nil {
		return err
	}
	if subject == "" {
		return errors.New("audit show: give -subject ID")
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	evs, err := st.AuditBySubject(ctx, subject, limit)
	if err != nil {
		return err
	}
	if err := auditCLI(ctx, st, "audit.read", subject, map[string]any{"events": len(evs)}); err != nil {
		return err
	}
	if len(evs) == 0 {
		fmt.Fprintln(stdout, "(không có sự kiện / no events)")
		return nil
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tTHỜI GIAN / AT\tACTOR\tACTION\tPURPOSE\tREQUEST\tDETAIL")
	for _, e := range evs {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", e.ID, e.At.Local().Format("2006-01-02 15:04:05"), e.Actor, e.Action,
			e.Purpose, e.RequestID, e.Detail)
	}
	return tw.Flush()
}

func auditKey(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, _, err := loadConfig("audit key", args, stderr, nil)
	if err != nil {
		return err
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	signer, err := audit.LoadKey(ctx, st)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s %s\n", signer.KeyID(), audit.FormatPublicKey(signer.PublicKey()))
	return nil
}
