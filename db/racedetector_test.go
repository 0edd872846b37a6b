package db_test

import "testing"

// skipUnderRace skips a long walk that runs on one goroutine, where the race
// detector has nothing to find and multiplies the time by five or more.
// CI runs it without -race against FerretDB on PostgreSQL, and
// `go test ./...` runs it too.
func skipUnderRace(t *testing.T) {
	t.Helper()
	if raceDetector {
		t.Skip("a single-goroutine walk: runs without -race (the README's go test ./... and CI's PostgreSQL run)")
	}
}
