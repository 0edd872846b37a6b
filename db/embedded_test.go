package db

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/address"
	"go.mongodb.org/mongo-driver/v2/x/mongo/driver/connstring"
)

// embeddedOnly skips a test of the embedded server itself in the run
// against an external server (dbtest.URIEnv, named here because dbtest
// imports this package): such a test starts embedded servers of its own,
// so that run would only repeat it.
func embeddedOnly(t *testing.T) {
	t.Helper()
	if os.Getenv("CUSTODIAN_TEST_MONGO_URI") != "" {
		t.Skip("tests the embedded server itself; CUSTODIAN_TEST_MONGO_URI is set, and the embedded run covers it")
	}
}

// tempDataDir is a fresh directory for an embedded database. t.TempDir is
// not used because subtest names can put '#' in it, which the embedded
// database refuses (see TestEmbeddedRefusesSpecialPath).
func tempDataDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "custodian-db-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	return dir
}

func openEmbeddedT(t *testing.T, dir string) *Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := Open(ctx, Options{DataDir: dir, NoSync: true})
	if err != nil {
		t.Fatalf("Open(%s): %v", dir, err)
	}
	t.Cleanup(func() { closeT(t, c) })
	return c
}

func closeT(t *testing.T, c *Conn) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.Close(ctx); err != nil {
		t.Errorf("Close: %v", err)
	}
}

type note struct {
	ID   string `bson:"_id"`
	Text string `bson:"text"`
}

func insertNote(t *testing.T, c *Conn, id, text string) {
	t.Helper()
	if _, err := c.DB.Collection("notes").InsertOne(context.Background(), note{ID: id, Text: text}); err != nil {
		t.Fatalf("insert %s: %v", id, err)
	}
}

func findNote(t *testing.T, c *Conn, id string) note {
	t.Helper()
	var n note
	if err := c.DB.Collection("notes").FindOne(context.Background(), bson.D{{Key: "_id", Value: id}}).Decode(&n); err != nil {
		t.Fatalf("find %s: %v", id, err)
	}
	return n
}

func TestOpenEmbeddedRoundTrip(t *testing.T) {
	embeddedOnly(t)
	dir := filepath.Join(tempDataDir(t), "data") // Open must create it
	c := openEmbeddedT(t, dir)

	if !c.Embedded || c.server == nil {
		t.Fatalf("Embedded = %v, own server = %v; want both", c.Embedded, c.server != nil)
	}
	if want := socketURI(filepath.Join(dir, socketFileName)); c.URI != want {
		t.Errorf("URI = %q, want the socket's %q", c.URI, want)
	}
	if c.DB.Name() != DefaultDatabase {
		t.Errorf("database = %q, want %q", c.DB.Name(), DefaultDatabase)
	}

	insertNote(t, c, "n1", "héllo")
	if got := findNote(t, c, "n1"); got.Text != "héllo" {
		t.Errorf("round trip: got %+v", got)
	}

	assertMode(t, dir, 0o700)
	assertMode(t, filepath.Join(dir, sqliteDirName), 0o700)
	assertMode(t, filepath.Join(dir, socketFileName), 0o600)
	assertMode(t, filepath.Join(dir, lockFileName), 0o600)
	if _, err := os.Stat(filepath.Join(dir, sqliteDirName, "custodian.sqlite")); err != nil {
		t.Errorf("SQLite file not in the %s subdirectory: %v", sqliteDirName, err)
	}

	closeT(t, c)
	if err := c.Close(context.Background()); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, socketFileName)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s still there after Close: %v", socketFileName, err)
	}

	// The data survives a restart.
	c2 := openEmbeddedT(t, dir)
	if got := findNote(t, c2, "n1"); got.Text != "héllo" {
		t.Errorf("after reopen: got %+v", got)
	}
}

func assertMode(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Errorf("stat %s: %v", path, err)
		return
	}
	if got := fi.Mode().Perm(); got != want {
		t.Errorf("%s mode = %v, want %v", filepath.Base(path), got, want)
	}
}

func TestSecondOpenJoinsOwner(t *testing.T) {
	embeddedOnly(t)
	dir := tempDataDir(t)
	first := openEmbeddedT(t, dir)
	insertNote(t, first, "from-first", "1")

	second := openEmbeddedT(t, dir)
	if !second.Embedded {
		t.Error("second.Embedded = false; it talks to FerretDB")
	}
	if second.server != nil {
		t.Fatal("second Open started its own server on a locked data directory")
	}
	if second.URI != first.URI {
		t.Errorf("second.URI = %q, want the owner's %q", second.URI, first.URI)
	}
	if got := findNote(t, second, "from-first"); got.Text != "1" {
		t.Errorf("second sees %+v", got)
	}
	insertNote(t, second, "from-second", "2")
	if got := findNote(t, first, "from-second"); got.Text != "2" {
		t.Errorf("first sees %+v", got)
	}

	// Closing a client leaves the owner's server running.
	closeT(t, second)
	insertNote(t, first, "after-second-closed", "3")

	// Once the owner has gone, the next Open owns the directory.
	closeT(t, first)
	third := openEmbeddedT(t, dir)
	if third.server == nil {
		t.Fatal("third Open did not take over the released data directory")
	}
	for _, id := range []string{"from-first", "from-second", "after-second-closed"} {
		findNote(t, third, id)
	}
}

