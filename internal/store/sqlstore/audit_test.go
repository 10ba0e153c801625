package sqlstore_test

import (
	"testing"

	"github.com/vneid/vneid/internal/store"
	"github.com/vneid/vneid/internal/store/conformance"
	"github.com/vneid/vneid/internal/store/storetest"
)

// TestAuditChainConformance runs the audit chain's conformance tests alone
// (TestConformance runs them with the rest), so that `go test -run Audit`
// covers the chain's storage on both backends.
func TestAuditChainConformance(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			conformance.RunAuditChain(t, func(t testing.TB) store.Store { return b.Open(t) })
		})
	}
}
