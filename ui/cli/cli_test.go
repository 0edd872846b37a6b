package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/custodian-dev/custodian/db"
	"github.com/custodian-dev/custodian/db/dbtest"
	"github.com/custodian-dev/custodian/model"
	"github.com/custodian-dev/custodian/ui/cli"
	"github.com/custodian-dev/custodian/ui/present"
)

// now is a Sunday evening in California, already Monday in UTC.
var now = time.Date(2026, 11, 30, 3, 30, 0, 0, time.UTC)

type env struct {
	ctx   context.Context
	conn  *db.Conn
	store *db.Store
	clock model.Clock
}

// newEnv is a real embedded database with a small demo dataset.
func newEnv(t *testing.T) *env {
	t.Helper()
	conn := dbtest.New(t)
	clock := model.FixedClock{T: now}
	store, err := db.NewStore(conn, db.StoreOptions{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := db.Seed(ctx, store, db.SeedOptions{Subjects: 80, Requests: 40, Clock: clock}); err != nil {
		t.Fatal(err)
	}
	return &env{ctx: ctx, conn: conn, store: store, clock: clock}
}

func (e *env) actor(t *testing.T, handle string) model.Actor {
	t.Helper()
	op, err := e.store.Operator(e.ctx, handle)
	if err != nil {
		t.Fatal(err)
	}
	return model.Actor{Operator: op, Origin: "import"}
}

// subjectWithUniqueEmail finds a subject of tenant whose first email and
// first phone belong to nobody else in that tenant.
func (e *env) subjectWithUniqueEmail(t *testing.T, tenant string) model.Subject {
	t.Helper()
	cur, err := e.conn.DB.Collection("subjects").Find(e.ctx, bson.D{{Key: "tenant_id", Value: tenant}})
	if err != nil {
		t.Fatal(err)
	}
	var subs []model.Subject
	if err := cur.All(e.ctx, &subs); err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, s := range subs {
		for _, v := range append(slices.Clone(s.Emails), s.Phones...) {
			count[v]++
		}
	}
	for _, s := range subs {
		if len(s.Emails) > 0 && len(s.Phones) > 0 && count[s.Emails[0]] == 1 && count[s.Phones[0]] == 1 && s.Status == model.AccountActive {
			return s
		}
	}
	t.Fatalf("no subject of %s with a unique email and phone", tenant)
	return model.Subject{}
}

func (e *env) countRequests(t *testing.T) int64 {
	t.Helper()
	n, err := e.conn.DB.Collection("requests").CountDocuments(e.ctx, bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func jsonl(lines ...any) string {
	var b strings.Builder
	for _, l := range lines {
		switch v := l.(type) {
		case string:
			b.WriteString(v)
		default:
			raw, err := json.Marshal(v)
			if err != nil {
				panic(err)
			}
			b.Write(raw)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

type obj = map[string]any

func (e *env) importText(t *testing.T, actor model.Actor, text string, opts cli.ImportOptions) cli.ImportReport {
	t.Helper()
	if opts.Clock == nil {
		opts.Clock = e.clock
	}
	rep, err := cli.Import(e.ctx, e.store, actor, strings.NewReader(text), opts)
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	return rep
}

func TestImportLinksSubjectsAndReimportChangesNothing(t *testing.T) {
	e := newEnv(t)
	sam := e.actor(t, "sam")
	sub := e.subjectWithUniqueEmail(t, "oakridge-ca")
	typedPhone := fmt.Sprintf("+1 (%s) %s-%s", sub.Phones[0][:3], sub.Phones[0][3:6], sub.Phones[0][6:])
	file := jsonl(
		obj{"external_ref": "portal-1", "tenant": "oakridge-ca", "type": "access", "channel": "web", "received": "2026-11-02",
			"requester": obj{"name": sub.Name, "email": strings.ToUpper(sub.Emails[0])}, "same_as_requester": true},
		obj{"external_ref": "portal-2", "tenant": "oakridge-ca", "type": "deletion", "channel": "phone", "received": "today",
			"requester": obj{"name": "Caller", "phone": typedPhone}},
		"",
		obj{"external_ref": "portal-3", "tenant": "oakridge-ca", "type": "correction", "channel": "mail", "received": "2026-11-20T16:00:00Z",
			"requester": obj{"name": "Dana New", "email": "dana.new@Example.ORG"}, "subject_id": sub.ID,
			"corrections": obj{"email on file": "Dana.Newer@Example.org", "phone": "415.555.0199"}},
		obj{"external_ref": "agent-7", "tenant": "pecan-ridge-tx", "type": "opt-out", "channel": "email", "received": "yesterday",
			"requester": obj{"name": "Nobody Known", "email": "nobody.known@example.org"}, "residency_state": "ca",
			"agent": obj{"organization": "Privacy Helpers LLC", "email": "desk@agents.example", "permission_evidence": "signed letter, file ref 1187"}},
	)
	before := e.countRequests(t)
	rep := e.importText(t, sam, file, cli.ImportOptions{})
	if rep.Imported != 4 || rep.Present != 0 || len(rep.Invalid) != 0 || len(rep.Failed) != 0 || rep.Refused {
		t.Fatalf("first import: %+v", rep)
	}
	if got := e.countRequests(t); got != before+4 {
		t.Fatalf("%d requests stored, want %d", got, before+4)
	}

	la, _ := time.LoadLocation("America/Los_Angeles")
	chicago, _ := time.LoadLocation("America/Chicago")
	cases := []struct {
		ref      string
		subject  string
		received time.Time
		check    func(model.Request) error
	}{
		{"portal-1", sub.ID, time.Date(2026, 11, 2, 0, 0, 0, 0, la), nil},
		// "today" is the tenant's Sunday, although UTC is on Monday already.
		{"portal-2", sub.ID, time.Date(2026, 11, 29, 0, 0, 0, 0, la), func(r model.Request) error {
			if r.Requester.Phone != sub.Phones[0] {
				return fmt.Errorf("phone stored as %q, want %q", r.Requester.Phone, sub.Phones[0])
			}
			return nil
		}},
		{"portal-3", sub.ID, time.Date(2026, 11, 20, 16, 0, 0, 0, time.UTC), func(r model.Request) error {
			want := map[string]string{"email": "Dana.Newer@example.org", "phone": "4155550199"}
			if fmt.Sprint(r.Corrections) != fmt.Sprint(want) || r.Requester.Email != "dana.new@example.org" {
				return fmt.Errorf("corrections %v, requester email %q", r.Corrections, r.Requester.Email)
			}
			return nil
		}},
		{"agent-7", "", time.Date(2026, 11, 28, 0, 0, 0, 0, chicago), func(r model.Request) error {
			if r.Agent == nil || r.Agent.Organization != "Privacy Helpers LLC" || !r.HasFlag(model.FlagAgent) || r.ResidencyState != "CA" {
				return fmt.Errorf("agent %+v, flags %v, residency %q", r.Agent, r.Flags, r.ResidencyState)
			}
			return nil
		}},
	}
	for _, tc := range cases {
		r, err := e.store.Request(e.ctx, sam, cli.ImportRequestID(tc.ref))
		if err != nil {
			t.Fatalf("%s: %v", tc.ref, err)
		}
		if r.ExternalRef != tc.ref || r.SubjectID != tc.subject || !r.ReceivedAt.Equal(tc.received) || r.LoggedBy != "sam" {
			t.Errorf("%s: ref %q subject %q received %v by %q; want subject %q received %v", tc.ref, r.ExternalRef, r.SubjectID, r.ReceivedAt, r.LoggedBy, tc.subject, tc.received)
		}
		if tc.check != nil {
			if err := tc.check(r); err != nil {
				t.Errorf("%s: %v", tc.ref, err)
			}
		}
	}

	// The same file again: everything is already there, nothing is written.
	rep = e.importText(t, sam, file, cli.ImportOptions{})
	if rep.Imported != 0 || rep.Present != 4 || len(rep.Invalid) != 0 {
		t.Fatalf("re-import: %+v", rep)
	}
	if got := e.countRequests(t); got != before+4 {
		t.Fatalf("re-import stored %d requests, want %d", got, before+4)
	}
	var out bytes.Buffer
	rep.WriteText(&out)
	if got := out.String(); got != "0 imported, 4 already present, 0 invalid\n" {
		t.Fatalf("report text %q", got)
	}
}

func TestImportRefusesAFileWithInvalidLines(t *testing.T) {
	e := newEnv(t)
	sam := e.actor(t, "sam")
	valid := obj{"external_ref": "ok-1", "tenant": "oakridge-ca", "type": "access", "channel": "web", "received": "2026-11-02",
		"requester": obj{"name": "Val Id", "email": "val@example.org"}}
	with := func(k string, v any) obj {
		o := obj{}
		for kk, vv := range valid {
			o[kk] = vv
		}
		o["external_ref"] = "bad-" + k
		if v == nil {
			delete(o, k)
		} else {
			o[k] = v
		}
		return o
	}
	bad := []struct {
		line any
		want string
	}{
		{`{"external_ref": "x", "tenant": `, "cut off"},
		{`not json at all`, "not valid JSON"},
		{`{"external_ref": "x"} {"external_ref": "y"}`, "more than one JSON value"},
		{`{"external_ref": "x"}}`, "text after the object"},
		{with("tenat", "oakridge-ca"), `unknown field "tenat": the fields are external_ref, tenant`},
		{with("external_ref", ""), "external_ref is empty"},
		{with("tenant", "atlantis"), `tenant "atlantis" is unknown or outside your scope`},
		{with("tenant", 7), "tenant must be a JSON string, not number"},
		{with("type", "erase"), "type: request type \"erase\" is unknown: use one of access"},
		{with("channel", "fax"), "channel: channel \"fax\" is unknown"},
		{with("received", nil), "received is missing"},
		{with("received", "2027-01-01"), "in the future"},
		{with("received", "02/11/2026"), "write YYYY-MM-DD"},
		{with("requester", nil), "requester is missing"},
		{with("requester", obj{}), "requester: give a name, email or phone"},
		{with("requester", obj{"email": "val at example"}), "requester: email address"},
		{with("requester", obj{"phone": "call me"}), "requester: phone number"},
		{with("requester", obj{"name": "\x1b[2JEvil"}), "control characters"},
		{with("subject_id", "no-such-subject"), `subject_id "no-such-subject" is not a subject of tenant oakridge-ca`},
		{with("same_as_requester", true), "same_as_requester: no subject of tenant oakridge-ca"},
		{with("residency_state", "California"), "two-letter postal code"},
		// The rule book's intake rules (model.Intake), asked before anything is written.
		{with("agent", obj{"name": "Agent A"}), "an authorized agent needs the subject's written permission (§7063)"},
		{with("corrections", obj{"email": "a@b.org"}), "corrections are only for a correction request, not access"},
		{with("type", "rectification"), "a correction must say which fields to change"},
		{with("access_scope", "everything"), `access_scope: access scope "everything" is unknown: use categories`},
		{obj{"external_ref": "bad-scope-on-deletion", "tenant": "oakridge-ca", "type": "deletion", "access_scope": "specific", "channel": "web",
			"received": "2026-11-02", "requester": obj{"name": "Val Id"}}, "only a request to know has an access scope"},
	}
	lines := []any{valid}
	for _, b := range bad {
		lines = append(lines, b.line)
	}
	file := jsonl(lines...)
	before := e.countRequests(t)
	rep := e.importText(t, sam, file, cli.ImportOptions{})
	if !rep.Refused || rep.Imported != 0 || len(rep.Invalid) != len(bad) {
		t.Fatalf("want the whole file refused with %d invalid lines: %+v", len(bad), rep)
	}
	for i, b := range bad {
		p := rep.Invalid[i]
		if p.Line != i+2 || !strings.Contains(p.Reason, b.want) {
			t.Errorf("problem %d: line %d %q; want line %d saying %q", i, p.Line, p.Reason, i+2, b.want)
		}
	}
	if got := e.countRequests(t); got != before {
		t.Fatalf("a refused file wrote %d requests", got-before)
	}
	var out bytes.Buffer
	rep.WriteText(&out)
	if !strings.HasPrefix(out.String(), fmt.Sprintf("0 imported, 0 already present, %d invalid\nline 2: ", len(bad))) ||
		!strings.Contains(out.String(), "--skip-invalid") || strings.ContainsRune(out.String(), '\x1b') {
		t.Fatalf("report text:\n%s", out.String())
	}

	rep = e.importText(t, sam, file, cli.ImportOptions{SkipInvalid: true})
	if rep.Refused || rep.Imported != 1 || len(rep.Invalid) != len(bad) {
		t.Fatalf("--skip-invalid: %+v", rep)
	}
	if _, err := e.store.Request(e.ctx, sam, cli.ImportRequestID("ok-1")); err != nil {
		t.Fatalf("the valid line was not imported: %v", err)
	}
}

func TestImportDuplicatesAndChangedLines(t *testing.T) {
	e := newEnv(t)
	sam := e.actor(t, "sam")
	line := obj{"external_ref": "dup-1", "tenant": "bayshore-ca", "type": "deletion", "channel": "web", "received": "2026-11-02",
		"requester": obj{"name": "Du Plicate", "email": "dup@example.org"}}
	changed := obj{}
	for k, v := range line {
		changed[k] = v
	}
	changed["type"] = "access"

	rep := e.importText(t, sam, jsonl(line, line), cli.ImportOptions{})
	if rep.Imported != 1 || rep.Present != 1 || len(rep.Invalid) != 0 {
		t.Fatalf("the same line twice in one file: %+v", rep)
	}
	rep = e.importText(t, sam, jsonl(changed), cli.ImportOptions{})
	if !rep.Refused || len(rep.Invalid) != 1 || !strings.Contains(rep.Invalid[0].Reason, "imported before as request "+cli.ImportRequestID("dup-1")+" with different content") {
		t.Fatalf("a changed line under a used reference: %+v", rep)
	}
	line2 := obj{}
	for k, v := range line {
		line2[k] = v
	}
	line2["external_ref"] = "dup-2"
	changed2 := obj{}
	for k, v := range line2 {
		changed2[k] = v
	}
	changed2["channel"] = "mail"
	// A reference already used by a request logged another way (the form).
	byHand := model.Request{ID: "R-HAND-1", ExternalRef: "ticket-77", TenantID: "bayshore-ca", Type: model.TypeDeletion,
		Channel: model.ChannelEmail, Requester: model.Person{Name: "By Hand"}, ResidencyState: "CA"}
	if _, err := e.store.CreateRequest(e.ctx, sam, byHand); err != nil {
		t.Fatal(err)
	}
	line3 := obj{}
	for k, v := range line {
		line3[k] = v
	}
	line3["external_ref"] = "ticket-77"
	before := e.countRequests(t)
	rep = e.importText(t, sam, jsonl(line2, line3), cli.ImportOptions{})
	if !rep.Refused || len(rep.Invalid) != 1 || rep.Invalid[0].Line != 2 || !strings.Contains(rep.Invalid[0].Reason, "already belongs to request R-HAND-1") {
		t.Fatalf("a reference logged by hand: %+v", rep)
	}
	if e.countRequests(t) != before {
		t.Fatal("a refused file wrote requests")
	}
	rep = e.importText(t, sam, jsonl(line2, changed2), cli.ImportOptions{})
	if !rep.Refused || len(rep.Invalid) != 1 || rep.Invalid[0].Line != 2 || !strings.Contains(rep.Invalid[0].Reason, "is on line 1 with different content") {
		t.Fatalf("one reference, two requests in one file: %+v", rep)
	}
}

func TestImportBoundsLinesAndRefusesReadOnlyRoles(t *testing.T) {
	e := newEnv(t)
	sam := e.actor(t, "sam")
	ok := obj{"external_ref": "long-ok", "tenant": "oakridge-ca", "type": "access", "channel": "web", "received": "2026-11-02",
		"requester": obj{"name": "Short Line"}}
	long := obj{"external_ref": "long-1", "tenant": "oakridge-ca", "type": "access", "channel": "web", "received": "2026-11-02",
		"requester": obj{"name": strings.Repeat("x", 5000)}}
	rep := e.importText(t, sam, jsonl(long, ok), cli.ImportOptions{MaxLineBytes: 1024, SkipInvalid: true})
	if rep.Imported != 1 || len(rep.Invalid) != 1 || rep.Invalid[0].Line != 1 || !strings.Contains(rep.Invalid[0].Reason, "longer than 1024 bytes") {
		t.Fatalf("an over-long line: %+v", rep)
	}

	bom := obj{"external_ref": "bom-1", "tenant": "oakridge-ca", "type": "access", "channel": "web", "received": "2026-11-02",
		"requester": obj{"name": "Windows Editor"}}
	rep = e.importText(t, sam, "\ufeff"+strings.ReplaceAll(jsonl(bom), "\n", "\r\n"), cli.ImportOptions{})
	if rep.Imported != 1 || len(rep.Invalid) != 0 {
		t.Fatalf("a file with a byte-order mark and CRLF line ends: %+v", rep)
	}

	for _, handle := range []string{"eve", "ada"} {
		_, err := cli.Import(e.ctx, e.store, e.actor(t, handle), strings.NewReader(jsonl(ok)), cli.ImportOptions{Clock: e.clock})
		if !errors.Is(err, db.ErrRefused) || !strings.Contains(err.Error(), "import requests") {
			t.Errorf("%s importing: %v", handle, err)
		}
	}
	// A California-only operator cannot import into Texas: the tenant is unknown to it.
	tx := obj{"external_ref": "tx-1", "tenant": "pecan-ridge-tx", "type": "access", "channel": "web", "received": "2026-11-02",
		"requester": obj{"name": "Tex"}}
	rep = e.importText(t, e.actor(t, "sofia"), jsonl(tx), cli.ImportOptions{})
	if !rep.Refused || !strings.Contains(rep.Invalid[0].Reason, "outside your scope") {
		t.Fatalf("scoped operator: %+v", rep)
	}
}

func TestShowMasksAndCleans(t *testing.T) {
	e := newEnv(t)
	lee := e.actor(t, "lee")
	sub := e.subjectWithUniqueEmail(t, "oakridge-ca")
	hostileName := "Mallory \x1b]52;c;cm0gLXJmIH4=\x07\u202eevil\r"
	file := jsonl(
		obj{"external_ref": "show-1", "tenant": "oakridge-ca", "type": "access", "channel": "web", "received": "2026-11-02",
			"requester": obj{"name": sub.Name, "email": sub.Emails[0]}, "same_as_requester": true},
	)
	if rep := e.importText(t, e.actor(t, "sam"), file, cli.ImportOptions{}); rep.Imported != 1 {
		t.Fatalf("import: %+v", rep)
	}
	id := cli.ImportRequestID("show-1")
	// A note with escape sequences, as a requester's quoted words might carry.
	r, err := e.store.Request(e.ctx, lee, id)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.Apply(e.ctx, lee, id, r.Version, model.ActNote, "caller said: "+hostileName, nil); err != nil {
		t.Fatal(err)
	}

	var out bytes.Buffer
	if err := cli.Show(e.ctx, e.store, lee, id, false, now, &out); err != nil {
		t.Fatal(err)
	}
	text := out.String()
	for _, want := range []string{id, "City of Oakridge", "acknowledgement", "2026-11-17", // ten business days, Veterans Day off
		"legal response", "2026-12-17",
		"extended", "not extended", "custodian", "starts when the Customer approves", "Two requests to know per 12 months",
		"Verification", "not recorded", "Customer decision", "History", "sam", "log", "→ received", "Mallory", "evil"} {
		if !strings.Contains(text, want) {
			t.Errorf("show does not say %q:\n%s", want, text)
		}
	}
	for _, leak := range []string{sub.Emails[0], sub.Name, "\x1b", "\u202e", "\r", "\a"} {
		if strings.Contains(text, leak) {
			t.Errorf("show prints %q unmasked or uncleaned:\n%s", leak, text)
		}
	}

	out.Reset()
	if err := cli.Show(e.ctx, e.store, lee, id, true, now, &out); err != nil {
		t.Fatal(err)
	}
	var v present.Request
	if err := json.Unmarshal(out.Bytes(), &v); err != nil {
		t.Fatalf("show --json is not JSON: %v\n%s", err, out.String())
	}
	if v.ID != id || v.SubjectID != sub.ID || v.Deadlines.NextKind != model.DueAck || v.Limit == nil ||
		v.Requester.Email != model.Mask(model.KindEmail, sub.Emails[0]) || len(v.History) != 2 || strings.ContainsRune(v.Notes[0].Text, '\x1b') {
		t.Fatalf("show --json: %+v", v)
	}
	if strings.Contains(out.String(), sub.Emails[0]) {
		t.Fatal("show --json prints the email unmasked")
	}

	if err := cli.Show(e.ctx, e.store, lee, "R-nope", false, now, &out); !errors.Is(err, db.ErrNotFound) {
		t.Fatalf("missing request: %v", err)
	}
}

func TestShowEveryDemoRequestIsClean(t *testing.T) {
	e := newEnv(t)
	lee := e.actor(t, "lee")
	rows, err := e.store.Queue(e.ctx, lee, model.QueueFilter{Statuses: model.Statuses(), Limit: 5000})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) == 0 {
		t.Fatal("no demo requests")
	}
	for _, r := range rows {
		var out bytes.Buffer
		if err := cli.Show(e.ctx, e.store, lee, r.ID, false, now, &out); err != nil {
			t.Fatalf("%s: %v", r.ID, err)
		}
		if model.CleanText(out.String()) != out.String() {
			t.Fatalf("%s: show prints control characters:\n%q", r.ID, out.String())
		}
	}
}

func TestListPagesInDueOrder(t *testing.T) {
	e := newEnv(t)
	lee := e.actor(t, "lee")
	list := func(opts cli.ListOptions) []cli.ListRow {
		t.Helper()
		opts.JSON = true
		var out bytes.Buffer
		if err := cli.List(e.ctx, e.store, lee, opts, now, &out); err != nil {
			t.Fatal(err)
		}
		var rows []cli.ListRow
		if err := json.Unmarshal(out.Bytes(), &rows); err != nil {
			t.Fatalf("%v\n%s", err, out.String())
		}
		return rows
	}
	all := list(cli.ListOptions{})
	if len(all) == 0 {
		t.Fatal("empty queue")
	}
	for i := 1; i < len(all); i++ {
		if all[i].DueAt.Before(all[i-1].DueAt) {
			t.Fatalf("row %d (%s) is due before row %d", i, all[i].ID, i-1)
		}
	}
	for _, r := range all {
		if !r.Status.Open() {
			t.Fatalf("default list shows closed request %s (%s)", r.ID, r.Status)
		}
	}
	paged := list(cli.ListOptions{PageSize: 3})
	if fmt.Sprint(idsOf(paged)) != fmt.Sprint(idsOf(all)) {
		t.Fatalf("paging by 3 gives %v, want %v", idsOf(paged), idsOf(all))
	}
	statuses, err := cli.ParseStatuses("completed,denied")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range list(cli.ListOptions{Statuses: statuses}) {
		if r.Status != model.StatusCompleted && r.Status != model.StatusDenied {
			t.Fatalf("--status completed,denied lists %s (%s)", r.ID, r.Status)
		}
	}
	for _, r := range list(cli.ListOptions{TenantID: "oakridge-ca"}) {
		if r.TenantID != "oakridge-ca" {
			t.Fatalf("--tenant oakridge-ca lists %s of %s", r.ID, r.TenantID)
		}
	}
	var out bytes.Buffer
	if err := cli.List(e.ctx, e.store, e.actor(t, "sofia"), cli.ListOptions{TenantID: "pecan-ridge-tx"}, now, &out); !errors.Is(err, db.ErrNotFound) {
		t.Fatalf("a tenant outside the scope: %v", err)
	}
	if _, err := cli.ParseStatuses("open,snoozed"); err == nil || !strings.Contains(err.Error(), "--status") {
		t.Fatalf("unknown status: %v", err)
	}

	out.Reset()
	if err := cli.List(e.ctx, e.store, lee, cli.ListOptions{}, now, &out); err != nil {
		t.Fatal(err)
	}
	text := out.String()
	if !strings.HasPrefix(text, "DUE") || !strings.HasSuffix(text, fmt.Sprintf("%d requests\n", len(all))) || model.CleanText(text) != text {
		t.Fatalf("list text:\n%s", text)
	}
}

func idsOf(rows []cli.ListRow) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = r.ID
	}
	return out
}
