package cli_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/custodian-dev/custodian/db"
	"github.com/custodian-dev/custodian/model"
	"github.com/custodian-dev/custodian/ui/cli"
	"github.com/custodian-dev/custodian/ui/present"
)

// act runs `custodian requests <verb> id args…` as handle, the flags parsed
// as main parses them, against the real store.
func (e *env) act(t *testing.T, handle, verb, id string, args ...string) (string, error) {
	t.Helper()
	v, ok := cli.VerbNamed(verb)
	if !ok {
		t.Fatalf("no verb %q", verb)
	}
	fs := flag.NewFlagSet(verb, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	f := cli.BindActFlags(fs, v)
	if err := fs.Parse(args); err != nil {
		t.Fatalf("%s %v: %v", verb, args, err)
	}
	arg := ""
	if fs.NArg() > 0 {
		arg = fs.Arg(0)
	}
	actor := e.actor(t, handle)
	actor.Origin = "cli"
	var out bytes.Buffer
	err := cli.Act(e.ctx, e.store, actor, v, id, arg, f, now, &out)
	return out.String(), err
}

func (e *env) showText(t *testing.T, id string) string {
	t.Helper()
	var out bytes.Buffer
	if err := cli.Show(e.ctx, e.store, e.actor(t, "lee"), id, false, now, &out); err != nil {
		t.Fatal(err)
	}
	return out.String()
}

func (e *env) request(t *testing.T, id string) model.Request {
	t.Helper()
	r, err := e.store.Request(e.ctx, e.actor(t, "lee"), id)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// mustAct runs a verb that must succeed and returns the request after it.
func (e *env) mustAct(t *testing.T, handle, verb, id string, args ...string) model.Request {
	t.Helper()
	before := e.request(t, id)
	out, err := e.act(t, handle, verb, id, args...)
	if err != nil {
		t.Fatalf("%s %s %v as %s: %s", verb, id, args, handle, cli.Explain(err, id))
	}
	after := e.request(t, id)
	if after.Version != before.Version+1 || !strings.Contains(out, id) || !strings.Contains(out, after.Status.Label()) {
		t.Fatalf("%s %s: version %d→%d, printed %q", verb, id, before.Version, after.Version, out)
	}
	return after
}

// importOne logs one request by import as sam and returns its id.
func (e *env) importOne(t *testing.T, line obj) string {
	t.Helper()
	rep := e.importText(t, e.actor(t, "sam"), jsonl(line), cli.ImportOptions{})
	if rep.Imported != 1 {
		t.Fatalf("import %v: %+v", line, rep)
	}
	return cli.ImportRequestID(line["external_ref"].(string))
}

func TestActVerbsTakeEachActionThroughTheController(t *testing.T) {
	e := newEnv(t)
	sub := e.subjectWithUniqueEmail(t, "oakridge-ca")
	tenant, err := e.store.Tenant(e.ctx, e.actor(t, "lee"), "oakridge-ca")
	if err != nil || len(tenant.Approvers) == 0 {
		t.Fatalf("tenant: %v, approvers %v", err, tenant.Approvers)
	}
	contact := tenant.Approvers[0].Name
	linked := func(ref, typ string) string {
		return e.importOne(t, obj{"external_ref": ref, "tenant": "oakridge-ca", "type": typ, "channel": "web", "received": "2026-11-16",
			"requester": obj{"name": sub.Name, "email": sub.Emails[0]}, "subject_id": sub.ID})
	}

	// One request through triage, the Customer's approval and its correction.
	id := linked("act-1", "access")
	if r := e.mustAct(t, "sam", "acknowledge", id); r.AcknowledgedAt == nil {
		t.Fatal("acknowledge recorded no acknowledgement")
	}
	if r := e.mustAct(t, "sam", "assign", id); r.AssignedTo != "sam" {
		t.Fatalf("assign with no --to: assigned to %q, want sam (me)", r.AssignedTo)
	}
	if r := e.mustAct(t, "sam", "assign", id, "--to", "sid"); r.AssignedTo != "sid" {
		t.Fatalf("assign --to sid: %q", r.AssignedTo)
	}
	if r := e.mustAct(t, "sam", "note", id, "--text", "called back"); len(r.Notes) != 1 || r.Notes[0].Text != "called back" {
		t.Fatalf("note: %+v", r.Notes)
	}
	e.mustAct(t, "sam", "start-verification", id)
	if r := e.mustAct(t, "sam", "ask-info", id, "--what", "a copy of a utility bill"); r.Status != model.StatusNeedsInfo || r.InfoRequested != "a copy of a utility bill" {
		t.Fatalf("ask-info: %s %q", r.Status, r.InfoRequested)
	}
	e.mustAct(t, "sam", "info-received", id)
	r := e.mustAct(t, "sam", "verify", id, "--points", "email, phone")
	if r.Status != model.StatusAwaitingApproval || r.Verification == nil || r.Verification.Level != model.LevelReasonable ||
		strings.Join(r.Verification.DataPoints, ",") != "email,phone" || r.Verification.By != "sam" {
		t.Fatalf("verify (level defaults to what a request for categories needs): %+v", r.Verification)
	}
	if r := e.mustAct(t, "sam", "remind", id, "--to", contact); len(r.Reminders) != 1 || r.Reminders[0].To != contact {
		t.Fatalf("remind: %+v", r.Reminders)
	}
	r = e.mustAct(t, "lee", "approve", id, "--approver", contact, "--method", "e-mail", "--evidence", "<CA+1@city.example>", "--decided", "2026-11-20")
	loc := tenant.Location()
	if d := r.Decision; r.Status != model.StatusApproved || d == nil || d.Approver != contact || d.Method != string(model.EvidenceEmail) ||
		d.DecidedAt.In(loc).Format(time.DateOnly) != "2026-11-20" || d.RecordedBy != "lee" {
		t.Fatalf("approve: %s %+v", r.Status, r.Decision)
	}
	r = e.mustAct(t, "lou", "correct-decision", id, "--method", "ticket", "--evidence", "CUST-0042", "--reason", "the approval came by ticket")
	if d := r.Decision; r.Status != model.StatusApproved || d.Approver != contact || d.Method != string(model.EvidenceTicket) || d.Evidence != "CUST-0042" ||
		d.DecidedAt.In(loc).Format(time.DateOnly) != "2026-11-20" {
		t.Fatalf("correct-decision keeps what it was not told to change: %+v", d)
	}
	if len(r.PriorDecisions) != 1 || r.PriorDecisions[0].Method != string(model.EvidenceEmail) {
		t.Fatalf("correct-decision keeps the old decision: %+v", r.PriorDecisions)
	}
	if text := e.showText(t, id); !strings.Contains(text, "corrected (1)      was approved by "+contact+" on 2026-11-20, email: <CA+1@city.example>; recorded by lee") {
		t.Errorf("show does not list the corrected decision:\n%s", text)
	}
	if r := e.mustAct(t, "lee", "extend", id, "--reason", "the Customer's records are archived"); r.Extension == nil || r.Extension.Reason == "" {
		t.Fatalf("extend: %+v", r.Extension)
	}

	// The other ways a request ends, or is charged for.
	charged := linked("act-fee", "access")
	if r := e.mustAct(t, "lee", "fee", charged, "--amount", "$25.50", "--reason", "the fourth identical request this month"); r.Fee == nil ||
		r.Fee.AmountCents != 2550 || r.Status != model.StatusReceived {
		t.Fatalf("fee: %s %+v", r.Status, r.Fee)
	}
	if text := e.showText(t, charged); !strings.Contains(text, "amount             $25.50") || !strings.Contains(text, "the fourth identical request this month") {
		t.Errorf("show does not print the fee:\n%s", text)
	}
	if r := e.mustAct(t, "lee", "refuse", linked("act-refuse", "access"), "--reason", "the fourth identical request this month"); r.Status != model.StatusDenied ||
		r.DenialReason == "" {
		t.Fatalf("refuse: %s %q", r.Status, r.DenialReason)
	}
	if r := e.mustAct(t, "sam", "withdraw", linked("act-withdraw", "deletion"), "--how", "requester's email of 2026-11-17"); r.Status != model.StatusWithdrawn {
		t.Fatalf("withdraw: %s", r.Status)
	}
	unverifiable := linked("act-unverifiable", "deletion")
	e.mustAct(t, "sam", "start-verification", unverifiable)
	if r := e.mustAct(t, "sam", "deny-unverifiable", unverifiable, "--reason", "no reply to two requests for ID"); r.Status != model.StatusDenied {
		t.Fatalf("deny-unverifiable: %s", r.Status)
	}
	denied := linked("act-deny", "deletion")
	e.mustAct(t, "sam", "start-verification", denied)
	e.mustAct(t, "sam", "verify", denied, "--points", "email,phone", "--level", "reasonable")
	if r := e.mustAct(t, "lee", "deny", denied, "--approver", contact, "--method", "letter", "--evidence", "file ref 1187",
		"--reason", "records under litigation hold"); r.Status != model.StatusDenied || r.Decision.Reason != "records under litigation hold" {
		t.Fatalf("deny: %s %+v", r.Status, r.Decision)
	}

	// An unmatched request is linked to its subject.
	unmatched := e.importOne(t, obj{"external_ref": "act-link", "tenant": "oakridge-ca", "type": "opt_out", "channel": "mail", "received": "2026-11-16",
		"requester": obj{"name": "Un Matched", "email": "un.matched@example.org"}})
	if r := e.mustAct(t, "sam", "link", unmatched, sub.ID); r.SubjectID != sub.ID || r.SubjectLabel != model.SubjectLabelFor(sub.Name) {
		t.Fatalf("link: subject %q labelled %q", r.SubjectID, r.SubjectLabel)
	}
}

func TestActBadFlagsChangeNothingAndSayWhatToType(t *testing.T) {
	e := newEnv(t)
	tenant, err := e.store.Tenant(e.ctx, e.actor(t, "lee"), "oakridge-ca")
	if err != nil {
		t.Fatal(err)
	}
	sub := e.subjectWithUniqueEmail(t, "oakridge-ca")
	id := e.importOne(t, obj{"external_ref": "bad-1", "tenant": "oakridge-ca", "type": "access", "channel": "web", "received": "2026-11-16",
		"requester": obj{"name": sub.Name, "email": sub.Emails[0]}, "subject_id": sub.ID})
	e.mustAct(t, "sam", "start-verification", id)
	e.mustAct(t, "sam", "verify", id, "--points", "email,phone")

	cases := []struct {
		who, verb string
		args      []string
		want      []string
	}{
		{"lee", "fee", []string{"--amount", "lots", "--reason", "x"}, []string{"--amount", "e.g. --amount 25.50"}},
		{"sam", "verify", []string{"--level", "medium"}, []string{"--level", "use reasonable"}},
		{"sam", "verify", []string{"--points", "email,shoe size"}, []string{"--points", "shoe size"}},
		{"lee", "approve", []string{"--approver", "A", "--method", "pigeon", "--evidence", "x"}, []string{"--method", "pigeon"}},
		{"lee", "approve", []string{"--approver", "A", "--method", "ticket", "--evidence", "the usual"}, []string{"--method/--evidence", "no number"}},
		{"lee", "approve", []string{"--approver", "A", "--method", "email", "--evidence", "x@y 2026", "--decided", "2027-01-04"}, []string{"--decided", "in the future"}},
		{"lee", "approve", []string{"--approver", "A", "--method", "email", "--evidence", "x@y 2026", "--decided", "20/11/2026"}, []string{"--decided", "YYYY-MM-DD"}},
		// What the controller refuses of the input is explained with the verb's usage.
		{"lee", "approve", nil, []string{"custodian requests approve ID [--approver NAME]"}},
		{"lee", "deny", []string{"--approver", "A", "--method", "email", "--evidence", "x@y 2026"}, []string{"reason", "usage: custodian requests deny ID"}},
		{"lee", "disclose", []string{"--field", "guardian_phone", "--reason", "the guardian asked"}, []string{"--field", "collection.field"}},
		{"sam", "remind", []string{"--to", "Nobody Known"}, []string{"usage: custodian requests remind ID [--to NAME]", tenant.Approvers[0].Name}},
	}
	for _, tc := range cases {
		t.Run(tc.verb+" "+strings.Join(tc.args, " "), func(t *testing.T) {
			before := e.request(t, id)
			_, err := e.act(t, tc.who, tc.verb, id, tc.args...)
			if err == nil {
				t.Fatal("accepted")
			}
			msg := cli.Explain(err, id)
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("message %q does not say %q", msg, w)
				}
			}
			if !cli.UsersToFix(err) {
				t.Errorf("%v is not the operator's to fix (exit 2)", err)
			}
			if after := e.request(t, id); after.Version != before.Version {
				t.Errorf("a refused %s changed the request: version %d→%d", tc.verb, before.Version, after.Version)
			}
		})
	}
}

