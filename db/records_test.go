package db_test

import (
	"errors"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/custodian-dev/custodian/db"
	"github.com/custodian-dev/custodian/model"
)

// seededLookup is a demo dataset with its operators.
func seededLookup(t *testing.T) (*db.Conn, *db.Store, map[string]model.Actor) {
	t.Helper()
	conn, s := seedNewStore(t, seedClock)
	ctx := seedContext(t)
	if _, err := db.Seed(ctx, s, db.SeedOptions{Subjects: 60, Requests: 20, Clock: seedClock}); err != nil {
		t.Fatal(err)
	}
	actors := map[string]model.Actor{}
	for _, h := range []string{"lee", "sam", "eve", "lina"} {
		op, err := s.Operator(ctx, h)
		if err != nil {
			t.Fatal(err)
		}
		actors[h] = model.Actor{Operator: op, Origin: "test"}
	}
	return conn, s, actors
}

// heldSubject is the demo subject under a subpoena in Oakridge, with
// records in four collections.
const heldSubject = "S-000033"

func TestSubjectRecords(t *testing.T) {
	conn, s, who := seededLookup(t)
	ctx := seedContext(t)
	recs, err := s.SubjectRecords(ctx, who["sam"], heldSubject)
	if err != nil {
		t.Fatal(err)
	}
	colls := map[string]bool{}
	held, retained := false, false
	for _, r := range recs {
		colls[r.Collection] = true
		if r.RecordID == "" || r.CollectedAt.IsZero() || r.Product == "" {
			t.Errorf("record without id, date or product: %+v", r)
		}
		var raw bson.M
		if err := conn.DB.Collection(r.Collection).FindOne(ctx, bson.D{{Key: "_id", Value: r.RecordID}}).Decode(&raw); err != nil {
			t.Fatal(err)
		}
		for _, f := range r.Fields {
			if v, ok := raw[f.Field].(string); ok && len(v) > 4 && strings.Contains(f.Masked, v) {
				t.Errorf("%s.%s shows its value unmasked: %q", r.Collection, f.Field, f.Masked)
			}
			for _, h := range f.Holds {
				held = held || h.ID == "H-OAK-1"
			}
			retained = retained || f.Retention != nil
		}
	}
	if len(colls) < 4 {
		t.Fatalf("records from %d collections, want at least 4: %v", len(colls), colls)
	}
	if !held || !retained {
		t.Fatalf("legal hold shown %v, retention rule shown %v", held, retained)
	}
	if _, err := s.SubjectRecords(ctx, who["lina"], heldSubject); !errors.Is(err, db.ErrNotFound) {
		t.Fatalf("out-of-scope records: %v", err)
	}
}

