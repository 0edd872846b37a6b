package console_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/custodian-dev/custodian/ui/command"
	"github.com/custodian-dev/custodian/ui/console"
)

// TestTenantBadZoneSameInConsoleAndCLI: one rule, two doors. The same
// unknown time zone, typed into the console's tenant form and given to
// `custodian tenants edit ID FILE`, is refused with the same text — the
// message of model.Tenant.Validate, naming time_zone — and neither saves.
func TestTenantBadZoneSameInConsoleAndCLI(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds an embedded database")
	}
	const id, zone = "oakridge-ca", "Mars/Olympus_Mons"
	inConsole := console.TenantZoneRefusal(t, id, zone)

	file := filepath.Join(t.TempDir(), "oakridge.toml")
	body := "version = 1\nid = \"" + id + "\"\nname = \"City of Oakridge\"\nstate = \"CA\"\ntime_zone = \"" + zone + "\"\n"
	if err := os.WriteFile(file, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	// Refused before any database is opened: the file is checked first.
	code := command.Main(context.Background(), []string{"tenants", "edit", id, file}, command.Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb})

	if !strings.Contains(inConsole, "time_zone") || !strings.Contains(inConsole, zone) {
		t.Fatalf("console refusal %q does not name time_zone and the zone", inConsole)
	}
	if code == 0 || !strings.Contains(errb.String(), inConsole) || !strings.Contains(errb.String(), "nothing saved") {
		t.Fatalf("CLI: exit %d, stderr %q; want a refusal with the console's text %q", code, errb.String(), inConsole)
	}
}