func TestActRefusalIsAuditedAndExplained(t *testing.T) {
	e := newEnv(t)
	id := e.importOne(t, obj{"external_ref": "refused-1", "tenant": "oakridge-ca", "type": "access", "channel": "web", "received": "2026-11-16",
		"requester": obj{"name": "Re Fused", "email": "re.fused@example.org"}})
	before := e.request(t, id)
	_, err := e.act(t, "sam", "refuse", id, "--reason", "too many")
	if err == nil || !errors.Is(err, db.ErrRefused) || !cli.UsersToFix(err) {
		t.Fatalf("support refusing: %v, want a refusal", err)
	}
	if msg := cli.Explain(err, id); !strings.Contains(msg, "cannot refuse") || !strings.Contains(msg, "--operator") {
		t.Fatalf("explained as %q", msg)
	}
	if after := e.request(t, id); after.Version != before.Version || after.Status != model.StatusReceived {
		t.Fatalf("the refused action changed the request: %+v", after)
	}
	ada := e.actor(t, "ada")
	deadline := time.Now().Add(5 * time.Second)
	for {
		page, err := e.store.AuditHistory(e.ctx, ada, model.AuditFilter{Actor: "sam", Target: "request:" + id}, 0, 20)
		if err != nil {
			t.Fatal(err)
		}
		for _, rec := range page.Records {
			if rec.Action == string(model.ActRefuseExcessive) && rec.Outcome == model.OutcomeRefused && rec.Origin == "cli" {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no refusal of sam's refuse on the audit chain: %+v", page.Records)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestExplainPhrasesRemediesAsCommands(t *testing.T) {
	wrap := func(r *model.Refusal) error { return errors.Join(errors.New("context"), r) }
	cases := []struct {
		name string
		err  error
		want string
	}{
		{"plan", &model.Refusal{Reason: "the plan is stale", Remedy: model.ActPlan}, "the plan is stale; run: custodian requests plan R-1 --new"},
		{"sign off", &model.Refusal{Reason: "not signed off", Remedy: model.ActSignOff},
			"not signed off; run: custodian requests sign-off R-1 --digest HEX (custodian requests plan R-1 shows the digest)"},
		{"link", wrap(&model.Refusal{Reason: "not linked", Remedy: model.ActLink}), "run: custodian requests link R-1 SUBJECT_ID"},
		{"run", &model.Refusal{Reason: "run the plan first", Remedy: model.ActStartFulfilment}, "run: custodian requests run R-1"},
		{"a verb", &model.Refusal{Reason: "acknowledge first", Remedy: model.ActAcknowledge}, "run: custodian requests acknowledge R-1"},
		{"role", &model.Refusal{Rule: "lifecycle.role", Reason: "a support operator cannot approve"}, "(act as an operator who may, with --operator HANDLE)"},
		{"four eyes", &model.Refusal{Rule: "decide.four_eyes_logged", Reason: "four eyes"}, "--operator HANDLE"},
		{"not found", db.ErrNotFound, "custodian requests list --status all"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := cli.Explain(tc.err, "R-1")
			if !strings.Contains(got, tc.want) {
				t.Fatalf("%q does not say %q", got, tc.want)
			}
			if !cli.UsersToFix(tc.err) {
				t.Fatal("not the operator's to fix")
			}
			for _, key := range []string{"(p)", "(S)", "(F)", "(r)"} {
				if strings.Contains(got, key) {
					t.Fatalf("%q names a console key", got)
				}
			}
		})
	}
	if got := cli.Explain(&model.Refusal{Rule: "extend.once", Reason: "already extended"}, "R-1"); got != "already extended" {
		t.Fatalf("a refusal no other operator or command clears: %q", got)
	}
}

func TestClosedRequestsAreJudgedNotCountedDown(t *testing.T) {
	e := newEnv(t)
	lee := e.actor(t, "lee")
	// Received in September and withdrawn today (2026-11-29 in California):
	// every deadline was missed by the time it closed.
	late := e.importOne(t, obj{"external_ref": "closed-late", "tenant": "oakridge-ca", "type": "access", "channel": "web", "received": "2026-09-01",
		"requester": obj{"name": "La Te", "email": "la.te@example.org"}})
	e.mustAct(t, "sam", "withdraw", late, "--how", "requester's email")
	// Received and withdrawn the same week: met.
	early := e.importOne(t, obj{"external_ref": "closed-early", "tenant": "oakridge-ca", "type": "access", "channel": "web", "received": "2026-11-25",
		"requester": obj{"name": "Ear Ly", "email": "ear.ly@example.org"}})
	e.mustAct(t, "sam", "withdraw", early, "--how", "requester's email")

	countdown := []string{"days left", "day left", "overdue", "due today", "◀ next"}
	show := func(id string) string {
		var out bytes.Buffer
		if err := cli.Show(e.ctx, e.store, lee, id, false, now, &out); err != nil {
			t.Fatal(err)
		}
		for _, c := range countdown {
			if strings.Contains(out.String(), c) {
				t.Errorf("show %s counts down (%q):\n%s", id, c, out.String())
			}
		}
		return out.String()
	}
	if text := show(late); !strings.Contains(text, "acknowledgement due 2026-09-16: missed, 2026-11-29 (74 days late)") ||
		!strings.Contains(text, "legal response due 2026-10-16: missed, 2026-11-29") {
		t.Errorf("show of a late withdrawal:\n%s", text)
	}
	if text := show(early); !strings.Contains(text, "acknowledgement due 2026-12-11: met 2026-11-29") ||
		!strings.Contains(text, "legal response due 2027-01-09: met 2026-11-29") {
		t.Errorf("show of an early withdrawal:\n%s", text)
	}
	var out bytes.Buffer
	if err := cli.Show(e.ctx, e.store, lee, late, true, now, &out); err != nil {
		t.Fatal(err)
	}
	var v present.Request
	if err := json.Unmarshal(out.Bytes(), &v); err != nil || len(v.ClosedDeadlines) < 2 || v.ClosedDeadlines[0].Met || v.ClosedDeadlines[0].Kind != model.DueAck {
		t.Fatalf("show --json of a closed request: %v %+v", err, v.ClosedDeadlines)
	}
	if v.Deadlines.Next != nil || v.Deadlines.NextKind != "" || strings.Contains(out.String(), `"next"`) {
		t.Errorf("show --json of a closed request still names a next deadline: %v %q", v.Deadlines.Next, v.Deadlines.NextKind)
	}

	statuses, err := cli.ParseStatuses("completed,denied,withdrawn")
	if err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := cli.List(e.ctx, e.store, lee, cli.ListOptions{Statuses: statuses, JSON: true}, now, &out); err != nil {
		t.Fatal(err)
	}
	var rows []cli.ListRow
	if err := json.Unmarshal(out.Bytes(), &rows); err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if len(r.ClosedDeadlines) == 0 {
			t.Errorf("closed %s (%s) lists no met or missed deadlines", r.ID, r.Status)
		}
		for _, d := range r.ClosedDeadlines {
			if !strings.Contains(d.Line, ": met ") && !strings.Contains(d.Line, ": missed, ") {
				t.Errorf("%s: %q", r.ID, d.Line)
			}
		}
	}
	out.Reset()
	if err := cli.List(e.ctx, e.store, lee, cli.ListOptions{Statuses: statuses}, now, &out); err != nil {
		t.Fatal(err)
	}
	text := out.String()
	for _, c := range countdown {
		if strings.Contains(text, c) {
			t.Errorf("list of closed requests counts down (%q):\n%s", c, text)
		}
	}
	words := strings.Join(strings.Fields(text), " ")
	for _, want := range []string{"2026-10-16 missed ack 2026-11-29 " + late, "2027-01-09 met 2026-11-29 " + early} {
		if !strings.Contains(words, want) {
			t.Errorf("list does not say %q:\n%s", want, text)
		}
	}
}

func TestExplainPending(t *testing.T) {
	err := fmt.Errorf("verify R-1: %w", &db.PendingError{ClaimID: "requests/R-1@2", Err: errors.New("connection reset")})
	got := cli.Explain(err, "R-1")
	for _, want := range []string{"pending: will be applied (claim requests/R-1@2)", "do not repeat it", "custodian db doctor"} {
		if !strings.Contains(got, want) {
			t.Fatalf("%q does not say %q", got, want)
		}
	}
	if cli.UsersToFix(err) {
		t.Fatal("a pending write is reported as the operator's mistake")
	}
}
