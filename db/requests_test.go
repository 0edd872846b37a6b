package db_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/custodian-dev/custodian/db"
	"github.com/custodian-dev/custodian/db/dbtest"
	"github.com/custodian-dev/custodian/model"
)

// testClock is a settable model.Clock.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// fixture is a store on a fresh embedded database with two tenants, a
// subject in each and one actor per role.
type fixture struct {
	t       testing.TB
	ctx     context.Context
	conn    *db.Conn
	s       *db.Store
	clock   *testClock
	cpPath  string
	keyPath string

	support, support2, lead, lead2, engineer, admin, system model.Actor
	scopedA                                                 model.Actor // support scoped to tenant "ta"
}

func actor(handle string, role model.Role, tenants ...string) model.Actor {
	return model.Actor{Operator: model.Operator{Handle: handle, Name: handle, Role: role, Tenants: tenants}, Origin: "test"}
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	conn := dbtest.New(t)
	dir := t.TempDir()
	f := &fixture{
		t: t, ctx: context.Background(), conn: conn,
		clock:    &testClock{t: time.Date(2026, 3, 2, 15, 4, 0, 0, time.UTC)}, // a Monday
		cpPath:   filepath.Join(dir, "audit.checkpoint"),
		keyPath:  filepath.Join(dir, "keys", "audit.key"),
		support:  actor("sam", model.RoleSupport),
		support2: actor("sue", model.RoleSupport),
		lead:     actor("ana", model.RoleLead),
		lead2:    actor("leo", model.RoleLead),
		engineer: actor("eve", model.RoleEngineer),
		admin:    actor("adm", model.RoleAdmin),
		system:   model.SystemActor("test"),
		scopedA:  actor("sia", model.RoleSupport, "ta"),
	}
	f.s = f.newStore(conn)
	tenants := []any{
		model.Tenant{ID: "ta", Name: "Town A", State: "CA", TimeZone: "America/Los_Angeles", Government: true,
			Approvers: []model.Contact{{Name: "Pat Clerk", Title: "City Clerk", Email: "pat@town-a.example"}}},
		model.Tenant{ID: "tb", Name: "Borough B", State: "CA", TimeZone: "America/Los_Angeles",
			Approvers: []model.Contact{{Name: "Bea Counsel", Title: "Counsel", Email: "bea@borough-b.example"}}},
	}
	if _, err := conn.DB.Collection("tenants").InsertMany(f.ctx, tenants); err != nil {
		t.Fatal(err)
	}
	subjects := []any{
		db.StoredSubject(model.Subject{ID: "sa1", TenantID: "ta", Name: "Alma A", Emails: []string{"alma@example.org"}, Phones: []string{"5551230001"}, Status: model.AccountActive}),
		db.StoredSubject(model.Subject{ID: "sb1", TenantID: "tb", Name: "Bo B", Emails: []string{"bo@example.org"}, Phones: []string{"5551230002"}, Status: model.AccountActive}),
	}
	if _, err := conn.DB.Collection("subjects").InsertMany(f.ctx, subjects); err != nil {
		t.Fatal(err)
	}
	for _, a := range []model.Actor{f.support, f.support2, f.lead, f.lead2, f.engineer, f.admin, f.scopedA} {
		if err := f.s.PutOperator(f.ctx, f.system, a.Operator); err != nil {
			t.Fatalf("put operator %s: %v", a.Handle(), err)
		}
	}
	return f
}

func (f *fixture) newStore(conn *db.Conn) *db.Store {
	f.t.Helper()
	s, err := db.NewStore(conn, db.StoreOptions{Clock: f.clock, CheckpointPath: f.cpPath, CheckpointKeyPath: f.keyPath})
	if err != nil {
		f.t.Fatal(err)
	}
	return s
}

func newReq(id, tenant, subject string) model.Request {
	return model.Request{
		ID: id, TenantID: tenant, SubjectID: subject, Type: model.TypeDeletion, Channel: model.ChannelWeb,
		Requester: model.Person{Name: "Alma A", Email: "alma@example.org"}, ResidencyState: "CA",
	}
}

func (f *fixture) create(id, tenant string) model.Request {
	f.t.Helper()
	sub := map[string]string{"ta": "sa1", "tb": "sb1"}[tenant]
	r, err := f.s.CreateRequest(f.ctx, f.support, newReq(id, tenant, sub))
	if err != nil {
		f.t.Fatalf("create %s: %v", id, err)
	}
	return r
}

// step is one action with what it needs to succeed.
func step(a model.Action) (reason string, edit func(*model.Request) error) {
	reason = "reason for " + string(a)
	switch a {
	case model.ActVerify:
		edit = func(r *model.Request) error {
			r.Verification = &model.Verification{Method: "data points", DataPoints: []string{"email", "phone"}, Level: model.LevelReasonable}
			return nil
		}
	case model.ActRemind:
		edit = func(r *model.Request) error {
			to := map[string]string{"ta": "Pat Clerk", "tb": "Bea Counsel"}[r.TenantID]
			r.Reminders = append(r.Reminders, model.Reminder{To: to})
			return nil
		}
	case model.ActFulfilStep:
		edit = func(r *model.Request) error {
			i := r.Plan.Pending()[0]
			r.Plan.Steps[i].Done, r.Plan.Steps[i].Result = true, "done by hand"
			return nil
		}
	case model.ActChargeFee:
		edit = func(r *model.Request) error { r.Fee = &model.Fee{AmountCents: 2500}; return nil }
	case model.ActCorrectDecision:
		edit = func(r *model.Request) error {
			d := *r.Decision
			d.Evidence = "ticket 43"
			r.Decision = &d
			return nil
		}
	case model.ActLink:
		edit = func(r *model.Request) error {
			r.SubjectID = map[string]string{"ta": "sa1", "tb": "sb1"}[r.TenantID]
			return nil
		}
	case model.ActApprove, model.ActDeny:
		out := model.DecisionApproved
		if a == model.ActDeny {
			out = model.DecisionDenied
		}
		edit = func(r *model.Request) error {
			r.Decision = &model.Decision{Outcome: out, Approver: "Pat Clerk", Method: "email", Evidence: "ticket 42"}
			return nil
		}
	}
	return reason, edit
}

