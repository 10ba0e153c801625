// Package faulttest holds the fault test of issue 7: registrations and
// logins across two `vneid serve` processes on one PostgreSQL, one of them
// killed with SIGKILL and PostgreSQL restarted mid-run, then a check that no
// account or notification was lost or duplicated and that the audit chain
// verifies. The test restarts the local PostgreSQL server, so it sits behind
// the faulttest build tag and never runs in plain `go test ./...`:
//
//	go test -tags faulttest -count=1 -timeout 10m -v ./internal/faulttest/
package faulttest
