package model

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

var planNow = time.Date(2026, 11, 20, 15, 0, 0, 0, time.UTC)

func testHash(s string) string {
	sum := sha256.Sum256([]byte("key\x00" + s))
	return HashPrefix + hex.EncodeToString(sum[:16])
}

func testDataMap() []CollectionMap {
	return []CollectionMap{
		{Collection: "signups", Product: "Signups", SubjectField: "subject_id", DateField: "at", Fields: []FieldMap{
			{Field: "name", Category: CatIdentifying, Kind: KindName, Erasure: EraseDeleteDoc, SubjectPoint: PointName},
			{Field: "email", Category: CatIdentifying, Kind: KindEmail, Erasure: EraseNull, SubjectPoint: PointEmail},
			{Field: "birth_date", Category: CatSensitive, Kind: KindDate, Erasure: EraseNull},
		}},
		{Collection: "hr", Product: "HR", SubjectField: "subject_id", DateField: "at", Fields: []FieldMap{
			{Field: "employee_name", Category: CatIdentifying, Kind: KindName, Erasure: EraseKeep, SubjectPoint: PointName},
			{Field: "home_address", Category: CatIdentifying, Kind: KindAddress, Erasure: EraseFixed, Fixed: "[removed]", SubjectPoint: PointAddress},
			{Field: "ssn", Category: CatEmployee, Kind: KindSSN, Erasure: EraseKeep},
			{Field: "dependants", Category: CatEmployee, Kind: KindName, Erasure: EraseNull},
		}},
		{Collection: "alerts", Product: "Alerts", SubjectField: "subject_id", DateField: "at", Fields: []FieldMap{
			{Field: "email", Category: CatIdentifying, Kind: KindEmail, Erasure: EraseHash},
			{Field: "marketing", Category: CatContact, Kind: KindText, Erasure: EraseNull, OptOut: true},
		}},
	}
}

func testDocs() map[string][]Doc {
	at := func(y int, m time.Month) time.Time { return time.Date(y, m, 3, 10, 0, 0, 0, time.UTC) }
	return map[string][]Doc{
		"signups": {
			{"_id": "SU-2", "tenant_id": "t1", "subject_id": "S1", "at": at(2021, 5), "name": "Ana Ruiz", "email": "ana@example.org", "program": "swim"},
			{"_id": "SU-1", "tenant_id": "t1", "subject_id": "S1", "at": at(2026, 6), "name": "Ana Ruiz", "email": "ana@example.org", "birth_date": "1990-04-01"},
		},
		"hr": {
			{"_id": "HR-1", "tenant_id": "t1", "subject_id": "S1", "at": at(2024, 2), "employee_name": "Ana Ruiz", "home_address": "1 Oak St, Fresno CA",
				"ssn": "123-45-6789", "dependants": []any{"Leo Ruiz", "Mia Ruiz"}, "department": "parks"},
		},
		"alerts": {
			{"_id": "AL-1", "tenant_id": "t1", "subject_id": "S1", "at": at(2025, 9), "email": "ana@example.org", "marketing": true},
			{"_id": "AL-2", "tenant_id": "t1", "subject_id": "S1", "at": at(2025, 10), "email": "ana@example.org", "marketing": false},
		},
	}
}

func testInput(typ RequestType) PlanInput {
	return PlanInput{
		Request: Request{ID: "R-1", TenantID: "t1", SubjectID: "S1", Type: typ, Status: StatusApproved, ReceivedAt: planNow.AddDate(0, 0, -10)},
		Subject: Subject{ID: "S1", TenantID: "t1", Name: "Ana Ruiz", Emails: []string{"ana@example.org"}, Phones: []string{"5595550100"},
			Address: "1 Oak St, Fresno CA", BirthDate: "1990-04-01", Status: AccountActive},
		Tenant: Tenant{ID: "t1", Name: "Fresno", TimeZone: "America/Los_Angeles",
			Retention: []RetentionRule{{Category: CatEmployee, Period: "7 years after separation", LegalBasis: "Cal. Gov. Code §34090"}}},
		DataMap: testDataMap(), Docs: testDocs(), Hash: testHash, By: "lee", Now: planNow, Seq: 1,
	}
}