func TestRevealField(t *testing.T) {
	conn, s, who := seededLookup(t)
	ctx := seedContext(t)
	recs, err := s.SubjectRecords(ctx, who["lee"], heldSubject)
	if err != nil {
		t.Fatal(err)
	}
	var ref model.FieldRef
	for _, r := range recs {
		for _, f := range r.Fields {
			if f.Field == "ssn" {
				ref = model.FieldRef{Collection: r.Collection, RecordID: r.RecordID, Field: f.Field}
			}
		}
	}
	if ref.Field == "" {
		t.Fatal("the held subject has no SSN on record")
	}
	var raw bson.M
	if err := conn.DB.Collection(ref.Collection).FindOne(ctx, bson.D{{Key: "_id", Value: ref.RecordID}}).Decode(&raw); err != nil {
		t.Fatal(err)
	}
	lastAudit := func() db.AuditRecord {
		t.Helper()
		page, err := s.AuditPage(ctx, who["lee"], 0, 1)
		if err != nil || len(page) != 1 {
			t.Fatalf("audit: %v", err)
		}
		return page[0]
	}

	for _, h := range []string{"sam", "eve"} {
		_, err := s.RevealField(ctx, who[h], heldSubject, ref, "caller asked")
		if !errors.Is(err, db.ErrRefused) {
			t.Fatalf("%s revealed: %v", h, err)
		}
		if ev := lastAudit(); ev.Action != db.ActionReveal || ev.Outcome != model.OutcomeRefused || ev.Actor != h {
			t.Fatalf("%s's refusal not audited: %+v", h, ev.AuditEvent)
		}
	}
	before := lastAudit().Seq
	if _, err := s.RevealField(ctx, who["lee"], heldSubject, ref, "   "); !errors.Is(err, db.ErrInvalid) {
		t.Fatalf("no reason: %v", err)
	}
	// One character states nothing a reviewer could check (model.MinRevealReason).
	if _, err := s.RevealField(ctx, who["lee"], heldSubject, ref, "x"); !errors.Is(err, db.ErrInvalid) || !strings.Contains(err.Error(), "at least") {
		t.Fatalf("a one-character reason: %v", err)
	}
	for _, bad := range []model.FieldRef{
		{Collection: "operators", RecordID: "lee", Field: "keys"},
		{Collection: ref.Collection, RecordID: ref.RecordID, Field: "requisition"},
		{Collection: model.SubjectsCollection, RecordID: "S-000001", Field: "name"},
	} {
		if _, err := s.RevealField(ctx, who["lee"], heldSubject, bad, "checking the field"); !errors.Is(err, db.ErrInvalid) {
			t.Fatalf("reveal of %+v: %v", bad, err)
		}
	}
	if got := lastAudit().Seq; got != before {
		t.Fatalf("bad input was audited as a reveal")
	}
	// A record of another subject is not theirs to reveal through this one.
	other := model.FieldRef{Collection: ref.Collection, RecordID: "job-000001-1", Field: "ssn"}
	if _, err := s.RevealField(ctx, who["lee"], heldSubject, other, "checking the field"); !errors.Is(err, db.ErrNotFound) {
		t.Fatalf("another subject's record: %v", err)
	}

	got, err := s.RevealField(ctx, who["lee"], heldSubject, ref, "subpoena response needs the SSN")
	if err != nil || got != raw["ssn"] {
		t.Fatalf("revealed %q, %v; stored %q", got, err, raw["ssn"])
	}
	ev := lastAudit()
	if ev.Action != db.ActionReveal || ev.Outcome != model.OutcomeOK || ev.Actor != "lee" || ev.Target != "subject:"+heldSubject ||
		ev.Reason != "subpoena response needs the SSN" || ev.TenantID != "oakridge-ca" || !strings.Contains(ev.Detail, ref.RecordID+" ssn") {
		t.Fatalf("reveal audit: %+v", ev.AuditEvent)
	}
	if strings.Contains(ev.Detail+ev.Reason, got) {
		t.Fatalf("the audit event holds the revealed value")
	}
	name, err := s.RevealField(ctx, who["lee"], heldSubject, model.FieldRef{Collection: model.SubjectsCollection, RecordID: heldSubject, Field: "name"}, "confirm spelling")
	if sub, _ := s.Subject(ctx, who["lee"], heldSubject); err != nil || name != sub.Name {
		t.Fatalf("identity reveal %q %v", name, err)
	}
}

// TestSubjectRecordsRetentionNotes: each field's retention note is its own
// record's: the Customer's rule for the category scoped to the record's
// collection (or one for every collection), shown only for a field the data
// map keeps. A board application's public-records note never appears on
// another product.
func TestSubjectRecordsRetentionNotes(t *testing.T) {
	conn, s, who := seededLookup(t)
	ctx := seedContext(t)
	dm, err := s.DataMap(ctx)
	if err != nil {
		t.Fatal(err)
	}
	erasure := map[string]model.Erasure{}
	for _, cm := range dm {
		for _, fm := range cm.Fields {
			erasure[cm.Collection+"."+fm.Field] = fm.Erasure
		}
	}
	var subs []model.Subject
	cur, err := conn.DB.Collection("subjects").Find(ctx, bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	if err := cur.All(ctx, &subs); err != nil {
		t.Fatal(err)
	}
	notes := map[string]int{}
	for _, sub := range subs {
		tn, err := s.Tenant(ctx, who["lee"], sub.TenantID)
		if err != nil {
			continue // outside lee's scope
		}
		recs, err := s.SubjectRecords(ctx, who["lee"], sub.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range recs {
			for _, f := range r.Fields {
				var want *model.RetentionRule
				if erasure[r.Collection+"."+f.Field] == model.EraseKeep {
					for _, rule := range tn.Retention {
						if rule.Category != f.Category {
							continue
						}
						if len(rule.Collections) == 0 && want == nil {
							want = &rule
						}
						if len(rule.Collections) > 0 && rule.Collections[0] == r.Collection {
							want = &rule
							break
						}
					}
				}
				switch {
				case (want == nil) != (f.Retention == nil):
					t.Errorf("%s/%s.%s: retention %+v, want %+v", r.Collection, r.RecordID, f.Field, f.Retention, want)
				case want != nil && f.Retention.Period != want.Period:
					t.Errorf("%s/%s.%s: retention %q, want %q", r.Collection, r.RecordID, f.Field, f.Retention.Period, want.Period)
				}
				if f.Retention != nil {
					notes[r.Collection]++
					if strings.Contains(f.Retention.Period, "board") && r.Collection != "board_applications" {
						t.Errorf("%s/%s.%s shows the board applications' note", r.Collection, r.RecordID, f.Field)
					}
				}
			}
		}
	}
	if len(notes) < 3 {
		t.Errorf("retention notes only in %v: the test saw too little", notes)
	}
}
