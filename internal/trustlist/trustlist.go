// Package trustlist manages the CSCA certificates and CRLs that passive
// authentication trusts: adding single certificates, whole ICAO master lists
// and CRLs, listing and removing them, each change audited. The CLI
// (`vneid trust`) and the admin API both use it.
package trustlist

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/vneid/vneid/internal/chipauth"
	"github.com/vneid/vneid/internal/failure"
	"github.com/vneid/vneid/internal/store"
	"github.com/vneid/vneid/internal/x509lite"
)

// ErrInvalid: the file is not a CSCA certificate, CRL or master list.
var ErrInvalid = failure.New("trust_invalid", failure.Invalid,
	"Tệp không phải chứng thư CSCA, danh sách thu hồi hoặc danh sách chủ (master list) hợp lệ.",
	"The file is not a valid CSCA certificate, CRL or master list.")

// ErrNotFound: no such trust-list entry.
var ErrNotFound = failure.New("trust_not_found", failure.NotFound,
	"Không tìm thấy mục trong danh sách tin cậy.", "The trust-list entry does not exist.")

// Manager changes the trust list.
type Manager struct {
	Store store.Store
	// Changed, if set, is called after every change (to drop caches).
	Changed func()
	Now     func() time.Time
}

func (m *Manager) now() time.Time {
	if m.Now == nil {
		return time.Now()
	}
	return m.Now()
}

func (m *Manager) changed() {
	if m.Changed != nil {
		m.Changed()
	}
}

// Result says what an import added.
type Result struct {
	Added, Known int
	Entries      []store.TrustEntry
}

func (m *Manager) put(ctx context.Context, actor, source string, entries []chipauth.Entry) (Result, error) {
	var res Result
	now := m.now()
	err := m.Store.InTx(ctx, func(q store.Queries) error {
		res = Result{}
		for _, e := range entries {
			kind := store.TrustCSCA
			if e.CRL {
				kind = store.TrustCRL
			}
			te := store.TrustEntry{ID: e.ID, Kind: kind, Country: e.Country, Subject: e.Subject, Serial: e.Serial,
				NotBefore: e.NotBefore, NotAfter: e.NotAfter, DER: e.DER, Source: source, AddedAt: now}
			added, err := q.PutTrust(ctx, te)
			if err != nil {
				return err
			}
			if added {
				res.Added++
			} else {
				res.Known++
			}
			res.Entries = append(res.Entries, te)
		}
		// The new list must still load: a CRL needs its CSCA.
		if err := validate(ctx, q); err != nil {
			return err
		}
		return q.AppendAudit(ctx, store.AuditEvent{At: now, Actor: actor, Action: "trust.added",
			Detail: fmt.Sprintf(`{"source":%q,"added":%d,"known":%d}`, source, res.Added, res.Known)})
	})
	if err != nil {
		return Result{}, err
	}
	if res.Added > 0 {
		m.changed()
	}
	return res, nil
}

func validate(ctx context.Context, q store.Queries) error {
	all, err := q.ListTrust(ctx, "")
	if err != nil {
		return err
	}
	var cscas, crls [][]byte
	for _, e := range all {
		if e.Kind == store.TrustCRL {
			crls = append(crls, e.DER)
		} else {
			cscas = append(cscas, e.DER)
		}
	}
	if _, err := chipauth.NewTrustList(cscas, crls); err != nil {
		return ErrInvalid.WithCause(err).WithDetail("("+err.Error()+")", "("+err.Error()+")")
	}
	return nil
}

// AddCertificate trusts one CSCA certificate (DER or PEM).
func (m *Manager) AddCertificate(ctx context.Context, actor, source string, b []byte) (Result, error) {
	e, err := chipauth.DescribeCertificate(b)
	if err != nil {
		return Result{}, ErrInvalid.WithCause(err).WithDetail("("+err.Error()+")", "("+err.Error()+")")
	}
	return m.put(ctx, actor, source, []chipauth.Entry{e})
}

