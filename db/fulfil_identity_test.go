package db_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/custodian-dev/custodian/db"
	"github.com/custodian-dev/custodian/model"
)

// typedIDs are _ids of every type a product may use. The string "41" and
// the int32 41 print alike but are two records; all must be found as what
// they are.
type typedID struct {
	name string
	id   any
	text string // how a plan displays it
}

func typedIDs() []typedID {
	oid, _ := bson.ObjectIDFromHex("5f1d7a3b9c0e4a2b8d6f0e11")
	return []typedID{
		{"string", "typed-string", "typed-string"},
		{"string that reads like an int", "41", "41"},
		{"ObjectID", oid, oid.Hex()},
		{"int32", int32(41), "41"},
		{"int64", int64(1)<<40 + 3, "1099511627779"},
		{"compound", bson.D{{Key: "product", Value: "app"}, {Key: "n", Value: int32(7)}}, "map[n:7 product:app]"},
	}
}

// copyWithID copies the subject's first document of coll under id.
func (f *ffix) copyWithID(coll, subjectID string, id any) bson.D {
	f.t.Helper()
	var out bson.D
	for _, e := range f.records(coll, subjectID)[0] {
		if e.Key == "_id" {
			e.Value = id
		}
		out = append(out, e)
	}
	if _, err := f.conn.DB.Collection(coll).InsertOne(f.ctx, out); err != nil {
		f.t.Fatalf("insert %s %v: %v", coll, id, err)
	}
	return out
}

// rawByID reads a document by its _id value exactly as stored, with the
// driver alone: no code under test decides what was found.
func (f *ffix) rawByID(coll string, id any) (bson.D, bool) {
	f.t.Helper()
	var d bson.D
	err := f.conn.DB.Collection(coll).FindOne(f.ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, false
	}
	if err != nil {
		f.t.Fatal(err)
	}
	return d, true
}

func adultActive(f *ffix) func(model.Subject) bool {
	return func(s model.Subject) bool {
		return len(f.collections(s.ID)) >= 2 && !s.IsChild(f.ds.Now) && s.Status == model.AccountActive
	}
}

// A deletion over records keyed by every _id type deletes or masks every
// one of them, as a raw driver query per collection proves afterwards.
// (Looked up by a string or ObjectID _id only, the int and compound ones
// were "not found", recorded as already deleted, and left in place.)
func TestFulfilmentDeletionOfEveryIDType(t *testing.T) {
	for _, byFilter := range []bool{false, true} {
		t.Run(map[bool]string{false: "embedded path", true: "written by filter (MongoDB path)"}[byFilter], func(t *testing.T) {
			testDeletionOfEveryIDType(t, byFilter)
		})
	}
}

func testDeletionOfEveryIDType(t *testing.T, byFilter bool) {
	f := newFulfilFixture(t, 60, 10)
	if byFilter {
		f.s.WriteRecordsByFilterForTest()
	}
	sub := f.pick("an adult with records", adultActive(f))
	colls := f.collections(sub.ID)
	orig := map[string]map[string]bson.D{}
	for _, c := range colls {
		orig[c] = map[string]bson.D{}
		for _, tc := range typedIDs() {
			orig[c][tc.name] = f.copyWithID(c, sub.ID, tc.id)
		}
	}
	r := f.planned(f.approved("T-IDS", sub, model.TypeDeletion, nil))
	for _, c := range colls {
		keys := map[string]bool{}
		for _, d := range r.Plan.Docs {
			if d.Collection == c {
				if d.IDKey == "" || keys[d.IDKey] {
					t.Fatalf("%s/%s: id key %q empty or used twice", c, d.RecordID, d.IDKey)
				}
				keys[d.IDKey] = true
			}
		}
		if want := len(f.records(c, sub.ID)) + len(typedIDs()); len(keys) != want {
			t.Errorf("%s: the plan names %d records, want %d", c, len(keys), want)
		}
	}
	done, err := f.s.RunFulfilment(f.ctx, f.who["lou"], r.ID, nil)
	if err != nil || done.Status != model.StatusCompleted {
		t.Fatalf("run: %v (%s)", err, done.Status)
	}
	for _, c := range colls {
		for _, tc := range typedIDs() {
			pd := planDocOf(t, done.Plan, c, tc.text)
			got, found := f.rawByID(c, tc.id)
			switch {
			case pd.Op == model.DocDelete && found:
				t.Errorf("%s %s _id: planned delete, still there", c, tc.name)
			case pd.Op == model.DocDelete:
			case !found:
				t.Errorf("%s %s _id: planned %s, gone", c, tc.name, pd.Op)
			default:
				for _, pf := range pd.Fields {
					switch pf.Op {
					case model.FieldNull, model.FieldFixed, model.FieldHash, model.FieldDelete:
						if v := field(got, pf.Field); v != nil && sameValue(v, field(orig[c][tc.name], pf.Field)) {
							t.Errorf("%s %s _id: %s planned %s, still holds its value", c, tc.name, pf.Field, pf.Op)
						}
					}
				}
			}
		}
	}
	if strings.Contains(done.Outcome, "already done") {
		t.Errorf("outcome %q: a first run found nothing already done", done.Outcome)
	}
	for _, st := range done.Plan.Steps {
		if st.Result == "already done" {
			t.Errorf("step %s: %q on a first run", st.Label, st.Result)
		}
	}
}

