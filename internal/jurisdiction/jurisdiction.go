// Package jurisdiction provides the administrative hierarchy (kept as data
// in the store, so the 2025 reform is an import, not a release), the police
// units attached to it, and the scope an officer acts in: the area of the
// officer's unit and everything under it. It knows nothing of HTTP or SQL.
package jurisdiction

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sync/atomic"
	"time"

	"github.com/vneid/vneid/internal/adminunit"
	"github.com/vneid/vneid/internal/failure"
	"github.com/vneid/vneid/internal/identity"
	"github.com/vneid/vneid/internal/registry"
	"github.com/vneid/vneid/internal/store"
)

// Failures.
var (
	ErrUnitInvalid = failure.New("police_unit_invalid", failure.Invalid,
		"Thông tin đơn vị Công an không hợp lệ.", "The police unit's details are not valid.")
	ErrUnitNotFound = failure.New("police_unit_not_found", failure.NotFound,
		"Không tìm thấy đơn vị Công an.", "The police unit does not exist.")
	ErrHierarchyInvalid = failure.New("admin_units_invalid", failure.Invalid,
		"Danh mục đơn vị hành chính không hợp lệ.", "The administrative units are not valid.")
)

// Scope is where an officer may act: the area of their police unit and
// everything inside it, or the whole country for the ministry's unit. The
// zero Scope covers nothing (an officer with no unit).
type Scope struct {
	UnitID   string
	UnitName string
	// Area is the administrative unit code of the police unit's area; ""
	// when Nationwide.
	Area       string
	AreaName   string
	Nationwide bool
	h          *adminunit.Hierarchy
}

// Covers reports whether an administrative unit lies in the scope.
func (s Scope) Covers(area string) bool {
	if s.Nationwide {
		return true
	}
	if s.Area == "" || area == "" || s.h == nil {
		return false
	}
	return s.h.Contains(s.Area, area)
}

// Areas lists the scope's area and every unit under it, for filtering
// stored records; nil means everywhere (nationwide) and an empty list
// nowhere.
func (s Scope) Areas() []string {
	if s.Nationwide {
		return nil
	}
	out := []string{}
	if s.Area == "" || s.h == nil {
		return out
	}
	var walk func(code string)
	walk = func(code string) {
		out = append(out, code)
		for _, c := range s.h.Children(code, identity.Date{}) {
			walk(c.Code)
		}
	}
	walk(s.Area)
	return out
}

// Label is the scope in words, Vietnamese / English.
func (s Scope) Label() string {
	switch {
	case s.Nationwide:
		return s.UnitName + " — toàn quốc / nationwide"
	case s.UnitID == "":
		return "chưa thuộc đơn vị nào / no unit"
	}
	return s.UnitName + " — " + s.AreaName
}

// Directory holds the hierarchy (a snapshot reloaded after every import)
// and reads police units from the store.
type Directory struct {
	store store.Store
	now   func() time.Time
	h     atomic.Pointer[adminunit.Hierarchy]
}

// New loads the hierarchy from the store.
func New(ctx context.Context, s store.Store, now func() time.Time) (*Directory, error) {
	if now == nil {
		now = time.Now
	}
	d := &Directory{store: s, now: now}
	if err := d.Reload(ctx); err != nil {
		return nil, err
	}
	return d, nil
}

// Reload rereads the hierarchy from the store (another instance may have
// imported units).
func (d *Directory) Reload(ctx context.Context) error {
	units, err := d.store.ListAdminUnits(ctx)
	if err != nil {
		return fmt.Errorf("jurisdiction: load: %w", err)
	}
	h, err := adminunit.New(units)
	if err != nil {
		return fmt.Errorf("jurisdiction: stored hierarchy: %w", err)
	}
	d.h.Store(h)
	return nil
}

// Hierarchy returns the current snapshot.
func (d *Directory) Hierarchy() *adminunit.Hierarchy { return d.h.Load() }

