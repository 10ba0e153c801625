package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/vneid/vneid/internal/account"
	"github.com/vneid/vneid/internal/config"
	"github.com/vneid/vneid/internal/sso"
	"github.com/vneid/vneid/internal/store"
)

// cmdAdminRP manages the relying parties of "log in with VNeID".
func cmdAdminRP(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return flag.ErrHelp
	}
	verb := args[0]
	var reg sso.Registration
	var id, redirects, postLogout, scopes, levels, jwksFile string
	var par, jwtAccess bool
	rest := args[1:]
	if verb != "create" && verb != "list" {
		if len(rest) == 0 || strings.HasPrefix(rest[0], "-") {
			return fmt.Errorf("give the client ID: vneid admin rp %s ID", verb)
		}
		id, rest = rest[0], rest[1:]
	}
	cfg, _, err := loadConfig("admin rp "+verb, rest, stderr, func(fs *flag.FlagSet) {
		if verb != "create" {
			return
		}
		fs.StringVar(&id, "id", "", "client ID (3–64 of a-z 0-9 . _ -); generated when empty")
		fs.StringVar(&reg.Name, "name", "", "name shown to citizens (Vietnamese)")
		fs.StringVar(&reg.NameEN, "name-en", "", "name in English")
		fs.StringVar(&reg.Purpose, "purpose", "", "why the data is needed (Vietnamese), shown on the consent screen")
		fs.StringVar(&reg.PurposeEN, "purpose-en", "", "purpose in English")
		fs.StringVar(&reg.Kind, "kind", sso.KindBusiness, "state (public subject allowed) or business (pairwise subjects)")
		fs.StringVar(&reg.Type, "type", sso.TypeWeb, "web (confidential), native or spa (public, PKCE)")
		fs.StringVar(&reg.AuthMethod, "auth", "", "client_secret_basic or private_key_jwt (web clients)")
		fs.StringVar(&redirects, "redirect", "", "comma-separated redirect URIs")
		fs.StringVar(&postLogout, "post-logout", "", "comma-separated post-logout redirect URIs")
		fs.StringVar(&scopes, "scopes", "profile", "allowed scopes besides openid: profile, personal_id, address, portrait, offline_access")
		fs.StringVar(&levels, "levels", "1,2", "e-ID levels it may ask for; the first is the default")
		fs.StringVar(&reg.IDTokenAlg, "alg", "RS256", "ID token signing algorithm: RS256, ES256 or EdDSA")
		fs.StringVar(&jwksFile, "jwks", "", "JSON Web Key Set file with its public keys (private_key_jwt, request objects)")
		fs.StringVar(&reg.BackChannelLogoutURI, "backchannel", "", "back-channel logout URI")
		fs.BoolVar(&par, "par", false, "require pushed authorization requests")
		fs.BoolVar(&jwtAccess, "jwt-access", false, "issue JWT access tokens instead of opaque ones")
	})
	if err != nil {
		return err
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	s, closeSSO, err := openSSO(ctx, cfg, st)
	if err != nil {
		return err
	}
	defer closeSSO()
	actor := cliActor()
	show := func(r sso.Registered) error {
		out := map[string]any{"client_id": r.Client.ID, "issuer": s.Issuer(), "registration": r.Client.Registration,
			"disabled": r.Client.Disabled}
		if r.Secret != "" {
			out["client_secret"] = r.Secret
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	switch verb {
	case "create":
		reg.RedirectURIs = split(redirects)
		reg.PostLogoutRedirectURIs = split(postLogout)
		reg.Scopes = split(scopes)
		for _, l := range split(levels) {
			n, err := strconv.Atoi(l)
			if err != nil {
				return fmt.Errorf("-levels: %w", err)
			}
			reg.Levels = append(reg.Levels, n)
		}
		if jwksFile != "" {
			b, err := os.ReadFile(jwksFile)
			if err != nil {
				return err
			}
			var set jose.JSONWebKeySet
			if err := json.Unmarshal(b, &set); err != nil {
				return fmt.Errorf("-jwks: %w", err)
			}
			reg.JWKS = &set
		}
		reg.RequirePAR = par
		if jwtAccess {
			reg.AccessTokenFormat = sso.TokenJWT
		}
		r, err := s.RegisterClient(ctx, actor, id, reg)
		if err != nil {
			return err
		}
		return show(r)
	case "list":
		l, err := s.ListClients(ctx)
		if err != nil {
			return err
		}
		w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "CLIENT_ID\tNAME\tTYPE\tAUTH\tLEVELS\tSCOPES\tSTATE")
		for _, c := range l {
			state := "active"
			if c.Disabled {
				state = "disabled"
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%v\t%s\t%s\n", c.ID, c.Name, c.Type, c.AuthMethod, c.Levels, strings.Join(c.Scopes, ","), state)
		}
		return w.Flush()
	case "show":
		c, err := s.Client(ctx, id)
		if err != nil {
			return err
		}
		return show(sso.Registered{Client: c})
	case "secret":
		r, err := s.RotateSecret(ctx, actor, id)
		if err != nil {
			return err
		}
		return show(r)
	case "disable", "enable":
		c, err := s.SetClientDisabled(ctx, actor, id, verb == "disable")
		if err != nil {
			return err
		}
		return show(sso.Registered{Client: c})
	}
	return errors.New("unknown rp command: " + verb)
}

// openSSO builds the provider's service for a command (no logs, no outbox
// wake-up); close releases what buildServices started.
func openSSO(ctx context.Context, cfg config.Config, st store.Store) (*sso.Service, func(), error) {
	quiet := slog.New(slog.DiscardHandler)
	svcs, err := buildServices(ctx, cfg, st, quiet, nil, false, nil)
	if err != nil {
		return nil, nil, err
	}
	acfg, err := cfg.AccountConfig()
	if err != nil {
		svcs.Close()
		return nil, nil, err
	}
	acc, err := account.New(ctx, acfg, account.Options{Store: st, Logger: quiet})
	if err != nil {
		svcs.Close()
		return nil, nil, err
	}
	s, err := buildSSO(ctx, cfg, st, svcs, acc, quiet, nil)
	if err != nil {
		svcs.Close()
		return nil, nil, err
	}
	return s, svcs.Close, nil
}