// opsOf lists "collection/id=op" and per field "field=op" for comparison.
func opsOf(p Plan) []string {
	var out []string
	for _, d := range p.Docs {
		s := d.Collection + "/" + d.RecordID + "=" + string(d.Op) + ":"
		var fs []string
		for _, f := range d.Fields {
			fs = append(fs, f.Field+"="+string(f.Op))
		}
		out = append(out, s+strings.Join(fs, ","))
	}
	if p.Subject != nil {
		var fs []string
		for _, f := range p.Subject.Fields {
			fs = append(fs, f.Field+"="+string(f.Op))
		}
		out = append(out, "subject="+string(p.Subject.Op)+":"+strings.Join(fs, ","))
	}
	return out
}

func TestBuildPlanPerType(t *testing.T) {
	for _, tc := range []struct {
		name   string
		typ    RequestType
		adjust func(*PlanInput)
		want   []string
		steps  int
		held   []string // "category: where"
	}{
		{
			name: "deletion of an active account: documents go unless something must stay",
			typ:  TypeDeletion,
			want: []string{
				"signups/SU-1=delete:name=delete,email=delete,birth_date=delete",
				"signups/SU-2=delete:name=delete,email=delete",
				// employee_name is keep in the map, but the tenant has no rule for identifying data.
				"hr/HR-1=mask:employee_name=null,home_address=fixed,ssn=keep,dependants=null",
				"alerts/AL-1=mask:email=hash,marketing=null",
				"alerts/AL-2=mask:email=hash,marketing=null",
				"subject=mask:name=fixed,emails=hash,phones=hash,address=null,birth_date=null",
			},
			steps: 4, // signups, hr, alerts, subject
			held:  []string{"employee: hr.ssn"},
		},
		{
			name:   "deletion of a closed account: nothing is dropped, it is de-identified",
			typ:    TypeDeletion,
			adjust: func(in *PlanInput) { in.Subject.Status = AccountClosed },
			want: []string{
				"signups/SU-1=mask:name=hash,email=null,birth_date=null",
				"signups/SU-2=mask:name=hash,email=null",
				"hr/HR-1=mask:employee_name=null,home_address=fixed,ssn=keep,dependants=null",
				"alerts/AL-1=mask:email=hash,marketing=null",
				"alerts/AL-2=mask:email=hash,marketing=null",
				"subject=mask:name=fixed,emails=hash,phones=hash,address=null,birth_date=null",
			},
			steps: 4, // signups, hr, alerts, subject
			held:  []string{"employee: hr.ssn"},
		},
		{
			name: "child deletion: retention does not keep a child's data, a legal hold does",
			typ:  TypeChildDeletion,
			adjust: func(in *PlanInput) {
				in.Tenant.Holds = []LegalHold{{ID: "h1", Reference: "SUBP-7", SubjectID: "S1", Categories: []Category{CatSensitive}, Reason: "subpoena"}}
			},
			want: []string{
				"signups/SU-1=mask:name=null,email=null,birth_date=keep",
				"signups/SU-2=delete:name=delete,email=delete",
				"hr/HR-1=delete:employee_name=delete,home_address=delete,ssn=delete,dependants=delete",
				"alerts/AL-1=delete:email=delete,marketing=delete",
				"alerts/AL-2=delete:email=delete,marketing=delete",
				"subject=mask:name=fixed,emails=hash,phones=hash,address=null,birth_date=keep",
			},
			steps: 4, // signups, hr, alerts, subject
			held:  []string{"sensitive: signups.birth_date, subjects.birth_date"},
		},
		{
			name: "access: the look-back since 2022 decides what is exported",
			typ:  TypeAccess,
			want: []string{
				"signups/SU-1=export:name=export,email=export,birth_date=export",
				"signups/SU-2=out_of_scope:name=keep,email=keep",
				"hr/HR-1=export:employee_name=export,home_address=export,ssn=export,dependants=export",
				"alerts/AL-1=export:email=export,marketing=export",
				"alerts/AL-2=export:email=export,marketing=export",
				"subject=export:name=export,emails=export,phones=export,address=export,birth_date=export",
			},
			steps: 1,
			held:  []string{"identifying: signups.name, signups.email"},
		},
		{
			name: "correction: only the fields that copy the corrected point",
			typ:  TypeRectification,
			adjust: func(in *PlanInput) {
				in.Request.Corrections = map[string]string{"address": "9 Elm St, Fresno CA"}
				in.Request.Verification = &Verification{DataPoints: []string{"email", "phone"}}
			},
			want: []string{
				"hr/HR-1=correct:home_address=set",
				"subject=correct:address=set",
			},
			steps: 2,
		},
		{
			name: "opt-out: subscriptions still on are switched off",
			typ:  TypeOptOut,
			want: []string{
				"alerts/AL-1=opt_out:marketing=set",
				"alerts/AL-2=unchanged:marketing=already",
			},
			steps: 1,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := testInput(tc.typ)
			if tc.adjust != nil {
				tc.adjust(&in)
			}
			p, err := BuildPlan(in)
			if err != nil {
				t.Fatal(err)
			}
			if got := opsOf(p); !slices.Equal(got, tc.want) {
				t.Errorf("plan\n got %q\nwant %q", got, tc.want)
			}
			if len(p.Steps) != tc.steps {
				t.Errorf("%d steps, want %d: %+v", len(p.Steps), tc.steps, p.Steps)
			}
			var held []string
			for _, w := range p.Withheld {
				held = append(held, string(w.Category)+": "+strings.Join(w.Where, ", "))
				if w.Reason == "" {
					t.Errorf("withheld %v without a reason", w)
				}
			}
			if !slices.Equal(held, tc.held) {
				t.Errorf("withheld %q, want %q", held, tc.held)
			}
			if !strings.HasPrefix(p.ID, "R-1/plan-1") || p.BuiltBy != "lee" || p.Digest != p.ComputeDigest() {
				t.Errorf("plan header %q by %q digest %q", p.ID, p.BuiltBy, p.Digest)
			}
			// No raw value reaches the plan: it is shown to every reader of the request.
			b, _ := json.Marshal(p)
			for _, raw := range []string{"Ana Ruiz", "ana@example.org", "123-45-6789", "1 Oak St", "9 Elm St", "1990-04-01", "Leo Ruiz"} {
				if strings.Contains(string(b), raw) {
					t.Errorf("the plan holds the raw value %q", raw)
				}
			}
		})
	}
}

