package db_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/custodian-dev/custodian/db"
	"github.com/custodian-dev/custodian/model"
)

// intakeFixture adds subjects that make matching ambiguous: a second
// "Alma A" in tenant ta, and two subjects of ta sharing one phone.
func intakeFixture(t *testing.T) *fixture {
	f := newFixture(t)
	subjects := []any{
		db.StoredSubject(model.Subject{ID: "sa2", TenantID: "ta", Name: "Alma A", Emails: []string{"alma.two@example.org"}, Phones: []string{"5551230009"}, Status: model.AccountActive}),
		db.StoredSubject(model.Subject{ID: "sa3", TenantID: "ta", Name: "Cy  Cárdenas", Emails: []string{}, Phones: []string{"5551230009"}, Status: model.AccountActive}),
		db.StoredSubject(model.Subject{ID: "sb2", TenantID: "tb", Name: "Alma A", Emails: []string{"alma@example.org"}, Phones: []string{"5551230001"}, Status: model.AccountActive}),
	}
	if _, err := f.conn.DB.Collection("subjects").InsertMany(f.ctx, subjects); err != nil {
		t.Fatal(err)
	}
	return f
}

func subjectIDs(subs []model.Subject) []string {
	ids := make([]string, len(subs))
	for i, s := range subs {
		ids[i] = s.ID
	}
	return ids
}

func TestMatchSubjects(t *testing.T) {
	f := intakeFixture(t)
	cases := []struct {
		name   string
		tenant string
		p      model.Person
		want   []string
	}{
		{"email in any case, only this tenant's subject", "ta", model.Person{Email: "ALMA@Example.ORG"}, []string{"sa1"}},
		{"same email in the other tenant", "tb", model.Person{Email: "alma@example.org"}, []string{"sb2"}},
		{"phone typed with country code and punctuation", "ta", model.Person{Phone: "+1 (555) 123-0001"}, []string{"sa1"}},
		{"phone with extension", "ta", model.Person{Phone: "555.123.0001 ext. 4"}, []string{"sa1"}},
		{"a phone two subjects share", "ta", model.Person{Phone: "555-123-0009"}, []string{"sa2", "sa3"}},
		{"email of one, phone of another", "ta", model.Person{Email: "alma@example.org", Phone: "5551230009"}, []string{"sa1", "sa2", "sa3"}},
		{"contact wins over name: no name fallback", "ta", model.Person{Name: "Alma A", Email: "nobody@example.org"}, []string{}},
		{"name only, any case and spacing", "ta", model.Person{Name: "  cy   CÁRDENAS "}, []string{"sa3"}},
		{"name only, two subjects share it", "ta", model.Person{Name: "alma a"}, []string{"sa1", "sa2"}},
		{"name with regex metacharacters matches nothing", "ta", model.Person{Name: "Alma.*"}, []string{}},
		{"nobody", "ta", model.Person{Email: "nobody@example.org"}, []string{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := f.s.MatchSubjects(f.ctx, f.support, tc.tenant, tc.p)
			if err != nil {
				t.Fatal(err)
			}
			if ids := subjectIDs(got); !slices.Equal(ids, tc.want) {
				t.Fatalf("matched %v, want %v", ids, tc.want)
			}
		})
	}

	t.Run("bad input says what to give", func(t *testing.T) {
		for _, p := range []model.Person{{}, {Email: "alma at example"}, {Phone: "12"}, {Name: " \t "}} {
			_, err := f.s.MatchSubjects(f.ctx, f.support, "ta", p)
			if !errors.Is(err, db.ErrInvalid) || !strings.Contains(err.Error(), "match subjects") {
				t.Errorf("%+v: %v, want ErrInvalid", p, err)
			}
		}
	})
	t.Run("another tenant's subjects are not found", func(t *testing.T) {
		_, err := f.s.MatchSubjects(f.ctx, f.scopedA, "tb", model.Person{Email: "alma@example.org"})
		if !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("scoped operator matching in tb: %v, want ErrNotFound", err)
		}
		page, err := f.s.AuditPage(f.ctx, f.admin, 0, 5)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 || page[0].Outcome != model.OutcomeRefused || page[0].Actor != "sia" {
			t.Fatalf("the out-of-scope attempt is not audited: %+v", page)
		}
	})
}

