package sqlstore_test

import (
	"testing"

	"github.com/vneid/vneid/internal/sources/sourcetest"
	"github.com/vneid/vneid/internal/store"
	"github.com/vneid/vneid/internal/store/conformance"
	"github.com/vneid/vneid/internal/store/storetest"
)

func TestConformance(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			conformance.Run(t, func(t testing.TB) store.Store { return b.Open(t) })
		})
	}
}

// The built-in document registry behaves as every document registry must,
// on its own and behind the HTTP protocol.
func TestDocumentRegistryConformance(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			sourcetest.Run(t, func(t *testing.T) sourcetest.Registry {
				db := b.Open(t)
				return sourcetest.Registry{Source: db, Sink: db}
			})
		})
	}
}
