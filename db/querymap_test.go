package db_test

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	mongoevent "go.mongodb.org/mongo-driver/v2/event"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/custodian-dev/custodian/db"
	"github.com/custodian-dev/custodian/db/dbtest"
	"github.com/custodian-dev/custodian/db/demo"
	"github.com/custodian-dev/custodian/model"
)

// commandLog keeps every command a client sends, for the shapes of the
// queries among them.
type commandLog struct {
	mu   sync.Mutex
	cmds []loggedCommand
}

type loggedCommand struct {
	name string
	cmd  bson.Raw
}

func (l *commandLog) monitor() *mongoevent.CommandMonitor {
	return &mongoevent.CommandMonitor{Started: func(_ context.Context, e *mongoevent.CommandStartedEvent) {
		l.mu.Lock()
		defer l.mu.Unlock()
		l.cmds = append(l.cmds, loggedCommand{e.CommandName, slices.Clone(e.Command)})
	}}
}

// monitoredConn is a second client on the test server's socket, with the
// monitor. embedded chooses which of the store's paths run: false takes
// the MongoDB ones (conditional writes with the version, server-side sorts,
// counts), which FerretDB also executes, so their shapes are captured too.
func monitoredConn(t *testing.T, server *db.Conn, log *commandLog, embedded bool) *db.Conn {
	t.Helper()
	client, err := mongo.Connect(options.Client().ApplyURI(server.URI).SetMonitor(log.monitor()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = client.Disconnect(ctx)
	})
	return &db.Conn{Client: client, DB: client.Database(server.DB.Name()), URI: server.URI, Embedded: embedded}
}

// TestEveryQueryHasAnIndex runs a broad workload through the Store with a
// command monitor, and holds every filter and sort it sent to Queries():
// each shape must be registered, and each registered index must exist and
// be able to serve it, or the entry must say why it scans.
func TestEveryQueryHasAnIndex(t *testing.T) {
	skipUnderRace(t)
	for _, q := range db.Queries() {
		if why := q.Check(); why != "" {
			t.Errorf("Queries() entry %s %q (%s): %s", q.Collection, q.Shape, q.Name, why)
		}
	}

	server := dbtest.New(t)
	log := &commandLog{}
	// Both of the store's paths, each on its own requests.
	used := map[string]bool{} // subjects fulfilled by either run
	for _, mongoPaths := range []bool{true, false} {
		f := workloadFixture(t, monitoredConn(t, server, log, !mongoPaths), mongoPaths, used)
		runWorkload(t, f, map[bool]string{true: "M", false: "F"}[mongoPaths])
	}

	var dm []model.CollectionMap
	cur, err := server.DB.Collection("datamap").Find(context.Background(), bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	if err := cur.All(context.Background(), &dm); err != nil {
		t.Fatal(err)
	}
	subjectFields := map[string]string{}
	for _, cm := range dm {
		subjectFields[cm.Collection] = cm.SubjectField
	}

	registered := map[[2]string]bool{}
	for _, q := range db.Queries() {
		registered[[2]string{q.Collection, q.Shape}] = true
	}
	seen := map[[2]string][]string{} // shape → the commands that sent it
	for _, c := range log.cmds {
		coll, shapes := db.CommandShapes(c.name, c.cmd, subjectFields)
		for _, s := range shapes {
			k := [2]string{coll, s}
			if !slices.Contains(seen[k], c.name) {
				seen[k] = append(seen[k], c.name)
			}
		}
	}
	keys := make([][2]string, 0, len(seen))
	for k := range seen {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i][0]+keys[i][1] < keys[j][0]+keys[j][1] })
	var missing []string
	for _, k := range keys {
		if !registered[k] {
			missing = append(missing, fmt.Sprintf("\t%s  // sent by %s", db.GoEntry(k[0], k[1]), strings.Join(seen[k], ", ")))
		}
	}
	if len(missing) > 0 {
		t.Errorf("%d query shapes sent by the workload are not in db.Queries(); add to schema.go:\n%s", len(missing), strings.Join(missing, "\n"))
	}
	// An entry the workload never sent may be dead, or the workload misses
	// a path; either way worth knowing, not a failure (other processes'
	// paths, e.g. seeding a remote database, are not all run here).
	for _, q := range db.Queries() {
		if _, ok := seen[[2]string{q.Collection, q.Shape}]; !ok {
			t.Logf("not sent by the workload: %s %q (%s)", q.Collection, q.Shape, q.Name)
		}
	}
	// A declared index no registered query names costs every write for
	// nothing; reported, not failed, since dropping one is a schema change.
	for _, c := range db.Collections() {
		for _, ix := range c.Indexes {
			if !slices.ContainsFunc(db.Queries(), func(q db.QuerySpec) bool {
				return q.Collection == c.Name && slices.Contains(strings.Split(q.Index, " | "), ix.Name)
			}) {
				t.Logf("index %s.%s is named by no registered query (%s)", c.Name, ix.Name, ix.Serves)
			}
		}
	}
	t.Logf("%d commands, %d distinct query shapes", len(log.cmds), len(seen))
}