// planDocOf is the plan's entry for the record displayed as text in coll
// (the string "41" and the int 41 are copies of one document: either will do).
func planDocOf(t *testing.T, p *model.Plan, coll, text string) model.PlanDoc {
	t.Helper()
	for _, d := range p.Docs {
		if d.Collection == coll && d.RecordID == text {
			return d
		}
	}
	for _, d := range p.Docs {
		if d.Collection == coll {
			t.Logf("plan has %s %q", coll, d.RecordID)
		}
	}
	t.Fatalf("the plan has no %s record %s", coll, text)
	return model.PlanDoc{}
}

// changingDoc is the first planned document of r's plan that a step changes
// without deleting it (a mask), or deletes, and that step's index.
func changingDoc(t *testing.T, p *model.Plan, del bool) (model.PlanDoc, int) {
	t.Helper()
	for i, st := range p.Steps {
		for _, di := range st.Docs {
			d := p.Docs[di]
			if d.Op.Changes() && (d.Op == model.DocDelete) == del {
				return d, i
			}
		}
	}
	t.Skipf("the plan has no document that is %s", map[bool]string{true: "deleted", false: "masked"}[del])
	return model.PlanDoc{}, 0
}

// A planned record that is gone fails its step, unless the plan deleted it
// (gone is then what the plan wanted); the request fails, naming the record.
func TestFulfilmentVanishedRecordFailsTheStep(t *testing.T) {
	f := newFulfilFixture(t, 60, 10)
	tests := []struct {
		name    string
		del     bool
		midStep bool // removed between the step's read and its write
		wantErr string
	}{
		{"masked record removed before the run", false, false, "vanished since the plan"},
		{"masked record removed while its step ran", false, true, "vanished since the plan"},
		{"deleted record removed before the run", true, false, ""},
		{"deleted record removed while its step ran", true, true, ""},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sub := f.pick("an adult with records", adultActive(f))
			r := f.planned(f.approved(fmt.Sprintf("T-GONE-%d", i), sub, model.TypeDeletion, nil))
			target, step := changingDoc(t, r.Plan, tc.del)
			remove := func() {
				if _, err := f.conn.DB.Collection(target.Collection).DeleteOne(f.ctx, bson.D{{Key: "_id", Value: target.RecordID}}); err != nil {
					t.Fatal(err)
				}
			}
			f.s = f.store()
			if tc.midStep {
				f.s.RaceStepForTest(func(i int) error {
					if i == step {
						remove()
					}
					return nil
				})
			} else {
				remove()
			}
			end, err := f.s.RunFulfilment(f.ctx, f.who["lou"], r.ID, nil)
			if tc.wantErr == "" {
				if err != nil || end.Status != model.StatusCompleted {
					t.Fatalf("run: %v (%s)", err, end.Status)
				}
				return
			}
			where := target.Collection + "/" + target.RecordID
			if !errors.Is(err, db.ErrStalePlan) || !strings.Contains(err.Error(), "record "+where+" "+tc.wantErr) || remedyOf(err) != model.ActPlan {
				t.Fatalf("run without a planned record: %v", err)
			}
			if end.Status != model.StatusFailed || end.Plan.Steps[step].Done || !strings.Contains(end.FailureReason, "vanished") {
				t.Fatalf("after the step: %s %q, step done %v", end.Status, end.FailureReason, end.Plan.Steps[step].Done)
			}
		})
	}
}

