package sshd

import (
	"bufio"
	"context"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/custodian-dev/custodian/db"
	"github.com/custodian-dev/custodian/db/dbtest"
	"github.com/custodian-dev/custodian/model"
)

// smallSeeded is an embedded database with the demo operators and little
// else: these tests only log in.
func smallSeeded(t testing.TB) *db.Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	store := newStore(t, dbtest.New(t))
	if _, err := db.Seed(ctx, store, db.SeedOptions{Subjects: 50, Requests: 10, Clock: model.FixedClock{T: testNow()}}); err != nil {
		t.Fatalf("seed: %v", err)
	}
	return store
}

// leapingClock moves an hour on every reading, so the per-address failure
// delay (which forgets an address quiet for 15 minutes) never builds up:
// twenty refused connections cost no waiting.
func leapingClock() func() time.Time {
	var mu sync.Mutex
	now := testNow()
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		now = now.Add(time.Hour)
		return now
	}
}

// loginRefusals is the refused ssh_login entries from origin, newest first.
func loginRefusals(t testing.TB, store *db.Store, origin string) []db.AuditRecord {
	t.Helper()
	recs, err := store.AuditPage(context.Background(), model.SystemActor("test"), 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var out []db.AuditRecord
	for _, r := range recs {
		if r.Action == "ssh_login" && r.Outcome == model.OutcomeRefused && r.Origin == origin {
			out = append(out, r)
		}
	}
	return out
}

func TestStrangersCannotFillTheChain(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds an embedded database")
	}
	store := smallSeeded(t)

	t.Run("twenty strangers from one address are one audit entry per interval", func(t *testing.T) {
		ts := startServer(t, store, func(c *Config) {
			c.Now = leapingClock()
			c.RefusalInterval = 24 * time.Hour // flushed by the test, not the ticker
		})
		before := len(loginRefusals(t, store, "ssh:127.0.0.1"))
		for range 20 {
			if _, err := ts.dial(t, randomSigner(t)); err == nil {
				t.Fatal("an unknown key logged in")
			}
		}
		ts.auditRefusals(t)
		got := loginRefusals(t, store, "ssh:127.0.0.1")
		if len(got)-before != 1 {
			t.Fatalf("%d audit entries for 20 refused connections, want 1", len(got)-before)
		}
		e := got[0]
		if !strings.HasPrefix(e.Detail, "attempts=20 over_cap=0 keys=SHA256:") || !strings.HasSuffix(e.Detail, " more_keys=12") ||
			strings.Count(e.Detail, "SHA256:") != maxListedKeys || e.Target != "ssh-keys:20" || e.Actor != "unknown" ||
			e.Reason != "no operator holds this key" {
			t.Errorf("the entry is %+v: want 20 attempts, 8 fingerprints listed and 12 more counted", e)
		}

		// The next interval starts from nothing.
		for range 3 {
			if _, err := ts.dial(t, randomSigner(t)); err == nil {
				t.Fatal("an unknown key logged in")
			}
		}
		ts.auditRefusals(t)
		got = loginRefusals(t, store, "ssh:127.0.0.1")
		if len(got)-before != 2 || !strings.HasPrefix(got[0].Detail, "attempts=3 over_cap=0 ") {
			t.Errorf("after three more: %d entries, newest %q; want 2, the newest with 3 attempts", len(got)-before, got[0].Detail)
		}
		ts.auditRefusals(t)
		if n := len(loginRefusals(t, store, "ssh:127.0.0.1")); n-before != 2 {
			t.Errorf("a flush with nothing gathered wrote %d entries", n-before-2)
		}
	})

	t.Run("a disabled operator's key is gathered under the operator", func(t *testing.T) {
		ts := startServer(t, store, func(c *Config) { c.Now = leapingClock(); c.RefusalInterval = 24 * time.Hour })
		before := len(loginRefusals(t, store, "ssh:127.0.0.1"))
		for range 4 {
			if _, err := ts.dial(t, demoSigner(t, "dan")); err == nil {
				t.Fatal("dan is disabled but logged in")
			}
		}
		ts.auditRefusals(t)
		got := loginRefusals(t, store, "ssh:127.0.0.1")
		if len(got)-before != 1 || got[0].Actor != "dan" || got[0].Target != "ssh-key:"+fingerprintOf(demoSigner(t, "dan")) ||
			!strings.HasPrefix(got[0].Detail, "attempts=4 ") || !strings.Contains(got[0].Reason, "disabled") {
			t.Errorf("%d new entries, newest %+v: want one of dan's with 4 attempts", len(got)-before, got[0])
		}
	})

	t.Run("shutdown writes what was gathered", func(t *testing.T) {
		ts := startServer(t, store, func(c *Config) { c.Now = leapingClock(); c.RefusalInterval = 24 * time.Hour })
		before := len(loginRefusals(t, store, "ssh:127.0.0.1"))
		for range 3 {
			if _, err := ts.dial(t, randomSigner(t)); err == nil {
				t.Fatal("an unknown key logged in")
			}
		}
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		if err := ts.Shutdown(ctx); err != nil {
			t.Fatal(err)
		}
		got := loginRefusals(t, store, "ssh:127.0.0.1")
		if len(got)-before != 1 || !strings.HasPrefix(got[0].Detail, "attempts=3 over_cap=0 ") {
			t.Errorf("after shutdown %d new entries; want one with 3 attempts", len(got)-before)
		}
	})

	t.Run("the interval writes without being asked", func(t *testing.T) {
		ts := startServer(t, store, func(c *Config) { c.Now = leapingClock(); c.RefusalInterval = 20 * time.Millisecond })
		stranger := randomSigner(t)
		if _, err := ts.dial(t, stranger); err == nil {
			t.Fatal("an unknown key logged in")
		}
		waitAudit(t, store, "the ticker's entry", func(r db.AuditRecord) bool {
			return r.Action == "ssh_login" && r.Target == "ssh-key:"+fingerprintOf(stranger)
		})
	})

	t.Run("connections beyond the cap are closed before authentication and counted", func(t *testing.T) {
		ts := startServer(t, store, func(c *Config) {
			c.Now = leapingClock()
			c.RefusalInterval = 24 * time.Hour
			c.MaxUnauthenticated = 3
		})
		before := len(loginRefusals(t, store, "ssh:127.0.0.1"))
		var held []net.Conn
		for range 3 {
			c, banner := rawConn(t, ts.addr)
			if !strings.HasPrefix(banner, "SSH-2.0-") {
				t.Fatalf("connection %d within the cap got %q, want the server's version", len(held)+1, banner)
			}
			held = append(held, c)
		}
		if _, banner := rawConn(t, ts.addr); banner != "" {
			t.Fatalf("a fourth unauthenticated connection got %q; want it closed", banner)
		}
		if _, err := ts.dial(t, demoSigner(t, "lee")); err == nil {
			t.Fatal("a login got through with the cap reached")
		}
		// One slot freed: an operator gets in, and an authenticated
		// session does not hold a slot.
		_ = held[0].Close()
		waitFor(t, "the closed connection's slot", func() bool { return ts.unauthenticated() < 3 })
		c := ts.mustDial(t, "lee")
		if out, _, code := run(t, c, "whoami"); code != 0 || !strings.HasPrefix(out, "lee (") {
			t.Fatalf("whoami = %q (exit %d)", out, code)
		}
		if n := ts.unauthenticated(); n != 2 {
			t.Errorf("%d unauthenticated after lee's login, want the 2 still held", n)
		}
		for _, c := range held[1:] {
			_ = c.Close()
		}
		ts.auditRefusals(t)
		got := loginRefusals(t, store, "ssh:127.0.0.1")
		if len(got)-before != 1 || got[0].Detail != "attempts=0 over_cap=2" || !strings.Contains(got[0].Reason, "too many unauthenticated") {
			t.Errorf("%d new entries, newest %+v: want one counting the 2 closed over the cap", len(got)-before, got[0])
		}
	})
}

// rawConn opens a TCP connection and reads the server's first line: its
// SSH version if the server took the connection, "" if it closed it.
func rawConn(t testing.TB, addr string) (net.Conn, string) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	line, _ := bufio.NewReader(c).ReadString('\n')
	return c, strings.TrimSpace(line)
}

func (s *Server) unauthenticated() int {
	s.pending.mu.Lock()
	defer s.pending.mu.Unlock()
	return len(s.pending.conns)
}