// workloadFixture is newFulfilFixture on the monitored connection.
func workloadFixture(t *testing.T, conn *db.Conn, seed bool, used map[string]bool) *ffix {
	t.Helper()
	const subjects, requests = 400, 80
	f := &ffix{t: t, ctx: context.Background(), conn: conn, exports: t.TempDir(), who: map[string]model.Actor{}, used: used}
	f.s = f.store()
	if seed {
		if _, err := db.Seed(f.ctx, f.s, db.SeedOptions{Subjects: subjects, Requests: requests, Clock: seedClock}); err != nil {
			t.Fatal(err)
		}
	}
	ds, err := demo.Generate(demo.Options{Subjects: subjects, Requests: requests, Clock: seedClock})
	if err != nil {
		t.Fatal(err)
	}
	f.ds = ds
	for _, h := range []string{"sam", "lee", "lou", "eve"} {
		op, err := f.s.Operator(f.ctx, h)
		if err != nil {
			t.Fatal(err)
		}
		f.who[h] = model.Actor{Operator: op, Origin: "test"}
	}
	return f
}

// runWorkload is what the console and the CLI do, one call of each kind,
// with each filter: it need not be realistic in volume, only in shapes.
// p prefixes the ids it creates, so the workload can run twice.
func runWorkload(t *testing.T, f *ffix, p string) {
	t.Helper()
	ctx, sam, lee, lou := f.ctx, f.who["sam"], f.who["lee"], f.who["lou"]
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	scoped := sam
	scoped.Operator.Tenants = []string{f.ds.Subjects[0].TenantID}

	// Start of every process.
	must("drain", func() error { _, err := f.s.DrainOutbox(ctx); return err }())
	must("ensure queue", f.s.EnsureQueue(ctx))
	_, err := db.Seeded(ctx, f.conn)
	must("seeded", err)
	_, err = f.s.IsDemo(ctx)
	must("is demo", err)
	_, _ = f.s.OperatorByKey(ctx, "SHA256:none")
	_, _ = f.s.OperatorByOSUser(ctx, "nobody")
	_, err = f.s.Operators(ctx, f.who["eve"])
	must("operators", err)
	_, err = f.s.Tenants(ctx, sam)
	must("tenants", err)
	// The on-call view: health (claims, failed rows, last verify, serve
	// session reports) and the failed list.
	must("record sessions", f.s.RecordSessions(ctx, "test:"+p, 1))
	_, err = f.s.Health(ctx, f.who["eve"])
	must("health", err)
	must("withdraw sessions", f.s.RecordSessions(ctx, "test:"+p, -1))
	_, err = f.s.Tenants(ctx, scoped)
	must("tenants scoped", err)
	_, err = f.s.Tenant(ctx, sam, f.ds.Subjects[0].TenantID)
	must("tenant", err)

	// The live screens' poll: the marker, and what changed since.
	mark, err := f.s.Changes(ctx)
	must("changes", err)
	_, _, _, err = f.s.ChangesSince(ctx, scoped, max(0, mark.Seq-5), 0)
	must("changes since", err)
	_, _, _, err = f.s.ChangesSince(ctx, scoped, 0, 0) // past the ring: MongoDB reads the chain
	must("changes since the start", err)

	// The queue, each filter, and its next page.
	tenant := f.ds.Subjects[0].TenantID
	for _, a := range []model.Actor{sam, scoped} {
		for _, qf := range []model.QueueFilter{{}, {TenantID: tenant}, {Statuses: model.Statuses()}, {Statuses: []model.Status{model.StatusCompleted}, TenantID: tenant}} {
			page, err := f.s.Queue(ctx, a, qf)
			must("queue", err)
			if len(page) > 0 {
				last := page[len(page)-1]
				qf.AfterDue, qf.AfterID = last.DueAt, last.ID
				_, err = f.s.Queue(ctx, a, qf)
				must("queue next page", err)
			}
		}
	}
	_, err = f.s.Approvals(ctx, lou, "")
	must("approvals", err)
	_, err = f.s.Approvals(ctx, lou, tenant)
	must("approvals of a tenant", err)

	// Requests, subjects and their records.
	sub := f.ds.Subjects[1]
	_, err = f.s.Subject(ctx, sam, sub.ID)
	must("subject", err)
	_, err = f.s.Subjects(ctx, sam, []string{sub.ID, f.ds.Subjects[2].ID})
	must("subjects", err)
	_, err = f.s.SubjectRequests(ctx, sam, sub.ID)
	must("subject requests", err)
	recs, err := f.s.SubjectRecords(ctx, lee, sub.ID)
	must("subject records", err)
	for _, rec := range recs {
		if len(rec.Fields) > 0 {
			_, err = f.s.RevealField(ctx, lee, sub.ID, model.FieldRef{Collection: rec.Collection, RecordID: rec.RecordID, IDKey: rec.IDKey, Field: rec.Fields[0].Field}, "workload check")
			must("reveal", err)
			break
		}
	}
	if len(sub.Emails) > 0 {
		_, err = f.s.LookupSubjects(ctx, sam, sub.Emails[0])
		must("lookup by email", err)
		_, err = f.s.LookupSubjects(ctx, scoped, sub.Emails[0])
		must("lookup by email, scoped", err)
	}
	for _, ps := range f.ds.Subjects {
		if len(ps.Phones) > 0 {
			_, err = f.s.LookupSubjects(ctx, sam, ps.Phones[0])
			must("lookup by phone", err)
			_, err = f.s.MatchSubjectsMany(ctx, sam, []db.TenantPerson{{TenantID: ps.TenantID, Person: model.Person{Phone: ps.Phones[0]}}})
			must("match by phone", err)
			break
		}
	}
	_, err = f.s.MatchSubjects(ctx, sam, sub.TenantID, model.Person{Name: sub.Name})
	must("match by name", err)
	_, err = f.s.MatchSubjects(ctx, sam, sub.TenantID, model.Person{Name: sub.Name, Email: "x@example.net"})
	must("match by email", err)

	// The lookup directory: all, one tenant, scoped, changed since.
	for _, d := range []struct {
		a      model.Actor
		tenant string
		since  time.Time
	}{{sam, "", time.Time{}}, {sam, tenant, time.Time{}}, {scoped, "", time.Time{}}, {sam, "", seedClock.T}, {scoped, "", seedClock.T}} {
		must("directory", f.s.SubjectDirectory(ctx, d.a, d.tenant, d.since, func([]model.Subject) error { return nil }, nil))
		_, err = f.s.OpenRequestCounts(ctx, d.a, d.tenant)
		must("open counts", err)
	}

	// An import: new lines, one seen before, matched by contact.
	var lines []model.Request
	for i, s := range f.ds.Subjects[10:14] {
		lines = append(lines, model.Request{
			ID: fmt.Sprintf("%s-IMP-%d", p, i), ExternalRef: fmt.Sprintf("%s-ref-%d", p, i), TenantID: s.TenantID, SubjectID: s.ID,
			Type: model.TypeAccess, Channel: model.ChannelWeb, ResidencyState: s.ResidencyState,
			Requester: model.Person{Name: s.Name, Email: "requester@example.net"},
		})
	}
	_, err = f.s.ExistingRequests(ctx, sam, []string{lines[0].ID}, []string{lines[0].ExternalRef})
	must("existing", err)
	_, err = f.s.ExistingRequests(ctx, scoped, []string{lines[0].ID}, []string{lines[0].ExternalRef})
	must("existing, scoped", err)
	_, err = f.s.MatchSubjectsMany(ctx, sam, []db.TenantPerson{{TenantID: sub.TenantID, Person: model.Person{Email: "someone@example.net", Phone: "+1 555 0100"}}})
	must("match many", err)
	_, err = f.s.CreateRequests(ctx, sam, lines, nil)
	must("import", err)
	_, err = f.s.CreateRequests(ctx, sam, lines[:1], nil) // repeated: already there
	must("import again", err)
	_, err = f.s.KnowLimit(ctx, sam, lines[0].ID)
	must("limit", err)

	// Transitions, then a deletion and an access request planned, signed
	// off and run.
	r, err := f.s.Request(ctx, sam, lines[1].ID)
	must("request", err)
	_, err = f.s.Transition(ctx, sam, r.ID, r.Version, model.ActStartVerification, "workload")
	must("transition", err)
	adult := func(s model.Subject) bool {
		return !s.IsChild(f.ds.Now) && len(s.Emails) > 0 && s.Status == model.AccountActive
	}
	del := f.pick("a deletion", func(s model.Subject) bool { return adult(s) && len(f.collections(s.ID)) >= 2 })
	f.run(f.planned(f.approved(p+"-DEL", del, model.TypeDeletion, nil)), "lou")
	acc := f.pick("an access request", func(s model.Subject) bool { return adult(s) && len(f.collections(s.ID)) >= 2 })
	f.run(f.planned(f.approved(p+"-ACC", acc, model.TypeAccess, nil)), "lou")

	// Audit history with each filter, and its next page.
	now := fulfilClock.T
	for _, af := range []model.AuditFilter{
		{}, {Actor: "lou"}, {Action: "approve"}, {Target: "request:" + p + "-DEL"}, {TenantID: tenant},
		{Since: now.Add(-time.Hour)}, {Until: now.Add(time.Hour)}, {Actor: "lou", Since: now.Add(-time.Hour), Until: now.Add(time.Hour)},
	} {
		for _, a := range []model.Actor{lee, scoped} {
			page, err := f.s.AuditHistory(ctx, a, af, 0, 5)
			must("audit history", err)
			if len(page.Records) > 0 {
				_, err = f.s.AuditHistory(ctx, a, af, page.Records[len(page.Records)-1].Seq, 5)
				must("audit history next page", err)
			}
		}
	}
	_, err = f.s.AuditPage(ctx, lee, 0, 10)
	must("audit page", err)
	_, err = f.s.AuditPage(ctx, scoped, 5, 10)
	must("audit page scoped", err)

	// The auditors' export, all and one tenant.
	since, until := seedClock.T.AddDate(-2, 0, 0), now.Add(24*time.Hour)
	for _, rf := range []model.RecordFilter{{Since: since, Until: until}, {Since: since, Until: until, TenantID: tenant}, {Since: since, Until: until, RequestID: p + "-DEL"}} {
		must("request records", f.s.RequestRecords(ctx, lee, rf, func(model.Request) error { return nil }))
	}

	// The request metrics of the year, all and one tenant.
	for _, tid := range []string{"", tenant} {
		_, err = f.s.RequestMetrics(ctx, lee, now.Year(), tid)
		must("request metrics", err)
	}

	// Checks and repairs.
	_, err = f.s.VerifyAudit(ctx, nil)
	must("verify audit", err)
	_, err = f.s.VerifyRequests(ctx)
	must("verify requests", err)
	_, err = f.s.DrainOutbox(ctx)
	must("drain", err)
	f.s.SetBatchForTest(7) // so the rebuild reads more than one page
	_, err = f.s.RebuildQueue(ctx)
	must("rebuild queue", err)
}