// Executing every step and planning again finds nothing left to do: a value
// is never hashed twice, a deleted document is not planned again.
func TestPlanAfterExecutionHasNothingLeft(t *testing.T) {
	for _, typ := range []RequestType{TypeDeletion, TypeChildDeletion, TypeRectification, TypeOptOut} {
		t.Run(string(typ), func(t *testing.T) {
			in := testInput(typ)
			in.Request.Corrections = map[string]string{"address": "9 Elm St, Fresno CA", "name": "Ana Ruiz-Soto"}
			p, err := BuildPlan(in)
			if err != nil {
				t.Fatal(err)
			}
			byColl := map[string]CollectionMap{}
			for _, cm := range in.DataMap {
				byColl[cm.Collection] = cm
			}
			after := map[string][]Doc{}
			for coll, docs := range in.Docs {
				for _, d := range docs {
					i := slices.IndexFunc(p.Docs, func(pd PlanDoc) bool { return pd.Collection == coll && pd.RecordID == d["_id"] })
					if i < 0 {
						after[coll] = append(after[coll], d)
						continue
					}
					nd, deleted := ApplyDoc(byColl[coll], p.Docs[i], d, in.Request.Corrections, in.Hash)
					if deleted != (p.Docs[i].After == "") {
						t.Errorf("%s/%s: deleted %v, plan After %q", coll, d["_id"], deleted, p.Docs[i].After)
					}
					if !deleted {
						if Fingerprint(nd) != p.Docs[i].After {
							t.Errorf("%s/%s: fingerprint after the step differs from the plan's", coll, d["_id"])
						}
						after[coll] = append(after[coll], nd)
					}
				}
			}
			in.Docs = after
			if p.Subject != nil {
				in.Subject = ApplySubject(in.Subject, *p.Subject, in.Request.Corrections, in.Hash)
				if Fingerprint(SubjectDoc(in.Subject)) != p.Subject.After {
					t.Error("subject fingerprint after the step differs from the plan's")
				}
			}
			again, err := BuildPlan(in)
			if err != nil {
				t.Fatal(err)
			}
			if len(again.Steps) != 0 {
				t.Errorf("a second plan after execution still has steps: %q", opsOf(again))
			}
		})
	}
}

