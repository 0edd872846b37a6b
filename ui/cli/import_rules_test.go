package cli_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/custodian-dev/custodian/model"
	"github.com/custodian-dev/custodian/ui/cli"
)

func TestImportAccessScopeIsShownWithTheVerificationItNeeds(t *testing.T) {
	e := newEnv(t)
	id := e.importOne(t, obj{"external_ref": "scope-1", "tenant": "oakridge-ca", "type": "access", "access_scope": "Specific", "channel": "web",
		"received": "2026-11-16", "requester": obj{"name": "Spe Cific", "email": "spe.cific@example.org"}})
	r := e.request(t, id)
	if r.AccessScope != model.AccessSpecific || model.RequiredLevel(r) != model.LevelHigh {
		t.Fatalf("access_scope specific: stored %q, needs %q", r.AccessScope, model.RequiredLevel(r))
	}
	var out bytes.Buffer
	if err := cli.Show(e.ctx, e.store, e.actor(t, "lee"), id, false, now, &out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"access scope       specific pieces of PI", "verification need  reasonably high degree (3 matched points and a signed declaration)"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("show does not say %q:\n%s", want, out.String())
		}
	}
}

// The importer leaves residency to the controller (model.Intake: stated,
// else the subject's on file, else the tenant's). This needs the
// controller's CreateRequest to call model.Intake.
func TestImportResidencyIsTheControllers(t *testing.T) {
	e := newEnv(t)
	sub := e.subjectWithUniqueEmail(t, "oakridge-ca")
	lines := []obj{
		{"external_ref": "res-stated", "tenant": "oakridge-ca", "type": "deletion", "channel": "web", "received": "2026-11-16",
			"requester": obj{"name": "Sta Ted"}, "residency_state": "nv"},
		{"external_ref": "res-subject", "tenant": "oakridge-ca", "type": "deletion", "channel": "web", "received": "2026-11-16",
			"requester": obj{"name": sub.Name}, "subject_id": sub.ID},
		{"external_ref": "res-tenant", "tenant": "pecan-ridge-tx", "type": "deletion", "channel": "web", "received": "2026-11-16",
			"requester": obj{"name": "Un Known", "email": "un.known@example.org"}},
	}
	rep := e.importText(t, e.actor(t, "sam"), jsonl(lines[0], lines[1], lines[2]), cli.ImportOptions{})
	if rep.Imported != 3 {
		t.Fatalf("import: %+v", rep)
	}
	// A subject with no state on file falls through to the tenant's (CA).
	subjectState, subjectFrom := strings.ToUpper(sub.ResidencyState), model.ResidencySubject
	if subjectState == "" {
		subjectState, subjectFrom = "CA", model.ResidencyTenant
	}
	for _, tc := range []struct{ ref, state, from string }{
		{"res-stated", "NV", model.ResidencyStated},
		{"res-subject", subjectState, subjectFrom},
		{"res-tenant", "TX", model.ResidencyTenant},
	} {
		r := e.request(t, cli.ImportRequestID(tc.ref))
		if r.ResidencyState != tc.state || r.ResidencyFrom != tc.from {
			t.Errorf("%s: residency %q from %q, want %q from %q", tc.ref, r.ResidencyState, r.ResidencyFrom, tc.state, tc.from)
		}
	}
	// The same lines again change nothing, though the stored requests carry
	// the residency the controller decided and the lines do not.
	rep = e.importText(t, e.actor(t, "sam"), jsonl(lines[0], lines[1], lines[2]), cli.ImportOptions{})
	if rep.Imported != 0 || rep.Present != 3 || len(rep.Invalid) != 0 {
		t.Fatalf("re-import: %+v", rep)
	}
}