// The rule Check applies, on entries that must fail and ones that must not.
func TestQuerySpecCheck(t *testing.T) {
	tests := []struct {
		q    db.QuerySpec
		want string // "" passes
	}{
		{db.QuerySpec{Name: "queue", Collection: "queue", Shape: "status= sort(due_at,_id)", Index: "status_1_due_at_1__id_1"}, ""},
		{db.QuerySpec{Name: "reversed", Collection: "requests", Shape: "subject_id= sort(received_at)", Index: "subject_id_1_received_at_-1"}, ""},
		{db.QuerySpec{Name: "wrong index", Collection: "requests", Shape: "status= sort(due_at,_id)", Index: "received_at_1__id_1"}, "none of the equality fields"},
		{db.QuerySpec{Name: "sort out of order", Collection: "queue", Shape: "status= sort(_id,due_at)", Index: "status_1_due_at_1__id_1"}, "does not follow its keys"},
		{db.QuerySpec{Name: "mixed directions", Collection: "queue", Shape: "status= sort(due_at,-_id)", Index: "status_1_due_at_1__id_1"}, "mixes directions"},
		{db.QuerySpec{Name: "sort past the keys", Collection: "subjects", Shape: "emails= sort(_id)", Index: "emails_1"}, "runs past its keys"},
		{db.QuerySpec{Name: "sorted in memory", Collection: "subjects", Shape: "emails= sort(_id)", Index: "emails_1", MemSort: "few"}, ""},
		{db.QuerySpec{Name: "undeclared", Collection: "audit", Shape: "actor= sort(-_id)", Index: "actor_1"}, "not declared"},
		{db.QuerySpec{Name: "order", Collection: "queue", Shape: "tenant_id= status=", Index: "tenant_id_1_status_1_due_at_1__id_1"}, "canonical"},
		{db.QuerySpec{Name: "or, one index", Collection: "audit", Shape: "or(_id>|event_id=) sort(_id)", Index: "_id_"}, "none of the equality fields [event_id]"},
		{db.QuerySpec{Name: "or", Collection: "audit", Shape: "or(_id>|event_id=) sort(_id)", Index: "_id_ | event_id_1"}, ""},
		{db.QuerySpec{Name: "unbounded", Collection: "requests", Shape: "received_at>", Index: "status_1_due_at_1__id_1"}, "none of the range fields"},
		{db.QuerySpec{Name: "product", Collection: db.ProductCollection, Shape: "<subject>= tenant_id=", Index: "tenant_id_1_<subject>_1"}, ""},
		{db.QuerySpec{Name: "", Collection: "meta", Shape: "_id=", Index: "_id_"}, "no name"},
		{db.QuerySpec{Name: "scan", Collection: "claims", Shape: "coll=", Scan: "tiny"}, ""},
	}
	for _, tc := range tests {
		got := tc.q.Check()
		if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
			t.Errorf("%s %q on %s: Check() = %q, want %q", tc.q.Collection, tc.q.Shape, tc.q.Index, got, tc.want)
		}
	}
}