func TestDeletionResultValues(t *testing.T) {
	in := testInput(TypeDeletion)
	p, err := BuildPlan(in)
	if err != nil {
		t.Fatal(err)
	}
	hr := p.Docs[slices.IndexFunc(p.Docs, func(d PlanDoc) bool { return d.RecordID == "HR-1" })]
	got, deleted := ApplyDoc(in.DataMap[1], hr, in.Docs["hr"][0], nil, in.Hash)
	if deleted {
		t.Fatal("HR-1 deleted; the ssn must be kept")
	}
	want := Doc{"_id": "HR-1", "tenant_id": "t1", "subject_id": "S1", "at": in.Docs["hr"][0]["at"], "employee_name": nil,
		"home_address": "[removed]", "ssn": "123-45-6789", "dependants": nil, "department": "parks"}
	if Fingerprint(got) != Fingerprint(want) {
		t.Errorf("HR-1 after deletion = %v, want %v", got, want)
	}
	al := p.Docs[slices.IndexFunc(p.Docs, func(d PlanDoc) bool { return d.RecordID == "AL-1" })]
	got, _ = ApplyDoc(in.DataMap[2], al, in.Docs["alerts"][0], nil, in.Hash)
	if got["email"] != testHash("ana@example.org") {
		t.Errorf("AL-1 email = %v, want the tenant-key hash", got["email"])
	}
	s := ApplySubject(in.Subject, *p.Subject, nil, in.Hash)
	if s.Name != DeletedName || s.Address != "" || s.BirthDate != "" || s.Status != AccountMasked ||
		!slices.Equal(s.Emails, []string{testHash("ana@example.org")}) || !slices.Equal(s.Phones, []string{testHash("5595550100")}) {
		t.Errorf("subject after deletion = %+v", s)
	}
}

