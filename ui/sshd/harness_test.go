package sshd

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"io"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/charmbracelet/x/vt"
	gossh "golang.org/x/crypto/ssh"

	"github.com/custodian-dev/custodian/db"
	"github.com/custodian-dev/custodian/db/dbtest"
	"github.com/custodian-dev/custodian/db/demo"
	"github.com/custodian-dev/custodian/keymap"
	"github.com/custodian-dev/custodian/model"
	"github.com/custodian-dev/custodian/ui/console"
)

// testNow is the instant the demo data is generated at and the console runs
// at, so what the screen shows is the same on every run.
func testNow() time.Time { return time.Date(2026, time.November, 2, 17, 0, 0, 0, time.UTC) }

// seeded is a real embedded database with a small demo dataset.
func seeded(t testing.TB) (*db.Conn, *db.Store) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	conn := dbtest.New(t)
	store := newStore(t, conn)
	if _, err := db.Seed(ctx, store, db.SeedOptions{Subjects: 300, Requests: 160, Clock: model.FixedClock{T: testNow()}}); err != nil {
		t.Fatalf("seed: %v", err)
	}
	return conn, store
}

func newStore(t testing.TB, conn *db.Conn) *db.Store {
	t.Helper()
	store, err := db.NewStore(conn, db.StoreOptions{Clock: model.FixedClock{T: testNow()}})
	if err != nil {
		t.Fatal(err)
	}
	return store
}

// testServer is a Server listening on a loopback port.
type testServer struct {
	*Server
	addr    string
	hostKey gossh.PublicKey
}

