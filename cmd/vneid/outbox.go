package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/vneid/vneid/internal/identity"
	"github.com/vneid/vneid/internal/store"
)

func cmdOutbox(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "list" {
		fmt.Fprintln(stderr, "usage: vneid outbox list [-to PHONE] [-n N]")
		return flag.ErrHelp
	}
	var to string
	var n int
	cfg, _, err := loadConfig("outbox list", args[1:], stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&to, "to", "", "only messages to this phone number")
		fs.IntVar(&n, "n", 20, "how many messages, newest first")
	})
	if err != nil {
		return err
	}
	if !cfg.DemoMode() {
		return errors.New("outbox list shows message bodies and works only in demo mode (-demo=true); in production read the delivery gateway's records")
	}
	if to != "" {
		if to, err = identity.NormalizePhone(to); err != nil {
			return err
		}
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	msgs, err := st.ListOutbox(ctx, store.OutboxFilter{Recipient: to, Limit: n})
	if err != nil {
		return err
	}
	if err := auditCLI(ctx, st, "outbox.read", "", map[string]any{"recipient_filter": to != "", "messages": len(msgs)}); err != nil {
		return err
	}
	for _, m := range msgs {
		fmt.Fprintf(stdout, "#%d %s %s → %s [%s, %d attempts] %s\n  %s\n", m.ID, m.CreatedAt.Local().Format("2006-01-02 15:04:05"),
			m.Channel, m.Recipient, m.Status, m.Attempts, m.Template, m.Body)
	}
	if len(msgs) == 0 {
		fmt.Fprintln(stdout, "(no messages)")
	}
	return nil
}
