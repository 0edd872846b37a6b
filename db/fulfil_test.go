package db_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/custodian-dev/custodian/db"
	"github.com/custodian-dev/custodian/db/dbtest"
	"github.com/custodian-dev/custodian/db/demo"
	"github.com/custodian-dev/custodian/model"
)

// fulfilClock is a day after the demo data was generated: the requests the
// tests log are received then, and every step is stamped with it, so two
// runs of the same plan write the same bytes.
var fulfilClock = model.FixedClock{T: seedClock.T.Add(24 * time.Hour)}

// ffix is a store over the demo dataset, with the dataset itself (as the
// generator made it) to compute expectations from, independently of the
// plan code.
type ffix struct {
	t       testing.TB
	ctx     context.Context
	conn    *db.Conn
	s       *db.Store
	ds      *demo.Dataset
	exports string
	who     map[string]model.Actor
	used    map[string]bool
	// letterFrom is StoreOptions.LetterFrom of the stores it opens.
	letterFrom string
}

func newFulfilFixture(t testing.TB, subjects, requests int) *ffix {
	t.Helper()
	conn := dbtest.New(t)
	f := &ffix{t: t, ctx: context.Background(), conn: conn, exports: t.TempDir(), who: map[string]model.Actor{}, used: map[string]bool{}}
	f.s = f.store()
	if _, err := db.Seed(f.ctx, f.s, db.SeedOptions{Subjects: subjects, Requests: requests, Clock: seedClock}); err != nil {
		t.Fatal(err)
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

// store is a new Store on the fixture's database, as a restarted process
// would open it.
func (f *ffix) store() *db.Store {
	f.t.Helper()
	s, err := db.NewStore(f.conn, db.StoreOptions{Clock: fulfilClock, ExportDir: f.exports, LetterFrom: f.letterFrom})
	if err != nil {
		f.t.Fatal(err)
	}
	// Crash tests compare a resumed run with an uninterrupted one, audit
	// hashes (which cover the write ids) included.
	s.DeterministicWriteIDsForTest()
	return s
}

// approved logs a request for sub through the whole triage path: sam logs
// and verifies it, lou records the Customer's approval.
func (f *ffix) approved(id string, sub model.Subject, typ model.RequestType, corrections map[string]string) model.Request {
	f.t.Helper()
	r, err := f.s.CreateRequest(f.ctx, f.who["sam"], model.Request{
		ID: id, TenantID: sub.TenantID, SubjectID: sub.ID, Type: typ, Channel: model.ChannelWeb,
		Requester: model.Person{Name: "The requester", Email: "requester@example.net"}, ResidencyState: sub.ResidencyState,
		Corrections: corrections,
	})
	if err != nil {
		f.t.Fatalf("log %s: %v", id, err)
	}
	steps := []struct {
		a    model.Action
		who  string
		edit func(*model.Request) error
	}{
		{model.ActStartVerification, "sam", nil},
		{model.ActVerify, "sam", func(r *model.Request) error {
			// Never the corrected data: account id and a phone call-back.
			r.Verification = &model.Verification{Method: "data points", DataPoints: []string{"account_id", "last_transaction"}, Level: model.LevelReasonable}
			return nil
		}},
		{model.ActApprove, "lou", func(r *model.Request) error {
			r.Decision = &model.Decision{Outcome: model.DecisionApproved, Approver: "City Clerk", Method: "email", Evidence: "ticket 4711"}
			return nil
		}},
	}
	for _, st := range steps {
		if r, err = f.s.Apply(f.ctx, f.who[st.who], id, r.Version, st.a, "test "+string(st.a), st.edit); err != nil {
			f.t.Fatalf("%s %s: %v", st.a, id, err)
		}
	}
	return r
}

// planned makes lee's plan and lou's sign-off.
func (f *ffix) planned(r model.Request) model.Request {
	f.t.Helper()
	r, err := f.s.PlanFulfilment(f.ctx, f.who["lee"], r.ID, r.Version)
	if err != nil {
		f.t.Fatalf("plan %s: %v", r.ID, err)
	}
	if r, err = f.s.SignOffPlan(f.ctx, f.who["lou"], r.ID, r.Version, r.Plan.Digest); err != nil {
		f.t.Fatalf("sign off %s: %v", r.ID, err)
	}
	return r
}

// records are the subject's documents in a collection as the generator made them.
func (f *ffix) records(coll, subjectID string) []bson.D {
	var out []bson.D
	for _, d := range f.ds.Records[coll] {
		if field(d, "subject_id") == subjectID {
			out = append(out, d)
		}
	}
	return out
}

func field(d bson.D, k string) any {
	for _, e := range d {
		if e.Key == k {
			return e.Value
		}
	}
	return nil
}

func hasField(d bson.D, k string) bool {
	return slices.ContainsFunc(d, func(e bson.E) bool { return e.Key == k })
}

// stored reads a document straight from its collection (nil when gone).
func (f *ffix) stored(coll, id string) bson.M {
	f.t.Helper()
	var m bson.M
	err := f.conn.DB.Collection(coll).FindOne(f.ctx, bson.D{{Key: "_id", Value: id}}).Decode(&m)
	if err != nil {
		return nil
	}
	return m
}

func (f *ffix) subject(id string) model.Subject {
	f.t.Helper()
	var s model.Subject
	if err := f.conn.DB.Collection("subjects").FindOne(f.ctx, bson.D{{Key: "_id", Value: id}}).Decode(&s); err != nil {
		f.t.Fatal(err)
	}
	return s
}

func (f *ffix) tenant(id string) model.Tenant {
	f.t.Helper()
	var tn model.Tenant
	if err := f.conn.DB.Collection("tenants").FindOne(f.ctx, bson.D{{Key: "_id", Value: id}}).Decode(&tn); err != nil {
		f.t.Fatal(err)
	}
	return tn
}

// pick returns the first unused demo subject that satisfies ok.
func (f *ffix) pick(what string, ok func(model.Subject) bool) model.Subject {
	f.t.Helper()
	for _, s := range f.ds.Subjects {
		if !f.used[s.ID] && ok(s) {
			f.used[s.ID] = true
			return s
		}
	}
	f.t.Fatalf("the demo data has no subject for %s", what)
	return model.Subject{}
}

func (f *ffix) collections(subjectID string) []string {
	var out []string
	for _, c := range demo.Collections() {
		if len(f.records(c, subjectID)) > 0 {
			out = append(out, c)
		}
	}
	return out
}

// tenantHMAC recomputes an erasure hash from the key stored for the tenant.
func (f *ffix) tenantHMAC(tenantID, v string) string {
	f.t.Helper()
	var k struct {
		Key []byte `bson:"key"`
	}
	if err := f.conn.DB.Collection("tenant_keys").FindOne(f.ctx, bson.D{{Key: "_id", Value: tenantID}}).Decode(&k); err != nil {
		f.t.Fatalf("tenant key of %s: %v", tenantID, err)
	}
	m := hmac.New(sha256.New, k.Key)
	m.Write([]byte(v))
	return "hmac:" + hex.EncodeToString(m.Sum(nil))[:32]
}

// --- the deletion rules, restated from the issue for the expectations ---

func erasedAlready(fm model.FieldMap, v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return x == "" || (fm.Fixed != "" && x == fm.Fixed) || strings.HasPrefix(x, "hmac:")
	case []string:
		for _, e := range x {
			if !erasedAlready(fm, e) {
				return false
			}
		}
		return true
	case bson.A:
		for _, e := range x {
			if !erasedAlready(fm, e) {
				return false
			}
		}
		return true
	}
	return false
}

func heldFor(tn model.Tenant, subjectID string, c model.Category) bool {
	for _, h := range tn.Holds {
		if (h.SubjectID == "" || h.SubjectID == subjectID) && (len(h.Categories) == 0 || slices.Contains(h.Categories, c)) {
			return true
		}
	}
	return false
}

func ruleFor(tn model.Tenant, coll string, c model.Category) bool {
	return slices.ContainsFunc(tn.Retention, func(r model.RetentionRule) bool {
		return r.Category == c && (len(r.Collections) == 0 || slices.Contains(r.Collections, coll))
	})
}

// wantDeletion is what a deletion must do to one document and its fields.
func wantDeletion(tn model.Tenant, sub model.Subject, cm model.CollectionMap, d bson.D, child bool) (model.DocOp, map[string]model.FieldOp) {
	ops := map[string]model.FieldOp{}
	var keep, del, change bool
	for _, fm := range cm.Fields {
		v := field(d, fm.Field)
		if !hasField(d, fm.Field) || v == nil {
			continue
		}
		var op model.FieldOp
		switch {
		case heldFor(tn, sub.ID, fm.Category):
			op = model.FieldKeep
		case erasedAlready(fm, v):
			op = model.FieldAlready
		case !child && fm.Erasure == model.EraseKeep && ruleFor(tn, cm.Collection, fm.Category):
			op = model.FieldKeep
		case child || fm.Erasure == model.EraseDeleteDoc:
			op = model.FieldDelete
		case fm.Erasure == model.EraseFixed:
			op = model.FieldFixed
		case fm.Erasure == model.EraseHash:
			op = model.FieldHash
		default: // null, or keep without a rule
			op = model.FieldNull
		}
		ops[fm.Field] = op
		keep = keep || op == model.FieldKeep
		del = del || op == model.FieldDelete
		change = change || op == model.FieldNull || op == model.FieldFixed || op == model.FieldHash
	}
	closed := sub.Status == model.AccountClosed && !child
	switch {
	case keep:
		for k, op := range ops {
			if op == model.FieldDelete {
				ops[k], change = model.FieldNull, true
			}
		}
		if change {
			return model.DocMask, ops
		}
		return model.DocKeep, ops
	case del && closed:
		for k, op := range ops {
			if op == model.FieldDelete {
				ops[k] = model.FieldHash
			}
		}
		return model.DocMask, ops
	case del:
		for k, op := range ops {
			if op != model.FieldAlready {
				ops[k] = model.FieldDelete
			}
		}
		return model.DocDelete, ops
	case change:
		return model.DocMask, ops
	}
	return model.DocUnchanged, ops
}

func dataMap(coll string) model.CollectionMap {
	for _, cm := range demo.DataMap() {
		if cm.Collection == coll {
			return cm
		}
	}
	panic("no data map entry " + coll)
}

// checkDeletion compares the plan with the rules and the database after the
// run with the plan's promise, document by document, field by field.
func (f *ffix) checkDeletion(t *testing.T, r model.Request, sub model.Subject, tn model.Tenant, child bool) {
	t.Helper()
	planned := map[string]model.PlanDoc{}
	for _, pd := range r.Plan.Docs {
		planned[pd.Collection+"/"+pd.RecordID] = pd
	}
	n := 0
	for _, coll := range demo.Collections() {
		cm := dataMap(coll)
		for _, d := range f.records(coll, sub.ID) {
			n++
			id := field(d, "_id").(string)
			wantOp, wantFields := wantDeletion(tn, sub, cm, d, child)
			pd, ok := planned[coll+"/"+id]
			if !ok {
				t.Errorf("%s/%s is not in the plan", coll, id)
				continue
			}
			if pd.Op != wantOp {
				t.Errorf("%s/%s: planned %s, want %s", coll, id, pd.Op, wantOp)
			}
			got := map[string]model.FieldOp{}
			for _, pf := range pd.Fields {
				got[pf.Field] = pf.Op
			}
			for k, op := range wantFields {
				if got[k] != op {
					t.Errorf("%s/%s.%s: planned %s, want %s", coll, id, k, got[k], op)
				}
			}
			if len(got) != len(wantFields) {
				t.Errorf("%s/%s: plan lists fields %v, want %v", coll, id, got, wantFields)
			}
			// The state after the run, read straight from the collection.
			now := f.stored(coll, id)
			if wantOp == model.DocDelete {
				if now != nil {
					t.Errorf("%s/%s should be deleted", coll, id)
				}
				continue
			}
			if now == nil {
				t.Errorf("%s/%s was deleted, want %s", coll, id, wantOp)
				continue
			}
			for _, e := range d {
				op, mapped := wantFields[e.Key]
				cur := now[e.Key]
				switch {
				case !mapped || op == model.FieldKeep || op == model.FieldAlready:
					if !sameValue(cur, e.Value) {
						t.Errorf("%s/%s.%s changed (%s), want it kept", coll, id, e.Key, op)
					}
				case op == model.FieldNull:
					if cur != nil {
						t.Errorf("%s/%s.%s = %v, want null", coll, id, e.Key, cur)
					}
				case op == model.FieldFixed:
					if cur != cm.Fields[slices.IndexFunc(cm.Fields, func(x model.FieldMap) bool { return x.Field == e.Key })].Fixed {
						t.Errorf("%s/%s.%s = %v, want the fixed replacement", coll, id, e.Key, cur)
					}
				case op == model.FieldHash:
					f.wantHashed(t, sub.TenantID, coll+"/"+id+"."+e.Key, cur, e.Value)
				}
			}
		}
	}
	if n != len(r.Plan.Docs) {
		t.Errorf("plan has %d documents, the subject has %d", len(r.Plan.Docs), n)
	}
}

// wantHashed: the stored value is the tenant-keyed HMAC of the original,
// element by element for a list, and never a hash of a hash.
func (f *ffix) wantHashed(t *testing.T, tenantID, where string, cur, orig any) {
	t.Helper()
	switch o := orig.(type) {
	case string:
		if cur != f.tenantHMAC(tenantID, o) {
			t.Errorf("%s = %v, want the HMAC of the original", where, cur)
		}
	case []string:
		a, _ := cur.(bson.A)
		if len(a) != len(o) {
			t.Errorf("%s = %v, want %d hashed elements", where, cur, len(o))
			return
		}
		for i := range o {
			if a[i] != f.tenantHMAC(tenantID, o[i]) {
				t.Errorf("%s[%d] = %v, want the HMAC of the original", where, i, a[i])
			}
		}
	default:
		s, _ := cur.(string)
		if !strings.HasPrefix(s, "hmac:") || strings.HasPrefix(s, "hmac:hmac:") {
			t.Errorf("%s = %v, want hashed once", where, cur)
		}
	}
}

// sameValue compares a value read back with the one the generator made.
func sameValue(stored, generated any) bool {
	switch g := generated.(type) {
	case time.Time:
		d, ok := stored.(bson.DateTime)
		return ok && d.Time().Equal(g)
	case []string:
		a, ok := stored.(bson.A)
		if !ok || len(a) != len(g) {
			return false
		}
		for i := range g {
			if a[i] != g[i] {
				return false
			}
		}
		return true
	case int:
		return stored == int64(g) || stored == int32(g)
	}
	return fmt.Sprint(stored) == fmt.Sprint(generated)
}

func (f *ffix) run(r model.Request, who string) model.Request {
	f.t.Helper()
	out, err := f.s.RunFulfilment(f.ctx, f.who[who], r.ID, nil)
	if err != nil {
		f.t.Fatalf("run %s: %v", r.ID, err)
	}
	return out
}

// auditOf lists the chain's events about one request, oldest first.
func (f *ffix) auditOf(id string) []model.AuditEvent {
	f.t.Helper()
	var out []model.AuditEvent
	before := int64(0)
	for {
		page, err := f.s.AuditPage(f.ctx, f.who["lee"], before, 500)
		if err != nil {
			f.t.Fatal(err)
		}
		for _, rec := range page {
			if rec.Target == "request:"+id {
				out = append(out, rec.AuditEvent)
			}
		}
		if len(page) < 500 {
			break
		}
		before = page[len(page)-1].Seq
	}
	slices.Reverse(out)
	return out
}

// TestFulfilmentPerType runs one request of each kind over the demo data,
// checking the plan and the database afterwards against the rules restated
// here from the issue, not against the plan code.
func TestFulfilmentPerType(t *testing.T) {
	skipUnderRace(t)
	f := newFulfilFixture(t, 400, 80)
	anyOf := func(colls []string, want ...string) bool {
		return slices.ContainsFunc(colls, func(c string) bool { return slices.Contains(want, c) })
	}
	adult := func(s model.Subject) bool { return !s.IsChild(f.ds.Now) && len(s.Emails) > 0 }

	t.Run("deletion of an active account", func(t *testing.T) {
		sub := f.pick("an active deletion", func(s model.Subject) bool {
			cs := f.collections(s.ID)
			return adult(s) && s.Status == model.AccountActive && len(cs) >= 3 && anyOf(cs, demo.CollWebVisits, demo.CollMobileDevices, demo.CollAlertSubscriptions) &&
				anyOf(cs, demo.CollPayments) && len(f.tenant(s.TenantID).HoldsFor(s.ID, time.Now())) == 0
		})
		tn := f.tenant(sub.TenantID)
		r := f.planned(f.approved("T-DEL-ACTIVE", sub, model.TypeDeletion, nil))
		r = f.run(r, "lou")
		if r.Status != model.StatusCompleted || r.RespondedAt == nil || !strings.Contains(r.Outcome, "deleted") {
			t.Fatalf("after the run: %s, responded %v, outcome %q", r.Status, r.RespondedAt, r.Outcome)
		}
		f.checkDeletion(t, r, sub, tn, false)
		// The stored name key follows the masked name: the erased name
		// must not stay findable through it.
		if before, now := model.NameKey(sub.Name), f.stored("subjects", sub.ID)["name_key"]; now != model.NameKey(model.DeletedName) || now == before {
			t.Errorf("name_key after deletion = %v, want the key of %q (was %q)", now, model.DeletedName, before)
		}
		after := f.subject(sub.ID)
		if after.Name != model.DeletedName || after.Address != "" || after.BirthDate != "" || after.Status != model.AccountMasked || after.Version != sub.Version+1 || after.UpdatedAt.IsZero() {
			t.Errorf("subject after deletion: %+v", after)
		}
		for i, e := range sub.Emails {
			if after.Emails[i] != f.tenantHMAC(sub.TenantID, e) {
				t.Errorf("email %d = %q, want its HMAC", i, after.Emails[i])
			}
		}
		// Payments keep the processor token under the financial retention rule.
		found := false
		for _, w := range r.Withheld {
			found = found || (w.Category == model.CatFinancial && slices.Contains(w.Where, "payments.processor_token") && strings.Contains(w.Reason, "GS-FIN-02"))
		}
		if !found {
			t.Errorf("withheld %+v does not list the payments' processor token under its retention rule", r.Withheld)
		}
		// Every step is on the audit chain, without PI.
		steps := 0
		for _, ev := range f.auditOf(r.ID) {
			if ev.Action == string(model.ActFulfilStep) {
				steps++
				if !strings.HasPrefix(ev.Detail, fmt.Sprintf("step %d/%d ", steps, len(r.Plan.Steps))) {
					t.Errorf("step event %q", ev.Detail)
				}
				for _, v := range append(append([]string{sub.Name, sub.Address}, sub.Emails...), sub.Phones...) {
					if v != "" && strings.Contains(ev.Detail, v) {
						t.Errorf("audit detail %q carries PI", ev.Detail)
					}
				}
			}
		}
		if steps != len(r.Plan.Steps) {
			t.Errorf("%d step events for %d steps", steps, len(r.Plan.Steps))
		}
	})

	t.Run("deletion of a closed account", func(t *testing.T) {
		sub := f.pick("a closed account", func(s model.Subject) bool {
			return adult(s) && s.Status == model.AccountClosed && anyOf(f.collections(s.ID), demo.CollWebVisits, demo.CollMobileDevices, demo.CollAlertSubscriptions)
		})
		r := f.run(f.planned(f.approved("T-DEL-CLOSED", sub, model.TypeDeletion, nil)), "lou")
		f.checkDeletion(t, r, sub, f.tenant(sub.TenantID), false)
		for _, pd := range r.Plan.Docs {
			if pd.Op == model.DocDelete {
				t.Errorf("%s/%s of a closed account is dropped, want de-identified", pd.Collection, pd.RecordID)
			}
		}
		if r.Status != model.StatusCompleted || !strings.Contains(r.Outcome, "de-identified") {
			t.Errorf("closed account: %s, %q", r.Status, r.Outcome)
		}
	})

	t.Run("child deletion with a legal hold", func(t *testing.T) {
		sub := f.pick("a child with records", func(s model.Subject) bool {
			return s.IsChild(f.ds.Now) && s.BirthDate != "" && len(f.records(demo.CollRecRegistrations, s.ID)) > 0
		})
		// A hold on the child's sensitive data (the birth date, medical notes).
		hold := model.LegalHold{ID: "H-TEST-1", Reference: "Subpoena TEST-1", SubjectID: sub.ID, Categories: []model.Category{model.CatSensitive},
			Reason: "test hold on a child's sensitive data", Since: seedClock.T}
		if _, err := f.conn.DB.Collection("tenants").UpdateOne(f.ctx, bson.D{{Key: "_id", Value: sub.TenantID}},
			bson.D{{Key: "$push", Value: bson.D{{Key: "legal_holds", Value: hold}}}}); err != nil {
			t.Fatal(err)
		}
		tn := f.tenant(sub.TenantID)
		r := f.run(f.planned(f.approved("T-CHILD", sub, model.TypeChildDeletion, nil)), "lee")
		f.checkDeletion(t, r, sub, tn, true)
		kept := false
		for _, d := range f.records(demo.CollRecRegistrations, sub.ID) {
			now := f.stored(demo.CollRecRegistrations, field(d, "_id").(string))
			if now == nil || now["participant_birth_date"] != field(d, "participant_birth_date") || now["participant_name"] != nil {
				t.Errorf("held registration %v: birth date must stay, name must go: %v", field(d, "_id"), now)
			}
			kept = true
		}
		if !kept {
			t.Fatal("no registration checked")
		}
		found := false
		for _, w := range r.Withheld {
			found = found || (w.Category == model.CatSensitive && strings.Contains(w.Reason, "TEST-1"))
		}
		if !found {
			t.Errorf("withheld %+v does not name the hold", r.Withheld)
		}
		if after := f.subject(sub.ID); after.BirthDate != sub.BirthDate || after.Name != model.DeletedName {
			t.Errorf("child's subject record: birth date under hold must stay, name must go: %+v", after)
		}
	})

	t.Run("deletion with a retention-rule exempt category", func(t *testing.T) {
		sub := f.pick("an employee", func(s model.Subject) bool {
			return adult(s) && s.Status == model.AccountActive && len(f.records(demo.CollHRRecords, s.ID)) > 0 && len(f.tenant(s.TenantID).HoldsFor(s.ID, time.Now())) == 0
		})
		tn := f.tenant(sub.TenantID)
		r := f.run(f.planned(f.approved("T-DEL-EXEMPT", sub, model.TypeDeletion, nil)), "lou")
		f.checkDeletion(t, r, sub, tn, false)
		found := false
		for _, w := range r.Withheld {
			found = found || (w.Category == model.CatEmployee && slices.Contains(w.Where, "hr_records.ssn") && strings.Contains(w.Reason, "GS-PER-03"))
		}
		if !found {
			t.Errorf("withheld %+v does not list the employee data kept under GS-PER-03", r.Withheld)
		}
		if !strings.Contains(r.Outcome, "kept") {
			t.Errorf("outcome %q does not say what was kept", r.Outcome)
		}
	})

	t.Run("correction", func(t *testing.T) {
		sub := f.pick("a correction", func(s model.Subject) bool {
			cs := f.collections(s.ID)
			return adult(s) && s.Status == model.AccountActive && anyOf(cs, demo.CollJobApplications, demo.CollPayments) && anyOf(cs, demo.CollWebVisits)
		})
		const newAddress = "12 Elm St, Testville"
		r := f.run(f.planned(f.approved("T-CORRECT", sub, model.TypeRectification, map[string]string{"address": newAddress})), "lou")
		if r.Status != model.StatusCompleted {
			t.Fatalf("correction: %s", r.Status)
		}
		planned := map[string]model.PlanDoc{}
		for _, pd := range r.Plan.Docs {
			planned[pd.Collection+"/"+pd.RecordID] = pd
		}
		want := 0
		for _, coll := range demo.Collections() {
			cm := dataMap(coll)
			var points []string
			for _, fm := range cm.Fields {
				if fm.SubjectPoint == model.PointAddress {
					points = append(points, fm.Field)
				}
			}
			for _, d := range f.records(coll, sub.ID) {
				id := field(d, "_id").(string)
				now := f.stored(coll, id)
				has := slices.ContainsFunc(points, func(p string) bool { return hasField(d, p) })
				if _, inPlan := planned[coll+"/"+id]; inPlan != has {
					t.Errorf("%s/%s in the plan: %v, holds a copy of the address: %v", coll, id, inPlan, has)
				}
				if has {
					want++
				}
				for _, e := range d {
					if slices.Contains(points, e.Key) {
						if now[e.Key] != newAddress {
							t.Errorf("%s/%s.%s = %v, want the corrected address", coll, id, e.Key, now[e.Key])
						}
					} else if !sameValue(now[e.Key], e.Value) {
						t.Errorf("%s/%s.%s changed by a correction of the address", coll, id, e.Key)
					}
				}
			}
		}
		if want == 0 || len(r.Plan.Docs) != want {
			t.Errorf("plan has %d documents, %d hold the address", len(r.Plan.Docs), want)
		}
		after := f.subject(sub.ID)
		if after.Address != newAddress || after.Name != sub.Name || !slices.Equal(after.Emails, sub.Emails) {
			t.Errorf("subject after correction: %+v", after)
		}
		// The old value never reaches the audit chain; its hash does.
		oldHash := f.tenantHMAC(sub.TenantID, sub.Address)
		sawHash := false
		for _, ev := range f.auditOf(r.ID) {
			if strings.Contains(ev.Detail, sub.Address) || strings.Contains(ev.Reason, sub.Address) {
				t.Errorf("audit event carries the old address: %q", ev.Detail)
			}
			sawHash = sawHash || strings.Contains(ev.Detail, "(old "+oldHash+")")
		}
		if !sawHash {
			t.Error("no audit event names the old value by its hash")
		}
	})

	t.Run("opt-out", func(t *testing.T) {
		sub := f.pick("an opted-in subscriber", func(s model.Subject) bool {
			subs := f.records(demo.CollAlertSubscriptions, s.ID)
			return adult(s) && len(subs) > 0 && field(subs[0], "marketing_email_opt_in") == true
		})
		r := f.run(f.planned(f.approved("T-OPTOUT", sub, model.TypeOptOut, nil)), "lou")
		if r.Status != model.StatusCompleted || r.Plan.Subject != nil && r.Plan.Subject.Op.Changes() {
			t.Fatalf("opt-out: %s", r.Status)
		}
		n := 0
		for _, d := range f.records(demo.CollAlertSubscriptions, sub.ID) {
			now := f.stored(demo.CollAlertSubscriptions, field(d, "_id").(string))
			if now["marketing_email_opt_in"] != false {
				t.Errorf("%v still opted in", field(d, "_id"))
			}
			for _, e := range d {
				if e.Key != "marketing_email_opt_in" && !sameValue(now[e.Key], e.Value) {
					t.Errorf("%v.%s changed by an opt-out", field(d, "_id"), e.Key)
				}
			}
			if field(d, "marketing_email_opt_in") == true {
				n++
			}
		}
		if got := len(r.Plan.Steps); got != n {
			t.Errorf("%d steps, %d subscriptions were opted in", got, n)
		}
		for _, pd := range r.Plan.Docs {
			if pd.Collection != demo.CollAlertSubscriptions {
				t.Errorf("opt-out plans %s/%s", pd.Collection, pd.RecordID)
			}
		}
	})

	t.Run("access", func(t *testing.T) {
		sub := f.pick("an access request", func(s model.Subject) bool {
			cs := f.collections(s.ID)
			if !adult(s) || s.Status != model.AccountActive || len(cs) < 3 {
				return false
			}
			old := false
			for _, c := range cs {
				for _, d := range f.records(c, s.ID) {
					at := field(d, dataMap(c).DateField).(time.Time)
					old = old || at.Before(time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC))
				}
			}
			return old
		})
		r := f.run(f.planned(f.approved("T-ACCESS", sub, model.TypeAccess, nil)), "lou")
		f.checkAccess(t, r, sub)
	})

	t.Run("access for a hostile subject", func(t *testing.T) {
		hostile := demo.HostileStrings()
		sub := f.pick("a hostile subject with records", func(s model.Subject) bool {
			return slices.Contains(hostile, s.Name) && strings.Contains(s.Name, "\x1b") && len(f.collections(s.ID)) > 0
		})
		// A value a web form let through, aimed at the summary's HTML.
		coll := f.collections(sub.ID)[0]
		cm := dataMap(coll)
		recs := f.records(coll, sub.ID)
		latest := recs[0]
		for _, d := range recs {
			if field(d, cm.DateField).(time.Time).After(field(latest, cm.DateField).(time.Time)) {
				latest = d
			}
		}
		const script = `<script>alert("pwned")</script> & <b>bold</b>`
		if _, err := f.conn.DB.Collection(coll).UpdateOne(f.ctx, bson.D{{Key: "_id", Value: field(latest, "_id")}},
			bson.D{{Key: "$set", Value: bson.D{{Key: cm.Fields[0].Field, Value: script}}}}); err != nil {
			t.Fatal(err)
		}
		r := f.run(f.planned(f.approved("T-ACCESS-HOSTILE", sub, model.TypeAccess, nil)), "lou")
		html, err := os.ReadFile(filepath.Join(f.exports, r.ID, "summary.html"))
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(html), "<script>") || strings.Contains(string(html), "<b>bold") || strings.ContainsRune(string(html), '\x1b') {
			t.Errorf("the summary carries markup or escape sequences from the data")
		}
		if !strings.Contains(string(html), "&lt;script&gt;alert(&#34;pwned&#34;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;") {
			t.Errorf("the summary does not show the hostile value escaped")
		}
		var pkg map[string]any
		b, _ := os.ReadFile(filepath.Join(f.exports, r.ID, "access.json"))
		if err := json.Unmarshal(b, &pkg); err != nil {
			t.Fatal(err)
		}
		if pkg["subject"].(map[string]any)["name"] != sub.Name {
			t.Errorf("access.json changes the subject's name: it is the exact copy")
		}
	})
}

