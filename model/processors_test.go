package model

import (
	"slices"
	"strings"
	"testing"
	"time"
)

var (
	crm       = SubProcessor{Name: "CRM Co", Contact: ProcessorContact{Name: "CRM desk", Email: "privacy@crm.example.com"}, Holds: "contact fields"}
	analytics = SubProcessor{Name: "Stats Co", Contact: ProcessorContact{Name: "Stats", Email: "dpo@stats.example.org"}, Holds: "visit events"}
)

// TestSubProcessorValidation: the data map names, per collection, who
// receives copies, with a contact a notice can go to (§7022(b)(3)).
func TestSubProcessorValidation(t *testing.T) {
	base := CollectionMap{Collection: "accounts", SubjectField: "subject_id",
		Fields: []FieldMap{{Field: "email", Category: CatIdentifying, Kind: KindEmail, Erasure: EraseNull}}}
	cases := []struct {
		name string
		ps   []SubProcessor
		want string
	}{
		{"none", nil, ""},
		{"one", []SubProcessor{crm}, ""},
		{"no name", []SubProcessor{{Contact: crm.Contact, Holds: "x"}}, "has no name"},
		{"no email", []SubProcessor{{Name: "X", Holds: "x"}}, "no contact email"},
		{"header injection in the address", []SubProcessor{{Name: "X", Contact: ProcessorContact{Email: "a@b.example\r\nBcc: c@d.example"}, Holds: "x"}}, "characters an address cannot have"},
		{"a display name in the address", []SubProcessor{{Name: "X", Contact: ProcessorContact{Email: "X <a@b.example>"}, Holds: "x"}}, "not one plain email address"},
		{"no holds", []SubProcessor{{Name: "X", Contact: crm.Contact}}, "say what it holds"},
		{"twice", []SubProcessor{crm, crm}, "listed twice"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := base
			m.Processors = c.ps
			err := ValidateDataMap([]CollectionMap{m})
			if (err == nil) != (c.want == "") || err != nil && !strings.Contains(err.Error(), c.want) {
				t.Errorf("err = %v, want %q", err, c.want)
			}
		})
	}
	other := base
	other.Collection = "visits"
	other.Processors = []SubProcessor{{Name: "CRM Co", Contact: ProcessorContact{Email: "else@crm.example.com"}, Holds: "x"}}
	one := base
	one.Processors = []SubProcessor{crm}
	if err := ValidateDataMap([]CollectionMap{one, other}); err == nil || !strings.Contains(err.Error(), "one address") {
		t.Errorf("one processor with two addresses: %v", err)
	}
}

func processorPlanInput(typ RequestType) PlanInput {
	now := time.Date(2026, 3, 2, 15, 0, 0, 0, time.UTC)
	dm := []CollectionMap{
		{Collection: "accounts", SubjectField: "subject_id", Processors: []SubProcessor{crm, analytics},
			Fields: []FieldMap{{Field: "email", Category: CatIdentifying, Kind: KindEmail, Erasure: EraseNull, SubjectPoint: PointEmail},
				{Field: "address", Category: CatIdentifying, Kind: KindAddress, Erasure: EraseNull, SubjectPoint: PointAddress}}},
		{Collection: "visits", SubjectField: "subject_id", Processors: []SubProcessor{analytics},
			Fields: []FieldMap{{Field: "ip", Category: CatWebVisitor, Kind: KindIP, Erasure: EraseDeleteDoc}}},
		// The subject has no record here: nobody is told.
		{Collection: "archive", SubjectField: "subject_id", Processors: []SubProcessor{{Name: "Vault", Contact: ProcessorContact{Email: "v@vault.example.com"}, Holds: "backups"}},
			Fields: []FieldMap{{Field: "name", Category: CatIdentifying, Kind: KindName, Erasure: EraseKeep}}},
	}
	r := Request{ID: "R-1", TenantID: "t", SubjectID: "s1", Type: typ, ReceivedAt: now}
	if typ == TypeRectification {
		r.Corrections = map[string]string{"address": "9 New Rd"}
	}
	return PlanInput{
		Request: r, Subject: Subject{ID: "s1", TenantID: "t", Name: "Ann", Status: AccountActive},
		Tenant: Tenant{ID: "t", Name: "Town", State: "CA"}, DataMap: dm,
		Docs: map[string][]Doc{
			"accounts": {{"_id": "A1", "tenant_id": "t", "subject_id": "s1", "email": "ann@example.org", "address": "1 Old Rd"}},
			"visits":   {{"_id": "V1", "tenant_id": "t", "subject_id": "s1", "ip": "10.0.0.1"}, {"_id": "V2", "tenant_id": "t", "subject_id": "s1", "ip": "10.0.0.2"}},
		},
		Hash: func(s string) string { return HashPrefix + "h" }, By: "lee", Now: now, Seq: 1,
	}
}

