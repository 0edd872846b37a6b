package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/custodian-dev/custodian/db"
	"github.com/custodian-dev/custodian/db/demo"
	"github.com/custodian-dev/custodian/model"
	"github.com/custodian-dev/custodian/ui/command"
)

// realDatabase makes an embedded database that is not the demo: a tenant,
// privacy leads lou and lee, and the operators given, written as an admin
// would. It is closed again before the commands under test open it.
func realDatabase(t *testing.T, ops ...model.Operator) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "data")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := db.Open(ctx, db.Options{DataDir: dir, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := conn.Close(ctx); err != nil {
			t.Error(err)
		}
	}()
	if err := db.EnsureSchema(ctx, conn.DB); err != nil {
		t.Fatal(err)
	}
	store, err := db.NewStore(conn, db.StoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	tenant := model.Tenant{ID: "ta", Name: "Town A", State: "CA", TimeZone: "America/Los_Angeles"}
	if _, err := conn.DB.Collection("tenants").InsertOne(ctx, tenant); err != nil {
		t.Fatal(err)
	}
	ops = append(ops, model.Operator{Handle: "lou", Role: model.RoleLead}, model.Operator{Handle: "lee", Role: model.RoleLead})
	for _, op := range ops {
		if err := store.PutOperator(ctx, model.SystemActor("test"), op); err != nil {
			t.Fatalf("put operator %s: %v", op.Handle, err)
		}
	}
	return dir
}

// auditCount counts the chain's entries without going through custodian.
func auditCount(t *testing.T, dir string) int64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := db.Open(ctx, db.Options{DataDir: dir, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	n, err := conn.DB.Collection("audit").CountDocuments(ctx, bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestCLIOperatorFlagOnlyOnTheDemo: on a database that is not the demo,
// --operator is refused with what to do, exit 2, and nothing is written;
// the operator registered to the OS account running the command is who
// acts. On the demo --operator still picks any demo operator.
func TestCLIOperatorFlagOnlyOnTheDemo(t *testing.T) {
	t.Setenv("CUSTODIAN_MONGO_URI", "")
	me, err := command.OSAccount()
	if err != nil {
		t.Skipf("no OS account to register: %v", err)
	}
	if model.ValidOSUser(me) != nil {
		t.Skipf("the OS user name %q cannot be registered to an operator", me)
	}
	real := realDatabase(t, model.Operator{Handle: "boss", Role: model.RoleAdmin, OSUser: me})
	before := auditCount(t, real)

	for _, args := range [][]string{
		{"requests", "list", "--operator", "lou"},
		{"operators", "add", "mal", "--role", "admin", "--operator", "lou"},
		{"operators", "add", "mal", "--role", "admin", "--operator", "boss"},
		{"--operator", "lee"},
	} {
		code, _, stderr := runCLI(t, append(args, "--data-dir", real)...)
		if code != exitBadInput {
			t.Errorf("%v: exit %d, want %d; stderr %q", args, code, exitBadInput, stderr)
		}
		want := "--operator is only for the demo database; on this database you are the operator registered to OS user " + me + ": boss"
		if !strings.Contains(stderr, want) {
			t.Errorf("%v: stderr %q does not say %q", args, stderr, want)
		}
	}
	if after := auditCount(t, real); after != before {
		t.Errorf("refused commands changed the audit chain: %d entries, then %d", before, after)
	}

	// Without --operator the OS account decides: boss, an admin.
	code, out, stderr := runCLI(t, "operators", "list", "--data-dir", real)
	if code != 0 || !strings.Contains(out, "boss") {
		t.Fatalf("operators list as the registered admin: exit %d, %q %q", code, out, stderr)
	}
	if !strings.Contains(out, "OS USER") || !strings.Contains(out, " "+me+" ") {
		t.Errorf("operators list does not show boss's OS user %s:\n%s", me, out)
	}
	// The admin registers lou to another account, then gives it back.
	if code, _, stderr := runCLI(t, "operators", "set-os-user", "lou", "lou-account", "--data-dir", real); code != 0 {
		t.Fatalf("set-os-user: exit %d, %q", code, stderr)
	}
	if code, _, stderr := runCLI(t, "operators", "set-os-user", "lee", "lou-account", "--data-dir", real); code != exitBadInput || !strings.Contains(stderr, "already registered to operator lou") {
		t.Errorf("a second operator on the same account: exit %d, %q", code, stderr)
	}
}

// TestCLIUnregisteredOSUserIsRefused: on a real database, an OS account
// no operator is registered to gets nobody, and is told how to fix it —
// even when an operator's handle happens to be the account's name.
func TestCLIUnregisteredOSUserIsRefused(t *testing.T) {
	t.Setenv("CUSTODIAN_MONGO_URI", "")
	namesake, err := demo.LocalHandle(command.LocalUser())
	if err != nil {
		t.Skipf("the OS user name cannot be a handle: %v", err)
	}
	real := realDatabase(t, model.Operator{Handle: namesake, Role: model.RoleAdmin})
	for _, args := range [][]string{
		{"requests", "list"},
		{"operators", "list"},
		{"operators", "add", "mal", "--role", "admin"},
	} {
		code, _, stderr := runCLI(t, append(args, "--data-dir", real)...)
		if code != exitBadInput || !strings.Contains(stderr, "no operator is registered to OS user") || !strings.Contains(stderr, "set-os-user") {
			t.Errorf("%v: exit %d, stderr %q", args, code, stderr)
		}
	}
}

func TestCLIOperatorFlagOnTheDemo(t *testing.T) {
	t.Setenv("CUSTODIAN_MONGO_URI", "")
	dir := filepath.Join(t.TempDir(), "data")
	if code, _, stderr := runCLI(t, "seed", "--data-dir", dir, "--subjects", "50", "--requests", "10"); code != 0 {
		t.Fatalf("seed: %s", stderr)
	}
	code, out, stderr := runCLI(t, "requests", "list", "--data-dir", dir, "--operator", "lou", "--json")
	if code != 0 || !strings.HasPrefix(strings.TrimSpace(out), "[") {
		t.Fatalf("--operator lou on the demo: exit %d, %q %q", code, out, stderr)
	}
	// The global flags mean the same before the command's name.
	if code, before, stderr := runCLI(t, "--data-dir", dir, "--operator", "lou", "requests", "list", "--json"); code != 0 || before != out {
		t.Fatalf("global flags before the command: exit %d, %q; after it the output was %q", code, before+stderr, out)
	}
	// Without it, the demo's local admin, registered to this OS account.
	if code, out, stderr := runCLI(t, "operators", "list", "--data-dir", dir); code != 0 || !strings.Contains(out, "(local user)") {
		t.Fatalf("the demo's local admin: exit %d, %q %q", code, out, stderr)
	}
}

// TestCLIAuditVerifyRefusesToCreate: a mistyped --data-dir is reported,
// not turned into an empty database that verifies "ok".
func TestCLIAuditVerifyRefusesToCreate(t *testing.T) {
	t.Setenv("CUSTODIAN_MONGO_URI", "")
	missing := filepath.Join(t.TempDir(), "typo")
	code, out, stderr := runCLI(t, "audit", "verify", "--data-dir", missing)
	if code == 0 || out != "" {
		t.Errorf("exit %d, stdout %q; want a failure and no verdict", code, out)
	}
	if want := "no custodian database in " + missing + ": check --data-dir"; !strings.Contains(stderr, want) {
		t.Errorf("stderr %q does not say %q", stderr, want)
	}
	if _, err := os.Stat(missing); !os.IsNotExist(err) {
		t.Errorf("audit verify created %s: %v", missing, err)
	}
}

// TestCLIDBListenRefused: `custodian db --listen` would open the
// unauthenticated database to every local user; it is refused, saying why,
// before anything is created.
func TestCLIDBListenRefused(t *testing.T) {
	t.Setenv("CUSTODIAN_MONGO_URI", "")
	dir := filepath.Join(t.TempDir(), "data")
	for _, addr := range []string{"127.0.0.1:27017", "0.0.0.0:27017", "27017"} {
		code, out, stderr := runCLI(t, "db", "--listen", addr, "--data-dir", dir)
		if code != exitBadInput || out != "" {
			t.Errorf("db --listen %s: exit %d, stdout %q", addr, code, out)
		}
		for _, want := range []string{"refusing to listen on TCP " + addr, "no authentication", "every local user", "socket URI"} {
			if !strings.Contains(stderr, want) {
				t.Errorf("db --listen %s: stderr %q lacks %q", addr, stderr, want)
			}
		}
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("a refused db --listen created %s: %v", dir, err)
	}
}
