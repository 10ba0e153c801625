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

// ImportMasterList trusts every CA certificate of an ICAO master list
// whose signature verifies; entries that are not CA certificates (link
// certificates without the CA flag) are skipped.
func (m *Manager) ImportMasterList(ctx context.Context, actor, source string, b []byte) (Result, error) {
	ml, err := chipauth.ParseMasterList(b)
	if err != nil {
		return Result{}, ErrInvalid.WithCause(err).WithDetail("("+err.Error()+")", "("+err.Error()+")")
	}
	var entries []chipauth.Entry
	for _, der := range ml.Certificates {
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