// TestPlanNotifiesEachProcessorOnce: a deletion or correction plan has one
// "notify" step per distinct processor of the collections it changes, after
// the custodian's own steps; an access plan notifies nobody (§7022(b)(3),
// §7023(c)).
func TestPlanNotifiesEachProcessorOnce(t *testing.T) {
	for _, c := range []struct {
		typ  RequestType
		want []string
	}{
		{TypeDeletion, []string{"CRM Co", "Stats Co"}},
		{TypeRectification, []string{"CRM Co", "Stats Co"}},
		{TypeAccess, nil},
		{TypeOptOut, nil},
	} {
		t.Run(string(c.typ), func(t *testing.T) {
			p, err := BuildPlan(processorPlanInput(c.typ))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			seenOther := false
			for _, st := range p.Steps {
				if st.Kind == StepProcessor {
					got = append(got, st.Processor)
					if st.Label != "notify "+st.Processor {
						t.Errorf("label %q", st.Label)
					}
				} else if len(got) > 0 {
					seenOther = true
				}
			}
			if !slices.Equal(got, c.want) || seenOther {
				t.Fatalf("notify steps %v (a data step after them: %v), want %v", got, seenOther, c.want)
			}
			if p.Digest != p.ComputeDigest() {
				t.Error("the digest does not cover the processors")
			}
			if len(c.want) == 0 {
				return
			}
			stats, _ := p.PlanProcessorNamed("Stats Co")
			if c.typ == TypeDeletion && (len(stats.Records) != 3 || !slices.Contains(stats.Records, "visits/V1: delete")) {
				t.Errorf("the analytics provider's records: %v", stats.Records)
			}
			crmp, _ := p.PlanProcessorNamed("CRM Co")
			if slices.ContainsFunc(crmp.Records, func(s string) bool { return strings.HasPrefix(s, "visits/") }) {
				t.Errorf("the CRM is told of a collection it does not receive: %v", crmp.Records)
			}
			// Tampering with a processor breaks the digest a sign-off names.
			p.Processors[0].Contact.Email = "evil@example.com"
			if p.Digest == p.ComputeDigest() {
				t.Error("a changed processor contact keeps the digest")
			}
		})
	}
}

// TestProcessorNoticeCarriesNoValues: a deletion notice names records by
// id and fields by name, never a value; a correction notice carries the
// new values of the points the processor holds, and only those.
func TestProcessorNoticeCarriesNoValues(t *testing.T) {
	for _, typ := range []RequestType{TypeDeletion, TypeRectification} {
		in := processorPlanInput(typ)
		p, err := BuildPlan(in)
		if err != nil {
			t.Fatal(err)
		}
		r := in.Request
		r.Status = StatusFulfilling
		r.Requester = Person{Name: "Ann Resident", Email: "ann@example.org"}
		tpl, _ := DefaultTemplate(LetterProcessorNotice)
		for _, pp := range p.Processors {
			l, err := RenderProcessorLetter(tpl, r, in.Tenant, NoticeDataFor(r, pp, in.DataMap, 0))
			if err != nil {
				t.Fatal(err)
			}
			if l.To.Email != pp.Contact.Email {
				t.Errorf("%s notice goes to %s", pp.Name, l.To.Email)
			}
			for _, v := range []string{"ann@example.org", "Ann Resident", "1 Old Rd", "10.0.0.1"} {
				if strings.Contains(l.Body+l.Subject, v) {
					t.Errorf("%s %s notice carries %q", typ, pp.Name, v)
				}
			}
			if !strings.Contains(l.Body, "R-1") || !strings.Contains(l.Body, "§7022(b)(3)") {
				t.Errorf("the notice does not name the request and the rule:\n%s", l.Body)
			}
			if typ == TypeRectification && pp.Name == "CRM Co" && !strings.Contains(l.Body, "address → 9 New Rd") {
				t.Errorf("the CRM's correction notice lacks the corrected value:\n%s", l.Body)
			}
			if typ == TypeDeletion && strings.Contains(l.Body, "corrected values") {
				t.Errorf("a deletion notice lists corrections:\n%s", l.Body)
			}
		}
	}
}