// allowedActor is who may take a: the logger and verifier is f.support, so a
// decision goes to f.lead2 (four eyes).
func (f *fixture) allowedActor(a model.Action) model.Actor {
	t, _ := model.TransitionFor(a)
	switch t.Perm {
	case model.PermTriage:
		return f.support
	case model.PermDecide:
		return f.lead2
	case model.PermRetry:
		return f.engineer
	}
	return f.lead
}

// disallowedActor is an operator whose role lacks a's permission.
func (f *fixture) disallowedActor(a model.Action) model.Actor {
	t, _ := model.TransitionFor(a)
	if t.Perm == model.PermTriage {
		return f.engineer
	}
	return f.support
}

func (f *fixture) do(id string, a model.Action) model.Request {
	f.t.Helper()
	cur, err := f.s.Request(f.ctx, f.support, id)
	if err != nil {
		f.t.Fatal(err)
	}
	cur = f.readyFor(a, cur)
	reason, edit := step(a)
	r, err := f.s.Apply(f.ctx, f.allowedActor(a), id, cur.Version, a, reason, edit)
	if err != nil {
		f.t.Fatalf("%s %s (from %s): %v", a, id, cur.Status, err)
	}
	return r
}

// pathTo lists actions that take a new request to st.
func pathTo(st model.Status) []model.Action {
	switch st {
	case model.StatusReceived:
		return nil
	case model.StatusVerifying:
		return []model.Action{model.ActStartVerification}
	case model.StatusNeedsInfo:
		return []model.Action{model.ActRequestInfo}
	case model.StatusAwaitingApproval:
		return []model.Action{model.ActStartVerification, model.ActVerify}
	case model.StatusApproved:
		return append(pathTo(model.StatusAwaitingApproval), model.ActApprove)
	case model.StatusFulfilling:
		return append(pathTo(model.StatusApproved), model.ActStartFulfilment)
	case model.StatusFailed:
		return append(pathTo(model.StatusFulfilling), model.ActFail)
	case model.StatusCompleted:
		return append(pathTo(model.StatusFulfilling), model.ActComplete)
	case model.StatusDenied:
		return []model.Action{model.ActStartVerification, model.ActDenyUnverifiable}
	case model.StatusWithdrawn:
		return []model.Action{model.ActWithdraw}
	}
	panic("no path to " + st)
}

func (f *fixture) requestAt(id, tenant string, st model.Status) model.Request {
	f.t.Helper()
	r := f.create(id, tenant)
	for _, a := range pathTo(st) {
		r = f.do(id, a)
	}
	if r.Status != st {
		f.t.Fatalf("%s: got to %s, want %s", id, r.Status, st)
	}
	return r
}

// lastAudit is the newest chain entry.
func (f *fixture) lastAudit() db.AuditRecord {
	f.t.Helper()
	recs, err := f.s.AuditPage(f.ctx, f.admin, 0, 1)
	if err != nil || len(recs) != 1 {
		f.t.Fatalf("audit page: %v (%d records)", err, len(recs))
	}
	return recs[0]
}

func (f *fixture) verifyOK() db.VerifyResult {
	f.t.Helper()
	res, err := f.s.VerifyAudit(f.ctx, nil)
	if err != nil {
		f.t.Fatal(err)
	}
	if !res.OK {
		f.t.Fatalf("audit chain not OK: seq %d: %s", res.BadSeq, res.Problem)
	}
	return res
}

// allAudit returns the whole chain, oldest first.
func (f *fixture) allAudit() []db.AuditRecord {
	f.t.Helper()
	var out []db.AuditRecord
	before := int64(0)
	for {
		page, err := f.s.AuditPage(f.ctx, f.admin, before, 1000)
		if err != nil {
			f.t.Fatal(err)
		}
		out = append(out, page...)
		if len(page) < 1000 {
			break
		}
		before = page[len(page)-1].Seq
	}
	slices.Reverse(out)
	return out
}

func wantRefused(t *testing.T, err error, msg string) *db.RefusedError {
	t.Helper()
	var re *db.RefusedError
	if !errors.As(err, &re) || !errors.Is(err, db.ErrRefused) {
		t.Fatalf("want a refusal %q, got %v", msg, err)
	}
	if msg != "" && err.Error() != msg {
		t.Fatalf("refusal says %q, want %q", err.Error(), msg)
	}
	return re
}

