package sqlstore_test

import (
	"testing"

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
