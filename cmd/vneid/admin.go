package main

import (
	"context"
	"encoding/base32"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/vneid/vneid/internal/config"
	"github.com/vneid/vneid/internal/eid"
	"github.com/vneid/vneid/internal/identity"
	"github.com/vneid/vneid/internal/notify"
	"github.com/vneid/vneid/internal/officer"
	"github.com/vneid/vneid/internal/store"
	"github.com/vneid/vneid/internal/store/sqlstore"
)

// cliActor names the operator running a command, for the audit log.
func cliActor() string {
	u := os.Getenv("USER")
	if u == "" {
		u = "unknown"
	}
	return "cli:" + u
}

// cmdTrust manages the CSCA trust list.
func cmdTrust(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "usage: vneid trust list | add FILE... | add-crl FILE... | import-masterlist FILE | remove ID")
		return flag.ErrHelp
	}
	sub := args[0]
	var signerCA string
	cfg, fs, err := loadConfig("trust "+sub, args[1:], stderr, func(fs *flag.FlagSet) {
		if sub == "import-masterlist" {
			fs.StringVar(&signerCA, "signer-ca", "", "the CSCA that issued the list's signer (PEM or DER); default: a CSCA already trusted")
		}
	})
	if err != nil {
		return err
	}
	st, svc, err := openServices(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	actor := cliActor()
	switch sub {
	case "list":
		l, err := svc.trust.List(ctx)
		if err != nil {
			return err
		}
		w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "ID\tKIND\tCOUNTRY\tSUBJECT\tNOT AFTER\tSOURCE")
		for _, e := range l {
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", e.ID[:16], e.Kind, e.Country, e.Subject, e.NotAfter.Format("2006-01-02"), e.Source)
		}
		return w.Flush()
	case "add", "add-crl", "import-masterlist":
		if fs.NArg() == 0 {
			return fmt.Errorf("trust %s: give one or more files", sub)
		}
		for _, path := range fs.Args() {
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			var added, known int
			switch sub {
			case "add":
				r, err := svc.trust.AddCertificate(ctx, actor, "file:"+path, b)
				if err != nil {
					return fmt.Errorf("%s: %w", path, err)
				}
				added, known = r.Added, r.Known
			case "add-crl":
				r, err := svc.trust.AddCRL(ctx, actor, "file:"+path, b)
				if err != nil {
					return fmt.Errorf("%s: %w", path, err)
				}
				added, known = r.Added, r.Known
			default:
				var ca []byte
				if signerCA != "" {
					if ca, err = os.ReadFile(signerCA); err != nil {
						return err
					}
				}
				r, err := svc.trust.ImportMasterList(ctx, actor, "masterlist:"+path, b, ca)
				if err != nil {
					return fmt.Errorf("%s: %w", path, err)
				}
				added, known = r.Added, r.Known
			}
			fmt.Fprintf(stdout, "%s: %d added, %d already trusted\n", path, added, known)
		}
		return nil
	case "remove":
		if fs.NArg() != 1 {
			return errors.New("trust remove: give the entry's full ID (vneid trust list shows its start)")
		}
		id := fs.Arg(0)
		if len(id) < 64 {
			l, err := svc.trust.List(ctx)
			if err != nil {
				return err
			}
			var match []string
			for _, e := range l {
				if strings.HasPrefix(e.ID, id) {
					match = append(match, e.ID)
				}
			}
			if len(match) != 1 {
				return fmt.Errorf("trust remove: %q matches %d entries", id, len(match))
			}
			id = match[0]
		}
		if err := svc.trust.Remove(ctx, actor, id); err != nil {
			return err
		}
		fmt.Fprintln(stdout, "removed", id)
		return nil
	}
	return fmt.Errorf("unknown trust command %q", sub)
}