func (d *Directory) audit(ctx context.Context, q store.Queries, actor, action, subject string, detail map[string]any) error {
	b, err := json.Marshal(detail)
	if err != nil {
		return err
	}
	return q.AppendAudit(ctx, store.AuditEvent{At: d.now(), Actor: actor, Action: action, Subject: subject, Detail: string(b)})
}

// ImportUnits adds or replaces administrative units (CSV as adminunit.Load
// reads it). The stored units and the new ones must make a valid
// hierarchy together, so closing the old units of a reform and opening the
// new ones go in one file. It returns how many units were written.
func (d *Directory) ImportUnits(ctx context.Context, actor string, r io.Reader) (int, error) {
	in, err := adminunit.Parse(r)
	if err != nil {
		return 0, ErrHierarchyInvalid.WithDetail(err.Error(), err.Error())
	}
	return d.PutUnits(ctx, actor, in)
}

// PutUnits adds or replaces administrative units, checking the result.
func (d *Directory) PutUnits(ctx context.Context, actor string, units []adminunit.Unit) (int, error) {
	old, err := d.store.ListAdminUnits(ctx)
	if err != nil {
		return 0, fmt.Errorf("jurisdiction: %w", err)
	}
	merged := map[string]adminunit.Unit{}
	for _, u := range old {
		merged[u.Code] = u
	}
	for _, u := range units {
		merged[u.Code] = u
	}
	all := make([]adminunit.Unit, 0, len(merged))
	for _, u := range merged {
		all = append(all, u)
	}
	if _, err := adminunit.New(all); err != nil {
		return 0, ErrHierarchyInvalid.WithDetail(err.Error(), err.Error())
	}
	err = d.store.InTx(ctx, func(q store.Queries) error {
		if err := q.PutAdminUnits(ctx, units); err != nil {
			return err
		}
		return d.audit(ctx, q, actor, "admin_units.imported", "", map[string]any{"units": len(units)})
	})
	if err != nil {
		return 0, fmt.Errorf("jurisdiction: import: %w", err)
	}
	return len(units), d.Reload(ctx)
}

var unitIDPattern = regexp.MustCompile(`^[A-Z0-9][A-Z0-9-]{1,31}$`)

// PutPoliceUnit creates or updates a police unit. Its area must exist
// and be of the unit's tier (a district unit serves a district), and its
// parent must be a unit whose area contains it.
func (d *Directory) PutPoliceUnit(ctx context.Context, actor string, u store.PoliceUnit) error {
	return d.PutPoliceUnits(ctx, actor, []store.PoliceUnit{u})
}

// PutPoliceUnits creates or updates police units in one transaction;
// parents may come earlier in the same list.
func (d *Directory) PutPoliceUnits(ctx context.Context, actor string, units []store.PoliceUnit) error {
	h := d.Hierarchy()
	now := d.now()
	batch := map[string]store.PoliceUnit{}
	parentOf := func(id string) (store.PoliceUnit, error) {
		if p, ok := batch[id]; ok {
			return p, nil
		}
		return d.store.PoliceUnit(ctx, id)
	}
	for i := range units {
		u := &units[i]
		u.Name = identity.NormalizeName(u.Name)
		if !unitIDPattern.MatchString(u.ID) {
			return ErrUnitInvalid.WithFields("id")
		}
		if u.Name == "" || len(u.Name) > 200 {
			return ErrUnitInvalid.WithFields("name")
		}
		if u.State == "" {
			u.State = "active"
		}
		if u.State != "active" && u.State != "closed" {
			return ErrUnitInvalid.WithFields("state")
		}
		if u.Level == store.PoliceMinistry {
			if u.Area != "" || u.Parent != "" {
				return ErrUnitInvalid.WithFields("area").WithDetail("Đơn vị cấp Bộ phụ trách toàn quốc.", "A ministry unit is nationwide.")
			}
		} else {
			area, ok := h.Unit(u.Area)
			if !ok || string(area.Level) != string(u.Level) {
				return ErrUnitInvalid.WithFields("area").WithDetail(
					"Địa bàn phải là đơn vị hành chính cùng cấp với đơn vị Công an.",
					"The area must be an administrative unit of the police unit's tier.")
			}
			parent, err := parentOf(u.Parent)
			if errors.Is(err, store.ErrNotFound) {
				return ErrUnitInvalid.WithFields("parent")
			}
			if err != nil {
				return fmt.Errorf("jurisdiction: %w", err)
			}
			if parent.Level != store.PoliceMinistry && !h.Contains(parent.Area, u.Area) {
				return ErrUnitInvalid.WithFields("parent").WithDetail(
					"Địa bàn của đơn vị phải nằm trong địa bàn của đơn vị cấp trên.",
					"The unit's area must lie within its parent's area.")
			}
		}
		if old, err := d.store.PoliceUnit(ctx, u.ID); err == nil {
			u.CreatedAt = old.CreatedAt
		} else {
			u.CreatedAt = now
		}
		u.UpdatedAt = now
		batch[u.ID] = *u
	}
	err := d.store.InTx(ctx, func(q store.Queries) error {
		for _, u := range units {
			if err := q.PutPoliceUnit(ctx, u); err != nil {
				return err
			}
		}
		detail := map[string]any{"units": len(units)}
		if len(units) == 1 {
			u := units[0]
			detail = map[string]any{"unit": u.ID, "area": u.Area, "level": u.Level, "parent": u.Parent, "state": u.State}
		}
		return d.audit(ctx, q, actor, "police_unit.put", "", detail)
	})
	if err != nil {
		return fmt.Errorf("jurisdiction: put police units: %w", err)
	}
	return nil
}

