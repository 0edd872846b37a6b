package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/custodian-dev/custodian/ui/cli"
	"github.com/custodian-dev/custodian/ui/present"
)

// runCLIWithInput is runCLI with standard input.
func runCLIWithInput(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := runIO(args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func TestCLIRequestsImportShowList(t *testing.T) {
	t.Setenv("CUSTODIAN_MONGO_URI", "")
	dir := filepath.Join(t.TempDir(), "data")
	if code, _, stderr := runCLI(t, "seed", "--data-dir", dir, "--subjects", "60", "--requests", "30"); code != 0 {
		t.Fatalf("seed: %s", stderr)
	}
	file := filepath.Join(t.TempDir(), "requests.jsonl")
	lines := `{"external_ref": "cli-1", "tenant": "oakridge-ca", "type": "access", "channel": "web", "received": "yesterday", "requester": {"name": "Ana Import", "email": "ana.import@example.org"}}
{"external_ref": "cli-2", "tenant": "bayshore-ca", "type": "opt_out", "channel": "email", "received": "today", "requester": {"name": "Ben Import", "phone": "(650) 555-0101"}}
`
	if err := os.WriteFile(file, []byte(lines), 0o600); err != nil {
		t.Fatal(err)
	}
	as := func(op string, args ...string) []string { return append(args, "--data-dir", dir, "--operator", op) }

	code, out, stderr := runCLI(t, as("sam", "requests", "import", file)...)
	if code != 0 || out != "2 imported, 0 already present, 0 invalid\n" {
		t.Fatalf("import: exit %d, out %q, err %q", code, out, stderr)
	}
	// Flags may follow the file; a second run finds both requests already there.
	code, out, _ = runCLI(t, "requests", "import", "--data-dir", dir, file, "--operator", "sam", "--skip-invalid")
	if code != 0 || out != "0 imported, 2 already present, 0 invalid\n" {
		t.Fatalf("re-import: exit %d, out %q", code, out)
	}
	code, out, _ = runCLIWithInput(t, lines+"{\"external_ref\": \"cli-3\"}\n", as("sam", "requests", "import", "-")...)
	if code != exitBadInput || !strings.Contains(out, "line 3: tenant is missing") || !strings.Contains(out, "nothing was imported") {
		t.Fatalf("stdin with a bad line: exit %d, out %q", code, out)
	}
	// --skip-invalid asked for the good lines: when some went in, that is
	// success (exit 0) and the output counts what was skipped.
	more := `{"external_ref": "cli-4", "tenant": "oakridge-ca", "type": "access", "channel": "web", "received": "today", "requester": {"name": "Dee Import", "email": "dee.import@example.org"}}` + "\n"
	code, out, _ = runCLIWithInput(t, more+"{\"external_ref\": \"cli-5\"}\n", as("sam", "requests", "import", "--skip-invalid", "-")...)
	if code != 0 || !strings.Contains(out, "1 imported") || !strings.Contains(out, "line 2: tenant is missing") || !strings.Contains(out, "skipped 1 invalid line (--skip-invalid)") {
		t.Fatalf("--skip-invalid with a good and a bad line: exit %d, out %q", code, out)
	}
	// With nothing good to import, it is still bad input.
	code, out, _ = runCLIWithInput(t, "{\"external_ref\": \"cli-6\"}\n", as("sam", "requests", "import", "--skip-invalid", "-")...)
	if code != exitBadInput {
		t.Fatalf("--skip-invalid with only a bad line: exit %d, out %q", code, out)
	}

	id := cli.ImportRequestID("cli-1")
	code, out, stderr = runCLI(t, as("lee", "requests", "show", id)...)
	if code != 0 || !strings.Contains(out, "Deadlines (America/Los_Angeles)") || !strings.Contains(out, "acknowledgement") ||
		strings.Contains(out, "ana.import@example.org") {
		t.Fatalf("show: exit %d, err %q, out:\n%s", code, stderr, out)
	}
	code, out, _ = runCLI(t, as("lee", "requests", "show", "--json", id)...)
	var v present.Request
	if code != 0 || json.Unmarshal([]byte(out), &v) != nil || v.ID != id || v.Deadlines.LegalResponse.IsZero() {
		t.Fatalf("show --json: exit %d, %+v", code, v)
	}
	code, out, _ = runCLI(t, as("lee", "requests", "list", "--json", "--tenant", "bayshore-ca")...)
	var rows []cli.ListRow
	if code != 0 || json.Unmarshal([]byte(out), &rows) != nil || !strings.Contains(out, cli.ImportRequestID("cli-2")) {
		t.Fatalf("list --json: exit %d, out %q", code, out)
	}
	for _, r := range rows {
		if r.TenantID != "bayshore-ca" {
			t.Fatalf("--tenant bayshore-ca lists %s of %s", r.ID, r.TenantID)
		}
	}

	bad := []struct {
		name string
		args []string
		want string
	}{
		{"no subcommand", as("lee", "requests"), "unknown or missing subcommand"},
		{"unknown subcommand", as("lee", "requests", "purge"), `"purge"`},
		{"import without a file", as("sam", "requests", "import"), "give the file to import"},
		{"import a missing file", as("sam", "requests", "import", filepath.Join(dir, "nope.jsonl")), "no such file"},
		{"import two files", as("sam", "requests", "import", file, file), "unexpected argument"},
		{"import as an engineer", as("eve", "requests", "import", file), "an engineer operator cannot log"},
		{"show without an id", as("lee", "requests", "show"), "give the request id"},
		{"show a missing request", as("lee", "requests", "show", "R-nope"), "not found"},
		{"list a tenant out of scope", as("sofia", "requests", "list", "--tenant", "pecan-ridge-tx"), "outside your scope"},
		{"list an unknown status", as("lee", "requests", "list", "--status", "snoozed"), "--status"},
		{"list an unknown flag", as("lee", "requests", "list", "--colour"), "flag provided but not defined"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := runCLI(t, tc.args...)
			if code != exitBadInput || !strings.Contains(stderr, tc.want) {
				t.Fatalf("exit %d, stderr %q; want %d saying %q", code, stderr, exitBadInput, tc.want)
			}
		})
	}
}