// cmdAdmin holds the administrators' actions.
func cmdAdmin(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) < 2 {
		fmt.Fprintln(stderr, `usage: vneid admin officer create -username U -name NAME -roles desk|reviewer|unit_head|admin[,…] -unit UNIT_ID
       vneid admin officer list | officer disable USERNAME | officer enable USERNAME
       vneid admin officer assign USERNAME [-roles R,…] [-unit UNIT_ID]
       vneid admin units import FILE.csv        administrative units (code,name,level,parent,valid_from,valid_to)
       vneid admin units list [-under CODE]
       vneid admin unit list | unit put -id ID -name NAME -level province|district|commune -area CODE -parent ID [-state closed]
       vneid admin eid reopen ID_NUMBER        give a new activation window (Decree 59 Art 18)
       vneid admin outbox dead | outbox replay MESSAGE_ID
       vneid admin rp create -id CLIENT_ID -name NAME -purpose TEXT -redirect URI[,…] [-scopes profile,personal_id,…]
                 [-type web|native|spa] [-kind state|business] [-levels 1,2] [-alg RS256|ES256|EdDSA] [-jwks FILE]
                 [-auth client_secret_basic|private_key_jwt] [-post-logout URI,…] [-backchannel URI] [-par] [-jwt-access]
       vneid admin rp list | rp show ID | rp secret ID | rp disable ID | rp enable ID
       vneid admin account locks|lock|unlock|reconcile ID_NUMBER [flags]   account locks (Decree 59 Art 19)`)
		return flag.ErrHelp
	}
	what := args[0] + " " + args[1]
	if args[0] == "rp" {
		return cmdAdminRP(ctx, args[1:], stdout, stderr)
	}
	if args[0] == "account" {
		return cmdAdminAccount(ctx, args[1:], stdout, stderr)
	}
	var username, name, roles, unit, password, level, area, parent, state, under string
	rest := args[2:]
	if what == "officer assign" && len(rest) > 0 && !strings.HasPrefix(rest[0], "-") {
		username, rest = rest[0], rest[1:]
	}
	cfg, fs, err := loadConfig("admin "+what, rest, stderr, func(fs *flag.FlagSet) {
		switch what {
		case "officer create":
			fs.StringVar(&username, "username", "", "login name (a-z, 0-9, . _ -)")
			fs.StringVar(&name, "name", "", "full name")
			fs.StringVar(&roles, "roles", "reviewer", "comma-separated: desk, reviewer, unit_head, admin")
			fs.StringVar(&unit, "unit", "", "police unit ID (vneid admin unit list); C06 is nationwide")
			fs.StringVar(&password, "password", "", "initial password (at least 12 characters; VNEID_OFFICER_PASSWORD)")
		case "officer assign":
			fs.StringVar(&roles, "roles", "", "new comma-separated roles")
			fs.StringVar(&unit, "unit", "", "new police unit ID")
		case "unit put":
			fs.StringVar(&unit, "id", "", "unit ID, e.g. CA-01-001")
			fs.StringVar(&name, "name", "", "name, e.g. Công an quận Ba Đình")
			fs.StringVar(&level, "level", "", "province, district or commune")
			fs.StringVar(&area, "area", "", "administrative unit code it serves")
			fs.StringVar(&parent, "parent", "", "the police unit above")
			fs.StringVar(&state, "state", "active", "active or closed")
		case "units list":
			fs.StringVar(&under, "under", "", "only units under this code")
		}
	})
	if err != nil {
		return err
	}
	st, svc, err := openServices(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	actor := cliActor()
	switch what {
	case "officer create":
		if password == "" {
			password = os.Getenv("VNEID_OFFICER_PASSWORD")
		}
		enr, err := svc.officers.Create(ctx, actor, officer.NewOfficer{Username: username, FullName: name, Password: password,
			Roles: split(roles), Unit: unit})
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "officer %s created\nTOTP secret (load into an authenticator app; shown once): %s\n%s\n",
			enr.Officer.Username, base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(enr.TOTPSecret), enr.TOTPURI)
		return nil
	case "officer list":
		l, err := svc.officers.List(ctx)
		if err != nil {
			return err
		}
		w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "USERNAME\tNAME\tROLES\tUNIT\tSTATE")
		for _, o := range l {
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", o.Username, o.FullName, strings.Join(o.Roles, ","), o.UnitID, o.State)
		}
		return w.Flush()
	case "officer disable", "officer enable":
		if fs.NArg() != 1 {
			return errors.New("give the username")
		}
		st := store.OfficerDisabled
		if what == "officer enable" {
			st = store.OfficerActive
		}
		return svc.officers.SetState(ctx, actor, fs.Arg(0), st)
	case "officer assign":
		if username == "" {
			return errors.New("give the username")
		}
		var r []string
		if roles != "" {
			r = split(roles)
		}
		return svc.officers.Assign(ctx, actor, username, r, unit)
	case "units import":
		if fs.NArg() != 1 {
			return errors.New("give the CSV file")
		}
		f, err := os.Open(fs.Arg(0))
		if err != nil {
			return err
		}
		defer f.Close()
		n, err := svc.units.ImportUnits(ctx, actor, f)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%d administrative units written\n", n)
		return nil
	case "units list":
		h := svc.units.Hierarchy()
		w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "CODE\tLEVEL\tNAME\tPARENT\tVALID FROM\tVALID TO")
		for _, u := range h.Units() {
			if under != "" && !h.Contains(under, u.Code) {
				continue
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", u.Code, u.Level, u.Name, u.Parent, dateOrDash(u.ValidFrom), dateOrDash(u.ValidTo))
		}
		return w.Flush()
	case "unit list":
		l, err := svc.units.PoliceUnits(ctx)
		if err != nil {
			return err
		}
		w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "ID\tLEVEL\tAREA\tPARENT\tSTATE\tNAME")
		for _, u := range l {
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", u.ID, u.Level, u.Area, u.Parent, u.State, u.Name)
		}
		return w.Flush()
	case "unit put":
		return svc.units.PutPoliceUnit(ctx, actor, store.PoliceUnit{ID: unit, Name: name, Level: store.PoliceUnitLevel(level),
			Area: area, Parent: parent, State: state})
	case "eid reopen":
		if fs.NArg() != 1 {
			return errors.New("give the personal ID number")
		}
		due, err := svc.eid.Reopen(ctx, eid.Caller{}, actor, fs.Arg(0))
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "activation open again until %s\n", due.In(ict()).Format("15:04 02/01/2006"))
		return nil
	case "outbox dead":
		l, err := st.ListOutbox(ctx, store.OutboxFilter{Status: store.OutboxDead, Limit: 500})
		if err != nil {
			return err
		}
		w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "ID\tCHANNEL\tTEMPLATE\tATTEMPTS\tCREATED\tLAST ERROR")
		for _, m := range l {
			fmt.Fprintf(w, "%d\t%s\t%s\t%d\t%s\t%s\n", m.ID, m.Channel, m.Template, m.Attempts, m.CreatedAt.Format(time.RFC3339), m.LastError)
		}
		return w.Flush()
	case "outbox replay":
		if fs.NArg() == 0 {
			return errors.New("give one or more message IDs")
		}
		for _, a := range fs.Args() {
			id, err := strconv.ParseInt(a, 10, 64)
			if err != nil {
				return fmt.Errorf("message ID %q: %w", a, err)
			}
			if err := notify.Replay(ctx, st, id, actor, "", time.Now()); err != nil {
				return fmt.Errorf("replay %d: %w", id, err)
			}
			fmt.Fprintf(stdout, "message %d queued again\n", id)
		}
		return nil
	}
	return fmt.Errorf("unknown admin command %q", what)
}

func dateOrDash(d identity.Date) string {
	if d.IsZero() {
		return "-"
	}
	return d.String()
}

func split(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// openServices opens the store and the domain services for a CLI command
// (no face engine).
func openServices(ctx context.Context, cfg config.Config) (*sqlstore.DB, *services, error) {
	st, err := openStore(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	svc, err := buildServices(ctx, cfg, st, slog.New(slog.DiscardHandler), nil, false, nil)
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	return st, svc, nil
}