// PoliceUnit returns a police unit.
func (d *Directory) PoliceUnit(ctx context.Context, id string) (store.PoliceUnit, error) {
	u, err := d.store.PoliceUnit(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return store.PoliceUnit{}, ErrUnitNotFound
	}
	if err != nil {
		return store.PoliceUnit{}, fmt.Errorf("jurisdiction: %w", err)
	}
	return u, nil
}

// PoliceUnits lists every police unit.
func (d *Directory) PoliceUnits(ctx context.Context) ([]store.PoliceUnit, error) {
	l, err := d.store.ListPoliceUnits(ctx)
	if err != nil {
		return nil, fmt.Errorf("jurisdiction: %w", err)
	}
	return l, nil
}

// Scope returns the scope of a police unit. An unknown or closed unit, or
// "", gives the empty scope.
func (d *Directory) Scope(ctx context.Context, unitID string) (Scope, error) {
	if unitID == "" {
		return Scope{}, nil
	}
	u, err := d.store.PoliceUnit(ctx, unitID)
	if errors.Is(err, store.ErrNotFound) {
		return Scope{}, nil
	}
	if err != nil {
		return Scope{}, fmt.Errorf("jurisdiction: scope: %w", err)
	}
	if u.State != "active" {
		return Scope{}, nil
	}
	return NewScope(d.Hierarchy(), u), nil
}

// NewScope returns the scope of a police unit in a hierarchy.
func NewScope(h *adminunit.Hierarchy, u store.PoliceUnit) Scope {
	s := Scope{UnitID: u.ID, UnitName: u.Name, Area: u.Area, Nationwide: u.Level == store.PoliceMinistry, h: h}
	if a, ok := h.Unit(u.Area); ok {
		s.AreaName = a.Name
	}
	return s
}

// ResolveAddress returns the most specific administrative unit an address
// names that exists on day: its commune, else its district, else its
// province; "" when not even the province is known.
func (d *Directory) ResolveAddress(a registry.Address, day identity.Date) string {
	h := d.Hierarchy()
	p, ok := h.Find(a.Province, adminunit.Province, "", day)
	if !ok {
		return ""
	}
	best := p.Code
	parent := p.Code
	if a.District != "" {
		if dist, ok := h.Find(a.District, adminunit.District, p.Code, day); ok {
			best, parent = dist.Code, dist.Code
		}
	}
	if a.Commune != "" {
		if c, ok := h.Find(a.Commune, adminunit.Commune, parent, day); ok {
			best = c.Code
		}
	}
	return best
}
