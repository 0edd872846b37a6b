package console

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/custodian-dev/custodian/db"
	"github.com/custodian-dev/custodian/model"
	"github.com/custodian-dev/custodian/ui/cli"
)

// One rule, every door: the same input through the console (real key
// presses; over SSH the same App runs in each session), `requests import`
// and the `requests <verb>` commands gets the same outcome — the same
// stored request, the same refusal in the rule book's words, the same
// audit entry. Each door acts on its own twin of one request, logged
// identically through the controller.

// doorSubjects are subjects whose data the rules read: a child (13 on the
// receipt day below), one living in another state, and one with an email
// and a name but no phone.
func doorSubjects(t *testing.T, store *db.Store) {
	t.Helper()
	subs := []any{
		model.Subject{ID: "S-DOOR-KID", TenantID: "oakridge-ca", AccountID: "ACC-DOOR-1", Name: "Kai Door", Emails: []string{"kai.door@example.org"},
			BirthDate: "2012-11-01", ResidencyState: "CA", Status: model.AccountActive},
		model.Subject{ID: "S-DOOR-NV", TenantID: "oakridge-ca", AccountID: "ACC-DOOR-2", Name: "Nevada Door", Emails: []string{"nv.door@example.org"},
			ResidencyState: "NV", Status: model.AccountActive},
		model.Subject{ID: "S-DOOR-NOPHONE", TenantID: "oakridge-ca", AccountID: "ACC-DOOR-3", Name: "Pat Door", Emails: []string{"pat.door@example.org"},
			ResidencyState: "CA", Status: model.AccountActive},
	}
	if _, err := store.Conn().DB.Collection("subjects").InsertMany(context.Background(), subs); err != nil {
		t.Fatal(err)
	}
}

// doorStore is the demo database with the door subjects added.
func doorStore(t *testing.T) (*db.Store, context.Context) {
	t.Helper()
	if testing.Short() {
		t.Skip("seeds an embedded database")
	}
	store, _ := seededStore(t)
	doorSubjects(t, store)
	return store, context.Background()
}