func TestCreateRequestLinksTheOneMatchingSubject(t *testing.T) {
	f := intakeFixture(t)
	unlinked := func(id string, p model.Person) model.Request {
		r := newReq(id, "ta", "")
		r.Requester = p
		return r
	}
	cases := []struct {
		id      string
		p       model.Person
		subject string
	}{
		{"R-1", model.Person{Name: "Alma A", Email: "Alma@EXAMPLE.org"}, "sa1"},
		{"R-2", model.Person{Name: "A. A.", Phone: "1-555-123-0001"}, "sa1"},
		{"R-3", model.Person{Name: "Somebody", Phone: "555 123 0009"}, ""},      // two candidates: an operator picks
		{"R-4", model.Person{Name: "Alma A"}, ""},                               // a name alone is not an identifier
		{"R-5", model.Person{Name: "New Person", Email: "new@example.org"}, ""}, // no subject yet
	}
	for _, tc := range cases {
		t.Run(tc.id, func(t *testing.T) {
			got, err := f.s.CreateRequest(f.ctx, f.support, unlinked(tc.id, tc.p))
			if err != nil {
				t.Fatal(err)
			}
			if got.SubjectID != tc.subject {
				t.Fatalf("linked to %q, want %q", got.SubjectID, tc.subject)
			}
			stored, err := f.s.Request(f.ctx, f.support, tc.id)
			if err != nil || stored.SubjectID != tc.subject {
				t.Fatalf("stored subject %q (%v), want %q", stored.SubjectID, err, tc.subject)
			}
			if tc.subject != "" && stored.SubjectLabel != model.SubjectLabelFor("Alma A") {
				t.Fatalf("label %q is not the linked subject's masked name", stored.SubjectLabel)
			}
			// Logging the same request again is a retry, not a duplicate.
			again, err := f.s.CreateRequest(f.ctx, f.support, unlinked(tc.id, tc.p))
			if err != nil || again.Version != 1 || again.SubjectID != tc.subject {
				t.Fatalf("retry: %+v, %v", again, err)
			}
		})
	}
}

func TestKnowLimitAfterLinkingByContact(t *testing.T) {
	f := intakeFixture(t)
	access := func(id string, received time.Time, subject string) model.Request {
		r := newReq(id, "ta", subject)
		r.Type, r.ReceivedAt = model.TypeAccess, received
		r.Requester = model.Person{Name: "Alma A", Email: "alma@example.org"}
		return r
	}
	now := f.clock.Now()
	for i, id := range []string{"K-1", "K-2"} {
		if _, err := f.s.CreateRequest(f.ctx, f.support, access(id, now.AddDate(0, -4+i*2, 0), "sa1")); err != nil {
			t.Fatal(err)
		}
	}
	// The third arrives without a subject id: linking by email makes it count.
	third, err := f.s.CreateRequest(f.ctx, f.support, access("K-3", now, ""))
	if err != nil {
		t.Fatal(err)
	}
	if third.SubjectID != "sa1" || !third.HasFlag(model.FlagOverLimit) {
		t.Fatalf("third request to know: subject %q, flags %+v; want sa1 and over_limit", third.SubjectID, third.Flags)
	}
	res, err := f.s.KnowLimit(f.ctx, f.support, "K-3")
	if err != nil {
		t.Fatal(err)
	}
	var earlier []string
	for _, r := range res.Earlier {
		earlier = append(earlier, r.ID)
	}
	if !res.Applies || !res.Over || !slices.Equal(earlier, []string{"K-1", "K-2"}) || !strings.Contains(res.Reason(), "K-1") {
		t.Fatalf("KnowLimit(K-3) = %+v (%s)", res, res.Reason())
	}
	if res, err := f.s.KnowLimit(f.ctx, f.support, "K-2"); err != nil || res.Over || len(res.Earlier) != 1 {
		t.Fatalf("KnowLimit(K-2) = %+v, %v; want one earlier, not over", res, err)
	}

	del := f.create("D-1", "ta")
	if res, err := f.s.KnowLimit(f.ctx, f.support, del.ID); err != nil || res.Applies {
		t.Fatalf("a deletion is not limited: %+v, %v", res, err)
	}
	if _, err := f.s.KnowLimit(f.ctx, actor("sib", model.RoleSupport, "tb"), "K-3"); !errors.Is(err, db.ErrNotFound) {
		t.Fatalf("another tenant's request: %v, want ErrNotFound", err)
	}
	if _, err := f.s.KnowLimit(f.ctx, f.support, "nope"); !errors.Is(err, db.ErrNotFound) {
		t.Fatalf("missing request: %v", err)
	}
}