// A product write landing between a step's read and its write makes the
// step's conditional write match nothing: the step fails as stale and the
// product's write stands (it was overwritten before).
func TestFulfilmentProductWriteRacingAStepFailsItStale(t *testing.T) {
	f := newFulfilFixture(t, 60, 10)
	tests := []struct {
		name     string
		del      bool
		byFilter bool // the MongoDB path: one write filtered on the record as read
	}{
		{"planned mask", false, false},
		{"planned delete", true, false},
		{"planned mask, written by filter", false, true},
		{"planned delete, written by filter", true, true},
	}
	for i, tc := range tests {
		del := tc.del
		t.Run(tc.name, func(t *testing.T) {
			sub := f.pick("an adult with records", adultActive(f))
			r := f.planned(f.approved(fmt.Sprintf("T-RACE-%d", i), sub, model.TypeDeletion, nil))
			target, step := changingDoc(t, r.Plan, del)
			before, _ := f.rawByID(target.Collection, target.RecordID)
			// An existing field the product rewrites: not the id or the links.
			var racing string
			for _, e := range before {
				if e.Key != "_id" && e.Key != "tenant_id" && e.Key != "subject_id" {
					racing = e.Key
					break
				}
			}
			f.s = f.store()
			if tc.byFilter {
				f.s.WriteRecordsByFilterForTest()
			}
			f.s.RaceStepForTest(func(i int) error {
				if i != step {
					return nil
				}
				_, err := f.conn.DB.Collection(target.Collection).UpdateOne(f.ctx, bson.D{{Key: "_id", Value: target.RecordID}},
					bson.D{{Key: "$set", Value: bson.D{{Key: racing, Value: "written by the product meanwhile"}}}})
				return err
			})
			end, err := f.s.RunFulfilment(f.ctx, f.who["lou"], r.ID, nil)
			where := target.Collection + "/" + target.RecordID
			if !errors.Is(err, db.ErrStalePlan) || !strings.Contains(err.Error(), where+" (changed while the step ran)") {
				t.Fatalf("run racing a product write: %v", err)
			}
			if end.Status != model.StatusFailed || end.Plan.Steps[step].Done {
				t.Fatalf("after the race: %s, step done %v", end.Status, end.Plan.Steps[step].Done)
			}
			after, found := f.rawByID(target.Collection, target.RecordID)
			if !found || field(after, racing) != "written by the product meanwhile" {
				t.Fatalf("the product's write did not survive: found %v, %s = %v", found, racing, field(after, racing))
			}
		})
	}
}

// Reveal finds a record by its typed _id: an ObjectID or an integer key is
// read as what it is (by its printed form it was not found).
func TestRevealTypedIDs(t *testing.T) {
	conn, s, who := seededLookup(t)
	ctx := seedContext(t)
	recs, err := s.SubjectRecords(ctx, who["lee"], heldSubject)
	if err != nil {
		t.Fatal(err)
	}
	var tmpl model.PIRecord
	for _, r := range recs {
		if len(r.Fields) > 0 {
			tmpl = r
			break
		}
	}
	var src bson.D
	if err := conn.DB.Collection(tmpl.Collection).FindOne(ctx, bson.D{{Key: "_id", Value: tmpl.RecordID}}).Decode(&src); err != nil {
		t.Fatal(err)
	}
	fieldName := tmpl.Fields[0].Field
	tests := []struct {
		name string
		id   any
	}{
		{"ObjectID", bson.NewObjectIDFromTimestamp(seedClock.T)},
		{"int32", int32(9001)},
		{"int64", int64(1)<<41 + 9},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			want := fmt.Sprintf("revealed value %d", i)
			var d bson.D
			for _, e := range src {
				switch e.Key {
				case "_id":
					e.Value = tc.id
				case fieldName:
					e.Value = want
				}
				d = append(d, e)
			}
			if _, err := conn.DB.Collection(tmpl.Collection).InsertOne(ctx, d); err != nil {
				t.Fatal(err)
			}
			recs, err := s.SubjectRecords(ctx, who["lee"], heldSubject)
			if err != nil {
				t.Fatal(err)
			}
			text := fmt.Sprint(tc.id)
			if oid, ok := tc.id.(bson.ObjectID); ok {
				text = oid.Hex()
			}
			i := slices.IndexFunc(recs, func(r model.PIRecord) bool { return r.Collection == tmpl.Collection && r.RecordID == text })
			if i < 0 {
				t.Fatalf("no record %s in %s", text, tmpl.Collection)
			}
			ref := model.FieldRef{Collection: tmpl.Collection, RecordID: text, IDKey: recs[i].IDKey, Field: fieldName}
			got, err := s.RevealField(ctx, who["lee"], heldSubject, ref, "typed id check")
			if err != nil || got != want {
				t.Fatalf("reveal: %q, %v; want %q", got, err, want)
			}
		})
	}
}