// cliDoor runs `custodian requests <verb> id [arg] args…` through the CLI's
// own flag parsing and verb table, as actor.
func cliDoor(t *testing.T, store *db.Store, actor model.Actor, verb, id, arg string, args ...string) (string, error) {
	t.Helper()
	v, ok := cli.VerbNamed(verb)
	if !ok {
		t.Fatalf("no verb %s", verb)
	}
	fs := flag.NewFlagSet(verb, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	f := cli.BindActFlags(fs, v)
	if err := fs.Parse(args); err != nil {
		t.Fatalf("%s flags %v: %v", verb, args, err)
	}
	var out bytes.Buffer
	err := cli.Act(context.Background(), store, actor, v, id, arg, f, e2eNow(), &out)
	return out.String(), err
}

// walk takes r through actions as the given operators, through the controller.
func walk(t *testing.T, store *db.Store, id string, steps ...func(r model.Request) (string, model.Action, string, func(*model.Request) error)) model.Request {
	t.Helper()
	ctx := context.Background()
	var r model.Request
	for _, step := range steps {
		cur, err := store.Request(ctx, operatorActor(t, store, "lee"), id)
		if err != nil {
			t.Fatal(err)
		}
		who, a, reason, edit := step(cur)
		if r, err = store.Apply(ctx, operatorActor(t, store, who), id, cur.Version, a, reason, edit); err != nil {
			t.Fatalf("%s %s as %s: %v", a, id, who, err)
		}
	}
	return r
}

func stepOf(who string, a model.Action, reason string, edit func(*model.Request) error) func(model.Request) (string, model.Action, string, func(*model.Request) error) {
	return func(model.Request) (string, model.Action, string, func(*model.Request) error) {
		return who, a, reason, edit
	}
}

func verifiedWith(points ...string) func(*model.Request) error {
	return func(r *model.Request) error {
		r.Verification = &model.Verification{Method: "data points", DataPoints: points, Level: model.LevelReasonable}
		return nil
	}
}

// twins logs one request per door, identical but for id and reference.
func twins(t *testing.T, store *db.Store, base model.Request, doors ...string) map[string]model.Request {
	t.Helper()
	out := map[string]model.Request{}
	for _, d := range doors {
		r := base
		r.ID = base.ID + "-" + d
		out[d] = logAs(t, store, "sam", r)
	}
	return out
}

// formProblems are the messages the open form shows under its fields.
func formProblems(h *harness) []string {
	var out []string
	h.waitFor("form", func(a *App) bool {
		p, ok := formOf(a)
		out = nil
		if ok {
			for _, fd := range p.form.fields {
				if msg := p.form.problem(fd); msg != "" {
					out = append(out, msg)
				}
			}
		}
		return ok
	})
	return out
}

func lastAuditOf(t *testing.T, store *db.Store, id string) model.AuditRecord {
	t.Helper()
	page, err := store.AuditHistory(context.Background(), operatorActor(t, store, "lee"), model.AuditFilter{Target: "request:" + id}, 0, 1)
	if err != nil || len(page.Records) == 0 {
		t.Fatalf("audit of %s: %v", id, err)
	}
	return page.Records[0]
}

func TestDoorsIntakeRules(t *testing.T) {
	store, ctx := doorStore(t)
	sam := operatorActor(t, store, "sam")

	// The same request, by the console's form and by an import line.
	type intake struct {
		name, typ, scope, email, person string
		want                            func(t *testing.T, r model.Request)
	}
	cases := []intake{
		{name: "a deletion for a 13-year-old is a child's deletion (seed policy, Privacy of Children)", typ: "deletion",
			email: "kai.door@example.org", person: "Kai Door",
			want: func(t *testing.T, r model.Request) {
				if !r.HasFlag(model.FlagChild) || !r.ChildDeletion() {
					t.Errorf("flags %v: want CHILD and a child's deletion", r.Flags)
				}
			}},
		{name: "residency from the subject when none is stated, a request to know's scope kept (seed policy, California Residents; §7062)",
			typ: "access", scope: "specific", email: "nv.door@example.org", person: "Nevada Door",
			want: func(t *testing.T, r model.Request) {
				if r.ResidencyState != "NV" || r.ResidencyFrom != model.ResidencySubject || r.AccessScope != model.AccessSpecific {
					t.Errorf("residency %s from %s, scope %s", r.ResidencyState, r.ResidencyFrom, r.AccessScope)
				}
			}},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// Console.
			h := start(t, appAs(t, store, "sam"), 110, 34)
			h.loaded()
			h.press("n")
			h.waitFor("log form", formOpen("Log a new request"))
			h.choose("tenant", "oakridge-ca")
			h.choose("type", c.typ)
			if c.scope != "" {
				h.choose("scope", c.scope)
			}
			h.focus("received")
			h.press("ctrl+u")
			h.fill("received", "2026-10-30")
			h.fill("name", c.person)
			h.fill("email", c.email)
			h.press("ctrl+s")
			var console model.Request
			h.waitFor("logged", func(a *App) bool {
				p, ok := a.stack[len(a.stack)-1].(*newRequestPane)
				if ok && p.result != nil {
					console = p.result.req
				}
				return ok && p.result != nil
			})

			// Import.
			ref := fmt.Sprintf("DOOR-INTAKE-%d", i)
			line := fmt.Sprintf(`{"external_ref":%q,"tenant":"oakridge-ca","type":%q,"channel":"web","received":"2026-10-30","requester":{"name":%q,"email":%q},"same_as_requester":true`,
				ref, c.typ, c.person, c.email)
			if c.scope != "" {
				line += fmt.Sprintf(`,"access_scope":%q`, c.scope)
			}
			rep, err := cli.Import(ctx, store, sam, strings.NewReader(line+"}\n"), cli.ImportOptions{Clock: model.FixedClock{T: e2eNow()}})
			if err != nil || rep.Imported != 1 {
				t.Fatalf("import: %v, %+v", err, rep)
			}
			imported, err := store.Request(ctx, sam, cli.ImportRequestID(ref))
			if err != nil {
				t.Fatal(err)
			}
			console, _ = store.Request(ctx, sam, console.ID)

			for door, r := range map[string]model.Request{"console": console, "import": imported} {
				t.Run(door, func(t *testing.T) { c.want(t, r) })
			}
			if console.SubjectID != imported.SubjectID || !slices.Equal(console.Flags, imported.Flags) || !console.DueAt.Equal(imported.DueAt) ||
				console.ResidencyState != imported.ResidencyState || console.ResidencyFrom != imported.ResidencyFrom || console.AccessScope != imported.AccessScope {
				t.Errorf("the doors disagree:\nconsole %s %v due %s %s/%s %s\nimport  %s %v due %s %s/%s %s",
					console.SubjectID, console.Flags, console.DueAt, console.ResidencyState, console.ResidencyFrom, console.AccessScope,
					imported.SubjectID, imported.Flags, imported.DueAt, imported.ResidencyState, imported.ResidencyFrom, imported.AccessScope)
			}
		})
	}
}

