package command

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"github.com/custodian-dev/custodian/db"
	"github.com/custodian-dev/custodian/db/dbtest"
	"github.com/custodian-dev/custodian/db/demo"
	"github.com/custodian-dev/custodian/keymap"
	"github.com/custodian-dev/custodian/model"
	"github.com/custodian-dev/custodian/ui/console"
	"github.com/custodian-dev/custodian/ui/sshd"
)

// One rule, every door: `ssh … health|failed --json` and `custodian
// health|failed --json` on the same data directory report the same
// figures (the console's panes read the same store calls:
// ui/console TestOnCallPanesE2E).
func TestHealthAndFailedSameOverSSHAndCLI(t *testing.T) {
	dbtest.SkipIfExternal(t, "the CLI opens the embedded database in its data directory")
	ctx := context.Background()
	dir := t.TempDir()
	g := &Globals{dataDir: dir}
	b, code := openBackend(ctx, g, io.Discard)
	if b == nil {
		t.Fatalf("open: exit %d", code)
	}
	if _, err := db.Seed(ctx, b.store, db.SeedOptions{Subjects: 300, Requests: 160}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.store.VerifyAudit(ctx, nil); err != nil {
		t.Fatal(err)
	}

	// Over SSH, as the on-call engineer.
	hk, err := sshd.LoadOrCreateHostKey(filepath.Join(t.TempDir(), "host_key"))
	if err != nil {
		t.Fatal(err)
	}
	srv, err := sshd.New(sshd.Config{Store: b.store, App: console.Config{Keys: keymap.Default()}, HostKey: hk, AllowDemoKeys: true})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	signer, err := gossh.NewSignerFromKey(demo.PrivateKey("eve"))
	if err != nil {
		t.Fatal(err)
	}
	client, err := gossh.Dial("tcp", ln.Addr().String(), &gossh.ClientConfig{User: "eve", Auth: []gossh.AuthMethod{gossh.PublicKeys(signer)},
		HostKeyCallback: gossh.FixedHostKey(hk.Signer.PublicKey()), Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	overSSH := func(cmd string) string {
		sess, err := client.NewSession()
		if err != nil {
			t.Fatal(err)
		}
		defer sess.Close()
		out, err := sess.Output(cmd)
		if err != nil {
			t.Fatalf("ssh %s: %v", cmd, err)
		}
		return string(out)
	}
	var sshFailed []model.Failure
	var sshHealth model.Health
	decode(t, overSSH("failed --json"), &sshFailed)
	decode(t, overSSH("health --json"), &sshHealth)
	_ = client.Close()
	sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		t.Fatal(err)
	}
	if err := <-served; err != nil {
		t.Fatal(err)
	}
	b.close()

	// The CLI, on the same data directory.
	cli := func(args ...string) string {
		var out, errb bytes.Buffer
		if code := Main(ctx, append(args, "--data-dir", dir, "--operator", "eve"), Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb}); code != 0 {
			t.Fatalf("custodian %v: exit %d: %s", args, code, errb.String())
		}
		return out.String()
	}
	var cliFailed []model.Failure
	var cliHealth model.Health
	decode(t, cli("failed", "--json"), &cliFailed)
	decode(t, cli("health", "--json"), &cliHealth)

	if len(sshFailed) == 0 || !reflect.DeepEqual(sshFailed, cliFailed) {
		t.Errorf("failed differs:\nssh %+v\ncli %+v", sshFailed, cliFailed)
	}
	steps := 0
	for _, f := range sshFailed {
		if f.At.IsZero() || f.Reason == "" {
			t.Errorf("failure without time or reason: %+v", f)
		}
		if f.Step != "" {
			steps++
		}
	}
	// A plan with no steps fails "before its first step": no step to name.
	if steps == 0 {
		t.Errorf("no failure names its step: %+v", sshFailed)
	}
	if !reflect.DeepEqual(sshHealth.Failed, cliHealth.Failed) || sshHealth.Kind != cliHealth.Kind || sshHealth.Version != cliHealth.Version ||
		sshHealth.ClaimsPending != cliHealth.ClaimsPending || !reflect.DeepEqual(sshHealth.Verify, cliHealth.Verify) || sshHealth.Verify == nil {
		t.Errorf("health differs:\nssh %+v\ncli %+v", sshHealth, cliHealth)
	}
	// The SSH session asking was open while it asked; the serve withdrew
	// its count when it shut down.
	if sshHealth.Sessions < 1 || cliHealth.Sessions != 0 {
		t.Errorf("sessions: ssh saw %d (want ≥ 1, itself), cli %d (want 0 after the serve stopped)", sshHealth.Sessions, cliHealth.Sessions)
	}

	// Support may not: refused with exit 1 and a message naming who may.
	var out, errb bytes.Buffer
	code = Main(ctx, []string{"health", "--data-dir", dir, "--operator", "sam"}, Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb})
	if code == 0 || !strings.Contains(errb.String(), "cannot see system health") {
		t.Errorf("support: exit %d, %q", code, errb.String())
	}
}

func decode(t *testing.T, s string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(s), v); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, s)
	}
}