func (f *fixture) wantRefusedAudit(t *testing.T, who model.Actor, a model.Action, id, reason string) {
	t.Helper()
	ev := f.lastAudit()
	if ev.Outcome != model.OutcomeRefused || ev.Action != string(a) || ev.Target != "request:"+id || ev.Actor != who.Handle() || ev.Role != who.Operator.Role || ev.Reason != reason {
		t.Fatalf("last audit entry %+v, want a refused %s of %s by %s with reason %q", ev.AuditEvent, a, id, who.Handle(), reason)
	}
}

// readyFor meets the fulfilment preconditions of request a the way the
// console does: starting or retrying needs a plan built by one lead
// (f.lead2) and signed off by another (f.lead); completing needs every step
// run (by the engineer, whose run stops short of completing). It returns
// the request as it then stands.
func (f *fixture) readyFor(a model.Action, r model.Request) model.Request {
	f.t.Helper()
	var err error
	switch a {
	case model.ActStartFulfilment, model.ActRetry, model.ActSignOff:
		if r.Plan == nil || r.Plan.SignedBy != "" {
			if r, err = f.s.PlanFulfilment(f.ctx, f.lead2, r.ID, r.Version); err != nil {
				f.t.Fatalf("plan %s: %v", r.ID, err)
			}
		}
		if a != model.ActSignOff && r.Plan.SignedBy == "" {
			if r, err = f.s.SignOffPlan(f.ctx, f.lead, r.ID, r.Version, r.Plan.Digest); err != nil {
				f.t.Fatalf("sign off %s: %v", r.ID, err)
			}
		}
	case model.ActLink:
		// An unmatched request: logged before its subject was known.
		if _, err := f.conn.DB.Collection("requests").UpdateOne(f.ctx, bson.D{{Key: "_id", Value: r.ID}},
			bson.D{{Key: "$unset", Value: bson.D{{Key: "subject_id", Value: ""}}}}); err != nil {
			f.t.Fatal(err)
		}
		r.SubjectID = ""
	case model.ActComplete, model.ActFulfilStep:
		if r.Status == model.StatusFulfilling && r.Plan == nil {
			f.t.Fatalf("%s is fulfilling without a plan: walk it there with f.do", r.ID)
		}
		if a == model.ActComplete && r.Plan != nil && len(r.Plan.Pending()) > 0 {
			if r, err = f.s.RunFulfilment(f.ctx, f.engineer, r.ID, nil); err != nil {
				f.t.Fatalf("run %s: %v", r.ID, err)
			}
		}
	}
	return r
}

// insertAt stores a request already at st, as the path there would have left
// it (logged and verified by sam, approved by leo), without walking the path.
func (f *fixture) insertAt(id string, st model.Status) model.Request {
	f.t.Helper()
	now := f.clock.Now().UTC()
	r := newReq(id, "ta", "sa1")
	r.Status, r.Version, r.ReceivedAt, r.LoggedBy = st, 1, now, "sam"
	r.Flags, r.Notes = []model.Flag{}, []model.Note{}
	r.History = []model.Event{{ID: id + "@1", At: now, Actor: "sam", Role: model.RoleSupport, Action: model.ActLog, To: st}}
	r.UpdatedBy, r.UpdatedAt, r.DueAt = "sam", now, now.Add(10*24*time.Hour)
	if st != model.StatusReceived && st != model.StatusNeedsInfo && st != model.StatusVerifying {
		r.Verification = &model.Verification{Method: "data points", DataPoints: []string{"email", "phone"}, Level: model.LevelReasonable, By: "sam", At: now}
	}
	switch st {
	case model.StatusApproved, model.StatusFulfilling, model.StatusFailed, model.StatusCompleted:
		r.Decision = &model.Decision{Outcome: model.DecisionApproved, Approver: "Pat Clerk", Method: "email", Evidence: "ticket 1", DecidedAt: now, RecordedBy: "leo", RecordedAt: now}
	case model.StatusDenied:
		r.Decision = &model.Decision{Outcome: model.DecisionDenied, Approver: "Pat Clerk", Method: "email", Evidence: "ticket 1", Reason: "not ours", DecidedAt: now, RecordedBy: "leo", RecordedAt: now}
	}
	if _, err := f.conn.DB.Collection("requests").InsertOne(f.ctx, r); err != nil {
		f.t.Fatal(err)
	}
	if _, err := f.s.RebuildQueue(f.ctx); err != nil {
		f.t.Fatal(err)
	}
	return r
}