// TestProcessorReminderSchedule: a reminder every ProcessorReminderEvery
// business days from the notice or the last reminder, at most
// ProcessorRemindersMax, then overdue; settled notices are never reminded.
func TestProcessorReminderSchedule(t *testing.T) {
	loc := time.UTC
	cal := Tenant{ID: "t", State: "CA"}.Calendar()
	sent := time.Date(2026, 3, 2, 15, 0, 0, 0, loc) // a Monday
	day := func(d int) time.Time { return time.Date(2026, 3, d, 9, 0, 0, 0, loc) }
	n := ProcessorNotice{Processor: "CRM", SentAt: sent}
	for _, c := range []struct {
		name          string
		n             ProcessorNotice
		now           time.Time
		due, overdue_ bool
	}{
		{"four business days on", n, day(6), false, false},
		{"five business days on (the next Monday)", n, day(9), true, false},
		{"confirmed", ProcessorNotice{SentAt: sent, Confirmed: &ProcessorConfirmation{}}, day(30), false, false},
		{"excepted", ProcessorNotice{SentAt: sent, Exception: &ProcessorException{}}, day(30), false, false},
		{"a day after a reminder", ProcessorNotice{SentAt: sent, Reminders: []time.Time{day(9)}}, day(10), false, false},
		{"a period after the last reminder", ProcessorNotice{SentAt: sent, Reminders: []time.Time{day(9)}}, day(16), true, false},
		{"every reminder sent", ProcessorNotice{SentAt: sent, Reminders: []time.Time{day(9), day(16), day(23)}}, day(30), false, true},
	} {
		due, overdue := ProcessorReminderDue(c.n, c.now, cal, loc)
		if due != c.due || overdue != c.overdue_ {
			t.Errorf("%s: due %v overdue %v, want %v %v", c.name, due, overdue, c.due, c.overdue_)
		}
	}
}

// TestCheckProcessorNotice: support records a confirmation with a
// reference; only a privacy lead excepts, with a reason of 10 characters;
// a settled notice, an unknown processor and a request not fulfilling are
// refused with what to do.
func TestCheckProcessorNotice(t *testing.T) {
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	r := Request{ID: "R-1", Status: StatusFulfilling, ProcessorNotices: []ProcessorNotice{
		{Processor: "CRM", SentAt: now.Add(-72 * time.Hour)},
		{Processor: "Done", SentAt: now.Add(-72 * time.Hour), Confirmed: &ProcessorConfirmation{Reference: "X"}},
	}}
	support := Actor{Operator: Operator{Handle: "sam", Role: RoleSupport}}
	lead := Actor{Operator: Operator{Handle: "lou", Role: RoleLead}}
	eng := Actor{Operator: Operator{Handle: "eve", Role: RoleEngineer}}
	closed := r
	closed.Status = StatusCompleted
	for _, c := range []struct {
		name    string
		r       Request
		a       Actor
		proc    string
		confirm bool
		text    string
		at      time.Time
		want    string
	}{
		{"support confirms", r, support, "CRM", true, "REF-1", time.Time{}, ""},
		{"with a date", r, support, "CRM", true, "REF-1", now.Add(-24 * time.Hour), ""},
		{"a date in the future", r, support, "CRM", true, "REF-1", now.Add(48 * time.Hour), "between the notice"},
		{"an engineer confirms", r, eng, "CRM", true, "REF-1", time.Time{}, "cannot"},
		{"no reference", r, support, "CRM", true, "  ", time.Time{}, "reference"},
		{"an unknown processor", r, support, "Nope", true, "REF", time.Time{}, "use one of CRM, Done"},
		{"already confirmed", r, support, "Done", true, "REF", time.Time{}, "already confirmed"},
		{"support excepts", r, support, "CRM", false, "no longer our processor", time.Time{}, "cannot"},
		{"a lead excepts", r, lead, "CRM", false, "no longer our processor", time.Time{}, ""},
		{"a short reason", r, lead, "CRM", false, "gone", time.Time{}, "10 characters"},
		{"a completed request", closed, lead, "CRM", true, "REF", time.Time{}, "while it is fulfilling"},
	} {
		_, err := CheckProcessorNotice(c.r, c.a, c.proc, c.confirm, c.text, c.at, now)
		if (err == nil) != (c.want == "") || err != nil && !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
	waiting := Request{Status: StatusFulfilling, Plan: &Plan{Steps: []PlanStep{{Done: true}}}, ProcessorNotices: r.ProcessorNotices}
	if !WaitingOnProcessors(waiting) || StatusText(waiting) != WaitingLabel {
		t.Error("a request with every step done and a notice unconfirmed is not waiting on processors")
	}
	// A queue row carries only the stored flag; a closed request never waits.
	if StatusText(Request{Status: StatusFulfilling, WaitingProcessors: true}) != WaitingLabel ||
		StatusText(Request{Status: StatusCompleted, WaitingProcessors: true}) != "completed" {
		t.Error("StatusText does not follow the stored flag of an open row only")
	}
}