func TestDoorsActionRules(t *testing.T) {
	store, ctx := doorStore(t)
	lee := operatorActor(t, store, "lee")
	base := func(id, subject string, typ model.RequestType) model.Request {
		return model.Request{ID: id, TenantID: "oakridge-ca", SubjectID: subject, Type: typ, Channel: model.ChannelEmail,
			Requester: model.Person{Name: "Pat Door", Email: "pat.door@example.org"}, ReceivedAt: e2eNow().AddDate(0, 0, -3)}
	}
	toVerifying := stepOf("sam", model.ActStartVerification, "", nil)

	// Input the rule book refuses: the console's form shows the model's
	// reason as it is typed and saves nothing; the CLI prints the same
	// reason and changes nothing.
	t.Run("input refusals read the same", func(t *testing.T) {
		type inputCase struct {
			name, subject, verb string
			typ                 model.RequestType
			scope               model.AccessScope
			setup               []func(model.Request) (string, model.Action, string, func(*model.Request) error)
			handle              string
			key                 string
			fill                func(h *harness)
			cliArgs             []string
			want                *model.Refusal // computed from the model directly
		}
		received := e2eNow().AddDate(0, 0, -3)
		t0 := model.Tenant{TimeZone: "America/Los_Angeles"}
		cases := []inputCase{
			{name: "verify.level: specific pieces of PI need a reasonably high degree (§7062(b))", subject: "S-DOOR-NOPHONE", typ: model.TypeAccess, scope: model.AccessSpecific,
				setup: nil, handle: "sam", key: "v", verb: "verify",
				fill: func(h *harness) {
					h.choose("level", string(model.LevelReasonable))
					h.fill("points", "email, name")
				},
				cliArgs: []string{"--points", "email,name", "--level", "reasonable"},
				want: model.CheckVerificationLevel(model.Request{Type: model.TypeAccess, AccessScope: model.AccessSpecific},
					model.Verification{Level: model.LevelReasonable, DataPoints: []string{"email", "name"}})},
			{name: "verify.on_file: a point the subject on file lacks does not count (§7060(c))", subject: "S-DOOR-NOPHONE", typ: model.TypeDeletion,
				handle: "sam", key: "v", verb: "verify",
				fill: func(h *harness) {
					h.fill("points", "email, phone")
				},
				cliArgs: []string{"--points", "email,phone", "--level", "reasonable"},
				want:    model.CheckPointsOnFile(&model.Subject{Emails: []string{"x"}}, []string{"email", "phone"})},
			{name: "decide.date: a decision is not dated before receipt (policy: Customer approval)", subject: "S-DOOR-NOPHONE", typ: model.TypeDeletion,
				setup:  []func(model.Request) (string, model.Action, string, func(*model.Request) error){stepOf("sam", model.ActVerify, "", verifiedWith("email", "name"))},
				handle: "lou", key: "a", verb: "approve",
				fill: func(h *harness) {
					h.fill("evidence", "CUST-DOOR-1")
					h.choose("method", string(model.EvidenceTicket))
					h.focus("decided")
					h.press("ctrl+u")
					h.fill("decided", received.AddDate(0, 0, -2).In(t0.Location()).Format(time.DateOnly))
				},
				cliArgs: []string{"--approver", "Dana Whitfield", "--method", "ticket", "--evidence", "CUST-DOOR-1",
					"--decided", received.AddDate(0, 0, -2).In(t0.Location()).Format(time.DateOnly)},
				want: model.CheckDecisionDate(received.AddDate(0, 0, -2), model.Request{ReceivedAt: received}, t0, e2eNow())},
		}
		for i, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				if c.want == nil {
					t.Fatal("the model accepts the case's input: the case tests nothing")
				}
				b := base(fmt.Sprintf("R-DOOR-IN%d", i), c.subject, c.typ)
				b.AccessScope = c.scope
				rs := twins(t, store, b, "console", "cli")
				for _, r := range rs {
					walk(t, store, r.ID, append([]func(model.Request) (string, model.Action, string, func(*model.Request) error){toVerifying}, c.setup...)...)
				}
				before := map[string]model.Request{}
				for d, r := range rs {
					before[d], _ = store.Request(ctx, lee, r.ID)
				}

				h := start(t, appAs(t, store, c.handle), 110, 34)
				h.loaded()
				h.openDetail(rs["console"].ID)
				h.press(c.key)
				h.waitFor("form", func(a *App) bool { _, ok := formOf(a); return ok })
				c.fill(h)
				h.press("ctrl+s")
				problems := formProblems(h)
				if !slices.Contains(problems, c.want.Reason) {
					t.Errorf("console shows %q, want the rule book's %q", problems, c.want.Reason)
				}
				h.press("esc")

				_, err := cliDoor(t, store, operatorActor(t, store, c.handle), c.verb, rs["cli"].ID, "", c.cliArgs...)
				var ref *model.Refusal
				if err == nil || !strings.Contains(err.Error(), c.want.Reason) {
					t.Errorf("CLI error %v, want the rule book's %q", err, c.want.Reason)
				} else if errors.As(err, &ref) && ref.Rule != c.want.Rule {
					t.Errorf("CLI refused by %s, want %s", ref.Rule, c.want.Rule)
				}
				for d, r := range rs {
					if now, _ := store.Request(ctx, lee, r.ID); now.Version != before[d].Version {
						t.Errorf("%s: refused input changed the request (version %d → %d)", d, before[d].Version, now.Version)
					}
				}
			})
		}
	})

	// A fee quote records the same fee and puts the same entry on the chain.
	t.Run("fee.quote: the same fee and audit entry (seed policy, California Residents)", func(t *testing.T) {
		rs := twins(t, store, base("R-DOOR-FEE", "S-DOOR-NOPHONE", model.TypeAccess), "console", "cli")
		h := start(t, appAs(t, store, "lee"), 110, 34)
		h.loaded()
		h.openDetail(rs["console"].ID)
		h.press("$")
		h.waitFor("fee form", func(a *App) bool { _, ok := formOf(a); return ok })
		h.fill("amount", "25.50")
		h.fill("reason", "third request this month")
		h.press("ctrl+s")
		h.confirm()
		h.waitFor("fee saved", func(a *App) bool {
			d, ok := a.stack[0].(*detailPane)
			return noForm(a) && ok && d.req != nil && d.req.Fee != nil
		})
		if _, err := cliDoor(t, store, lee, "fee", rs["cli"].ID, "", "--amount", "25.50", "--reason", "third request this month"); err != nil {
			t.Fatal(err)
		}
		con, _ := store.Request(ctx, lee, rs["console"].ID)
		sh, _ := store.Request(ctx, lee, rs["cli"].ID)
		if con.Fee == nil || sh.Fee == nil || *con.Fee != *sh.Fee || con.Fee.AmountCents != 2550 || con.Status != sh.Status || con.Version != sh.Version {
			t.Fatalf("fees differ: console %+v (%s v%d), CLI %+v (%s v%d)", con.Fee, con.Status, con.Version, sh.Fee, sh.Status, sh.Version)
		}
		a, b := lastAuditOf(t, store, con.ID), lastAuditOf(t, store, sh.ID)
		if a.Action != "charge_fee" || a.Detail != b.Detail || a.Reason != b.Reason || a.Detail != "fee quoted: $25.50; reason: third request this month" {
			t.Errorf("audit differs: console %q/%q, CLI %q/%q", a.Detail, a.Reason, b.Detail, b.Reason)
		}
	})

	// Rule refusals — one already acknowledged, a role without the
	// permission — are refused with the same words and audited alike.
	t.Run("rule refusals are the same and audited alike", func(t *testing.T) {
		type ruleCase struct {
			name, handle, key, verb, rule string
			args                          []string
			setup                         []func(model.Request) (string, model.Action, string, func(*model.Request) error)
		}
		cases := []ruleCase{
			{name: "ack.once (§7021(a))", handle: "sam", key: "A", verb: "acknowledge", rule: "ack.once",
				setup: []func(model.Request) (string, model.Action, string, func(*model.Request) error){stepOf("sam", model.ActAcknowledge, "", nil)}},
			{name: "lifecycle.role: support may not refuse a request", handle: "sam", key: "X", verb: "refuse", rule: "lifecycle.role",
				args: []string{"--reason", "repetitive"}},
		}
		for i, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				rs := twins(t, store, base(fmt.Sprintf("R-DOOR-RULE%d", i), "S-DOOR-NOPHONE", model.TypeDeletion), "console", "cli")
				for _, r := range rs {
					walk(t, store, r.ID, c.setup...)
				}
				h := start(t, appAs(t, store, c.handle), 110, 34)
				h.loaded()
				h.openDetail(rs["console"].ID)
				if slices.Contains(hintKeys(h), c.key) {
					t.Errorf("the console hints %s though the rule book refuses it", c.key)
				}
				h.press(c.key)
				_, err := cliDoor(t, store, operatorActor(t, store, c.handle), c.verb, rs["cli"].ID, "", c.args...)
				var ref *model.Refusal
				if !errors.As(err, &ref) || ref.Rule != c.rule {
					t.Fatalf("CLI: %v, want a refusal by %s", err, c.rule)
				}
				// The console shows the controller's refusal once it answers.
				h.until(func(a *App, screen string) bool {
					return strings.Contains(strings.Join(strings.Fields(ansi.Strip(screen)), " "), ref.Reason[:30])
				})
				a, b := lastAuditOf(t, store, rs["console"].ID), lastAuditOf(t, store, rs["cli"].ID)
				if a.Outcome != model.OutcomeRefused || b.Outcome != model.OutcomeRefused || a.Reason != b.Reason || a.Detail != b.Detail || a.Action != b.Action {
					t.Errorf("audited differently:\nconsole %+v\nCLI     %+v", a.AuditEvent, b.AuditEvent)
				}
			})
		}
	})

	// A closed request shows its deadlines met or missed, the same lines in
	// the console's detail and in `requests show`.
	t.Run("closed deadlines read the same", func(t *testing.T) {
		r := logAs(t, store, "sam", base("R-DOOR-CLOSED", "S-DOOR-NOPHONE", model.TypeDeletion))
		r = walk(t, store, r.ID, stepOf("sam", model.ActWithdraw, "requester's email", nil))
		tenant, _ := store.Tenant(ctx, lee, r.TenantID)
		lines := model.ClosedDeadlines(r, tenant)
		if len(lines) == 0 {
			t.Fatal("no deadlines judged for a closed request")
		}
		h := start(t, appAs(t, store, "lee"), 140, 50)
		h.loaded()
		h.openDetail(r.ID)
		screen := ansi.Strip(h.screen())
		var show bytes.Buffer
		if err := cli.Show(ctx, store, lee, r.ID, false, e2eNow(), &show); err != nil {
			t.Fatal(err)
		}
		for _, d := range lines {
			want := d.Line(tenant.Location())
			if !strings.Contains(screen, want) {
				t.Errorf("console detail lacks %q:\n%s", want, screen)
			}
			if !strings.Contains(show.String(), want) {
				t.Errorf("requests show lacks %q:\n%s", want, show.String())
			}
		}
	})
}