func TestEveryTransitionAllowedAndRefused(t *testing.T) {
	skipUnderRace(t)
	f := newFixture(t)
	n := 0
	for _, tr := range model.Transitions() {
		if tr.Action == model.ActDisclose {
			// Needs an access request with a third-party field in its plan,
			// which this fixture's data map has none of: the allowed and
			// refused cases are TestDiscloseThirdPartyField's, on the demo map.
			continue
		}
		for _, from := range tr.From {
			n++
			id := fmt.Sprintf("R-%03d", n)
			r := f.insertAt(id, from)
			if from == model.StatusFulfilling && (tr.Action == model.ActComplete || tr.Action == model.ActFulfilStep) {
				// Fulfilling with a signed plan, as the console gets there.
				r = f.insertAt(id+"f", model.StatusApproved)
				id = r.ID
				r = f.do(id, model.ActStartFulfilment)
			}
			r = f.readyFor(tr.Action, r)
			who := f.allowedActor(tr.Action)

			// The wrong role is refused with the lifecycle table's words.
			bad := f.disallowedActor(tr.Action)
			_, wantErr := model.Next(from, tr.Action, bad.Operator.Role)
			reason, edit := step(tr.Action)
			_, err := f.s.Apply(f.ctx, bad, id, r.Version, tr.Action, reason, edit)
			wantRefused(t, err, wantErr.Error())
			var te *model.TransitionError
			if !errors.As(err, &te) {
				t.Fatalf("%s by %s: refusal does not wrap the model's TransitionError", tr.Action, bad.Operator.Role)
			}
			f.wantRefusedAudit(t, bad, tr.Action, id, wantErr.Error())

			var got model.Request
			switch tr.Action {
			case model.ActPlan:
				got, err = f.s.PlanFulfilment(f.ctx, who, id, r.Version)
			case model.ActSignOff:
				got, err = f.s.SignOffPlan(f.ctx, who, id, r.Version, r.Plan.Digest)
			default:
				got, err = f.s.Apply(f.ctx, who, id, r.Version, tr.Action, reason, edit)
			}
			if err != nil {
				t.Fatalf("%s from %s by %s: %v", tr.Action, from, who.Operator.Role, err)
			}
			want := tr.To
			if want == "" {
				want = from
			}
			last := got.History[len(got.History)-1]
			if got.Status != want || got.Version != r.Version+1 || got.UpdatedBy != who.Handle() ||
				last.Action != tr.Action || last.From != from || last.To != want {
				t.Fatalf("%s from %s: got status %s v%d by %s, history %+v", tr.Action, from, got.Status, got.Version, got.UpdatedBy, last)
			}
			stored, err := f.s.Request(f.ctx, f.admin, id)
			if err != nil || stored.Version != got.Version || stored.Status != got.Status {
				t.Fatalf("%s: stored %v v%d, returned %s v%d (%v)", id, stored.Status, stored.Version, got.Status, got.Version, err)
			}
			ev := f.lastAudit()
			if ev.Outcome != model.OutcomeOK || ev.Action != string(tr.Action) || ev.Target != "request:"+id || ev.Actor != who.Handle() {
				t.Fatalf("%s: last audit entry %+v", tr.Action, ev.AuditEvent)
			}
		}
		// A state outside the table is refused with the model's message.
		for _, st := range model.Statuses() {
			if slices.Contains(tr.From, st) {
				continue
			}
			n++
			id := fmt.Sprintf("R-%03d", n)
			r := f.insertAt(id, st)
			who := f.allowedActor(tr.Action)
			_, wantErr := model.Next(st, tr.Action, who.Operator.Role)
			reason, edit := step(tr.Action)
			_, err := f.s.Apply(f.ctx, who, id, r.Version, tr.Action, reason, edit)
			wantRefused(t, err, wantErr.Error())
			f.wantRefusedAudit(t, who, tr.Action, id, wantErr.Error())
			break
		}
	}
	f.verifyOK()
}

// The whole lifecycle, walked through Apply from logging to each end state.
func TestLifecyclePaths(t *testing.T) {
	f := newFixture(t)
	for i, st := range []model.Status{model.StatusCompleted, model.StatusFailed, model.StatusDenied, model.StatusWithdrawn, model.StatusNeedsInfo} {
		r := f.requestAt(fmt.Sprintf("R-%d", i), "ta", st)
		// Plans, sign-offs and steps are events on the way.
		steps := 0
		for _, e := range r.History {
			if e.Action == model.ActPlan || e.Action == model.ActSignOff || e.Action == model.ActFulfilStep {
				steps++
			}
		}
		if len(r.History)-steps != len(pathTo(st))+1 {
			t.Fatalf("%s: %d history events", st, len(r.History))
		}
		if st == model.StatusCompleted && (r.RespondedAt == nil || r.Outcome == "" || r.Decision == nil || r.Verification.By != "sam") {
			t.Fatalf("completed request: %+v", r)
		}
	}
	f.verifyOK()
}

func TestRaceOneWinner(t *testing.T) {
	f := newFixture(t)
	r := f.create("R-RACE", "ta")
	// Every write reloads its operator's record: the racers must be registered.
	for i := range 20 {
		if err := f.s.PutOperator(f.ctx, f.system, actor(fmt.Sprintf("op%02d", i), model.RoleSupport).Operator); err != nil {
			t.Fatal(err)
		}
	}
	const n = 20
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			who := actor(fmt.Sprintf("op%02d", i), model.RoleSupport)
			_, errs[i] = f.s.Transition(f.ctx, who, r.ID, r.Version, model.ActStartVerification, "")
		}()
	}
	close(start)
	wg.Wait()

	winner := -1
	for i, err := range errs {
		if err == nil {
			if winner >= 0 {
				t.Fatalf("both op%02d and op%02d won", winner, i)
			}
			winner = i
		}
	}
	if winner < 0 {
		t.Fatalf("nobody won: %v", errs)
	}
	winnerHandle := fmt.Sprintf("op%02d", winner)
	for i, err := range errs {
		if i == winner {
			continue
		}
		var ce *db.ConflictError
		if !errors.As(err, &ce) || !errors.Is(err, db.ErrConflict) {
			t.Fatalf("op%02d: want a conflict, got %v", i, err)
		}
		if ce.By != winnerHandle || ce.Version != 2 || ce.Status != model.StatusVerifying {
			t.Fatalf("op%02d: conflict names %s v%d %s, want %s v2 verifying", i, ce.By, ce.Version, ce.Status, winnerHandle)
		}
	}
	got, err := f.s.Request(f.ctx, f.admin, r.ID)
	if err != nil || got.Version != 2 || got.UpdatedBy != winnerHandle || len(got.History) != 2 {
		t.Fatalf("after the race: %+v %v", got, err)
	}
	f.verifyOK()
	var oks int
	for _, ev := range f.allAudit() {
		if ev.Target == "request:R-RACE" && ev.Action == string(model.ActStartVerification) && ev.Outcome == model.OutcomeOK {
			oks++
		}
	}
	if oks != 1 {
		t.Fatalf("%d ok start_verification events on the chain, want 1", oks)
	}
}

