package main

import (
	"strings"
	"testing"
)

// `vneid registry changes` lists the population feed in cursor order, and
// `vneid admin account` locks and unlocks from the command line.
func TestRegistryChangesAndAccountLocks(t *testing.T) {
	dir := t.TempDir()
	if _, err := vneid(t, nil, "registry", "generate", "-citizens", "12", "-seed", "3", "-documents=false", "-data-dir", dir); err != nil {
		t.Fatal(err)
	}
	out, err := vneid(t, nil, "registry", "changes", "-limit", "5", "-data-dir", dir)
	if err != nil {
		t.Fatal(err)
	}
	if rows := strings.Count(out, "\n"); !strings.Contains(out, "5 changes; continue with -after 5") || rows < 7 {
		t.Errorf("registry changes:\n%s", out)
	}
	out, err = vneid(t, nil, "registry", "changes", "-after", "10", "-replay", "-data-dir", dir)
	if err != nil || !strings.Contains(out, "2 changes") || !strings.Contains(out, "accounts changed: 0") {
		t.Errorf("registry changes -after 10 -replay:\n%s (%v)", out, err)
	}
	if _, err := vneid(t, nil, "admin", "account", "locks", "001190000001", "-data-dir", dir); err == nil ||
		!strings.Contains(err.Error(), "lock_account_not_found") {
		t.Errorf("locks of an ID without an account: %v", err)
	}
}