// checkAccess compares the package with the database and the dataset.
func (f *ffix) checkAccess(t *testing.T, r model.Request, sub model.Subject) {
	t.Helper()
	if r.Status != model.StatusCompleted || r.Export == nil {
		t.Fatalf("access: %s, export %v", r.Status, r.Export)
	}
	since := model.AccessSince(r.ReceivedAt)
	dir := filepath.Join(f.exports, r.ID)
	if st, err := os.Stat(dir); err != nil || st.Mode().Perm() != 0o700 {
		t.Errorf("package directory: %v %v", st, err)
	}
	// Hashes in the request and the audit detail are the files'.
	var detail string
	for _, ev := range f.auditOf(r.ID) {
		if ev.Action == string(model.ActFulfilStep) {
			detail = ev.Detail
		}
	}
	files := map[string][]byte{}
	for _, ef := range r.Export.Files {
		b, err := os.ReadFile(filepath.Join(dir, ef.Name))
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(b)
		if hex.EncodeToString(sum[:]) != ef.SHA256 || int64(len(b)) != ef.Bytes {
			t.Errorf("%s: recorded sha256 %s (%d bytes), file has %x (%d)", ef.Name, ef.SHA256, ef.Bytes, sum, len(b))
		}
		if !strings.Contains(detail, ef.Name+" sha256:"+ef.SHA256) {
			t.Errorf("audit detail %q lacks %s's sha256", detail, ef.Name)
		}
		if st, _ := os.Stat(filepath.Join(dir, ef.Name)); st.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v", ef.Name, st.Mode().Perm())
		}
		files[ef.Name] = b
	}
	if len(files) != 2 || files["access.json"] == nil || files["summary.html"] == nil {
		t.Fatalf("package files %v", r.Export.Files)
	}
	var pkg struct {
		Subject struct {
			Name   string   `json:"name"`
			Emails []string `json:"emails"`
		} `json:"subject"`
		Records []struct {
			Collection string `json:"collection"`
			RecordID   string `json:"record_id"`
			Fields     []struct {
				Field    string          `json:"field"`
				Value    json.RawMessage `json:"value"`
				Category string          `json:"category"`
			} `json:"fields"`
		} `json:"records"`
		OutOfScope []struct {
			Collection string `json:"collection"`
			Records    int    `json:"records"`
		} `json:"out_of_scope"`
		Withheld []struct {
			Collection string `json:"collection"`
			Field      string `json:"field"`
			Reason     string `json:"reason"`
		} `json:"withheld"`
	}
	if err := json.Unmarshal(files["access.json"], &pkg); err != nil {
		t.Fatal(err)
	}
	if pkg.Subject.Name != sub.Name || !slices.Equal(pkg.Subject.Emails, sub.Emails) {
		t.Errorf("package subject %+v", pkg.Subject)
	}
	// The plan lists every record, in scope or not, with its mapped fields.
	planned := map[string]model.PlanDoc{}
	for _, pd := range r.Plan.Docs {
		planned[pd.Collection+"/"+pd.RecordID] = pd
	}
	total := 0
	for _, coll := range demo.Collections() {
		cm := dataMap(coll)
		for _, d := range f.records(coll, sub.ID) {
			total++
			pd, ok := planned[coll+"/"+field(d, "_id").(string)]
			wantOp := model.DocExport
			if field(d, cm.DateField).(time.Time).Before(since) {
				wantOp = model.DocOutOfScope
			}
			if !ok || pd.Op != wantOp {
				t.Errorf("%s/%v planned %+v, want %s", coll, field(d, "_id"), pd.Op, wantOp)
				continue
			}
			var wantFields, gotFields []string
			for _, fm := range cm.Fields {
				if hasField(d, fm.Field) && field(d, fm.Field) != nil {
					wantFields = append(wantFields, fm.Field)
				}
			}
			for _, pf := range pd.Fields {
				gotFields = append(gotFields, pf.Field)
			}
			if !slices.Equal(gotFields, wantFields) {
				t.Errorf("%s/%v plans fields %v, want %v", coll, field(d, "_id"), gotFields, wantFields)
			}
		}
	}
	if total != len(r.Plan.Docs) || len(r.Plan.Steps) != 1 || r.Plan.Steps[0].Kind != model.StepExport {
		t.Errorf("access plan: %d documents (subject has %d), steps %+v", len(r.Plan.Docs), total, r.Plan.Steps)
	}
	// Exactly the in-scope records, every field as stored.
	want, out := map[string]bson.D{}, map[string]int{}
	for _, coll := range demo.Collections() {
		for _, d := range f.records(coll, sub.ID) {
			if field(d, dataMap(coll).DateField).(time.Time).Before(since) {
				out[coll]++
				continue
			}
			want[coll+"/"+field(d, "_id").(string)] = d
		}
	}
	if len(pkg.Records) != len(want) || r.Export.Records != len(want) {
		t.Errorf("package has %d records, %d are in scope", len(pkg.Records), len(want))
	}
	for _, rec := range pkg.Records {
		d, ok := want[rec.Collection+"/"+rec.RecordID]
		if !ok {
			t.Errorf("package carries %s/%s, which is not in scope", rec.Collection, rec.RecordID)
			continue
		}
		cm := dataMap(rec.Collection)
		n := 0
		for _, e := range d {
			if e.Key == "_id" || e.Key == "tenant_id" || e.Key == "subject_id" {
				continue
			}
			// Never-disclose classes and other people's data stay out,
			// named as withheld (TestAccessWithholdsForEveryDemoSubject
			// checks them for every subject).
			if fm, ok := cm.Field(e.Key); ok && (fm.Class.NeverDisclose() || fm.ThirdParty != "") {
				if !slices.ContainsFunc(pkg.Withheld, func(w struct {
					Collection string `json:"collection"`
					Field      string `json:"field"`
					Reason     string `json:"reason"`
				}) bool {
					return w.Collection == rec.Collection && w.Field == e.Key && w.Reason != ""
				}) {
					t.Errorf("%s/%s.%s is not listed as withheld", rec.Collection, rec.RecordID, e.Key)
				}
				continue
			}
			n++
			i := slices.IndexFunc(rec.Fields, func(x struct {
				Field    string          `json:"field"`
				Value    json.RawMessage `json:"value"`
				Category string          `json:"category"`
			}) bool {
				return x.Field == e.Key
			})
			if i < 0 {
				t.Errorf("%s/%s: field %s missing", rec.Collection, rec.RecordID, e.Key)
				continue
			}
			wantJSON, _ := json.Marshal(jsonValue(e.Value))
			var got bytes.Buffer
			if err := json.Compact(&got, rec.Fields[i].Value); err != nil || got.String() != string(wantJSON) {
				t.Errorf("%s/%s.%s = %s, stored %s", rec.Collection, rec.RecordID, e.Key, rec.Fields[i].Value, wantJSON)
			}
			j := slices.IndexFunc(cm.Fields, func(fm model.FieldMap) bool { return fm.Field == e.Key })
			if j >= 0 && rec.Fields[i].Category != string(cm.Fields[j].Category) {
				t.Errorf("%s/%s.%s: category %q", rec.Collection, rec.RecordID, e.Key, rec.Fields[i].Category)
			}
		}
		if n != len(rec.Fields) {
			t.Errorf("%s/%s: %d fields exported, %d stored", rec.Collection, rec.RecordID, len(rec.Fields), n)
		}
	}
	gotOut := map[string]int{}
	for _, o := range pkg.OutOfScope {
		gotOut[o.Collection] = o.Records
	}
	if fmt.Sprint(gotOut) != fmt.Sprint(out) || len(out) == 0 {
		t.Errorf("out of scope %v, want %v", gotOut, out)
	}
	// Nobody else's identifiers, in either file.
	own := map[string]bool{sub.Name: true, sub.Address: true}
	for _, e := range sub.Emails {
		own[e] = true
	}
	for _, other := range f.ds.Subjects {
		if other.ID == sub.ID {
			continue
		}
		for _, v := range append([]string{other.Name}, other.Emails...) {
			if len(v) < 6 || own[v] {
				continue
			}
			for name, b := range files {
				if strings.Contains(string(b), v) {
					t.Errorf("%s carries another subject's (%s) value %q", name, other.ID, v)
				}
			}
		}
	}
	html := string(files["summary.html"])
	for _, s := range []string{since.Format(time.DateOnly), "Older records"} {
		if !strings.Contains(html, s) {
			t.Errorf("summary lacks %q", s)
		}
	}
	// A re-run of the same plan writes the same bytes (generated at = sign-off).
	if !r.Export.At.Equal(r.Plan.SignedAt) {
		t.Errorf("package dated %v, signed off %v", r.Export.At, r.Plan.SignedAt)
	}
}

