package sshd

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/custodian-dev/custodian/db"
	"github.com/custodian-dev/custodian/model"
)

// TestDatabaseOutageIsNotARefusal stops the database under a running
// server: a registered operator connecting then is let in and told the
// database is not reachable — never "Permission denied (publickey)", which
// reads as a revoked key — and is admitted as usual once the database is
// back, through the same server and connection pool.
func TestDatabaseOutageIsNotARefusal(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and stops an embedded database")
	}
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "data")
	var owner *db.Conn // hosts the database; replaced across the outage
	t.Cleanup(func() {
		if owner != nil {
			_ = owner.Close(context.Background())
		}
	})
	open := func() {
		t.Helper()
		c, err := db.Open(ctx, db.Options{DataDir: dir, NoSync: true})
		if err != nil {
			t.Fatalf("open embedded database: %v", err)
		}
		owner = c
	}
	open()
	if err := db.EnsureSchema(ctx, owner.DB); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Seed(ctx, newStore(t, owner), db.SeedOptions{Subjects: 50, Requests: 5, Clock: model.FixedClock{T: testNow()}}); err != nil {
		t.Fatalf("seed: %v", err)
	}
	// The server reaches the database through its socket, as `serve` does
	// when the database service runs in another process.
	remote, err := db.Open(ctx, db.Options{URI: owner.URI})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = remote.Close(context.Background()) })
	rstore := newStore(t, remote)
	ts := startServer(t, rstore, func(c *Config) { c.LookupTimeout = 2 * time.Second })

	whoami := func() (string, int) {
		t.Helper()
		c, err := ts.dial(t, demoSigner(t, "sam"))
		if err != nil {
			t.Fatalf("sam's registered key was refused: %v", err)
		}
		_, errOut, code := run(t, c, "whoami")
		return errOut, code
	}
	if errOut, code := whoami(); code != 0 {
		t.Fatalf("before the outage: exit %d %q", code, errOut)
	}

	if err := owner.Close(ctx); err != nil {
		t.Fatal(err)
	}
	owner = nil
	errOut, code := whoami()
	if code == 0 || !strings.Contains(errOut, "the custodian database is not reachable; try again in a moment") {
		t.Fatalf("during the outage: exit %d %q, want the outage message", code, errOut)
	}
	if strings.Contains(errOut, "refused") || strings.Contains(errOut, "key") {
		t.Errorf("the outage message blames the key: %q", errOut)
	}

	open()
	deadline := time.Now().Add(20 * time.Second)
	for {
		errOut, code := whoami()
		if code == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after the database came back: exit %d %q", code, errOut)
		}
		time.Sleep(200 * time.Millisecond)
	}
	// An unknown key is still refused once the database answers.
	if _, err := ts.dial(t, randomSigner(t)); err == nil {
		t.Fatal("an unregistered key was admitted with the database up")
	}
}