func TestCreateRequestsBatch(t *testing.T) {
	f := intakeFixture(t)
	first := newReq("B-1", "ta", "")
	first.ExternalRef = "ext-1"
	if _, err := f.s.CreateRequest(f.ctx, f.support, first); err != nil {
		t.Fatal(err)
	}
	second := newReq("B-2", "ta", "")
	second.ExternalRef = "ext-2"
	second.Requester = model.Person{Name: "Cy", Phone: "+1 555 123 0009 x2"} // shared phone: stays unlinked
	third := newReq("B-3", "tb", "")
	third.ExternalRef = "ext-3"
	clash := newReq("B-4", "ta", "")
	clash.ExternalRef = "ext-1" // another id with a reference already used

	var calls []int
	res, err := f.s.CreateRequests(f.ctx, f.scopedA, []model.Request{first, second, third, clash}, func(done, total int) {
		if total != 4 {
			t.Errorf("progress total %d, want 4", total)
		}
		calls = append(calls, done)
	})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(calls, []int{1, 2, 3, 4}) {
		t.Fatalf("progress calls %v", calls)
	}
	if r := res[0]; r.Err != nil || r.Created || r.Request.SubjectID != "sa1" {
		t.Fatalf("re-logged B-1: %+v; want already present, linked to sa1", r)
	}
	if r := res[1]; r.Err != nil || !r.Created || r.Request.SubjectID != "" {
		t.Fatalf("B-2: %+v; want created, unlinked", r)
	}
	if r := res[2]; !errors.Is(r.Err, db.ErrNotFound) {
		t.Fatalf("B-3 in a tenant outside the scope: %v, want ErrNotFound", r.Err)
	}
	if r := res[3]; !errors.Is(r.Err, db.ErrExists) || !strings.Contains(r.Err.Error(), "B-1") {
		t.Fatalf("B-4 reusing ext-1: %v, want ErrExists naming B-1", r.Err)
	}

	found, err := f.s.ExistingRequests(f.ctx, f.scopedA, []string{"B-1", "B-3", "B-1"}, []string{"ext-2", "ext-9"})
	if err != nil {
		t.Fatal(err)
	}
	existing := map[string]model.Request{}
	for _, r := range found {
		existing[r.ID] = r
	}
	if len(found) != 2 || !db.SameRequest(first, existing["B-1"]) || db.SameRequest(second, existing["B-1"]) || existing["B-2"].ExternalRef != "ext-2" {
		t.Fatalf("existing %v: want B-1 (by id) and B-2 (by reference), B-1 the same as first", existing)
	}
	changed := first
	changed.Type = model.TypeAccess
	if db.SameRequest(changed, existing["B-1"]) {
		t.Fatal("a line with another type is not the stored request")
	}

	if _, err := f.s.CreateRequests(f.ctx, f.engineer, []model.Request{second}, nil); !errors.Is(err, db.ErrRefused) {
		t.Fatalf("engineer importing: %v, want ErrRefused", err)
	}
	ctx, cancel := context.WithCancel(f.ctx)
	cancel()
	if _, err := f.s.CreateRequests(ctx, f.support, []model.Request{newReq("B-9", "ta", "sa1")}, nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled batch: %v", err)
	}
}