// The shapes of filters as the driver sends them.
func TestQueryShape(t *testing.T) {
	raw := func(d bson.D) bson.Raw {
		b, err := bson.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	tests := []struct {
		filter, sort bson.D
		subject      string
		want         string
	}{
		{nil, nil, "", "*"},
		{bson.D{{Key: "status", Value: bson.D{{Key: "$in", Value: bson.A{"a"}}}}, {Key: "tenant_id", Value: "t"}},
			bson.D{{Key: "due_at", Value: 1}, {Key: "_id", Value: 1}}, "", "status= tenant_id= sort(due_at,_id)"},
		{bson.D{{Key: "_id", Value: bson.D{{Key: "$lt", Value: 9}}}, {Key: "at", Value: bson.D{{Key: "$gte", Value: 1}, {Key: "$lt", Value: 2}}}},
			bson.D{{Key: "_id", Value: -1}}, "", "_id> at> sort(-_id)"},
		{bson.D{{Key: "name", Value: bson.Regex{Pattern: `^\s*ann\s*$`, Options: "i"}}, {Key: "target", Value: bson.D{{Key: "$regex", Value: "^request:"}}}},
			nil, "", "target> name?"},
		{bson.D{{Key: "$or", Value: bson.A{bson.D{{Key: "b", Value: 1}}, bson.D{{Key: "c", Value: bson.D{{Key: "$gt", Value: 1}}}, {Key: "a", Value: 1}}}}},
			nil, "", "or(b=|a=,c>)"},
		{bson.D{{Key: "_id", Value: 1}, {Key: "tenant_id", Value: "t"}, {Key: "patron", Value: "s"}, {Key: "x", Value: bson.D{{Key: "$eq", Value: 1}}},
			{Key: "y", Value: bson.D{{Key: "$type", Value: "null"}}}}, nil, "patron", "<subject>= _id= tenant_id= <record>?"},
	}
	for _, tc := range tests {
		var f, s bson.Raw
		if tc.filter != nil {
			f = raw(tc.filter)
		}
		if tc.sort != nil {
			s = raw(tc.sort)
		}
		if got := db.QueryShape(f, s, tc.subject); got != tc.want {
			t.Errorf("QueryShape(%v, %v) = %q, want %q", tc.filter, tc.sort, got, tc.want)
		}
	}
}
