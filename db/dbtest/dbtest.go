// Package dbtest gives tests a real database: an embedded FerretDB on a
// fresh temporary directory, with the schema in place. No mocks, so tests
// exercise exactly what FerretDB supports.
//
// With CUSTODIAN_TEST_MONGO_URI set, every database is instead a fresh one
// on that external server (CI runs FerretDB on PostgreSQL there), so the
// same tests check our code against a server in another process. It imports
// db (to open and migrate) and is imported only by tests.
package dbtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/custodian-dev/custodian/db"
)

// URIEnv names the environment variable that points the tests at an
// external server instead of the embedded database.
const URIEnv = "CUSTODIAN_TEST_MONGO_URI"

// External reports whether the tests run against an external server
// (URIEnv is set).
func External() bool { return os.Getenv(URIEnv) != "" }

// ExternalURI is the external server's URI, or "" for the embedded database.
func ExternalURI() string { return os.Getenv(URIEnv) }

// SkipIfExternal skips a test that is about the embedded database itself
// (its socket, data directory, lock or fsync setting) when the tests run
// against an external server; why says what it checks.
func SkipIfExternal(t testing.TB, why string) {
	t.Helper()
	if External() {
		t.Skipf("runs only on the embedded database (%s is set): %s", URIEnv, why)
	}
}

// schemaTemplate is the data directory of a database with the schema
// applied, built once per test binary and copied into each test's
// directory. It is this package's one package-level variable, written once
// under sync.Once and read-only afterwards: running EnsureSchema per test
// costs ~35 ms (~250 ms under -race, FerretDB creates indexes slowly),
// copying the files costs about a millisecond.
var schemaTemplate struct {
	once  sync.Once
	files map[string][]byte // slash-separated path relative to the data directory → contents
	err   error
}

// New opens an embedded database in t.TempDir() with the schema in place,
// and closes it when the test ends. Every call gets its own server and
// files, so tests may run in parallel.
//
// The database commits without fsync (db.Options.NoSync): a test's data
// need not survive a power cut, and fsync made each write cost milliseconds.
func New(t testing.TB) *db.Conn {
	t.Helper()
	if uri := ExternalURI(); uri != "" {
		return newExternal(t, uri)
	}
	files, err := templateFiles()
	if err != nil {
		t.Fatalf("dbtest: build schema template: %v", err)
	}
	// Not t.TempDir(): its name comes from the test name, which may contain
	// '#' or '%', and the embedded database refuses such paths.
	dir, err := os.MkdirTemp("", "custodian-dbtest-")
	if err != nil {
		t.Fatalf("dbtest: %v", err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	for name, data := range files {
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			t.Fatalf("dbtest: %v", err)
		}
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatalf("dbtest: %v", err)
		}
	}

	// Not t.Context(): it is cancelled before cleanups run, and the server
	// must live until Close.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := db.Open(ctx, db.Options{DataDir: dir, NoSync: true})
	if err != nil {
		t.Fatalf("dbtest: open embedded database: %v", err)
	}
	// Registered after the RemoveAll, so it runs first: the server closes
	// its SQLite files before the directory is removed.
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := c.Close(ctx); err != nil {
			t.Errorf("dbtest: close embedded database: %v", err)
		}
	})
	return c
}

func templateFiles() (map[string][]byte, error) {
	schemaTemplate.once.Do(func() {
		schemaTemplate.files, schemaTemplate.err = buildTemplate()
	})
	return schemaTemplate.files, schemaTemplate.err
}

// buildTemplate runs EnsureSchema on a scratch directory, closes the server
// (which checkpoints SQLite's WAL into the main file) and keeps the files in
// memory, so nothing is left on disk when the test binary exits.
func buildTemplate() (map[string][]byte, error) {
	dir, err := os.MkdirTemp("", "custodian-dbtest-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	c, err := db.Open(ctx, db.Options{DataDir: dir, NoSync: true})
	if err != nil {
		return nil, err
	}
	schemaErr := db.EnsureSchema(ctx, c.DB)
	if err := c.Close(ctx); err != nil {
		return nil, err
	}
	if schemaErr != nil {
		return nil, schemaErr
	}

	files := map[string][]byte{}
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		files[filepath.ToSlash(rel)] = data
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", dir, err)
	}
	return files, nil
}

// newExternal opens a database with a fresh random name on the server at
// uri, applies the schema and drops the database when the test ends, so
// tests stay independent and may run in parallel there too.
func newExternal(t testing.TB, uri string) *db.Conn {
	t.Helper()
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatalf("dbtest: %v", err)
	}
	name := "custodian_test_" + hex.EncodeToString(b[:])

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	c, err := db.Open(ctx, db.Options{URI: uri, Database: name})
	if err != nil {
		t.Fatalf("dbtest: open %s on %s: %v", name, uri, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := c.DB.Drop(ctx); err != nil {
			t.Errorf("dbtest: drop test database %s: %v", name, err)
		}
		if err := c.Close(ctx); err != nil {
			t.Errorf("dbtest: close %s: %v", uri, err)
		}
	})
	if err := db.EnsureSchema(ctx, c.DB); err != nil {
		t.Fatalf("dbtest: schema on %s: %v", name, err)
	}
	return c
}

// ExternalDatabase returns a fresh database name on the external server,
// for a test that runs custodian processes against it (`--mongo-uri` with
// `--db NAME`), and drops that database when the test ends. It must only
// be called when External() is true.
func ExternalDatabase(t testing.TB) string {
	t.Helper()
	c := newExternal(t, ExternalURI())
	return c.DB.Name()
}

// Shared returns a function that opens another connection to one fresh
// database without the schema, closed when the test ends: on the embedded
// database through one data directory (the first call hosts the server,
// later ones join it, as a second process would), on an external server
// by the same database name, which is dropped when the test ends. For
// tests of several stores on one database, or of the schema itself.
func Shared(t testing.TB) func() *db.Conn {
	t.Helper()
	var o db.Options
	if uri := ExternalURI(); uri != "" {
		var b [8]byte
		if _, err := rand.Read(b[:]); err != nil {
			t.Fatalf("dbtest: %v", err)
		}
		o = db.Options{URI: uri, Database: "custodian_test_" + hex.EncodeToString(b[:])}
	} else {
		dir, err := os.MkdirTemp("", "custodian-dbtest-")
		if err != nil {
			t.Fatalf("dbtest: %v", err)
		}
		t.Cleanup(func() { _ = os.RemoveAll(dir) })
		o = db.Options{DataDir: dir, NoSync: true}
	}
	first := true
	return func() *db.Conn {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c, err := db.Open(ctx, o)
		if err != nil {
			t.Fatalf("dbtest: open: %v", err)
		}
		drop := first && o.URI != ""
		first = false
		// Cleanups run last-registered first: later connections close
		// before the first, which may host the embedded server.
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if drop {
				if err := c.DB.Drop(ctx); err != nil {
					t.Errorf("dbtest: drop test database %s: %v", o.Database, err)
				}
			}
			if err := c.Close(ctx); err != nil {
				t.Errorf("dbtest: close: %v", err)
			}
		})
		return c
	}
}
