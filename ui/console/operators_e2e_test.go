package console

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"slices"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	gossh "golang.org/x/crypto/ssh"

	"github.com/custodian-dev/custodian/db"
	"github.com/custodian-dev/custodian/db/demo"
	"github.com/custodian-dev/custodian/model"
	"github.com/custodian-dev/custodian/ui/opcli"
)

func (a *App) operatorsPane() *operatorsPane {
	for _, p := range a.panes {
		if o, ok := p.(*operatorsPane); ok {
			return o
		}
	}
	return nil
}

// publicKeyLine is an authorized_keys line for handle's demo key.
func publicKeyLine(t *testing.T, handle string) string {
	t.Helper()
	pub, err := gossh.NewPublicKey(demo.PrivateKey(handle).Public())
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(gossh.MarshalAuthorizedKey(pub))) + " " + handle + "@laptop"
}

func (h *harness) operatorsLoaded(cond func(ops []model.Operator) bool) string {
	h.t.Helper()
	return h.waitFor("the operators list", func(a *App) bool {
		p := a.operatorsPane()
		return p != nil && a.panes[a.active] == Pane(p) && len(a.stack) == 0 && p.loaded && !p.loading && cond(p.items)
	})
}

// selectOperator moves the operators pane's cursor to handle.
func (h *harness) selectOperator(handle string) {
	h.t.Helper()
	i := -1
	h.waitFor("operator "+handle, func(a *App) bool {
		i = slices.IndexFunc(a.operatorsPane().items, func(o model.Operator) bool { return o.Handle == handle })
		return i >= 0
	})
	h.press("g")
	for range i {
		h.press("j")
	}
	h.waitFor(handle+" selected", func(a *App) bool { op, ok := a.operatorsPane().selected(); return ok && op.Handle == handle })
}

func operatorAudit(t *testing.T, store *db.Store, actor model.Actor, handle string) []model.AuditRecord {
	t.Helper()
	page, err := store.AuditHistory(context.Background(), actor, model.AuditFilter{Target: "operator:" + handle}, 0, 20)
	if err != nil {
		t.Fatal(err)
	}
	return page.Records
}

// TestOperatorsE2E: an admin adds an operator by pasting a public key and
// then disables it, both confirmed with Cancel focused, and the audit
// chain shows both changes by that admin. Non-admins have no such tab.
func TestOperatorsE2E(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds an embedded database")
	}
	store, _ := seededStore(t)
	admin := operatorActor(t, store, "ada")
	ctx := context.Background()

	t.Run("add and disable", func(t *testing.T) {
		h := start(t, e2eApp(store, admin), 120, 40)
		h.loaded()
		h.openTab("Operators")
		h.operatorsLoaded(func(ops []model.Operator) bool { return len(ops) > 0 })
		h.press("n")
		h.waitFor("the add form", formOpen("Add operator"))
		h.fill("handle", "jo")
		h.fill("name", "Jo Adler")
		h.choose("role", "lead")
		h.fill("tenants", "oakridge-ca")
		h.focus("key")
		key := publicKeyLine(t, "jo")
		h.tm.Send(tea.PasteMsg{Content: key})
		h.waitFor("the key pasted", func(a *App) bool { p, _ := formOf(a); return p != nil && p.form.value("key") == key })
		h.press("ctrl+s")
		h.confirm()
		screen := ansi.Strip(h.operatorsLoaded(func(ops []model.Operator) bool {
			return slices.ContainsFunc(ops, func(o model.Operator) bool { return o.Handle == "jo" })
		}))
		if !strings.Contains(screen, "jo") || !strings.Contains(screen, "oakridge-ca") {
			t.Fatalf("jo not listed:\n%s", screen)
		}
		op, err := store.Operator(ctx, "jo")
		if err != nil || op.Role != model.RoleLead || !slices.Equal(op.Tenants, []string{"oakridge-ca"}) || len(op.KeyFingerprints) != 1 || op.Disabled {
			t.Fatalf("stored jo = %+v, %v", op, err)
		}

		h.selectOperator("jo")
		h.press("d")
		h.confirm()
		h.operatorsLoaded(func(ops []model.Operator) bool {
			i := slices.IndexFunc(ops, func(o model.Operator) bool { return o.Handle == "jo" })
			return i >= 0 && ops[i].Disabled
		})
		if op, err := store.Operator(ctx, "jo"); err != nil || !op.Disabled {
			t.Fatalf("jo not disabled: %+v, %v", op, err)
		}
		var details []string
		for _, r := range operatorAudit(t, store, admin, "jo") {
			if r.Action == "put_operator" && r.Outcome == model.OutcomeOK && r.Actor == "ada" {
				details = append(details, r.Detail)
			}
		}
		if len(details) != 2 || !strings.Contains(details[0], "disabled=true") || !strings.Contains(details[1], "role=lead") {
			t.Fatalf("audit of operator:jo, newest first = %q, want the disable then the add by ada", details)
		}

		// The role, through the same form and call.
		h.selectOperator("jo")
		h.press("r")
		h.waitFor("the role form", formOpen("Change role of jo"))
		h.choose("role", "engineer")
		h.press("ctrl+s")
		h.confirm()
		h.operatorsLoaded(func(ops []model.Operator) bool {
			i := slices.IndexFunc(ops, func(o model.Operator) bool { return o.Handle == "jo" })
			return i >= 0 && ops[i].Role == model.RoleEngineer
		})
		if op, _ := store.Operator(ctx, "jo"); op.Role != model.RoleEngineer || !op.Disabled {
			t.Fatalf("jo after the role change: %+v", op)
		}
		if res, err := store.VerifyAudit(ctx, nil); err != nil || !res.OK {
			t.Fatalf("audit chain: %+v, %v", res, err)
		}
	})

	t.Run("a disable cancelled changes nothing", func(t *testing.T) {
		h := start(t, e2eApp(store, admin), 120, 40)
		h.loaded()
		h.openTab("Operators")
		h.operatorsLoaded(func(ops []model.Operator) bool { return len(ops) > 0 })
		h.selectOperator("sam")
		before := len(operatorAudit(t, store, admin, "sam"))
		h.press("d")
		h.waitFor("the question", formOpen("Disable sam"))
		h.press("enter") // Cancel is focused
		h.operatorsLoaded(func([]model.Operator) bool { return true })
		if op, _ := store.Operator(ctx, "sam"); op.Disabled || len(operatorAudit(t, store, admin, "sam")) != before {
			t.Fatalf("a cancelled disable changed sam: %+v", op)
		}
	})

	t.Run("non-admins have no operators tab", func(t *testing.T) {
		for _, who := range []string{"lee", "sam", "eve"} {
			if appAs(t, store, who).operatorsPane() != nil {
				t.Errorf("%s sees the operators tab", who)
			}
		}
	})
}