func TestBuildPlanRefuses(t *testing.T) {
	for _, tc := range []struct {
		name   string
		adjust func(*PlanInput)
		want   string
	}{
		{"no subject", func(in *PlanInput) { in.Request.SubjectID = "" }, "not linked to a subject"},
		{"another tenant's subject", func(in *PlanInput) { in.Subject.TenantID = "t2" }, "is not the request's subject"},
		{"correction verified with the corrected data", func(in *PlanInput) {
			in.Request.Type = TypeRectification
			in.Request.Corrections = map[string]string{"email": "new@example.org"}
			in.Request.Verification = &Verification{DataPoints: []string{"email", "address"}}
		}, "verified with email, the data being corrected"},
		{"correction of nothing", func(in *PlanInput) { in.Request.Type = TypeRectification }, "names no field"},
		{"another subject's document", func(in *PlanInput) { in.Docs["hr"][0]["subject_id"] = "S2" }, "hr/HR-1 is not a record of subject S1"},
		{"a bad data map names the collection and field", func(in *PlanInput) {
			in.DataMap[1].Fields[2].Erasure = "shred"
		}, `data map hr.ssn: unknown erasure "shred"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := testInput(TypeDeletion)
			tc.adjust(&in)
			_, err := BuildPlan(in)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to say %q", err, tc.want)
			}
		})
	}
}

func TestPlanDigest(t *testing.T) {
	p, err := BuildPlan(testInput(TypeDeletion))
	if err != nil {
		t.Fatal(err)
	}
	// Progress and signature do not change what was signed.
	q := p
	q.Steps = slices.Clone(p.Steps)
	q.Steps[0].Done, q.Steps[0].Result, q.SignedBy = true, "deleted", "kim"
	if q.ComputeDigest() != p.Digest || !q.Signed() {
		t.Error("step progress or the signature changed the digest")
	}
	// A JSON round trip (as storage does) keeps it.
	b, _ := json.Marshal(p)
	var back Plan
	if err := json.Unmarshal(b, &back); err != nil || back.ComputeDigest() != p.Digest {
		t.Errorf("digest changed across a round trip: %v", err)
	}
	// Content changes do.
	r := p
	r.Docs = slices.Clone(p.Docs)
	r.Docs[0].Op = DocKeep
	if r.ComputeDigest() == p.Digest {
		t.Error("changing a document's operation kept the digest")
	}
	// The typed _id is what the steps act on: a plan naming another
	// record under the same display text is another plan.
	k := p
	k.Docs = slices.Clone(p.Docs)
	k.Docs[0].IDKey = "1029000000"
	if k.ComputeDigest() == p.Digest {
		t.Error("changing a document's typed id kept the digest")
	}
	if (Plan{SignedBy: "kim", Digest: "x"}).Signed() {
		t.Error("a plan whose digest does not match its content counts as signed")
	}
}

func TestFingerprintIsCanonical(t *testing.T) {
	a := Doc{"_id": "X", "n": int32(3), "at": time.Date(2026, 1, 2, 3, 4, 5, 6e6, time.FixedZone("PST", -8*3600)), "tags": []any{"a", "b"}}
	b := Doc{"tags": []any{"a", "b"}, "at": time.Date(2026, 1, 2, 11, 4, 5, 6e6, time.UTC), "n": int64(3), "_id": "X"}
	if Fingerprint(a) != Fingerprint(b) {
		t.Error("the same document in another key order, zone or int width has another fingerprint")
	}
	b["tags"] = []any{"b", "a"}
	if Fingerprint(a) == Fingerprint(b) {
		t.Error("reordering a list kept the fingerprint")
	}
	if Fingerprint(Doc{"v": "2"}) == Fingerprint(Doc{"v": int64(2)}) {
		t.Error("a string and a number with the same digits share a fingerprint")
	}
}

func TestAccessSince(t *testing.T) {
	for _, tc := range []struct{ received, want time.Time }{
		{time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC), time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC)},
		{time.Date(2022, 6, 1, 0, 0, 0, 0, time.UTC), time.Date(2021, 6, 1, 0, 0, 0, 0, time.UTC)},
	} {
		if got := AccessSince(tc.received); !got.Equal(tc.want) {
			t.Errorf("AccessSince(%s) = %s, want %s", tc.received, got, tc.want)
		}
	}
}

// A collection's documents share steps of at most StepDocsMax, so the
// number of request writes of a run grows with collections, not records.
func TestPlanStepsGroupDocumentsByCollection(t *testing.T) {
	in := testInput(TypeDeletion)
	var many []Doc
	for i := range 2*StepDocsMax + 7 {
		many = append(many, Doc{"_id": fmt.Sprintf("AL-%04d", i), "tenant_id": "t1", "subject_id": "S1", "at": planNow, "email": "ana@example.org"})
	}
	in.Docs = map[string][]Doc{"alerts": many, "hr": in.Docs["hr"]}
	p, err := BuildPlan(in)
	if err != nil {
		t.Fatal(err)
	}
	var sizes []int
	covered := map[int]bool{}
	for _, st := range p.Steps {
		if st.Kind != StepDocument {
			continue
		}
		sizes = append(sizes, len(st.Docs))
		coll := p.Docs[st.Docs[0]].Collection
		for _, i := range st.Docs {
			if p.Docs[i].Collection != coll || covered[i] {
				t.Errorf("step %q: document %d is of %s or in two steps", st.Label, i, p.Docs[i].Collection)
			}
			covered[i] = true
		}
	}
	if want := []int{1, StepDocsMax, StepDocsMax, 7}; !slices.Equal(sizes, want) {
		t.Errorf("document steps of sizes %v, want %v", sizes, want)
	}
	if len(covered) != len(p.Docs) {
		t.Errorf("%d of %d changing documents are in a step", len(covered), len(p.Docs))
	}
	if got := p.Steps[1].Label; got != "alerts: mask 50" {
		t.Errorf("label %q", got)
	}
}