func TestConflictErrorNamesWhoAndWhat(t *testing.T) {
	f := newFixture(t)
	r := f.create("R-1", "ta")
	if _, err := f.s.Transition(f.ctx, f.lead, r.ID, r.Version, model.ActStartVerification, ""); err != nil {
		t.Fatal(err)
	}
	_, err := f.s.Transition(f.ctx, f.support2, r.ID, r.Version, model.ActAcknowledge, "")
	at := f.clock.Now().Local().Format("15:04")
	want := "request R-1 was changed by ana at " + at + " (now verifying, version 2); reload and try again"
	if err == nil || err.Error() != want {
		t.Fatalf("got %v\nwant %s", err, want)
	}
	// Another day: the date is part of the message.
	f.clock.Add(48 * time.Hour)
	_, err = f.s.Transition(f.ctx, f.support2, r.ID, r.Version, model.ActAcknowledge, "")
	if err == nil || !strings.Contains(err.Error(), "changed by ana at "+time.Date(2026, 3, 2, 15, 4, 0, 0, time.UTC).Local().Format("Jan 2 15:04")) {
		t.Fatalf("got %v", err)
	}
}

func TestScope(t *testing.T) {
	f := newFixture(t)
	ra := f.create("R-A", "ta")
	rb := f.create("R-B", "tb")
	a := f.scopedA

	if _, err := f.s.Request(f.ctx, a, rb.ID); !errors.Is(err, db.ErrNotFound) {
		t.Fatalf("read B's request: %v", err)
	}
	if _, err := f.s.Transition(f.ctx, a, rb.ID, rb.Version, model.ActStartVerification, ""); !errors.Is(err, db.ErrNotFound) {
		t.Fatalf("transition B's request: %v", err)
	}
	ev := f.lastAudit()
	if ev.Outcome != model.OutcomeRefused || ev.Actor != "sia" || ev.TenantID != "tb" || ev.Target != "request:R-B" {
		t.Fatalf("scope refusal not audited: %+v", ev.AuditEvent)
	}
	if _, err := f.s.Request(f.ctx, a, "R-NOPE"); !errors.Is(err, db.ErrNotFound) {
		t.Fatalf("missing request: %v", err)
	}
	if _, err := f.s.Request(f.ctx, a, ra.ID); err != nil {
		t.Fatalf("own tenant: %v", err)
	}
	if _, err := f.s.Transition(f.ctx, a, ra.ID, ra.Version, model.ActStartVerification, ""); err != nil {
		t.Fatalf("own tenant transition: %v", err)
	}
	q, err := f.s.Queue(f.ctx, a, model.QueueFilter{})
	if err != nil || len(q) != 1 || q[0].ID != "R-A" {
		t.Fatalf("scoped queue: %v %v", q, err)
	}
	if q, err := f.s.Queue(f.ctx, a, model.QueueFilter{TenantID: "tb"}); err != nil || len(q) != 0 {
		t.Fatalf("scoped queue of tenant B: %v %v", q, err)
	}
	if q, err := f.s.Queue(f.ctx, f.support, model.QueueFilter{}); err != nil || len(q) != 2 {
		t.Fatalf("unscoped queue: %d %v", len(q), err)
	}
	if ts, err := f.s.Tenants(f.ctx, a); err != nil || len(ts) != 1 || ts[0].ID != "ta" {
		t.Fatalf("tenants: %v %v", ts, err)
	}
	if _, err := f.s.Tenant(f.ctx, a, "tb"); !errors.Is(err, db.ErrNotFound) {
		t.Fatalf("tenant B: %v", err)
	}
	if _, err := f.s.Subject(f.ctx, a, "sb1"); !errors.Is(err, db.ErrNotFound) {
		t.Fatalf("subject B: %v", err)
	}
	subs, err := f.s.Subjects(f.ctx, a, []string{"sa1", "sb1", "nope", "sa1", ""})
	if err != nil || len(subs) != 1 || subs["sa1"].ID != "sa1" {
		t.Fatalf("subjects: %v %v", subs, err)
	}
	if _, err := f.s.SubjectRequests(f.ctx, a, "sb1"); !errors.Is(err, db.ErrNotFound) {
		t.Fatalf("subject B's requests: %v", err)
	}
	if _, err := f.s.CreateRequest(f.ctx, a, newReq("R-B2", "tb", "sb1")); !errors.Is(err, db.ErrNotFound) {
		t.Fatalf("log a request for B: %v", err)
	}
	page, err := f.s.AuditPage(f.ctx, a, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range page {
		if ev.TenantID != "ta" {
			t.Fatalf("scoped audit page shows %+v", ev.AuditEvent)
		}
	}
}

func TestReadOnlyAndDisabled(t *testing.T) {
	f := newFixture(t)
	r := f.create("R-1", "ta")
	ro := f.lead
	ro.ReadOnly = true
	_, err := f.s.Transition(f.ctx, ro, r.ID, r.Version, model.ActStartVerification, "")
	wantRefused(t, err, "this session is read-only: cannot start verification")
	f.wantRefusedAudit(t, ro, model.ActStartVerification, r.ID, "this session is read-only: cannot start verification")
	if _, err := f.s.Request(f.ctx, ro, r.ID); err != nil {
		t.Fatalf("read-only sessions still read: %v", err)
	}
	_, err = f.s.CreateRequest(f.ctx, ro, newReq("R-2", "ta", "sa1"))
	wantRefused(t, err, "this session is read-only: cannot log")

	// Disabled in the database while the session holds the enabled record:
	// the controller goes by the database.
	off := f.support
	if _, err := f.conn.DB.Collection("operators").UpdateOne(f.ctx, bson.D{{Key: "_id", Value: off.Handle()}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "disabled", Value: true}}}}); err != nil {
		t.Fatal(err)
	}
	_, err = f.s.Transition(f.ctx, off, r.ID, r.Version, model.ActStartVerification, "")
	wantRefused(t, err, "operator sam is disabled")
	// Reads go by the session's record, loaded at login (a session opened
	// after the change): refused too.
	off.Operator.Disabled = true
	if _, err := f.s.Queue(f.ctx, off, model.QueueFilter{}); !errors.Is(err, db.ErrRefused) {
		t.Fatalf("disabled operator reads the queue: %v", err)
	}
}