// TestOperatorsBadKeySameInConsoleAndCLI: the same malformed key is
// refused by the console's add form and by `custodian operators add`,
// each naming the key, and neither writes anything.
func TestOperatorsBadKeySameInConsoleAndCLI(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds an embedded database")
	}
	store, _ := seededStore(t)
	admin := operatorActor(t, store, "ada")
	ctx := context.Background()
	const bad = "ssh-ed25519 AAAAnot-a-key jo@laptop"
	ops := func() int {
		all, err := store.Operators(ctx, admin)
		if err != nil {
			t.Fatal(err)
		}
		return len(all)
	}
	before, auditBefore := ops(), len(operatorAudit(t, store, admin, "jo"))

	// The command line, parsed as `custodian operators add jo --role support --key …`.
	fs := flag.NewFlagSet("operators add", flag.ContinueOnError)
	cmd := opcli.BindVerb(fs, "add")
	if err := fs.Parse([]string{"--role", "support", "--key", bad}); err != nil {
		t.Fatal(err)
	}
	if err := cmd.SetArgs([]string{"jo"}); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	code := opcli.Run(ctx, store, admin, cmd, &out, &errb)
	if code != 2 || !strings.Contains(errb.String(), "key") {
		t.Fatalf("CLI: exit %d, stderr %q; want 2 naming the key", code, errb.String())
	}

	// The console's add form.
	h := start(t, e2eApp(store, admin), 120, 40)
	h.loaded()
	h.openTab("Operators")
	h.operatorsLoaded(func(ops []model.Operator) bool { return len(ops) > 0 })
	h.press("n")
	h.waitFor("the add form", formOpen("Add operator"))
	h.fill("handle", "jo")
	h.focus("key")
	h.tm.Send(tea.PasteMsg{Content: bad})
	h.press("ctrl+s")
	h.confirm()
	screen := ansi.Strip(h.waitFor("the refusal", func(a *App) bool {
		p, ok := formOf(a)
		return ok && !p.form.saving && p.form.err != ""
	}))
	var formErr string
	h.waitFor("the error", func(a *App) bool { p, _ := formOf(a); formErr = p.form.err; return true })
	if !strings.Contains(formErr, "key 1 is not an authorized_keys line") {
		t.Fatalf("console: form error %q, want the key named; screen:\n%s", formErr, screen)
	}

	// The same outcome: refused as bad input, nothing written, nothing audited.
	if _, err := store.Operator(ctx, "jo"); !errors.Is(err, db.ErrNotFound) {
		t.Fatalf("jo exists after two refusals: %v", err)
	}
	if ops() != before || len(operatorAudit(t, store, admin, "jo")) != auditBefore {
		t.Fatal("a refused add changed the operators or the audit chain")
	}
}