// jsonValue is how access.json renders a generated value.
func jsonValue(v any) any {
	switch x := v.(type) {
	case time.Time:
		return x.UTC()
	case int:
		return int64(x)
	}
	return v
}

func TestFulfilmentSignOffIsFourEyes(t *testing.T) {
	f := newFulfilFixture(t, 60, 10)
	sub := f.pick("any subject", func(s model.Subject) bool { return len(f.collections(s.ID)) > 0 && !s.IsChild(f.ds.Now) })
	r := f.approved("T-4EYES", sub, model.TypeDeletion, nil)
	r, err := f.s.PlanFulfilment(f.ctx, f.who["lee"], r.ID, r.Version)
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.s.SignOffPlan(f.ctx, f.who["lee"], r.ID, r.Version, r.Plan.Digest)
	const msg = "four eyes: lee built this plan, so another privacy lead must sign it off"
	if !errors.Is(err, db.ErrRefused) || !strings.Contains(err.Error(), msg) {
		t.Fatalf("self sign-off: %v", err)
	}
	evs := f.auditOf(r.ID)
	last := evs[len(evs)-1]
	if last.Outcome != model.OutcomeRefused || last.Action != string(model.ActSignOff) || last.Actor != "lee" || last.Reason != msg {
		t.Errorf("refusal not audited: %+v", last)
	}
	// Nothing changed; an engineer may neither plan nor sign.
	if cur, _ := f.s.Request(f.ctx, f.who["lee"], r.ID); cur.Version != r.Version || cur.Plan.SignedBy != "" {
		t.Errorf("a refused sign-off changed the request: v%d signed by %q", cur.Version, cur.Plan.SignedBy)
	}
	if _, err := f.s.SignOffPlan(f.ctx, f.who["eve"], r.ID, r.Version, r.Plan.Digest); !errors.Is(err, db.ErrRefused) {
		t.Errorf("engineer sign-off: %v", err)
	}
	// A stale digest (the plan was replaced) is bad input, not a signature.
	if _, err := f.s.SignOffPlan(f.ctx, f.who["lou"], r.ID, r.Version, strings.Repeat("0", 64)); !errors.Is(err, db.ErrInvalid) {
		t.Errorf("wrong digest: %v", err)
	}
	// Starting needs the sign-off.
	// Starting needs the sign-off: a refusal on the audit chain whose
	// remedy is the sign-off, for each door to name its own way.
	if _, err := f.s.RunFulfilment(f.ctx, f.who["lee"], r.ID, nil); !errors.Is(err, db.ErrRefused) || !strings.Contains(err.Error(), "not signed off") || remedyOf(err) != model.ActSignOff {
		t.Errorf("run without sign-off: %v (remedy %q)", err, remedyOf(err))
	}
	if r, err = f.s.SignOffPlan(f.ctx, f.who["lou"], r.ID, r.Version, r.Plan.Digest); err != nil || r.Plan.SignedBy != "lou" || r.Plan.SignedAt.IsZero() {
		t.Fatalf("sign-off by another lead: %v", err)
	}
	// An ordinary edit cannot touch the plan or the response record.
	for name, edit := range map[string]func(*model.Request) error{
		"plan": func(q *model.Request) error { q.Plan.Steps[0].Done = true; return nil },
		"withheld": func(q *model.Request) error {
			q.Withheld = []model.Withheld{{Category: model.CatImage, Reason: "x"}}
			return nil
		},
		"export": func(q *model.Request) error { q.Export = &model.AccessExport{Dir: "x"}; return nil },
	} {
		if _, err := f.s.Apply(f.ctx, f.who["sam"], r.ID, r.Version, model.ActNote, "a note", edit); !errors.Is(err, db.ErrInvalid) {
			t.Errorf("a note that edits the %s: %v", name, err)
		}
	}
}