func TestFourEyes(t *testing.T) {
	f := newFixture(t)
	// ana logs and verifies; ana cannot approve, leo can.
	r, err := f.s.CreateRequest(f.ctx, f.lead, newReq("R-1", "ta", "sa1"))
	if err != nil {
		t.Fatal(err)
	}
	r, err = f.s.Transition(f.ctx, f.lead, r.ID, r.Version, model.ActStartVerification, "")
	if err != nil {
		t.Fatal(err)
	}
	_, verify := step(model.ActVerify)
	r, err = f.s.Apply(f.ctx, f.support, r.ID, r.Version, model.ActVerify, "", verify)
	if err != nil {
		t.Fatal(err)
	}
	_, approve := step(model.ActApprove)
	_, err = f.s.Apply(f.ctx, f.lead, r.ID, r.Version, model.ActApprove, "", approve)
	wantRefused(t, err, "four eyes: ana logged this request, so another privacy lead must record the Customer's decision")
	f.wantRefusedAudit(t, f.lead, model.ActApprove, r.ID, err.Error())

	// sam verified R-2, and a support operator cannot decide anyway; a lead who verified cannot either.
	r2 := f.requestAt("R-2", "ta", model.StatusVerifying)
	r2, err = f.s.Apply(f.ctx, f.lead2, r2.ID, r2.Version, model.ActVerify, "", verify)
	if err != nil {
		t.Fatal(err)
	}
	_, deny := step(model.ActDeny)
	_, err = f.s.Apply(f.ctx, f.lead2, r2.ID, r2.Version, model.ActDeny, "no", deny)
	wantRefused(t, err, "four eyes: leo verified the requester's identity, so another privacy lead must record the Customer's decision")

	got, err := f.s.Apply(f.ctx, f.lead2, r.ID, r.Version, model.ActApprove, "", approve)
	if err != nil || got.Status != model.StatusApproved || got.Decision.RecordedBy != "leo" {
		t.Fatalf("approve by another lead: %v %+v", err, got.Decision)
	}
	if _, ok := got.ApprovedAt(); !ok {
		t.Fatal("approval not recorded")
	}
}

func TestApplyInputRules(t *testing.T) {
	f := newFixture(t)
	r := f.requestAt("R-1", "ta", model.StatusVerifying)
	// verify without a verification record is bad input, not a refusal.
	_, err := f.s.Transition(f.ctx, f.support, r.ID, r.Version, model.ActVerify, "")
	if !errors.Is(err, db.ErrInvalid) {
		t.Fatalf("verify without data: %v", err)
	}
	_, err = f.s.Apply(f.ctx, f.support, r.ID, r.Version, model.ActVerify, "", func(r *model.Request) error {
		r.Verification = &model.Verification{Method: "data points", DataPoints: []string{"email"}, Level: model.LevelReasonable}
		return nil
	})
	if !errors.Is(err, db.ErrInvalid) || !strings.Contains(err.Error(), "2 matched data points") {
		t.Fatalf("one data point: %v", err)
	}
	_, err = f.s.Apply(f.ctx, f.support, r.ID, r.Version, model.ActNote, "x", func(r *model.Request) error {
		r.TenantID = "tb"
		return nil
	})
	if !errors.Is(err, db.ErrInvalid) {
		t.Fatalf("moving tenants: %v", err)
	}
	_, err = f.s.Transition(f.ctx, f.support, r.ID, r.Version, model.ActDenyUnverifiable, "")
	if !errors.Is(err, db.ErrInvalid) {
		t.Fatalf("deny without reason: %v", err)
	}
	if got, err := f.s.Request(f.ctx, f.support, r.ID); err != nil || got.Version != r.Version {
		t.Fatalf("bad input changed the request: %v v%d", err, got.Version)
	}
	// One extension only; once acknowledged, the due date is the response deadline and moves.
	r, err = f.s.Transition(f.ctx, f.support, r.ID, r.Version, model.ActAcknowledge, "")
	if err != nil || r.AcknowledgedAt == nil {
		t.Fatalf("acknowledge: %v", err)
	}
	x, err := f.s.Transition(f.ctx, f.lead, r.ID, r.Version, model.ActExtend, "records are in storage")
	if err != nil || x.Extension == nil || !x.DueAt.After(r.DueAt) {
		t.Fatalf("extend: %v %+v", err, x.Extension)
	}
	_, err = f.s.Transition(f.ctx, f.lead, r.ID, x.Version, model.ActExtend, "again")
	wantRefused(t, err, "the response deadline has already been extended once; only one extension is allowed")
	// Notes stay off the chain (they may quote the requester).
	n, err := f.s.Transition(f.ctx, f.support, r.ID, x.Version, model.ActNote, "called 555-0100")
	if err != nil || len(n.Notes) != 1 || n.Notes[0].Text != "called 555-0100" {
		t.Fatalf("note: %v %+v", err, n.Notes)
	}
	if ev := f.lastAudit(); ev.Reason != "" || strings.Contains(ev.Detail, "555") {
		t.Fatalf("note text reached the audit chain: %+v", ev.AuditEvent)
	}
	// Assign to someone who does not exist.
	_, err = f.s.Apply(f.ctx, f.support, r.ID, n.Version, model.ActAssign, "", func(r *model.Request) error {
		r.AssignedTo = "ghost"
		return nil
	})
	if !errors.Is(err, db.ErrInvalid) {
		t.Fatalf("assign to ghost: %v", err)
	}
	a, err := f.s.Transition(f.ctx, f.support, r.ID, n.Version, model.ActAssign, "")
	if err != nil || a.AssignedTo != "sam" {
		t.Fatalf("assign to self: %v %q", err, a.AssignedTo)
	}
}

