package console

import (
	"fmt"
	"sync"
	"time"

	"github.com/custodian-dev/custodian/model"
)

// fakeBackend is the whole Backend for tests that drive the whole console:
// one fake per role (backend.go), composed over one in-memory fakeData.
// A new backend call is implemented by its role's fake only; a new role
// gets its own fake and one line here.
type fakeBackend struct {
	*fakeData
	*fakeRequests
	fakeActions
	fakeApprovals
	fakeDirectory
	*fakeAudit
	fakeRecords
	*fakeFulfilment
	fakeOnCall
	fakeReports
	*fakeOperatorAdmin
	*fakeTenantAdmin
	*fakeLetters
}

var _ Backend = (*fakeBackend)(nil)

// fakeData is what the request-side fakes read and write: the tenants,
// requests and subjects. It keeps the contract the real store has: open
// statuses only, (DueAt, ID) order, keyset pages bounded by Limit, scope
// by tenant. mu guards it and the role fakes' own fields.
type fakeData struct {
	mu       sync.Mutex
	tenants  []model.Tenant
	reqs     []model.Request
	subjects map[string]model.Subject
}

// newFakeBackend composes every role's fake over d.
func newFakeBackend(d *fakeData) *fakeBackend {
	return &fakeBackend{
		fakeData:          d,
		fakeRequests:      &fakeRequests{fakeData: d},
		fakeActions:       fakeActions{d},
		fakeApprovals:     fakeApprovals{d},
		fakeDirectory:     fakeDirectory{d},
		fakeAudit:         &fakeAudit{},
		fakeRecords:       fakeRecords{d},
		fakeFulfilment:    &fakeFulfilment{fakeData: d},
		fakeReports:       fakeReports{d},
		fakeOperatorAdmin: &fakeOperatorAdmin{},
		fakeTenantAdmin:   &fakeTenantAdmin{},
		fakeOnCall:        fakeOnCall{d},
		fakeLetters:       &fakeLetters{fakeData: d},
	}
}

// request returns the request with id; f.mu must be held.
func (f *fakeData) request(id string) (model.Request, bool) {
	for _, r := range f.reqs {
		if r.ID == id {
			return r, true
		}
	}
	return model.Request{}, false
}

// mutate changes the fake's data between loads (a refresh test).
func (f *fakeBackend) mutate(fn func(*fakeBackend)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn(f)
}

// testNow() is a Monday afternoon in every tenant's zone.
func testNow() time.Time { return time.Date(2026, time.November, 2, 21, 0, 0, 0, time.UTC) }

func testTenants() []model.Tenant {
	return []model.Tenant{
		{ID: "oakridge-ca", Name: "City of Oakridge", State: "CA", TimeZone: "America/Los_Angeles", Government: true,
			Holidays: []string{"2026-11-11", "2026-11-26", "2026-11-27"}},
		{ID: "pecan-ridge-tx", Name: "Pecan Ridge County", State: "TX", TimeZone: "America/Chicago", Government: true,
			Holidays: []string{"2026-11-11", "2026-11-26"}},
		{ID: "hamlin-county-oh", Name: "Hamlin County", State: "OH", TimeZone: "America/New_York", Government: true},
	}
}

func testNames() []string {
	return []string{"María García", "John Smith", "Wei Chen", "Aisha Okafor", "Liam O'Brien", "Sofia Rossi",
		"Noah Kim", "Fatima Haddad", "Lucas Martin", "Emma Johansson", "Ravi Patel", "Olga Ivanova"}
}

// fixture builds n deterministic requests across the test tenants, with
// every type and open status, agents, flags, verifications and decisions.
func fixture(n int) *fakeBackend {
	f := newFakeBackend(&fakeData{tenants: testTenants(), subjects: map[string]model.Subject{}})
	names := testNames()
	types := model.RequestTypes()
	statuses := model.OpenStatuses()
	assignees := []string{"", "ana", "ben", "chidi"}
	for i := range n {
		t := f.tenants[i%len(f.tenants)]
		sid := fmt.Sprintf("S-%04d", i)
		name := names[i%len(names)]
		f.subjects[sid] = model.Subject{ID: sid, TenantID: t.ID, Name: name, Status: model.AccountActive,
			Emails: []string{fmt.Sprintf("person%d@example.org", i)}}
		recv := testNow().Add(-time.Duration((i*7)%41)*24*time.Hour - time.Duration(i%5)*time.Hour)
		r := model.Request{
			ID:             fmt.Sprintf("R-2026-%05d", i+1),
			TenantID:       t.ID,
			SubjectID:      sid,
			Type:           types[i%len(types)],
			Channel:        model.Channels()[i%4],
			Status:         statuses[(i/2)%len(statuses)],
			ReceivedAt:     recv,
			Requester:      model.Person{Name: name, Email: fmt.Sprintf("person%d@example.org", i), Phone: "916-555-01" + fmt.Sprintf("%02d", i%100)},
			ResidencyState: t.State,
			LoggedBy:       "ana",
			AssignedTo:     assignees[i%len(assignees)],
			History: []model.Event{{ID: fmt.Sprintf("E-%d-1", i), At: recv, Actor: "ana", Role: model.RoleSupport,
				Action: model.ActLog, To: model.StatusReceived, Reason: "logged from the web form"}},
		}
		if i%3 == 0 {
			at := recv.Add(26 * time.Hour)
			r.AcknowledgedAt = &at
		}
		if i%6 == 1 {
			r.Agent = &model.Agent{Person: model.Person{Name: "Pat Agent", Email: "pat@agents.example"},
				Organization: "Privacy Helpers LLC", PermissionEvidence: "signed letter, file ref 1187"}
			r.Flags = append(r.Flags, model.Flag{Kind: model.FlagAgent, Reason: "filed by an authorized agent"})
		}
		if i%5 == 4 {
			r.Flags = append(r.Flags, model.Flag{Kind: model.FlagChild, Reason: "subject is 12"})
		}
		if i%11 == 3 {
			r.Flags = append(r.Flags, model.Flag{Kind: model.FlagOverLimit, Reason: "2 earlier requests to know since 2025-11-01"})
		}
		switch r.Status {
		case model.StatusAwaitingApproval, model.StatusApproved, model.StatusFulfilling, model.StatusFailed:
			r.Verification = &model.Verification{Method: "data points", DataPoints: []string{"email", "date of birth"},
				Level: model.LevelReasonable, By: "ben", At: recv.Add(48 * time.Hour)}
		}
		switch r.Status {
		case model.StatusApproved, model.StatusFulfilling, model.StatusFailed:
			r.Decision = &model.Decision{Outcome: model.DecisionApproved, Approver: "Dana Whitfield", Method: "email",
				Evidence: "ticket CLK-" + fmt.Sprint(1000+i), DecidedAt: recv.Add(72 * time.Hour), RecordedBy: "lee", RecordedAt: recv.Add(73 * time.Hour)}
		}
		if i%4 == 2 {
			r.Notes = []model.Note{{By: "ana", At: recv.Add(2 * time.Hour), Text: "Called back; requester prefers email.\nSecond line of the note."}}
		}
		r.DueAt = model.ComputeDeadlines(r, t).Next
		f.reqs = append(f.reqs, r)
	}
	return f
}

func testActor(role model.Role) model.Actor {
	return model.Actor{Operator: model.Operator{Handle: "ana", Name: "Ana Lopez", Role: role}, Origin: "local"}
}

func testConfig(b Backend) Config {
	return Config{
		Backend: b,
		Actor:   testActor(model.RoleLead),
		Clock:   model.FixedClock{T: testNow()},
		NoColor: true,
	}
}
