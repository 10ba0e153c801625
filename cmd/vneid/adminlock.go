package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"text/tabwriter"
	"time"

	"github.com/vneid/vneid/internal/account"
	"github.com/vneid/vneid/internal/locking"
)

// cmdAdminAccount is `vneid admin account locks|lock|unlock|reconcile`: the
// locks of an account (Decree 59 Art 19), from the command line.
func cmdAdminAccount(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprintln(stderr, `usage: vneid admin account locks ID_NUMBER
       vneid admin account lock ID_NUMBER -ground self|violation|authority -reason TEXT [-evidence REF]
       vneid admin account unlock ID_NUMBER -lock LOCK_ID -reason TEXT
       vneid admin account reconcile ID_NUMBER     apply the population database's grounds (card revoked, death)`)
		return flag.ErrHelp
	}
	sub := args[0]
	rest := args[1:]
	var idNumber string
	if len(rest) > 0 && rest[0] != "" && rest[0][0] != '-' {
		idNumber, rest = rest[0], rest[1:]
	}
	var ground, reason, evidence, lockID string
	cfg, _, err := loadConfig("admin account "+sub, rest, stderr, func(fs *flag.FlagSet) {
		switch sub {
		case "lock":
			fs.StringVar(&ground, "ground", "", "self, violation or authority (card_revoked and deceased are automatic)")
			fs.StringVar(&reason, "reason", "", "the written reason")
			fs.StringVar(&evidence, "evidence", "", "reference of the evidence or the authority's request")
		case "unlock":
			fs.StringVar(&lockID, "lock", "", "the lock to lift (vneid admin account locks)")
			fs.StringVar(&reason, "reason", "", "the written reason")
		}
	})
	if err != nil {
		return err
	}
	if idNumber == "" {
		return errors.New("give the personal ID number")
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	acfg, err := cfg.AccountConfig()
	if err != nil {
		return err
	}
	acc, err := account.New(ctx, acfg, account.Options{Store: st, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return err
	}
	svc, err := locking.New(locking.Options{Store: st, Codes: acc, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return err
	}
	a, err := st.AccountByIDNumber(ctx, idNumber)
	if err != nil {
		return locking.ErrAccountNotFound
	}
	actor := cliActor()
	switch sub {
	case "locks":
		l, err := svc.Locks(ctx, account.Caller{}, actor, a.ID)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "account %s: %s\n", idNumber, a.State)
		w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "LOCK\tGROUND\tSTATE\tBY\tCREATED\tREASON")
		for _, x := range l {
			vi, _, _ := locking.GroundLabel(x.Ground)
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", x.ID, vi, x.State, x.By, x.CreatedAt.In(ict()).Format(time.DateTime), x.Reason)
		}
		return w.Flush()
	case "lock":
		l, err := svc.Lock(ctx, account.Caller{}, actor, a.ID, ground, reason, evidence)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "đã khóa / locked: %s (%s)\n", l.ID, l.Ground)
		return nil
	case "unlock":
		if err := svc.Unlock(ctx, account.Caller{}, actor, a.ID, lockID, reason); err != nil {
			return err
		}
		fmt.Fprintln(stdout, "đã gỡ khóa / lock lifted")
		return nil
	case "reconcile":
		changed, err := svc.Reconcile(ctx, a.ID)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "changed: %v\n", changed)
		return nil
	}
	return fmt.Errorf("unknown command: admin account %s", sub)
}

// registryChanges is `vneid registry changes`: the population database's
// change feed, and with -replay its application to the accounts concerned
// (what the server's population worker does).
func registryChanges(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var after int64
	var limit int
	var replay bool
	cfg, _, err := loadConfig("registry changes", args, stderr, func(fs *flag.FlagSet) {
		fs.Int64Var(&after, "after", 0, "start after this cursor")
		fs.IntVar(&limit, "limit", 100, "print at most this many changes")
		fs.BoolVar(&replay, "replay", false, "apply the listed changes to the accounts again (locks on a revoked card or a death)")
	})
	if err != nil {
		return err
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	var svc *locking.Service
	if replay {
		acfg, err := cfg.AccountConfig()
		if err != nil {
			return err
		}
		acc, err := account.New(ctx, acfg, account.Options{Store: st, Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			return err
		}
		if svc, err = locking.New(locking.Options{Store: st, Codes: acc, Logger: slog.New(slog.DiscardHandler)}); err != nil {
			return err
		}
	}
	l, err := st.CitizenChanges(ctx, after, limit)
	if err != nil {
		return err
	}
	cursor, _ := st.SyncCursor(ctx, locking.SyncCursor)
	fmt.Fprintf(stdout, "accounts are up to date to cursor %d\n", cursor)
	w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "SEQ\tID NUMBER\tUPDATED\tACCOUNT\tAPPLIED")
	changed := 0
	for _, c := range l {
		state := "-"
		if a, err := st.AccountByIDNumber(ctx, c.ID); err == nil {
			state = string(a.State)
		}
		applied := ""
		if svc != nil && state != "-" {
			n, err := svc.ReconcileCitizen(ctx, c.ID)
			if err != nil {
				return err
			}
			if n {
				changed++
				applied = "changed"
			}
		}
		fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\n", c.Seq, c.ID, c.UpdatedAt.In(ict()).Format(time.DateTime), state, applied)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if len(l) > 0 {
		fmt.Fprintf(stdout, "%d changes; continue with -after %d\n", len(l), l[len(l)-1].Seq)
	}
	if replay {
		fmt.Fprintf(stdout, "accounts changed: %d\n", changed)
	}
	return auditCLI(ctx, st, "registry.changes.read", "", map[string]any{"after": after, "changes": len(l), "replay": replay})
}