func TestCreateRequestIdempotent(t *testing.T) {
	f := newFixture(t)
	in := newReq("R-1", "ta", "sa1")
	in.ReceivedAt = f.clock.Now().Add(-time.Hour)
	in.Agent = &model.Agent{Person: model.Person{Name: "Ag Ent"}, PermissionEvidence: "letter on file 7"}
	first, err := f.s.CreateRequest(f.ctx, f.support, in)
	if err != nil {
		t.Fatal(err)
	}
	if first.Status != model.StatusReceived || first.Version != 1 || first.LoggedBy != "sam" || first.DueAt.IsZero() ||
		len(first.History) != 1 || first.History[0].Action != model.ActLog || !first.HasFlag(model.FlagAgent) {
		t.Fatalf("created %+v", first)
	}
	stored, err := f.s.Request(f.ctx, f.support, "R-1")
	if err != nil {
		t.Fatal(err)
	}
	again, err := f.s.CreateRequest(f.ctx, f.support2, in)
	if err != nil || again.Version != 1 || again.LoggedBy != "sam" {
		t.Fatalf("retry: %v %+v", err, again)
	}
	if !again.DueAt.Equal(stored.DueAt) || !first.DueAt.Equal(stored.DueAt) || !first.ReceivedAt.Equal(stored.ReceivedAt) {
		t.Fatalf("returned and stored differ: %v %v %v", first.DueAt, stored.DueAt, again.DueAt)
	}
	other := in
	other.Type = model.TypeAccess
	if _, err := f.s.CreateRequest(f.ctx, f.support, other); !errors.Is(err, db.ErrExists) {
		t.Fatalf("same id, other content: %v", err)
	}
	logs := 0
	for _, ev := range f.allAudit() {
		if ev.Action == string(model.ActLog) {
			logs++
		}
	}
	if logs != 1 {
		t.Fatalf("%d log events on the chain, want 1", logs)
	}
	// Concurrent creates of one id: one request, one event.
	var wg sync.WaitGroup
	in2 := newReq("R-2", "ta", "sa1")
	in2.ReceivedAt = in.ReceivedAt
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := f.s.CreateRequest(f.ctx, f.support, in2); err != nil {
				t.Errorf("concurrent create: %v", err)
			}
		}()
	}
	wg.Wait()
	logs = 0
	for _, ev := range f.allAudit() {
		if ev.Action == string(model.ActLog) && ev.Target == "request:R-2" {
			logs++
		}
	}
	if logs != 1 {
		t.Fatalf("%d log events for R-2, want 1", logs)
	}
	// One request per external reference.
	ext := newReq("R-X1", "ta", "sa1")
	ext.ExternalRef = "ticket-77"
	if _, err := f.s.CreateRequest(f.ctx, f.support, ext); err != nil {
		t.Fatal(err)
	}
	ext.ID = "R-X2"
	if _, err := f.s.CreateRequest(f.ctx, f.support, ext); !errors.Is(err, db.ErrExists) || !strings.Contains(err.Error(), "R-X1") {
		t.Fatalf("second request with the same external reference: %v", err)
	}
	// Another import slips in between the check and the write.
	racer := f.newStore(f.conn)
	racer.CrashAfterClaimForTest(func() error {
		other := newReq("R-X4", "ta", "sa1")
		other.ExternalRef = "ticket-78"
		_, err := f.conn.DB.Collection("requests").InsertOne(f.ctx, other)
		return err
	})
	ext.ID, ext.ExternalRef = "R-X3", "ticket-78"
	if _, err := racer.CreateRequest(f.ctx, f.support, ext); !errors.Is(err, db.ErrExists) {
		t.Fatalf("lost race on the external reference: %v", err)
	}
	for _, ev := range f.allAudit() {
		if ev.Target == "request:R-X2" || ev.Target == "request:R-X3" {
			t.Fatalf("a request that was never stored has an audit entry: %+v", ev.AuditEvent)
		}
	}
	if n, _ := f.conn.DB.Collection("claims").CountDocuments(f.ctx, bson.D{}); n != 0 {
		t.Fatalf("%d claims left behind", n)
	}
	for _, bad := range []model.Request{
		{ID: "bad id", TenantID: "ta", Type: model.TypeAccess, Channel: model.ChannelWeb, Requester: model.Person{Name: "x"}},
		{ID: "R-9", TenantID: "ta", Type: "nope", Channel: model.ChannelWeb, Requester: model.Person{Name: "x"}},
		{ID: "R-9", TenantID: "ta", SubjectID: "sb1", Type: model.TypeAccess, Channel: model.ChannelWeb, Requester: model.Person{Name: "x"}},
		{ID: "R-9", TenantID: "ta", Type: model.TypeAccess, Channel: model.ChannelWeb, Requester: model.Person{Name: "x"}, Status: model.StatusApproved},
	} {
		if _, err := f.s.CreateRequest(f.ctx, f.support, bad); !errors.Is(err, db.ErrInvalid) {
			t.Fatalf("%+v: %v", bad, err)
		}
	}
	f.verifyOK()
}