func TestFulfilmentBadDataMapIsRefusedAtLoad(t *testing.T) {
	f := newFulfilFixture(t, 60, 10)
	sub := f.pick("any subject", func(s model.Subject) bool { return len(f.collections(s.ID)) > 0 && !s.IsChild(f.ds.Now) })
	r := f.approved("T-BADMAP", sub, model.TypeDeletion, nil)
	if _, err := f.conn.DB.Collection("datamap").UpdateOne(f.ctx, bson.D{{Key: "_id", Value: "payments"}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "fields.1.erasure", Value: "shred"}}}}); err != nil {
		t.Fatal(err)
	}
	_, err := f.s.PlanFulfilment(f.ctx, f.who["lee"], r.ID, r.Version)
	if err == nil || !strings.Contains(err.Error(), `data map payments.billing_email: unknown erasure "shred"`) {
		t.Fatalf("plan with a bad data map: %v", err)
	}
	cur, err := f.s.Request(f.ctx, f.who["lee"], r.ID)
	if err != nil || cur.Version != r.Version || cur.Plan != nil {
		t.Errorf("a refused plan changed the request: %v, v%d", err, cur.Version)
	}
}

func TestFulfilmentStalePlanStopsThenANewPlanFinishes(t *testing.T) {
	f := newFulfilFixture(t, 60, 10)
	sub := f.pick("a subject with several documents", func(s model.Subject) bool {
		n := 0
		for _, c := range f.collections(s.ID) {
			n += len(f.records(c, s.ID))
		}
		return n >= 4 && len(f.collections(s.ID)) >= 2 && !s.IsChild(f.ds.Now) && s.Status == model.AccountActive
	})
	r := f.planned(f.approved("T-STALE", sub, model.TypeDeletion, nil))
	if len(r.Plan.Steps) < 3 || r.Plan.Steps[1].Kind != model.StepDocument {
		t.Fatalf("plan has %d steps, the second %s", len(r.Plan.Steps), r.Plan.Steps[1].Kind)
	}
	// After sign-off, someone changes a document of the second step.
	target := r.Plan.Docs[r.Plan.Steps[1].Docs[0]]
	if _, err := f.conn.DB.Collection(target.Collection).UpdateOne(f.ctx, bson.D{{Key: "_id", Value: target.RecordID}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "changed_by_test", Value: "yes"}}}}); err != nil {
		t.Fatal(err)
	}
	changed := f.stored(target.Collection, target.RecordID)
	failed, err := f.s.RunFulfilment(f.ctx, f.who["lou"], r.ID, nil)
	wantMsg := "plan is stale: " + target.Collection + "/" + target.RecordID + " changed since the plan was made at"
	if !errors.Is(err, db.ErrStalePlan) || !strings.Contains(err.Error(), wantMsg) || remedyOf(err) != model.ActPlan || strings.Contains(err.Error(), "(p)") {
		t.Fatalf("run over a changed document: %v", err)
	}
	if failed.Status != model.StatusFailed || !strings.HasPrefix(failed.FailureReason, wantMsg) || !failed.Plan.Steps[0].Done || failed.Plan.Steps[1].Done {
		t.Fatalf("after the stale step: %s %q, steps %+v", failed.Status, failed.FailureReason, failed.Plan.Steps[:2])
	}
	if now := f.stored(target.Collection, target.RecordID); !reflect.DeepEqual(now, changed) {
		t.Errorf("the changed document was touched: %v", now)
	}
	// Retrying the stale plan is refused until a new plan is signed off.
	if _, err := f.s.RunFulfilment(f.ctx, f.who["eve"], r.ID, nil); !errors.Is(err, db.ErrRefused) || remedyOf(err) != model.ActRetry {
		t.Errorf("run of a failed request: %v", err)
	}
	r, err = f.s.PlanFulfilment(f.ctx, f.who["lee"], r.ID, failed.Version)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.Apply(f.ctx, f.who["eve"], r.ID, r.Version, model.ActRetry, "new plan", nil); !errors.Is(err, db.ErrRefused) || remedyOf(err) != model.ActSignOff {
		t.Errorf("retry before the new plan's sign-off: %v", err)
	}
	if r, err = f.s.SignOffPlan(f.ctx, f.who["lou"], r.ID, r.Version, r.Plan.Digest); err != nil {
		t.Fatal(err)
	}
	if r, err = f.s.Apply(f.ctx, f.who["eve"], r.ID, r.Version, model.ActRetry, "new plan signed off", nil); err != nil {
		t.Fatalf("engineer retry: %v", err)
	}
	r, err = f.s.RunFulfilment(f.ctx, f.who["eve"], r.ID, nil)
	if err != nil || r.Status != model.StatusFulfilling || len(r.Plan.Pending()) != 0 {
		t.Fatalf("engineer's run: %v, %s, %d pending", err, r.Status, len(r.Plan.Pending()))
	}
	if r = f.run(r, "lee"); r.Status != model.StatusCompleted {
		t.Fatalf("lead's completion: %s", r.Status)
	}
	// The document that was changed is now erased as the new plan says.
	if pd := findPlanDoc(r.Plan, target.Collection, target.RecordID); pd == nil || (pd.Op == model.DocDelete) != (f.stored(target.Collection, target.RecordID) == nil) {
		t.Errorf("changed document after the new plan: %+v", pd)
	}
	var retry, fail *model.AuditEvent
	for _, ev := range f.auditOf(r.ID) {
		switch ev.Action {
		case string(model.ActRetry):
			retry = &ev
		case string(model.ActFail):
			fail = &ev
		}
	}
	if retry == nil || retry.Actor != "eve" || retry.Outcome != model.OutcomeOK || fail == nil || !strings.HasPrefix(fail.Reason, "plan is stale") {
		t.Errorf("audit: retry %+v, fail %+v", retry, fail)
	}
}