// A recorded decision corrected, and an unmatched request linked: the same
// record and the same entry on the chain from the console and the CLI.
func TestDoorsCorrectionAndLink(t *testing.T) {
	store, ctx := doorStore(t)
	lee := operatorActor(t, store, "lee")
	base := func(id, subject string) model.Request {
		return model.Request{ID: id, TenantID: "oakridge-ca", SubjectID: subject, Type: model.TypeDeletion, Channel: model.ChannelEmail,
			Requester: model.Person{Name: "Someone Unmatched"}, ReceivedAt: e2eNow().AddDate(0, 0, -3)}
	}
	sameEntry := func(t *testing.T, a, b model.Request) {
		t.Helper()
		x, y := lastAuditOf(t, store, a.ID), lastAuditOf(t, store, b.ID)
		if x.Action != y.Action || x.Detail != y.Detail || x.Reason != y.Reason || x.Outcome != model.OutcomeOK {
			t.Errorf("audited differently:\nconsole %+v\nCLI     %+v", x.AuditEvent, y.AuditEvent)
		}
	}

	t.Run("decision_fix: a lead corrects the evidence; the old decision is kept (§7101)", func(t *testing.T) {
		rs := twins(t, store, base("R-DOOR-FIX", "S-DOOR-NOPHONE"), "console", "cli")
		for _, r := range rs {
			walk(t, store, r.ID, stepOf("sam", model.ActStartVerification, "", nil), stepOf("sam", model.ActVerify, "", verifiedWith("email", "name")),
				stepOf("lee", model.ActApprove, "", func(x *model.Request) error {
					x.Decision = &model.Decision{Approver: "Dana Whitfield", Method: "ticket", Evidence: "OAK-1", DecidedAt: e2eNow().AddDate(0, 0, -1)}
					return nil
				}))
		}
		h := start(t, appAs(t, store, "lou"), 110, 40)
		h.loaded()
		h.openDetail(rs["console"].ID)
		h.press("C")
		h.waitFor("correction form", func(a *App) bool { _, ok := formOf(a); return ok })
		h.focus("evidence")
		h.press("ctrl+u")
		h.fill("evidence", "OAK-2")
		h.fill("why", "the ticket number was mistyped")
		h.press("ctrl+s")
		h.confirm()
		h.waitFor("corrected", func(a *App) bool {
			d, ok := a.stack[0].(*detailPane)
			return noForm(a) && ok && d.req != nil && len(d.req.PriorDecisions) == 1
		})
		if _, err := cliDoor(t, store, operatorActor(t, store, "lou"), "correct-decision", rs["cli"].ID, "", "--evidence", "OAK-2", "--reason", "the ticket number was mistyped"); err != nil {
			t.Fatal(err)
		}
		con, _ := store.Request(ctx, lee, rs["console"].ID)
		sh, _ := store.Request(ctx, lee, rs["cli"].ID)
		for door, r := range map[string]model.Request{"console": con, "cli": sh} {
			if len(r.PriorDecisions) != 1 || r.PriorDecisions[0].Evidence != "OAK-1" || r.Decision.Evidence != "OAK-2" || r.Decision.RecordedBy != "lou" {
				t.Errorf("%s: decision %+v, prior %+v", door, r.Decision, r.PriorDecisions)
			}
		}
		sameEntry(t, con, sh)
	})

	t.Run("link: an unmatched request linked to its subject (policy: Customer approval of every request)", func(t *testing.T) {
		rs := twins(t, store, base("R-DOOR-LINK", ""), "console", "cli")
		h := start(t, appAs(t, store, "sam"), 110, 40)
		h.loaded()
		h.openDetail(rs["console"].ID)
		h.linkTo("S-DOOR-KID")
		if _, err := cliDoor(t, store, operatorActor(t, store, "sam"), "link", rs["cli"].ID, "S-DOOR-KID"); err != nil {
			t.Fatal(err)
		}
		con, _ := store.Request(ctx, lee, rs["console"].ID)
		sh, _ := store.Request(ctx, lee, rs["cli"].ID)
		if con.SubjectID != "S-DOOR-KID" || sh.SubjectID != con.SubjectID || con.SubjectLabel != sh.SubjectLabel ||
			!slices.Equal(con.Flags, sh.Flags) || !con.HasFlag(model.FlagChild) || !con.DueAt.Equal(sh.DueAt) {
			t.Errorf("linked differently:\nconsole %s %q %v due %s\nCLI     %s %q %v due %s",
				con.SubjectID, con.SubjectLabel, con.Flags, con.DueAt, sh.SubjectID, sh.SubjectLabel, sh.Flags, sh.DueAt)
		}
		sameEntry(t, con, sh)
	})

	// Seed policy, California Residents: two requests to know in 12 months.
	// An earlier request logged later — by the console's form for one
	// subject, by an import line for its twin — flags the later requests alike.
	t.Run("intake.know_limit: an earlier request logged later flags the later one", func(t *testing.T) {
		twinsOf := map[string]string{"console": "lim.console@example.org", "import": "lim.import@example.org"}
		later := map[string]string{}
		for door, email := range twinsOf {
			sub := model.Subject{ID: "S-DOOR-LIM-" + door, TenantID: "oakridge-ca", AccountID: "ACC-LIM-" + door, Name: "Lim Door",
				Emails: []string{email}, ResidencyState: "CA", Status: model.AccountActive}
			if _, err := store.Conn().DB.Collection("subjects").InsertOne(ctx, sub); err != nil {
				t.Fatal(err)
			}
			for i, days := range []int{20, 10} {
				r := logAs(t, store, "sam", model.Request{ID: fmt.Sprintf("R-DOOR-LIM-%s-%d", door, i), TenantID: "oakridge-ca", SubjectID: sub.ID,
					Type: model.TypeAccess, Channel: model.ChannelWeb, Requester: model.Person{Name: "Lim Door", Email: email}, ReceivedAt: e2eNow().AddDate(0, 0, -days)})
				later[door] = r.ID
				if r.HasFlag(model.FlagOverLimit) {
					t.Fatalf("%s is over the limit before the earlier request arrives", r.ID)
				}
			}
		}
		earlier := e2eNow().AddDate(0, 0, -40).Format(time.DateOnly)

		h := start(t, appAs(t, store, "sam"), 110, 34)
		h.loaded()
		h.press("n")
		h.waitFor("log form", formOpen("Log a new request"))
		h.choose("tenant", "oakridge-ca")
		h.choose("type", "access")
		h.focus("received")
		h.press("ctrl+u")
		h.fill("received", earlier)
		h.fill("name", "Lim Door")
		h.fill("email", twinsOf["console"])
		h.press("ctrl+s")
		h.waitFor("logged", func(a *App) bool {
			p, ok := a.stack[len(a.stack)-1].(*newRequestPane)
			return ok && p.result != nil
		})
		line := fmt.Sprintf(`{"external_ref":"DOOR-LIM","tenant":"oakridge-ca","type":"access","channel":"web","received":%q,"requester":{"name":"Lim Door","email":%q},"same_as_requester":true}`+"\n",
			earlier, twinsOf["import"])
		if rep, err := cli.Import(ctx, store, operatorActor(t, store, "sam"), strings.NewReader(line), cli.ImportOptions{Clock: model.FixedClock{T: e2eNow()}}); err != nil || rep.Imported != 1 {
			t.Fatalf("import: %v %+v", err, rep)
		}
		for door, id := range later {
			r, _ := store.Request(ctx, lee, id)
			if !r.HasFlag(model.FlagOverLimit) {
				t.Errorf("%s: %s is not flagged over the limit after the earlier request: %v", door, id, r.Flags)
			}
			rows, _ := store.Queue(ctx, lee, model.QueueFilter{})
			if i := slices.IndexFunc(rows, func(q model.Request) bool { return q.ID == id }); i < 0 || !rows[i].HasFlag(model.FlagOverLimit) {
				t.Errorf("%s: the queue row of %s lacks the LIMIT flag", door, id)
			}
		}
	})
}