func TestMatchSubjectsMany(t *testing.T) {
	f := intakeFixture(t)
	people := []model.Person{{Email: "Alma@example.org"}, {Phone: "555 123 0009"}, {Name: "Alma A"}, {Email: "broken"}, {Email: "alma.two@example.org", Phone: "5551230009"}}
	batch := make([]db.TenantPerson, len(people))
	for i, p := range people {
		batch[i] = db.TenantPerson{TenantID: "ta", Person: p}
	}
	// The same email in the other tenant belongs to its own subject there.
	batch = append(batch, db.TenantPerson{TenantID: "tb", Person: model.Person{Email: "alma@example.org"}})
	got, err := f.s.MatchSubjectsMany(f.ctx, f.support, batch)
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"sa1"}, {"sa2", "sa3"}, {}, {}, {"sa2", "sa3"}, {"sb2"}}
	for i := range want {
		if ids := subjectIDs(got[i]); !slices.Equal(ids, want[i]) {
			t.Errorf("person %d (%+v): %v, want %v", i, batch[i], ids, want[i])
		}
	}
	if _, err := f.s.MatchSubjectsMany(f.ctx, f.scopedA, batch); !errors.Is(err, db.ErrNotFound) {
		t.Fatalf("out of scope: %v", err)
	}
}

func TestCreateRequestsCountsTheBatchTowardsTheLimit(t *testing.T) {
	f := intakeFixture(t)
	now := f.clock.Now()
	var batch []model.Request
	for i := range 3 {
		r := newReq(fmt.Sprintf("L-%d", i), "ta", "")
		r.Type, r.ReceivedAt = model.TypeAccess, now.AddDate(0, -3+i, 0)
		batch = append(batch, r) // requester alma@example.org: subject sa1
	}
	res, err := f.s.CreateRequests(f.ctx, f.support, batch, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range res {
		if r.Err != nil || r.Request.SubjectID != "sa1" || r.Request.HasFlag(model.FlagOverLimit) != (i == 2) {
			t.Fatalf("request %d: %+v; only the third is over the limit", i, r)
		}
	}
	if !strings.Contains(res[2].Request.Flags[0].Reason, "L-0") {
		t.Fatalf("the flag does not name the earlier requests: %+v", res[2].Request.Flags)
	}
}

func TestDecisionEvidenceIsChecked(t *testing.T) {
	f := newFixture(t)
	r := f.requestAt("R-1", "ta", model.StatusAwaitingApproval)
	decide := func(method, evidence string) (model.Request, error) {
		return f.s.Apply(f.ctx, f.lead, r.ID, r.Version, model.ActApprove, "", func(x *model.Request) error {
			x.Decision = &model.Decision{Approver: "Pat Clerk, records officer", Method: method, Evidence: evidence}
			return nil
		})
	}
	for _, tc := range []struct{ method, evidence, want string }{
		{"fax", "page 2", "evidence method \"fax\" is unknown: use one of email, ticket"},
		{"ticket", "the clerk's ticket", "has no number"},
		{"email", "line\x1b[2J", "one line of plain text"},
	} {
		if _, err := decide(tc.method, tc.evidence); !errors.Is(err, db.ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s / %q: %v, want ErrInvalid saying %q", tc.method, tc.evidence, err, tc.want)
		}
	}
	if got, err := f.s.Request(f.ctx, f.lead, r.ID); err != nil || got.Version != r.Version || got.Decision != nil {
		t.Fatalf("refused evidence changed the request: %v %+v", err, got.Decision)
	}
	got, err := decide(" Letter ", " file ref 1187 ")
	if err != nil {
		t.Fatal(err)
	}
	if got.Decision.Method != "signed letter" || got.Decision.Evidence != "file ref 1187" {
		t.Fatalf("evidence stored as %q / %q", got.Decision.Method, got.Decision.Evidence)
	}
}
