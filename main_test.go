package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/custodian-dev/custodian/ui/command"
)

// The exit codes scripts rely on.
const (
	exitFailed   = command.ExitFailed
	exitBadInput = command.ExitBadInput
)

// runCLI runs the command line in-process and returns exit code and output.
func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestCLIBadInputExitsTwoWithOneClearLine(t *testing.T) {
	t.Setenv("CUSTODIAN_MONGO_URI", "")
	dir := t.TempDir()
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"unknown flag", []string{"--frobnicate"}, "flag provided but not defined: -frobnicate"},
		{"unknown command", []string{"launch"}, `unknown command "launch"`},
		{"audit without verify", []string{"audit"}, "custodian audit verify"},
		{"stray argument", []string{"seed", "--data-dir", dir, "extra"}, `unexpected argument "extra"`},
		{"negative seed size", []string{"seed", "--data-dir", dir, "--subjects", "-3"}, "must be zero"},
		{"malformed uri", []string{"audit", "verify", "--mongo-uri", "http://example.org"}, "invalid MongoDB URI"},
		{"db with a uri", []string{"db", "--mongo-uri", "mongodb://127.0.0.1:1"}, "makes no sense"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := runCLI(t, tc.args...)
			if code != exitBadInput {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, exitBadInput, stderr)
			}
			first, _, _ := strings.Cut(stderr, "\n")
			if !strings.Contains(first, tc.want) {
				t.Fatalf("first line of stderr %q does not say %q", first, tc.want)
			}
		})
	}
}

func TestCLIUnreachableMongoNamesTheHost(t *testing.T) {
	code, _, stderr := runCLI(t, "audit", "verify", "--mongo-uri", "mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=500")
	if code != exitBadInput {
		t.Fatalf("exit %d, want %d; stderr:\n%s", code, exitBadInput, stderr)
	}
	if !strings.Contains(stderr, "127.0.0.1:1") || strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
		t.Fatalf("want one line naming the host, got:\n%s", stderr)
	}
}

func TestCLISeedThenVerifyThenTamper(t *testing.T) {
	t.Setenv("CUSTODIAN_MONGO_URI", "")
	dir := filepath.Join(t.TempDir(), "data")
	code, out, stderr := runCLI(t, "seed", "--data-dir", dir, "--subjects", "60", "--requests", "30")
	if code != 0 {
		t.Fatalf("seed exit %d:\n%s", code, stderr)
	}
	if !strings.Contains(out, "60 subjects") || !strings.Contains(out, "30 requests") {
		t.Fatalf("seed output does not report the counts: %q", out)
	}
	code, out, _ = runCLI(t, "seed", "--data-dir", dir)
	if code != 0 || !strings.Contains(out, "already present") {
		t.Fatalf("second seed: exit %d, %q", code, out)
	}
	code, out, stderr = runCLI(t, "audit", "verify", "--data-dir", dir)
	if code != 0 || !strings.HasPrefix(out, "ok ") || !strings.Contains(out, "head ") {
		t.Fatalf("verify: exit %d, out %q, err %q", code, out, stderr)
	}

	// A checkpoint that no longer matches the chain is a failed check (exit 1).
	cp := filepath.Join(dir, "audit-checkpoint.json")
	raw, err := os.ReadFile(cp)
	if err != nil {
		t.Fatal(err)
	}
	tampered := bytes.Replace(raw, []byte(`"seq":`), []byte(`"seq":1000`), 1)
	if bytes.Equal(tampered, raw) {
		t.Fatalf("checkpoint has no seq field: %s", raw)
	}
	if err := os.WriteFile(cp, tampered, 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, _ = runCLI(t, "audit", "verify", "--data-dir", dir)
	if code != exitFailed || !strings.HasPrefix(out, "FAILED") {
		t.Fatalf("verify after tampering: exit %d, out %q", code, out)
	}
}

func TestCLIUnknownOperatorIsRefused(t *testing.T) {
	t.Setenv("CUSTODIAN_MONGO_URI", "")
	dir := filepath.Join(t.TempDir(), "data")
	if code, _, stderr := runCLI(t, "seed", "--data-dir", dir, "--subjects", "50", "--requests", "10"); code != 0 {
		t.Fatalf("seed: %s", stderr)
	}
	code, _, stderr := runCLI(t, "--data-dir", dir, "--operator", "mallory")
	if code != exitBadInput || !strings.Contains(stderr, `"mallory"`) || !strings.Contains(stderr, "--operator") {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
}

func TestCLIVersion(t *testing.T) {
	code, out, _ := runCLI(t, "version")
	if code != 0 || !strings.HasPrefix(out, "custodian ") {
		t.Fatalf("exit %d, out %q", code, out)
	}
}

func TestCLIBadKeysFileNamesTheLine(t *testing.T) {
	t.Setenv("CUSTODIAN_MONGO_URI", "")
	keys := filepath.Join(t.TempDir(), "keys.toml")
	if err := os.WriteFile(keys, []byte("[keys]\nquit = [\"q\"]\nquitt = \"x\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runCLI(t, "--keys", keys, "--data-dir", t.TempDir())
	if code != exitBadInput || !strings.Contains(stderr, "line 3") || !strings.Contains(stderr, `"quitt"`) {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
}

func TestCLIServeAndOperatorsBadInput(t *testing.T) {
	t.Setenv("CUSTODIAN_MONGO_URI", "")
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"serve listen without a port", []string{"serve", "--listen", "localhost"}, "want host:port"},
		{"serve no sessions", []string{"serve", "--max-sessions", "0"}, "at least 1"},
		{"serve idle timeout too short", []string{"serve", "--idle-timeout", "10ms"}, "at least 1s"},
		{"operators unknown role", []string{"operators", "add", "bob", "--role", "boss"}, `unknown role "boss"`},
		{"operators unknown subcommand", []string{"operators", "promote", "bob"}, "unknown subcommand"},
		{"operators add without a handle", []string{"operators", "add", "--role", "lead"}, "needs an operator handle"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := runCLI(t, tc.args...)
			if code != exitBadInput {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, exitBadInput, stderr)
			}
			first, _, _ := strings.Cut(stderr, "\n")
			if !strings.Contains(first, tc.want) {
				t.Fatalf("first line of stderr %q does not say %q", first, tc.want)
			}
		})
	}
}

// buildCustodian builds the binary into dir, for tests that run it as its
// own processes (killed, run side by side, or driven through OpenSSH).
func buildCustodian(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "custodian")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}