func TestOpenOwnerNotAnswering(t *testing.T) {
	embeddedOnly(t)
	dir := tempDataDir(t)
	// Hold the lock as a hung owner would, with a socket nobody answers on.
	lock, err := lockDataDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close()
	l, err := net.Listen("unix", filepath.Join(dir, socketFileName))
	if err != nil {
		t.Fatal(err)
	}
	_ = l.Close()
	if err := os.WriteFile(filepath.Join(dir, socketFileName), nil, 0o600); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancel()
	c, err := Open(ctx, Options{DataDir: dir})
	if err == nil {
		_ = c.Close(context.Background())
		t.Fatal("Open succeeded against an owner that does not answer")
	}
	msg := err.Error()
	t.Log(msg)
	if !IsConnectError(err) {
		t.Errorf("not a ConnectError: %v", err)
	}
	for _, want := range []string{"another custodian process", filepath.Join(dir, lockFileName), "custodian db", "--mongo-uri"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message lacks %q", want)
		}
	}
	if strings.ContainsAny(msg, "\r\n") {
		t.Error("message is not one line")
	}
}

func TestOpenCancelledReleasesDataDir(t *testing.T) {
	embeddedOnly(t)
	dir := tempDataDir(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if c, err := Open(ctx, Options{DataDir: dir}); err == nil {
		_ = c.Close(context.Background())
		t.Fatal("Open with a cancelled context succeeded")
	}
	c := openEmbeddedT(t, dir)
	if c.server == nil {
		t.Error("a failed Open left the data directory locked")
	}
}

func TestServeEmbedded(t *testing.T) {
	embeddedOnly(t)
	dir := tempDataDir(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv, err := ServeEmbedded(ctx, dir, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := socketURI(filepath.Join(dir, socketFileName)); srv.URI() != want {
		t.Errorf("URI = %q, want %q", srv.URI(), want)
	}

	// A console started on the same directory uses the running server.
	c := openEmbeddedT(t, dir)
	if c.server != nil || c.URI != srv.URI() {
		t.Errorf("Open did not join the served database: own server %v, URI %q", c.server != nil, c.URI)
	}
	insertNote(t, c, "n", "x")

	// A second `custodian db` on the same directory is refused.
	_, err = ServeEmbedded(ctx, dir, "", nil)
	if !IsConnectError(err) || !strings.Contains(err.Error(), srv.URI()) || !strings.Contains(err.Error(), lockFileName) {
		t.Errorf("second ServeEmbedded: %v; want a ConnectError naming the lock file and the running URI", err)
	}
	closeT(t, c)

	cancel()
	waited := make(chan error, 1)
	go func() { waited <- srv.Wait() }()
	select {
	case err := <-waited:
		if err != nil {
			t.Errorf("Wait: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("server did not stop after its context was cancelled")
	}
	if _, err := os.Stat(filepath.Join(dir, socketFileName)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s left behind: %v", socketFileName, err)
	}
	srv2, err := ServeEmbedded(context.Background(), dir, "", nil)
	if err != nil {
		t.Fatalf("data directory not released: %v", err)
	}
	if err := srv2.Close(context.Background()); err != nil {
		t.Error(err)
	}
}

// TestServeEmbeddedRefusesTCP: with no authentication to offer, a TCP
// listener is refused before anything is created, saying why.
func TestServeEmbeddedRefusesTCP(t *testing.T) {
	embeddedOnly(t)
	for _, addr := range []string{"127.0.0.1:0", "27017", "0.0.0.0:27017", "[::1]:27017"} {
		dir := filepath.Join(tempDataDir(t), "data")
		srv, err := ServeEmbedded(context.Background(), dir, addr, nil)
		if err == nil {
			_ = srv.Close(context.Background())
			t.Errorf("ServeEmbedded(--listen %s) succeeded", addr)
			continue
		}
		var refused *TCPRefusedError
		if !errors.As(err, &refused) {
			t.Errorf("ServeEmbedded(--listen %s): %v, want a *TCPRefusedError", addr, err)
		}
		for _, want := range []string{addr, "no authentication", "every local user", "socket URI", "--mongo-uri"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("refusal of %s lacks %q: %v", addr, want, err)
			}
		}
		if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("refused --listen %s created the data directory: %v", addr, err)
		}
	}
}

// TestSocketURI: the URI names the path so that the driver, which is what
// mongosh is built on too, dials exactly that path over a Unix socket.
func TestSocketURI(t *testing.T) {
	for _, path := range []string{
		"/home/ann/.local/share/custodian/custodian.sock",
		"/tmp/My Data (custodian)/custodian.sock",
		"/tmp/a@b,c;d?e=f&g#h%41[x]/custodian.sock",
		"/tmp/é/custodian.sock",
	} {
		uri := socketURI(path)
		cs, err := connstring.ParseAndValidate(uri)
		if err != nil {
			t.Errorf("socketURI(%q) = %q does not parse: %v", path, uri, err)
			continue
		}
		if len(cs.Hosts) != 1 || cs.Hosts[0] != path {
			t.Errorf("socketURI(%q) = %q parses to hosts %q", path, uri, cs.Hosts)
		}
		if got := address.Address(cs.Hosts[0]).Network(); got != "unix" {
			t.Errorf("%q dials over %s, want unix", uri, got)
		}
	}
}

func TestEmbeddedSocketPathTooLong(t *testing.T) {
	embeddedOnly(t)
	parent := tempDataDir(t)
	dir := filepath.Join(parent, strings.Repeat("d", maxSocketPath-len(parent)-len(socketFileName)-1))
	if n := len(filepath.Join(dir, socketFileName)); n != maxSocketPath+1 {
		t.Fatalf("socket path is %d bytes, want %d", n, maxSocketPath+1)
	}
	_, err := Open(context.Background(), Options{DataDir: dir})
	if err == nil || !strings.Contains(err.Error(), "choose a shorter --data-dir") {
		t.Fatalf("Open(%d-byte data dir): %v; want a refusal asking for a shorter --data-dir", len(dir), err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Error("a refused Open created the data directory")
	}
	// One byte shorter fits.
	openEmbeddedT(t, dir[:len(dir)-1])
}

// TestOpenMustExist: an inspecting command on a mistyped --data-dir is told
// so, and nothing is created; an existing database opens as usual.
func TestOpenMustExist(t *testing.T) {
	embeddedOnly(t)
	parent := tempDataDir(t)
	missing := filepath.Join(parent, "typo")
	_, err := Open(context.Background(), Options{DataDir: missing, MustExist: true})
	var nd *NoDatabaseError
	if !errors.As(err, &nd) || err.Error() != "no custodian database in "+missing+": check --data-dir" {
		t.Fatalf("Open(MustExist) on a missing dir: %v", err)
	}
	if entries, _ := os.ReadDir(parent); len(entries) != 0 {
		t.Errorf("a refused Open created %v", entries)
	}

	dir := filepath.Join(parent, "data")
	c := openEmbeddedT(t, dir)
	insertNote(t, c, "n", "x")
	closeT(t, c)
	c2, err := Open(context.Background(), Options{DataDir: dir, MustExist: true})
	if err != nil {
		t.Fatalf("Open(MustExist) on an existing database: %v", err)
	}
	t.Cleanup(func() { closeT(t, c2) })
	findNote(t, c2, "n")
}

func TestEmbeddedRefusesSpecialPath(t *testing.T) {
	embeddedOnly(t)
	parent := tempDataDir(t)
	for _, name := range []string{"a#b", "a%41b", "a:b"} {
		dir := filepath.Join(parent, name)
		c, err := Open(context.Background(), Options{DataDir: dir})
		if err == nil {
			_ = c.Close(context.Background())
			t.Errorf("Open(%q) succeeded; FerretDB would have put its files elsewhere", dir)
			continue
		}
		if !strings.Contains(err.Error(), "choose another directory") {
			t.Errorf("Open(%q): %v", dir, err)
		}
	}
	// Nothing may have been written beside the data directory.
	entries, _ := os.ReadDir(parent)
	if len(entries) != 0 {
		t.Errorf("stray files next to the data directory: %v", entries)
	}
}

func TestEmbeddedPathWithSpaces(t *testing.T) {
	embeddedOnly(t)
	dir := filepath.Join(tempDataDir(t), "My Data (custodian)")
	c := openEmbeddedT(t, dir)
	insertNote(t, c, "n", "x")
	if _, err := os.Stat(filepath.Join(dir, sqliteDirName, "custodian.sqlite")); err != nil {
		t.Errorf("SQLite file not where expected: %v", err)
	}
}

// TestEmbeddedParallel starts several servers at once; under -race it checks
// that nothing global in FerretDB is written unsynchronised.
func TestEmbeddedParallel(t *testing.T) {
	embeddedOnly(t)
	for i := range 4 {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			t.Parallel()
			c := openEmbeddedT(t, tempDataDir(t))
			insertNote(t, c, "n", fmt.Sprint(i))
			if got := findNote(t, c, "n"); got.Text != fmt.Sprint(i) {
				t.Errorf("got %+v", got)
			}
		})
	}
}

func TestOpenRejectsBadDatabaseName(t *testing.T) {
	dir := tempDataDir(t)
	_, err := Open(context.Background(), Options{DataDir: dir, Database: "cust.odian"})
	if err == nil || !strings.Contains(err.Error(), "database name") {
		t.Fatalf("Open with a bad database name: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, lockFileName)); !errors.Is(err, os.ErrNotExist) {
		t.Error("a rejected Open touched the data directory")
	}
}
