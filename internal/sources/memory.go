package sources

import (
	"cmp"
	"context"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"time"

	"github.com/vneid/vneid/internal/identity"
)

// Memory is a document registry held in memory: a Source and a Sink for
// tests, demonstrations and small deployments that serve a registry with
// Handler. It is safe for concurrent use; the zero value is an empty
// registry. Changes scans every document, so it suits thousands of
// documents, not millions.
type Memory struct {
	// Now gives the time stamped on changed documents that have no
	// UpdatedAt; time.Now when nil.
	Now func() time.Time

	mu   sync.Mutex
	seq  int64
	docs map[Key]Change // the latest change of each document
}

// UpsertDocuments normalises and validates every document, then stores them
// all, or none if one is invalid (the error wraps ErrInvalid and names the
// document). A document equal to the stored one, UpdatedAt aside, is left
// as it is; any other is given the next change cursor, and the current time
// as UpdatedAt unless it has one.
func (m *Memory) UpsertDocuments(ctx context.Context, docs []Document) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("upsert documents: %w", err)
	}
	clean := make([]Document, len(docs))
	for i, d := range docs {
		d = d.clone()
		d.Normalize()
		if err := d.Validate(); err != nil {
			return fmt.Errorf("upsert document %d (%s %s): %w", i, d.Kind, d.Number, err)
		}
		clean[i] = d
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.docs == nil {
		m.docs = make(map[Key]Change)
	}
	now := time.Now
	if m.Now != nil {
		now = m.Now
	}
	for _, d := range clean {
		old, ok := m.docs[d.Key()]
		if ok && sameDocument(old.Document, d) {
			continue
		}
		if d.UpdatedAt.IsZero() {
			d.UpdatedAt = now().UTC()
		}
		m.seq++
		m.docs[d.Key()] = Change{Seq: m.seq, Document: d}
	}
	return nil
}

// sameDocument reports whether a and b are equal but for UpdatedAt.
func sameDocument(a, b Document) bool {
	a.UpdatedAt, b.UpdatedAt = time.Time{}, time.Time{}
	return reflect.DeepEqual(a, b)
}

// Documents returns the holder's documents of kind, newest first (by issue
// date, then number).
func (m *Memory) Documents(ctx context.Context, kind Kind, holderID string) ([]Document, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("documents: %w", err)
	}
	if !kind.Valid() {
		return nil, fieldErr("kind", fmt.Sprintf("%q is not a document kind", string(kind)))
	}
	if err := identity.ValidatePersonalID(holderID); err != nil {
		return nil, &FieldError{Field: "holder_id", Err: err}
	}
	m.mu.Lock()
	out := []Document{}
	for _, c := range m.docs {
		if c.Document.Kind == kind && c.Document.HolderID == holderID {
			out = append(out, c.Document.clone())
		}
	}
	m.mu.Unlock()
	slices.SortFunc(out, newestFirst)
	return out, nil
}

// newestFirst orders documents by issue date, latest first, then by number.
func newestFirst(a, b Document) int {
	switch {
	case a.IssuedOn.After(b.IssuedOn):
		return -1
	case a.IssuedOn.Before(b.IssuedOn):
		return 1
	}
	return cmp.Compare(a.Number, b.Number)
}

// Document returns the document of kind with number, which is normalised
// first, or an error wrapping ErrNotFound.
func (m *Memory) Document(ctx context.Context, kind Kind, number string) (Document, error) {
	if err := ctx.Err(); err != nil {
		return Document{}, fmt.Errorf("document: %w", err)
	}
	number = NormalizeNumber(kind, number)
	m.mu.Lock()
	c, ok := m.docs[Key{kind, number}]
	m.mu.Unlock()
	if !ok {
		return Document{}, fmt.Errorf("document %s %q: %w", kind, number, ErrNotFound)
	}
	return c.Document.clone(), nil
}

// Changes returns up to limit documents whose latest change has a cursor
// after after, in cursor order.
func (m *Memory) Changes(ctx context.Context, after int64, limit int) ([]Change, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("changes: %w", err)
	}
	if limit <= 0 {
		return nil, fieldErr("limit", fmt.Sprintf("%d: want a positive number", limit))
	}
	m.mu.Lock()
	out := []Change{}
	for _, c := range m.docs {
		if c.Seq > after {
			out = append(out, Change{Seq: c.Seq, Document: c.Document.clone()})
		}
	}
	m.mu.Unlock()
	slices.SortFunc(out, func(a, b Change) int { return cmp.Compare(a.Seq, b.Seq) })
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// Len returns the number of documents held.
func (m *Memory) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.docs)
}

// clone returns a deep copy of d, so that callers cannot change what a
// registry holds through the pointers of the per-kind fields.
func (d Document) clone() Document {
	if d.HealthInsurance != nil {
		h := *d.HealthInsurance
		d.HealthInsurance = &h
	}
	if d.DrivingLicence != nil {
		l := *d.DrivingLicence
		l.Classes = slices.Clone(l.Classes)
		if l.Points != nil {
			p := *l.Points
			l.Points = &p
		}
		d.DrivingLicence = &l
	}
	if d.Vehicle != nil {
		v := *d.Vehicle
		d.Vehicle = &v
	}
	if d.Tax != nil {
		t := *d.Tax
		d.Tax = &t
	}
	return d
}

var (
	_ Source = (*Memory)(nil)
	_ Sink   = (*Memory)(nil)
)