// AddCRL adds a CSCA's CRL (DER or PEM); its CSCA must be trusted.
func (m *Manager) AddCRL(ctx context.Context, actor, source string, b []byte) (Result, error) {
	e, err := chipauth.DescribeCRL(b)
	if err != nil {
		return Result{}, ErrInvalid.WithCause(err).WithDetail("("+err.Error()+")", "("+err.Error()+")")
	}
	return m.put(ctx, actor, source, []chipauth.Entry{e})
}

// ImportMasterList trusts the CA certificates of an ICAO master list. The
// list's signature must verify, and its signer must be issued by signerCA
// (the CSCA of the country that publishes the list, e.g. Germany's, given
// by the operator as DER or PEM) or, when signerCA is nil, by a CSCA
// already trusted. Self-signed entries must verify under their own key;
// entries that are not CA certificates are skipped.
func (m *Manager) ImportMasterList(ctx context.Context, actor, source string, b, signerCA []byte) (Result, error) {
	ml, err := chipauth.ParseMasterList(b)
	if err != nil {
		return Result{}, ErrInvalid.WithCause(err).WithDetail("("+err.Error()+")", "("+err.Error()+")")
	}
	if err := m.checkSigner(ctx, ml.Signer, signerCA); err != nil {
		return Result{}, err
	}
	var entries []chipauth.Entry
	for _, der := range ml.Certificates {
		c, err := x509lite.ParseCertificate(der)
		if err != nil || (c.IsSelfIssued() && c.CheckSignatureFrom(c) != nil) {
			continue
		}
		e, err := chipauth.DescribeCertificate(der)
		if err != nil {
			continue
		}
		entries = append(entries, e)
	}
	if len(entries) == 0 {
		return Result{}, ErrInvalid.WithDetail("(danh sách không có chứng thư CSCA)", "(the list holds no CSCA certificate)")
	}
	return m.put(ctx, actor, source, entries)
}

// List returns the trust list.
func (m *Manager) List(ctx context.Context) ([]store.TrustEntry, error) {
	l, err := m.Store.ListTrust(ctx, "")
	if err != nil {
		return nil, fmt.Errorf("trustlist: %w", err)
	}
	return l, nil
}

// Remove deletes an entry by ID (its SHA-256 fingerprint).
func (m *Manager) Remove(ctx context.Context, actor, id string) error {
	err := m.Store.InTx(ctx, func(q store.Queries) error {
		if err := q.RemoveTrust(ctx, id); err != nil {
			return err
		}
		if err := validate(ctx, q); err != nil {
			return err
		}
		return q.AppendAudit(ctx, store.AuditEvent{At: m.now(), Actor: actor, Action: "trust.removed",
			Detail: fmt.Sprintf(`{"id":%q}`, id)})
	})
	if errors.Is(err, store.ErrNotFound) {
		return ErrNotFound
	}
	if err != nil {
		return err
	}
	m.changed()
	return nil
}

var errSigner = failure.New("trust_signer_untrusted", failure.Forbidden,
	"Người ký danh sách chủ (master list) không được cấp bởi CSCA tin cậy. Hãy chỉ ra CSCA của quốc gia phát hành danh sách.",
	"The master list's signer is not issued by a trusted CSCA. Name the CSCA of the country that publishes the list.")

// checkSigner checks that the master list signer was issued by signerCA,
// or by a CSCA already in the trust list.
func (m *Manager) checkSigner(ctx context.Context, signer *x509lite.Certificate, signerCA []byte) error {
	var cas []*x509lite.Certificate
	if signerCA != nil {
		e, err := chipauth.DescribeCertificate(signerCA)
		if err != nil {
			return ErrInvalid.WithCause(err).WithFields("signer_ca")
		}
		c, err := x509lite.ParseCertificate(e.DER)
		if err != nil {
			return ErrInvalid.WithCause(err).WithFields("signer_ca")
		}
		cas = append(cas, c)
	} else {
		l, err := m.Store.ListTrust(ctx, store.TrustCSCA)
		if err != nil {
			return fmt.Errorf("trustlist: %w", err)
		}
		for _, e := range l {
			if c, err := x509lite.ParseCertificate(e.DER); err == nil {
				cas = append(cas, c)
			}
		}
	}
	for _, ca := range cas {
		if signer.CheckSignatureFrom(ca) == nil {
			return nil
		}
	}
	return errSigner
}
