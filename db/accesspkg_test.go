package db_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/custodian-dev/custodian/db"

	"github.com/custodian-dev/custodian/model"
)

// TestAccessWithholdsForEveryDemoSubject plans and runs an access request
// for every subject of a demo dataset and reads both files it wrote: no
// value of a never-disclose field (11 CCR §7024(d)) and no value of a field
// holding another person's data (no lead decided to disclose any) reaches
// access.json or summary.html, and the summary shows no internal record id
// or token. Values are read from the database with the driver, not from the
// plan. Every marked field of every demo collection must have been met in an
// exported record, so the walk cannot pass on data that lacks them.
func TestAccessWithholdsForEveryDemoSubject(t *testing.T) {
	skipUnderRace(t)
	f := newFulfilFixture(t, 60, 10)
	marked := map[string]model.FieldMap{} // "collection.field"
	tokens := map[string]bool{}
	for _, cm := range f.ds.DataMap {
		for _, fm := range cm.Fields {
			if fm.Class.NeverDisclose() || fm.ThirdParty != "" {
				marked[cm.Collection+"."+fm.Field] = fm
			}
			if fm.Kind == model.KindToken {
				tokens[cm.Collection+"."+fm.Field] = true
			}
		}
	}
	if len(marked) < 15 {
		t.Fatalf("the demo data map marks only %d fields", len(marked))
	}
	met := map[string]int{}
	for i, sub := range f.ds.Subjects {
		r := f.run(f.planned(f.approved(fmt.Sprintf("T-WALK-%04d", i), sub, model.TypeAccess, nil)), "lou")
		if r.Status != model.StatusCompleted {
			t.Fatalf("%s: access for %s ended %s", r.ID, sub.ID, r.Status)
		}
		files := map[string]string{}
		for _, name := range []string{"access.json", "summary.html"} {
			b, err := os.ReadFile(filepath.Join(f.exports, r.ID, name))
			if err != nil {
				t.Fatal(err)
			}
			files[name] = string(b)
		}
		for _, pd := range r.Plan.Docs {
			if pd.Op != model.DocExport {
				continue
			}
			var raw bson.M
			if err := f.conn.DB.Collection(pd.Collection).FindOne(f.ctx, bson.D{{Key: "_id", Value: pd.RecordID}}).Decode(&raw); err != nil {
				t.Fatalf("read %s/%s: %v", pd.Collection, pd.RecordID, err)
			}
			if strings.Contains(files["summary.html"], pd.RecordID) {
				t.Errorf("%s: summary.html shows the internal record id %s", r.ID, pd.RecordID)
			}
			for k, v := range raw {
				where := pd.Collection + "." + k
				_, secret := marked[where]
				if !secret && !tokens[where] {
					continue
				}
				vals := leafStrings(v)
				if len(vals) == 0 {
					continue
				}
				if secret {
					met[where]++
				}
				for _, s := range vals {
					if len(s) < 4 {
						continue // too short to mean anything in a page of text
					}
					forms := map[string][]string{
						"summary.html": {s, html.EscapeString(s), model.FormatPhone(s)},
						"access.json":  {jsonText(s)},
					}
					if !secret {
						forms["access.json"] = nil // a token is the resident's own data: machine copy only
					}
					for name, fs := range forms {
						for _, form := range fs {
							if strings.Contains(files[name], form) {
								t.Errorf("%s: %s carries %s/%s %s (%q)", r.ID, name, pd.Collection, pd.RecordID, k, form)
							}
						}
					}
				}
			}
		}
	}
	for where := range marked {
		if met[where] == 0 {
			t.Errorf("no exported record had a value for %s: the walk did not test it", where)
		}
	}
}

// leafStrings are the text forms of a stored value: each string of it.
func leafStrings(v any) []string {
	switch x := v.(type) {
	case nil:
		return nil
	case string:
		if x == "" {
			return nil
		}
		return []string{x}
	case bson.A:
		var out []string
		for _, e := range x {
			out = append(out, leafStrings(e)...)
		}
		return out
	case []any:
		return leafStrings(bson.A(x))
	}
	return []string{fmt.Sprint(v)}
}

