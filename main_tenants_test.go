package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/custodian-dev/custodian/model"
	"github.com/custodian-dev/custodian/ui/command"
)

const newTenantTOML = `id = "cedar-tx"
name = "City of Cedar Flats"
state = "TX"
time_zone = "America/Chicago"
government = true
holiday_add = ["2027-03-02"]

[[approvers]]
  name = "Rita Clerk"
  title = "City Secretary"
  email = "rita@cedarflats-tx.example"

[[retention]]
  category = "employee"
  period = "6 years after separation"
  legal_basis = "TX local government retention schedule GR-1000"

[[legal_holds]]
  id = "H-CF-1"
  reference = "Preservation order 26-PO-12"
  categories = ["employee"]
  reason = "personnel files in a wage claim"
  since = 2026-01-05T00:00:00Z
  until = 2027-01-05T00:00:00Z
`

// A Customer is onboarded and edited from the command line by the admin
// registered to the OS account: the file is shown before it is saved,
// nothing is saved without --yes off a terminal, a bad file is refused
// naming the field, and each save is one audit entry.
func TestCLITenantsAddShowEdit(t *testing.T) {
	t.Setenv("CUSTODIAN_MONGO_URI", "")
	me, err := command.OSAccount()
	if err != nil || model.ValidOSUser(me) != nil {
		t.Skipf("no OS account to register: %v", err)
	}
	dir := realDatabase(t, model.Operator{Handle: "boss", Role: model.RoleAdmin, OSUser: me})
	files := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(files, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("cedar.toml", newTenantTOML)
	before := auditCount(t, dir)

	code, out, stderr := runCLI(t, "tenants", "add", good, "--data-dir", dir)
	if code != exitBadInput || !strings.Contains(stderr, "pass --yes") || !strings.Contains(out, `+ time_zone = "America/Chicago"`) {
		t.Fatalf("add without --yes off a terminal: exit %d\n%s\n%s", code, out, stderr)
	}
	for name, text := range map[string]string{
		"no-basis.toml": strings.Replace(newTenantTOML, `legal_basis = "TX local government retention schedule GR-1000"`, "", 1),
		"bad-zone.toml": strings.Replace(newTenantTOML, "America/Chicago", "Texas/Cedar", 1),
		"typo.toml":     strings.Replace(newTenantTOML, "legal_basis", "legal_bases", 1),
	} {
		code, _, stderr := runCLI(t, "tenants", "add", write(name, text), "--yes", "--data-dir", dir)
		want := map[string]string{"no-basis.toml": "retention[0] (employee): legal_basis is empty", "bad-zone.toml": `time_zone: unknown time zone "Texas/Cedar"`,
			"typo.toml": "unknown key retention.legal_bases"}[name]
		if code != exitBadInput || !strings.Contains(stderr, want) {
			t.Errorf("%s: exit %d, stderr %q, want %q", name, code, stderr, want)
		}
	}
	if n := auditCount(t, dir); n != before {
		t.Fatalf("refused adds wrote %d audit entries", n-before)
	}
	if code, _, _ := runCLI(t, "tenants", "show", "cedar-tx", "--data-dir", dir); code != exitBadInput {
		t.Fatalf("an unsaved tenant exists: exit %d", code)
	}

	if code, out, stderr := runCLI(t, "tenants", "add", good, "--yes", "--data-dir", dir); code != 0 || !strings.Contains(out, "tenant cedar-tx added") {
		t.Fatalf("add --yes: exit %d\n%s\n%s", code, out, stderr)
	}
	code, out, _ = runCLI(t, "tenants", "show", "cedar-tx", "--year", "2026", "--data-dir", dir)
	for _, want := range []string{"City of Cedar Flats", "H-CF-1 Preservation order 26-PO-12: personnel files in a wage claim; whole categories [employee]; since 2026-01-04, until 2027-01-04", "2026-12-24 Thu  Christmas Eve (state TX)", "2026-07-03 Fri  Independence Day (federal)"} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("show lacks %q (exit %d):\n%s", want, code, out)
		}
	}
	code, out, _ = runCLI(t, "tenants", "show", "cedar-tx", "--year", "2027", "--data-dir", dir)
	if !strings.Contains(out, "2027-03-02 Tue  added by the Customer (Customer)") {
		t.Errorf("the Customer's addition is not in 2027:\n%s", out)
	}

	code, file, _ := runCLI(t, "tenants", "show", "cedar-tx", "--toml", "--data-dir", dir)
	if code != 0 {
		t.Fatalf("show --toml: exit %d", code)
	}
	edited := write("edit.toml", strings.Replace(file, `holiday_remove = []`, `holiday_remove = ["2026-12-24"]`, 1))
	code, out, stderr = runCLI(t, "tenants", "edit", "cedar-tx", edited, "--yes", "--data-dir", dir)
	if code != 0 || !strings.Contains(out, "- holiday_remove = []") || !strings.Contains(out, `+ holiday_remove = ["2026-12-24"]`) ||
		!strings.Contains(out, "saved (holiday_remove)") {
		t.Fatalf("edit: exit %d\n%s\n%s", code, out, stderr)
	}
	// The file shown at version 1 is stale now: applying it again would
	// undo whatever changed since, so it is refused.
	if code, _, stderr := runCLI(t, "tenants", "edit", "cedar-tx", edited, "--yes", "--data-dir", dir); code != exitBadInput || !strings.Contains(stderr, "changed since") {
		t.Errorf("a stale file: exit %d %q", code, stderr)
	}
	_, file, _ = runCLI(t, "tenants", "show", "cedar-tx", "--toml", "--data-dir", dir)
	if code, out, _ := runCLI(t, "tenants", "edit", "cedar-tx", write("same.toml", file), "--yes", "--data-dir", dir); code != 0 || !strings.Contains(out, "no change") {
		t.Errorf("an unchanged file: exit %d %q", code, out)
	}
	if code, _, stderr := runCLI(t, "tenants", "edit", "ta", edited, "--yes", "--data-dir", dir); code != exitBadInput || !strings.Contains(stderr, "an id cannot be changed") {
		t.Errorf("a file for another tenant: exit %d %q", code, stderr)
	}
	if n := auditCount(t, dir); n != before+2 {
		t.Errorf("add and edit wrote %d audit entries, want 2", n-before)
	}
	if code, out, _ := runCLI(t, "tenants", "list", "--data-dir", dir); code != 0 || !strings.Contains(out, "cedar-tx") || !strings.Contains(out, "ta ") {
		t.Errorf("list: exit %d\n%s", code, out)
	}
}
