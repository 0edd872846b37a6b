package console

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"filippo.io/age"
	"github.com/charmbracelet/x/ansi"

	"github.com/custodian-dev/custodian/db"
	"github.com/custodian-dev/custodian/db/dbtest"
	"github.com/custodian-dev/custodian/model"
)

// TestRunShowsThePassphraseOnce: a lead runs, from the console, an access
// plan whose package is sealed with a passphrase. The run view shows the
// passphrase (the one time it exists outside the package) with what to do
// next, and says the request waits on the second channel instead of
// offering to complete it; the passphrase on the screen opens the package.
func TestRunShowsThePassphraseOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds an embedded database")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	clock := model.FixedClock{T: e2eNow()}
	exports := t.TempDir()
	store, err := db.NewStore(dbtest.New(t), db.StoreOptions{Clock: clock, ExportDir: exports})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Seed(ctx, store, db.SeedOptions{Subjects: 120, Requests: 80, Clock: clock}); err != nil {
		t.Fatalf("seed: %v", err)
	}
	picker := newPicker(store)
	r := picker.pick(t, model.StatusApproved, model.TypeAccess)
	lee, lou := operatorActor(t, store, "lee"), operatorActor(t, store, "lou")
	if r, err = store.SetAccessDelivery(ctx, lee, r.ID, r.Version, model.DeliverWithPassphrase, ""); err != nil {
		t.Fatal(err)
	}
	if r, err = store.PlanFulfilment(ctx, lee, r.ID, r.Version); err != nil {
		t.Fatal(err)
	}
	if _, err = store.SignOffPlan(ctx, lou, r.ID, r.Version, r.Plan.Digest); err != nil {
		t.Fatal(err)
	}
	h := start(t, fulfilApp(t, store, "lou", exports), 120, 40)
	h.loaded()
	h.openDetail(r.ID)
	h.press("F")
	screen := ansi.Strip(h.waitFor("run finished", runIn(runFinished, runFailed)))
	m := regexp.MustCompile(`PASSPHRASE \(shown once, not stored\): (\S+)`).FindStringSubmatch(screen)
	if m == nil || !strings.Contains(squash(screen), squash("sms, phone or post")) || !strings.Contains(squash(screen), squash("not completed")) {
		t.Fatalf("the run view:\n%s", screen)
	}
	got := stored(t, store, lee, r.ID)
	if got.Status != model.StatusFulfilling || got.Export == nil || got.Export.Sealed == nil {
		t.Fatalf("stored %s, export %+v", got.Status, got.Export)
	}
	raw, err := os.ReadFile(filepath.Join(exports, got.Export.Dir, got.Export.Sealed.Name))
	if err != nil {
		t.Fatal(err)
	}
	id, err := age.NewScryptIdentity(m[1])
	if err != nil {
		t.Fatal(err)
	}
	if _, err := age.Decrypt(bytes.NewReader(raw), id); err != nil {
		t.Fatalf("the passphrase on the screen does not open the package: %v", err)
	}
}
