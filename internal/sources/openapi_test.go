package sources

import (
	"os"
	"reflect"
	"strings"
	"testing"
)

// TestOpenAPIMentionsEveryField keeps api/sources-registry.yaml in step
// with the Go types: every JSON field of a document is a property there,
// and every path Handler serves is described.
func TestOpenAPIMentionsEveryField(t *testing.T) {
	spec, err := os.ReadFile("../../api/sources-registry.yaml")
	if err != nil {
		t.Fatal(err)
	}
	text := string(spec)
	for _, v := range []any{Document{}, HealthInsuranceCard{}, Clinic{}, Licence{}, LicenceClass{}, Vehicle{}, TaxRegistration{}, Change{}} {
		typ := reflect.TypeOf(v)
		for i := range typ.NumField() {
			name, _, _ := strings.Cut(typ.Field(i).Tag.Get("json"), ",")
			if name == "" || name == "-" {
				continue
			}
			if !strings.Contains(text, "\n        "+name+":") && !strings.Contains(text, "\n            "+name+":") {
				t.Errorf("%s.%s (%q) is not a property in the spec", typ.Name(), typ.Field(i).Name, name)
			}
		}
	}
	for _, p := range []string{"/documents:", "/documents/{kind}/{number}:", "/changes:"} {
		if !strings.Contains(text, "\n  "+p) {
			t.Errorf("path %s not described", p)
		}
	}
	for _, k := range Kinds() {
		if !strings.Contains(text, string(k)) {
			t.Errorf("kind %s not in the spec", k)
		}
	}
}