func TestQueuePaging(t *testing.T) {
	f := newFixture(t)
	for i := range 7 {
		r := newReq(fmt.Sprintf("R-%d", i), "ta", "sa1")
		r.ReceivedAt = f.clock.Now().Add(-time.Duration(i%3) * 24 * time.Hour)
		if _, err := f.s.CreateRequest(f.ctx, f.support, r); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.s.Transition(f.ctx, f.support, "R-0", 1, model.ActWithdraw, "requester's email"); err != nil {
		t.Fatal(err)
	}
	var got []model.Request
	filter := model.QueueFilter{Limit: 2}
	for {
		page, err := f.s.Queue(f.ctx, f.support, filter)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, page...)
		if len(page) < filter.Limit {
			break
		}
		last := page[len(page)-1]
		filter.AfterDue, filter.AfterID = last.DueAt, last.ID
	}
	if len(got) != 6 {
		t.Fatalf("paged through %d requests, want 6 open", len(got))
	}
	for i := 1; i < len(got); i++ {
		a, b := got[i-1], got[i]
		if b.DueAt.Before(a.DueAt) || (b.DueAt.Equal(a.DueAt) && b.ID <= a.ID) {
			t.Fatalf("out of order: %s %v then %s %v", a.ID, a.DueAt, b.ID, b.DueAt)
		}
		if len(b.History) != 0 {
			t.Fatal("queue rows carry history")
		}
	}
	closed, err := f.s.Queue(f.ctx, f.support, model.QueueFilter{Statuses: []model.Status{model.StatusWithdrawn}})
	if err != nil || len(closed) != 1 || closed[0].ID != "R-0" {
		t.Fatalf("withdrawn: %v %v", closed, err)
	}
	if _, err := f.s.Queue(f.ctx, f.support, model.QueueFilter{Statuses: []model.Status{"bogus"}}); !errors.Is(err, db.ErrInvalid) {
		t.Fatalf("bogus status: %v", err)
	}
	reqs, err := f.s.SubjectRequests(f.ctx, f.support, "sa1")
	if err != nil || len(reqs) != 7 {
		t.Fatalf("subject requests: %d %v", len(reqs), err)
	}
	for i := 1; i < len(reqs); i++ {
		if reqs[i].ReceivedAt.After(reqs[i-1].ReceivedAt) {
			t.Fatal("subject requests not newest first")
		}
	}
}

// A California subject's third request to know in 12 months is flagged when
// it is logged, with the earlier requests named; another subject's are not counted.
func TestCreateRequestFlagsOverLimit(t *testing.T) {
	f := newFixture(t)
	now := f.clock.Now()
	logAccess := func(id, tenant, subject string, daysAgo int) model.Request {
		t.Helper()
		r := newReq(id, tenant, subject)
		r.Type = model.TypeAccess
		r.ReceivedAt = now.AddDate(0, 0, -daysAgo)
		got, err := f.s.CreateRequest(f.ctx, f.support, r)
		if err != nil {
			t.Fatalf("create %s: %v", id, err)
		}
		return got
	}
	logAccess("R-OLD", "ta", "sa1", 400) // outside the window
	first := logAccess("R-A", "ta", "sa1", 200)
	second := logAccess("R-B", "ta", "sa1", 30)
	other := logAccess("R-C", "tb", "sb1", 10)
	if first.HasFlag(model.FlagOverLimit) || second.HasFlag(model.FlagOverLimit) || other.HasFlag(model.FlagOverLimit) {
		t.Fatal("a first or second request to know was flagged over the limit")
	}
	third := logAccess("R-D", "ta", "sa1", 0)
	if !third.HasFlag(model.FlagOverLimit) {
		t.Fatalf("third request to know in 12 months not flagged; flags %+v", third.Flags)
	}
	for _, f := range third.Flags {
		if f.Kind == model.FlagOverLimit && (!strings.Contains(f.Reason, "R-A") || !strings.Contains(f.Reason, "R-B") || strings.Contains(f.Reason, "R-OLD")) {
			t.Fatalf("over-limit reason does not name exactly the earlier requests: %q", f.Reason)
		}
	}
}