func findPlanDoc(p *model.Plan, coll, id string) *model.PlanDoc {
	for i := range p.Docs {
		if p.Docs[i].Collection == coll && p.Docs[i].RecordID == id {
			return &p.Docs[i]
		}
	}
	return nil
}

func TestFulfilmentAccessNeedsAnExportsDirectory(t *testing.T) {
	f := newFulfilFixture(t, 60, 10)
	sub := f.pick("any subject", func(s model.Subject) bool { return len(f.collections(s.ID)) > 0 && !s.IsChild(f.ds.Now) })
	r := f.planned(f.approved("T-NODIR", sub, model.TypeAccess, nil))
	s, err := db.NewStore(f.conn, db.StoreOptions{Clock: fulfilClock})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.RunFulfilment(f.ctx, f.who["lou"], r.ID, nil); !errors.Is(err, db.ErrInvalid) || !strings.Contains(err.Error(), "no exports directory") {
		t.Fatalf("access run without an exports directory: %v", err)
	}
	if cur, _ := s.Request(f.ctx, f.who["lou"], r.ID); cur.Status != model.StatusApproved || cur.Version != r.Version {
		t.Errorf("the refused run changed the request: %s v%d", cur.Status, cur.Version)
	}
}

// TestFulfilmentPlansEveryApprovedDemoRequest: the demo's approved
// requests, of every type, are ready for the console's plan preview. (At
// this size the approved opt-outs are all already switched off, so their
// plans have no steps; the default demo has three with work to do.)
func TestFulfilmentPlansEveryApprovedDemoRequest(t *testing.T) {
	f := newFulfilFixture(t, 300, 160)
	planned, work := map[model.RequestType]int{}, map[model.RequestType]int{}
	for _, dr := range f.ds.Requests {
		if dr.Status != model.StatusApproved {
			continue
		}
		r, err := f.s.PlanFulfilment(f.ctx, f.who["lee"], dr.ID, dr.Version)
		if err != nil {
			t.Errorf("plan demo request %s (%s): %v", dr.ID, dr.Type, err)
			continue
		}
		planned[dr.Type]++
		if len(r.Plan.Steps) > 0 {
			work[dr.Type]++
		}
	}
	for _, typ := range model.RequestTypes() {
		if planned[typ] == 0 || (typ != model.TypeOptOut && work[typ] == 0) {
			t.Errorf("type %s: %d approved demo requests planned, %d with steps", typ, planned[typ], work[typ])
		}
	}
}

