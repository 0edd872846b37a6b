package opcli

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"flag"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	gossh "golang.org/x/crypto/ssh"

	"github.com/custodian-dev/custodian/db"
	"github.com/custodian-dev/custodian/db/dbtest"
	"github.com/custodian-dev/custodian/model"
)

func newKey(t *testing.T, comment string) (line, fp string) {
	t.Helper()
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	pk, err := gossh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(gossh.MarshalAuthorizedKey(pk))) + " " + comment, gossh.FingerprintSHA256(pk)
}

type cli struct {
	t     *testing.T
	store *db.Store
}

// run parses and runs one `operators` command line as handle.
func (c cli) run(handle string, args ...string) (int, string, string) {
	c.t.Helper()
	fs := flag.NewFlagSet("operators", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	cmd := Bind(fs)
	var out, errb bytes.Buffer
	if err := Parse(fs, cmd, args); err != nil {
		return exitBadInput, "", err.Error()
	}
	ctx := context.Background()
	actor, err := ResolveActor(ctx, c.store, cmd, handle)
	if err != nil {
		return exitBadInput, "", err.Error()
	}
	code := Run(ctx, c.store, actor, cmd, &out, &errb)
	return code, out.String(), errb.String()
}

func seededCLI(t *testing.T) cli {
	t.Helper()
	conn := dbtest.New(t)
	store, err := db.NewStore(conn, db.StoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if _, err := db.Seed(ctx, store, db.SeedOptions{Subjects: 60, Requests: 30}); err != nil {
		t.Fatal(err)
	}
	return cli{t: t, store: store}
}

func TestOperatorsLifecycle(t *testing.T) {
	c := seededCLI(t)
	ctx := context.Background()
	key1, fp1 := newKey(t, "kim@laptop")
	key2, fp2 := newKey(t, "kim@desk")

	code, out, errs := c.run("ada", "add", "kim", "--role", "engineer", "--tenants", "oakridge-ca, bayshore-ca", "--name", "Kim Park", "--key", key1)
	if code != 0 || !strings.Contains(out, "added kim (engineer)") {
		t.Fatalf("add: exit %d %q %q", code, out, errs)
	}
	op, err := c.store.Operator(ctx, "kim")
	if err != nil || op.Role != model.RoleEngineer || len(op.Tenants) != 2 || op.KeyFingerprints[0] != fp1 || op.Name != "Kim Park" {
		t.Fatalf("stored %+v, %v", op, err)
	}

	keyFile := filepath.Join(t.TempDir(), "keys.pub")
	if err := os.WriteFile(keyFile, []byte("# kim's desk\n\n"+key2+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _, errs := c.run("ada", "add-key", "kim", "--key-file", keyFile); code != 0 {
		t.Fatalf("add-key: exit %d %q", code, errs)
	}
	if code, out, _ := c.run("ada", "list"); code != 0 || !strings.Contains(out, fp1) || !strings.Contains(out, fp2) || !strings.Contains(out, "bayshore-ca,oakridge-ca") {
		t.Fatalf("list: exit %d\n%s", code, out)
	}
	if code, _, errs := c.run("ada", "remove-key", "kim", fp1); code != 0 {
		t.Fatalf("remove-key: %d %q", code, errs)
	}
	if code, _, errs := c.run("ada", "remove-key", "kim", fp1); code != exitBadInput || !strings.Contains(errs, "has no key "+fp1) {
		t.Fatalf("removing a key twice: %d %q", code, errs)
	}
	if code, _, _ := c.run("ada", "disable", "kim"); code != 0 {
		t.Fatal("disable failed")
	}
	if op, _ := c.store.Operator(ctx, "kim"); !op.Disabled || len(op.Keys) != 1 || op.KeyFingerprints[0] != fp2 {
		t.Fatalf("after disable and remove-key: %+v", op)
	}
	if code, out, _ := c.run("ada", "disable", "kim"); code != 0 || !strings.Contains(out, "nothing changed") {
		t.Fatalf("disabling twice: %d %q", code, out)
	}
	if code, _, _ := c.run("ada", "enable", "kim"); code != 0 {
		t.Fatal("enable failed")
	}
	code, out, _ = c.run("ada", "list", "--json")
	if code != 0 || !strings.Contains(out, `"handle": "kim"`) {
		t.Fatalf("list --json: %d %s", code, out)
	}

	// Every change is on the audit chain, by ada.
	recs, err := c.store.AuditPage(ctx, model.SystemActor("test"), 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	changes := 0
	for _, r := range recs {
		if r.Action == "put_operator" && r.Target == "operator:kim" && r.Actor == "ada" && r.Outcome == model.OutcomeOK {
			changes++
		}
	}
	if changes != 5 { // add, add-key, remove-key, disable, enable
		t.Errorf("%d audited changes of kim, want 5", changes)
	}
}

func TestOperatorsBadInputChangesNothing(t *testing.T) {
	c := seededCLI(t)
	ctx := context.Background()
	lee, _ := c.store.Operator(ctx, "lee")
	privFile := filepath.Join(t.TempDir(), "id_ed25519")
	if err := os.WriteFile(privFile, []byte("-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbn…\n-----END OPENSSH PRIVATE KEY-----\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	badFile := filepath.Join(t.TempDir(), "bad.pub")
	good, _ := newKey(t, "ok")
	if err := os.WriteFile(badFile, []byte(good+"\nssh-ed25519 AAAAnotbase64\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	leeKey := lee.Keys[0]
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"unknown role", []string{"add", "zed", "--role", "boss"}, exitBadInput, `unknown role "boss"`},
		{"no role", []string{"add", "zed"}, exitBadInput, "needs --role"},
		{"garbage key", []string{"add", "zed", "--role", "support", "--key", "hello"}, exitBadInput, "not a public key line"},
		{"private key", []string{"add", "zed", "--role", "support", "--key-file", privFile}, exitBadInput, "private key"},
		{"bad key file line", []string{"add", "zed", "--role", "support", "--key-file", badFile}, exitBadInput, "line 2"},
		{"someone else's key", []string{"add", "zed", "--role", "support", "--key", leeKey}, exitBadInput, "already belongs to operator lee"},
		{"unknown tenant", []string{"add", "zed", "--role", "support", "--tenants", "atlantis"}, exitBadInput, `unknown tenant "atlantis"`},
		{"bad handle", []string{"add", "Zed!", "--role", "support"}, exitBadInput, "operator handle"},
		{"existing", []string{"add", "lee", "--role", "support"}, exitBadInput, "exists"},
		{"unknown operator", []string{"disable", "nobody"}, exitBadInput, "not found"},
		{"flag for another verb", []string{"disable", "sam", "--role", "lead"}, exitBadInput, "does not take --role"},
		{"unknown verb", []string{"promote", "sam"}, exitBadInput, "unknown subcommand"},
		{"disable yourself", []string{"disable", "ada"}, exitFailed, "cannot disable themselves"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errs := c.run("ada", tc.args...)
			if code != tc.code || !strings.Contains(errs, tc.want) {
				t.Fatalf("exit %d, stderr %q; want exit %d and %q", code, errs, tc.code, tc.want)
			}
			if _, err := c.store.Operator(ctx, "zed"); err == nil {
				t.Fatal("a refused add stored the operator")
			}
		})
	}
	if after, _ := c.store.Operator(ctx, "lee"); after.Version != lee.Version {
		t.Errorf("lee changed: version %d→%d", lee.Version, after.Version)
	}
}

func TestOnlyAdminsChangeOperators(t *testing.T) {
	c := seededCLI(t)
	ctx := context.Background()
	for _, handle := range []string{"lee", "sam", "eve"} {
		code, _, errs := c.run(handle, "disable", "sid")
		if code != exitFailed || !strings.Contains(errs, "manage operators") {
			t.Errorf("%s disabling sid: exit %d %q", handle, code, errs)
		}
	}
	if sid, _ := c.store.Operator(ctx, "sid"); sid.Disabled {
		t.Fatal("a non-admin disabled sid")
	}
	recs, _ := c.store.AuditPage(ctx, model.SystemActor("test"), 0, 1000)
	refused := 0
	for _, r := range recs {
		if r.Action == "put_operator" && r.Outcome == model.OutcomeRefused && r.Target == "operator:sid" {
			refused++
		}
	}
	if refused != 3 {
		t.Errorf("%d refusals audited, want 3", refused)
	}
	if code, _, errs := c.run("dan", "list"); code != exitBadInput || !strings.Contains(errs, "disabled") {
		t.Errorf("disabled dan listing: %d %q", code, errs)
	}
}

func TestFirstAdminOnAnEmptyDatabase(t *testing.T) {
	conn := dbtest.New(t)
	store, err := db.NewStore(conn, db.StoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c := cli{t: t, store: store}
	key, _ := newKey(t, "root@host")
	if code, _, errs := c.run("root", "add", "pat", "--role", "support", "--key", key); code != exitBadInput || !strings.Contains(errs, "add the first admin") {
		t.Fatalf("a first operator that is not an admin: %d %q", code, errs)
	}
	if code, out, errs := c.run("root", "add", "root", "--role", "admin", "--key", key); code != 0 {
		t.Fatalf("first admin: %d %q %q", code, out, errs)
	}
	if code, _, errs := c.run("stranger", "add", "pat", "--role", "admin"); code != exitBadInput || !strings.Contains(errs, "no registered operator") {
		t.Fatalf("after the first admin, anyone else: %d %q", code, errs)
	}
	if code, _, errs := c.run("root", "add", "pat", "--role", "support"); code != 0 {
		t.Fatalf("the first admin adding an operator: %d %q", code, errs)
	}
}

// TestOperatorsOSUser: add --os-user and set-os-user register the local OS
// account an operator is; bad accounts and misplaced flags change nothing.
func TestOperatorsOSUser(t *testing.T) {
	c := seededCLI(t)
	ctx := context.Background()
	osUserOf := func(handle string) string {
		t.Helper()
		op, err := c.store.Operator(ctx, handle)
		if err != nil {
			t.Fatal(err)
		}
		return op.OSUser
	}
	if code, out, errs := c.run("ada", "add", "ola", "--role", "support", "--os-user", "ola"); code != 0 || !strings.Contains(out, "OS user ola") {
		t.Fatalf("add --os-user: %d %q %q", code, out, errs)
	}
	if got := osUserOf("ola"); got != "ola" {
		t.Errorf("ola's OS user = %q", got)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"add", "oli", "--role", "support", "--os-user", "o li"}, "OS user name"},
		{[]string{"add", "oli", "--role", "support", "--os-user", "ola"}, "already registered to operator ola"},
		{[]string{"set-os-user", "sam", "ola"}, "already registered to operator ola"},
		{[]string{"disable", "sam", "--os-user", "x"}, "does not take --os-user"},
		{[]string{"set-os-user", "sam", "x", "--os-user", "y"}, "does not take --os-user"},
	} {
		code, _, errs := c.run("ada", tc.args...)
		if code != exitBadInput || !strings.Contains(errs, tc.want) {
			t.Errorf("%v: %d %q; want exit 2 saying %q", tc.args, code, errs, tc.want)
		}
	}
	if _, err := c.store.Operator(ctx, "oli"); err == nil {
		t.Error("oli was added by a refused command")
	}
	if got := osUserOf("sam"); got != "" {
		t.Errorf("sam's OS user = %q after refusals", got)
	}
	if code, _, errs := c.run("ada", "set-os-user", "ola", "ola2"); code != 0 || osUserOf("ola") != "ola2" {
		t.Fatalf("set-os-user: %d %q, now %q", code, errs, osUserOf("ola"))
	}
	if code, _, errs := c.run("ada", "set-os-user", "ola"); code != 0 || osUserOf("ola") != "" {
		t.Fatalf("set-os-user without an account clears it: %d %q, now %q", code, errs, osUserOf("ola"))
	}
	if code, _, _ := c.run("sam", "set-os-user", "sam", "sam"); code == 0 || osUserOf("sam") != "" {
		t.Error("a support operator registered an OS account")
	}
}

// TestBindVerbDeclaresOnlyItsFlags: each verb's flag set holds exactly the
// flags its row names, each with help, so the command line refuses the
// others and the help lists only its own.
func TestBindVerbDeclaresOnlyItsFlags(t *testing.T) {
	for _, v := range Verbs() {
		fs := flag.NewFlagSet(v.Name, flag.ContinueOnError)
		c := BindVerb(fs, v.Name)
		if c.Verb != v.Name {
			t.Errorf("BindVerb(%s) made a %q command", v.Name, c.Verb)
		}
		var got []string
		fs.VisitAll(func(f *flag.Flag) {
			got = append(got, f.Name)
			if f.Usage == "" {
				t.Errorf("%s --%s has no help", v.Name, f.Name)
			}
		})
		want := slices.Clone(v.Flags)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("%s declares %v, want %v", v.Name, got, want)
		}
	}
}

// The list's columns line up by display width, whatever the names (CJK
// takes two cells a character) and however many keys an operator has: key
// lines sit under their operator, outside the columns.
func TestOperatorsListColumnsLineUp(t *testing.T) {
	rows := [][]string{
		{"HANDLE", "ROLE", "STATUS", "NAME"},
		{"wang", "engineer", "enabled", "王小明"},
		{"lee", "privacy_lead", "disabled", "Lee Ann"},
		{"张", "support", "enabled", "Zhang"},
	}
	widths := columnWidths(rows)
	var starts []int
	for _, r := range rows {
		line := tableLine(r, widths)
		// STATUS starts after HANDLE and ROLE, each padded, two apart.
		i := strings.Index(line, r[2])
		starts = append(starts, ansi.StringWidth(line[:i]))
	}
	for i, s := range starts {
		if s != starts[0] {
			t.Errorf("row %d: STATUS starts at column %d, header at %d", i, s, starts[0])
		}
	}

	c := seededCLI(t)
	key1, _ := newKey(t, "wang@laptop")
	if code, _, errs := c.run("ada", "add", "wang", "--role", "engineer", "--name", "王小明", "--key", key1); code != 0 {
		t.Fatalf("add: %d %s", code, errs)
	}
	_, out, _ := c.run("ada", "list")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	col := -1
	for _, l := range lines {
		if strings.HasPrefix(l, "  key ") {
			continue
		}
		f := strings.Fields(l)
		at := ansi.StringWidth(l[:strings.Index(l, " "+f[1])+1])
		if col < 0 {
			col = at
		} else if at != col {
			t.Errorf("ROLE starts at %d on %q, at %d in the header:\n%s", at, l, col, out)
		}
	}
	if col > 20 {
		t.Errorf("the HANDLE column is %d wide: a key line widened it\n%s", col, out)
	}
}
