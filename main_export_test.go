package main

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/custodian-dev/custodian/ui/records"
)

func TestCLIAuditExportBadInput(t *testing.T) {
	t.Setenv("CUSTODIAN_MONGO_URI", "")
	dir := t.TempDir()
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"no dates", []string{"audit", "export", "--data-dir", dir}, "--since and --until are both required"},
		{"bad date", []string{"audit", "export", "--data-dir", dir, "--since", "yesterday", "--until", "2026-01-01"}, `--since: "yesterday" is not a date`},
		{"reversed", []string{"audit", "export", "--data-dir", dir, "--since", "2026-05-01", "--until", "2026-04-01"}, "is after --until"},
		{"missing directory", []string{"audit", "export", "--data-dir", dir, "--since", "2026-01-01", "--until", "2026-02-01", "--out", filepath.Join(dir, "no", "x.jsonl")}, "does not exist"},
		{"unknown audit subcommand", []string{"audit", "exprot"}, "custodian audit export"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, out, stderr := runCLI(t, tc.args...)
			if code != exitBadInput || out != "" {
				t.Fatalf("exit %d, want %d; stdout %q; stderr:\n%s", code, exitBadInput, out, stderr)
			}
			first, _, _ := strings.Cut(stderr, "\n")
			if !strings.Contains(first, tc.want) {
				t.Fatalf("first line of stderr %q does not say %q", first, tc.want)
			}
		})
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("bad input touched the data directory: %v", entries)
	}
}

func TestCLIAuditExport(t *testing.T) {
	t.Setenv("CUSTODIAN_MONGO_URI", "")
	dir := filepath.Join(t.TempDir(), "data")
	if code, _, stderr := runCLI(t, "seed", "--data-dir", dir, "--subjects", "60", "--requests", "30"); code != 0 {
		t.Fatalf("seed: %s", stderr)
	}
	code, out, stderr := runCLI(t, "audit", "export", "--data-dir", dir, "--operator", "lee", "--since", "2000-01-01", "--until", "2100-12-31")
	if code != 0 || !strings.Contains(stderr, "exported 30 request records to stdout") {
		t.Fatalf("export to stdout: exit %d, stderr %q", code, stderr)
	}
	tenants := map[string]int{}
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		var rec records.Record
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatalf("not a JSON line: %q: %v", sc.Text(), err)
		}
		if rec.RequestID == "" || rec.Type == "" || rec.Channel == "" || rec.Received.IsZero() {
			t.Fatalf("record lacks the §7101 fields: %s", sc.Text())
		}
		tenants[rec.TenantID]++
	}
	if len(tenants) == 0 {
		t.Fatal("no records")
	}
	var one string
	for id := range tenants {
		one = id
		break
	}

	file := filepath.Join(t.TempDir(), "records.jsonl")
	code, out, stderr = runCLI(t, "audit", "export", "--data-dir", dir, "--operator", "lee", "--since", "2000-01-01", "--until", "2100-12-31", "--tenant", one, "--out", file)
	if code != 0 || out != "" {
		t.Fatalf("export to file: exit %d, stdout %q, stderr %q", code, out, stderr)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(string(b), "\n"); got != tenants[one] {
		t.Fatalf("tenant %s export has %d lines, want %d", one, got, tenants[one])
	}

	// The exports are on the chain, and the chain still verifies.
	code, out, _ = runCLI(t, "audit", "verify", "--data-dir", dir)
	if code != 0 || !strings.HasPrefix(out, "ok 3 events") {
		t.Fatalf("verify after two exports: exit %d, %q (want the seed event and two exports)", code, out)
	}

	code, _, stderr = runCLI(t, "audit", "export", "--data-dir", dir, "--operator", "lee", "--since", "2000-01-01", "--until", "2100-12-31", "--tenant", "atlantis")
	if code != exitBadInput || !strings.Contains(stderr, "--tenant atlantis") {
		t.Fatalf("unknown tenant: exit %d, stderr %q", code, stderr)
	}
}