// A request already fulfilling without a plan (imported, or logged before
// plans existed) gets a plan, a sign-off and a run; once its signed plan is
// running it cannot be replaced.
func TestFulfilmentOfARequestFulfillingWithoutAPlan(t *testing.T) {
	f := newFulfilFixture(t, 300, 120)
	lee, lou := f.who["lee"], f.who["lou"]
	rows, err := f.s.Queue(f.ctx, lee, model.QueueFilter{Statuses: []model.Status{model.StatusFulfilling}, Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	var r model.Request
	for _, row := range rows {
		if row.SubjectID == "" {
			continue
		}
		// The demo gives every fulfilling request the plan its history
		// names; a database written by an older version may hold one
		// without, which is what this test is about.
		if _, err := f.conn.DB.Collection("requests").UpdateOne(f.ctx, bson.D{{Key: "_id", Value: row.ID}},
			bson.D{{Key: "$unset", Value: bson.D{{Key: "plan_ref", Value: ""}, {Key: "plan", Value: ""}}}}); err != nil {
			t.Fatal(err)
		}
		if r, err = f.s.Request(f.ctx, lee, row.ID); err != nil {
			t.Fatal(err)
		}
		break
	}
	if r.ID == "" || r.Plan != nil {
		t.Fatalf("no fulfilling request without a plan (%d fulfilling)", len(rows))
	}
	if _, err := f.s.RunFulfilment(f.ctx, lou, r.ID, nil); err == nil || !strings.Contains(err.Error(), "no fulfilment plan") || remedyOf(err) != model.ActPlan {
		t.Fatalf("running without a plan: %v", err)
	}
	r = f.planned(r)
	if _, err := f.s.PlanFulfilment(f.ctx, lee, r.ID, r.Version); err == nil || !strings.Contains(err.Error(), "signed off and running") {
		t.Fatalf("replacing a running signed plan: %v", err)
	}
	done, err := f.s.RunFulfilment(f.ctx, lou, r.ID, nil)
	if err != nil || done.Status != model.StatusCompleted || len(done.Plan.Pending()) != 0 {
		t.Fatalf("run: %v, %s with %d steps pending", err, done.Status, len(done.Plan.Pending()))
	}
}

// A record of the subject added after the plan was made would be missed by
// it. A deletion finds it when its steps are done and fails instead of
// completing (a new plan covers just that record); an access run finds it
// before it writes the package.
func TestFulfilmentRecordAddedSincePlanIsStale(t *testing.T) {
	f := newFulfilFixture(t, 60, 10)
	addTo := func(sub model.Subject, id string) string {
		coll := f.collections(sub.ID)[0]
		var added bson.D
		for _, e := range f.records(coll, sub.ID)[0] {
			if e.Key == "_id" {
				e.Value = id
			}
			added = append(added, e)
		}
		if _, err := f.conn.DB.Collection(coll).InsertOne(f.ctx, added); err != nil {
			t.Fatal(err)
		}
		return coll
	}
	adultWithRecords := func(s model.Subject) bool {
		return len(f.collections(s.ID)) >= 2 && !s.IsChild(f.ds.Now) && s.Status == model.AccountActive
	}

	t.Run("deletion", func(t *testing.T) {
		sub := f.pick("a subject with records", adultWithRecords)
		r := f.planned(f.approved("T-ADDED-DEL", sub, model.TypeDeletion, nil))
		coll := addTo(sub, "added-after-plan")
		failed, err := f.s.RunFulfilment(f.ctx, f.who["lou"], r.ID, nil)
		if !errors.Is(err, db.ErrStalePlan) || !strings.Contains(err.Error(), coll+"/added-after-plan is new") {
			t.Fatalf("run with a record added since the plan: %v", err)
		}
		if failed.Status != model.StatusFailed || failed.Outcome != "" || failed.RespondedAt != nil {
			t.Fatalf("after the refusal: %s, outcome %q — a response was recorded", failed.Status, failed.Outcome)
		}
		r, err = f.s.PlanFulfilment(f.ctx, f.who["lee"], r.ID, failed.Version)
		if err != nil {
			t.Fatal(err)
		}
		var acts []string
		for _, d := range r.Plan.Docs {
			if d.Op.Changes() {
				acts = append(acts, d.Collection+"/"+d.RecordID)
			}
		}
		if !slices.Equal(acts, []string{coll + "/added-after-plan"}) {
			t.Fatalf("the new plan acts on %v, want only the added record", acts)
		}
		if r, err = f.s.SignOffPlan(f.ctx, f.who["lou"], r.ID, r.Version, r.Plan.Digest); err != nil {
			t.Fatal(err)
		}
		if r, err = f.s.Apply(f.ctx, f.who["lou"], r.ID, r.Version, model.ActRetry, "a record was added", nil); err != nil {
			t.Fatal(err)
		}
		done, err := f.s.RunFulfilment(f.ctx, f.who["lou"], r.ID, nil)
		if err != nil || done.Status != model.StatusCompleted {
			t.Fatalf("run of the new plan: %v (%s)", err, done.Status)
		}
	})

	t.Run("access", func(t *testing.T) {
		sub := f.pick("a subject with records", adultWithRecords)
		r := f.planned(f.approved("T-ADDED-ACC", sub, model.TypeAccess, nil))
		coll := addTo(sub, "added-before-export")
		_, err := f.s.RunFulfilment(f.ctx, f.who["lou"], r.ID, nil)
		if !errors.Is(err, db.ErrStalePlan) || !strings.Contains(err.Error(), coll+"/added-before-export is new") {
			t.Fatalf("access run with a record added since the plan: %v", err)
		}
		if _, err := os.Stat(filepath.Join(f.exports, r.ID)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("a package was written for a stale plan: %v", err)
		}
	})
}

// remedyOf is the action a refusal names as its remedy ("" for none).
func remedyOf(err error) model.Action {
	var ref *model.Refusal
	if errors.As(err, &ref) {
		return ref.Remedy
	}
	return ""
}