// startServer serves the database store is on. The server gets a Store of
// its own, as each `custodian serve` process has: its Shutdown stops that
// Store's writes, while store stays usable for the rest of the test.
func startServer(t testing.TB, store *db.Store, edit func(*Config)) *testServer {
	t.Helper()
	hk, err := LoadOrCreateHostKey(filepath.Join(t.TempDir(), "ssh_host_ed25519_key"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{
		Store:         newStore(t, store.Conn()),
		App:           console.Config{Keys: keymap.Default(), Clock: model.FixedClock{T: testNow()}},
		HostKey:       hk,
		AllowDemoKeys: true,
	}
	if edit != nil {
		edit(&cfg)
	}
	srv, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		if err := <-served; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	return &testServer{Server: srv, addr: ln.Addr().String(), hostKey: hk.Signer.PublicKey()}
}

// auditRefusals writes the refused logins gathered so far, once every
// connection the server accepted has finished authenticating: a refused
// client returns before the server has counted its connection.
func (ts *testServer) auditRefusals(t testing.TB) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := ts.pending.wait(ctx); err != nil {
		t.Fatalf("connections still authenticating: %v", err)
	}
	if err := ts.flushRefusals(ctx); err != nil {
		t.Fatal(err)
	}
}

// demoSigner is the demo operator's key, as their SSH client holds it.
func demoSigner(t testing.TB, handle string) gossh.Signer {
	t.Helper()
	s, err := gossh.NewSignerFromKey(demo.PrivateKey(handle))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func randomSigner(t testing.TB) gossh.Signer {
	t.Helper()
	_, k, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, err := gossh.NewSignerFromKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// dial logs in with signers, checking the server's host key.
func (ts *testServer) dial(t testing.TB, signers ...gossh.Signer) (*gossh.Client, error) {
	t.Helper()
	c, err := gossh.Dial("tcp", ts.addr, &gossh.ClientConfig{
		User:            "someone",
		Auth:            []gossh.AuthMethod{gossh.PublicKeys(signers...)},
		HostKeyCallback: gossh.FixedHostKey(ts.hostKey),
		Timeout:         10 * time.Second,
	})
	if err == nil {
		t.Cleanup(func() { _ = c.Close() })
	}
	return c, err
}

func (ts *testServer) mustDial(t testing.TB, handle string) *gossh.Client {
	t.Helper()
	c, err := ts.dial(t, demoSigner(t, handle))
	if err != nil {
		t.Fatalf("login as %s: %v", handle, err)
	}
	return c
}

// run runs a command without a terminal and returns stdout, stderr and
// the exit status.
func run(t testing.TB, c *gossh.Client, cmd string) (string, string, int) {
	t.Helper()
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	var out, errOut bytes.Buffer
	sess.Stdout, sess.Stderr = &out, &errOut
	err = sess.Run(cmd)
	var exit *gossh.ExitError
	switch {
	case err == nil:
		return out.String(), errOut.String(), 0
	case errors.As(err, &exit):
		return out.String(), errOut.String(), exit.ExitStatus()
	}
	t.Fatalf("run %q: %v", cmd, err)
	return "", "", -1
}

// term is a client terminal: a PTY session whose output feeds a terminal
// emulator, so tests read the screen a person would see.
type term struct {
	t     testing.TB
	sess  *gossh.Session
	stdin io.WriteCloser

	mu     sync.Mutex
	emu    *vt.Emulator
	raw    bytes.Buffer // every byte the server sent
	stderr bytes.Buffer
	done   chan struct{} // closed when the session ends
	err    error
}

func openTerm(t testing.TB, c *gossh.Client, w, h int, env map[string]string) *term {
	t.Helper()
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range env {
		if err := sess.Setenv(k, v); err != nil {
			t.Fatalf("setenv %s: %v", k, err)
		}
	}
	if err := sess.RequestPty("xterm-256color", h, w, gossh.TerminalModes{gossh.ECHO: 0}); err != nil {
		t.Fatal(err)
	}
	tm := &term{t: t, sess: sess, emu: vt.NewEmulator(w, h), done: make(chan struct{})}
	tm.stdin, err = sess.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	sess.Stdout = writerFunc(func(p []byte) (int, error) {
		tm.mu.Lock()
		defer tm.mu.Unlock()
		tm.raw.Write(p)
		return tm.emu.Write(p)
	})
	sess.Stderr = writerFunc(func(p []byte) (int, error) {
		tm.mu.Lock()
		defer tm.mu.Unlock()
		return tm.stderr.Write(p)
	})
	// The emulator answers the console's queries (background colour) the
	// way a terminal does: on its input.
	go func() { _, _ = io.Copy(tm.stdin, tm.emu) }()
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	go func() {
		err := sess.Wait()
		tm.mu.Lock()
		tm.err = err
		tm.mu.Unlock()
		close(tm.done)
	}()
	t.Cleanup(func() {
		_ = sess.Close()
		// Closing the emulator's reply pipe ends the copier; Emulator.Close
		// would race with its Read.
		if c, ok := tm.emu.InputPipe().(io.Closer); ok {
			_ = c.Close()
		}
	})
	return tm
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// screen is the emulator's screen as text.
func (tm *term) screen() string {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	return tm.emu.String()
}

func (tm *term) rawOutput() string {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	return tm.raw.String()
}

func (tm *term) rawLen() int {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	return tm.raw.Len()
}

func (tm *term) stderrText() string {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	return tm.stderr.String()
}

// waitFor polls the screen until cond holds.
func (tm *term) waitFor(what string, cond func(screen string) bool) string {
	tm.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if s := tm.screen(); cond(s) {
			return s
		}
		time.Sleep(10 * time.Millisecond)
	}
	tm.t.Fatalf("timed out waiting for %s; screen:\n%s", what, tm.screen())
	return ""
}

func (tm *term) waitText(text string) string {
	tm.t.Helper()
	return tm.waitFor(strings.TrimSpace(text), func(s string) bool { return strings.Contains(s, text) })
}

// waitDetail waits for request id's detail to be loaded and shown.
func (tm *term) waitDetail(id string) string {
	tm.t.Helper()
	return tm.waitFor("the detail of "+id, func(s string) bool {
		return strings.Contains(s, "› "+id) && strings.Contains(s, "logged by")
	})
}

// keyBytes is what a terminal sends for each named key.
var keyBytes = map[string]string{
	"enter": "\r", "esc": "\x1b", "tab": "\t", "space": " ", "up": "\x1b[A", "down": "\x1b[B",
	"pgdown": "\x1b[6~", "pgup": "\x1b[5~", "ctrl+c": "\x03", "backspace": "\x7f",
}

func (tm *term) press(keys ...string) {
	tm.t.Helper()
	for _, k := range keys {
		b, ok := keyBytes[k]
		if !ok {
			b = k
		}
		if _, err := io.WriteString(tm.stdin, b); err != nil {
			tm.t.Fatalf("press %q: %v", k, err)
		}
		if k == "esc" {
			// A lone ESC is told from the start of a sequence by a pause.
			time.Sleep(120 * time.Millisecond)
		}
	}
}

func (tm *term) typ(s string) {
	tm.t.Helper()
	if _, err := io.WriteString(tm.stdin, s); err != nil {
		tm.t.Fatalf("type %q: %v", s, err)
	}
}

// ended waits for the session to end and returns its exit error.
func (tm *term) ended(within time.Duration) (error, bool) {
	select {
	case <-tm.done:
		tm.mu.Lock()
		defer tm.mu.Unlock()
		return tm.err, true
	case <-time.After(within):
		return nil, false
	}
}

// auditHas reports whether the chain holds an event matching match.
func auditHas(t testing.TB, store *db.Store, match func(db.AuditRecord) bool) bool {
	t.Helper()
	recs, err := store.AuditPage(context.Background(), model.SystemActor("test"), 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if match(r) {
			return true
		}
	}
	return false
}
