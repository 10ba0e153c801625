package portal

import (
	"fmt"
	"html/template"
	"io/fs"
	"path"
	"strings"
	"time"

	"github.com/vneid/vneid/internal/identity"
	"github.com/vneid/vneid/internal/workday"
)

// funcs are the templates' helpers.
func funcs() template.FuncMap {
	return template.FuncMap{
		// t picks the Vietnamese or English text.
		"t": func(l Lang, vi, en string) string {
			if l == EN {
				return en
			}
			return vi
		},
		// when formats a time in Vietnam's zone.
		"when": func(t time.Time) string {
			if t.IsZero() {
				return "—"
			}
			return t.In(workday.Zone()).Format("02/01/2006 15:04")
		},
		"iso": func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		// date formats a registry date as dd/mm/yyyy.
		"date": func(d identity.Date) string {
			if d.IsZero() {
				return "—"
			}
			return d.DMY()
		},
		"gender": func(l Lang, g identity.Gender) string {
			if l == EN {
				return string(g)
			}
			return g.VI()
		},
		"value": func(v any) string {
			switch x := v.(type) {
			case nil:
				return "—"
			case bool:
				if x {
					return "✓"
				}
				return "✗"
			case []any:
				var parts []string
				for _, e := range x {
					parts = append(parts, fmt.Sprint(e))
				}
				return strings.Join(parts, ", ")
			}
			return fmt.Sprint(v)
		},
		"maskID": func(id string) string {
			if len(id) < 6 {
				return id
			}
			return id[:3] + strings.Repeat("•", len(id)-6) + id[len(id)-3:]
		},
	}
}

// parsePages parses each page template with the layout.
func parsePages() (map[string]*template.Template, error) {
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	pages := map[string]*template.Template{}
	for _, n := range names {
		base := strings.TrimSuffix(path.Base(n), ".html")
		if base == "layout" {
			continue
		}
		t, err := template.New(base).Funcs(funcs()).ParseFS(templateFS, "templates/layout.html", n)
		if err != nil {
			return nil, fmt.Errorf("portal: page %s: %w", base, err)
		}
		pages[base] = t
	}
	return pages, nil
}