// jsonText is s as it appears inside a JSON string.
func jsonText(s string) string {
	b, _ := json.Marshal(s)
	return string(b[1 : len(b)-1])
}

// TestDiscloseThirdPartyField: a lead's decision to disclose a guardian's
// phone is recorded with its reason on the request and the chain; the plan
// built before it cannot be signed off; the new plan exports the field,
// lists the decision, and the package carries the value. A never-disclose
// field cannot be released by a decision.
func TestDiscloseThirdPartyField(t *testing.T) {
	f := newFulfilFixture(t, 60, 10)
	since := model.AccessSince(fulfilClock.T)
	sub := f.pick("a registration with a guardian's phone in scope", func(s model.Subject) bool {
		for _, d := range f.records("rec_registrations", s.ID) {
			if at, ok := field(d, "registered_at").(time.Time); ok && !at.Before(since) && field(d, "guardian_phone") != nil {
				return true
			}
		}
		return false
	})
	r := f.approved("T-DISCLOSE", sub, model.TypeAccess, nil)
	r, err := f.s.PlanFulfilment(f.ctx, f.who["lee"], r.ID, r.Version)
	if err != nil {
		t.Fatal(err)
	}
	const why = "the requester is the guardian named on the registration"
	// The role is the lifecycle table's: an engineer is refused, and audited.
	if _, err := f.s.Disclose(f.ctx, f.who["eve"], r.ID, r.Version, "rec_registrations.guardian_phone", why); !errors.Is(err, db.ErrRefused) {
		t.Errorf("an engineer's disclosure: %v", err)
	}
	if evs := f.auditOf(r.ID); evs[len(evs)-1].Outcome != model.OutcomeRefused || evs[len(evs)-1].Actor != "eve" {
		t.Errorf("the engineer's refusal is not on the chain: %+v", evs[len(evs)-1])
	}
	if _, err := f.s.Disclose(f.ctx, f.who["lou"], r.ID, r.Version, "rec_registrations.medical_notes", why); !errors.Is(err, db.ErrInvalid) || !strings.Contains(err.Error(), "§7024(d)") {
		t.Errorf("disclosing medical notes: %v", err)
	}
	if _, err := f.s.Disclose(f.ctx, f.who["lou"], r.ID, r.Version, "rec_registrations.guardian_phone", " "); !errors.Is(err, db.ErrInvalid) {
		t.Errorf("a decision without a reason: %v", err)
	}
	r, err = f.s.Disclose(f.ctx, f.who["lou"], r.ID, r.Version, "rec_registrations.guardian_phone", why)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Disclosures) != 1 || r.Disclosures[0].By != "lou" || r.Disclosures[0].Reason != why {
		t.Fatalf("disclosures %+v", r.Disclosures)
	}
	evs := f.auditOf(r.ID)
	if last := evs[len(evs)-1]; last.Action != string(model.ActDisclose) || last.Reason != why || !strings.Contains(last.Detail, "rec_registrations.guardian_phone") {
		t.Errorf("audit %+v", last)
	}
	if _, err := f.s.SignOffPlan(f.ctx, f.who["lou"], r.ID, r.Version, r.Plan.Digest); err == nil || !strings.Contains(err.Error(), "disclosure decision") {
		t.Errorf("signing off the plan made before the decision: %v", err)
	}
	r = f.run(f.planned(r), "lou")
	if len(r.Plan.Disclosures) != 1 {
		t.Errorf("the new plan lists %+v", r.Plan.Disclosures)
	}
	b, err := os.ReadFile(filepath.Join(f.exports, r.ID, "access.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range f.records("rec_registrations", sub.ID) {
		if at := field(d, "registered_at").(time.Time); at.Before(since) || field(d, "guardian_phone") == nil {
			continue
		}
		if !strings.Contains(string(b), jsonText(field(d, "guardian_phone").(string))) {
			t.Errorf("the disclosed guardian phone of %v is not in access.json", field(d, "_id"))
		}
		if v := field(d, "guardian_email"); v != nil && strings.Contains(string(b), jsonText(v.(string))) {
			t.Errorf("the undecided guardian email of %v is in access.json", field(d, "_id"))
		}
	}
}
