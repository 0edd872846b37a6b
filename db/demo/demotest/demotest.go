// Package demotest checks the invariants of a demo dataset, whether it was
// just generated or read back from a database. Everything is recomputed with
// the model's own functions (deadlines, limits, lifecycle); the flags and
// dates the generator stored are checked against them, never trusted. It
// imports model, demo and bson only, so tests of any package may use it.
package demotest

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"

	"go.mongodb.org/mongo-driver/v2/bson"
	"golang.org/x/crypto/ssh"

	"github.com/custodian-dev/custodian/db/demo"
	"github.com/custodian-dev/custodian/model"
)

// zones a tenant of each state may use.
var stateZones = map[string][]string{
	"CA": {"America/Los_Angeles"}, "OR": {"America/Los_Angeles", "America/Boise"}, "WA": {"America/Los_Angeles"},
	"TX": {"America/Chicago", "America/Denver"}, "CO": {"America/Denver"}, "OH": {"America/New_York"},
	"FL": {"America/New_York", "America/Chicago"}, "NY": {"America/New_York"}, "VA": {"America/New_York"},
}

// Options says what the dataset was generated with.
type Options struct {
	Subjects, Requests int
	LocalUser          string
}

// Check reports every broken invariant of ds.
func Check(t testing.TB, ds *demo.Dataset, o Options) {
	t.Helper()
	tenants := map[string]model.Tenant{}
	for _, tn := range ds.Tenants {
		tenants[tn.ID] = tn
	}
	subjects := map[string]model.Subject{}
	for _, s := range ds.Subjects {
		if _, dup := subjects[s.ID]; dup {
			t.Errorf("subject %s twice", s.ID)
		}
		subjects[s.ID] = s
	}
	checkTenants(t, ds, subjects)
	checkOperators(t, ds, o)
	checkSubjects(t, ds, o, tenants)
	recordsOf := checkRecords(t, ds, tenants, subjects)
	checkRequests(t, ds, o, tenants, subjects, recordsOf)
	checkHostile(t, ds)
}

func checkTenants(t testing.TB, ds *demo.Dataset, subjects map[string]model.Subject) {
	t.Helper()
	if len(ds.Tenants) < 12 {
		t.Errorf("%d tenants, want at least 12", len(ds.Tenants))
	}
	ca, subpoena := 0, false
	for _, tn := range ds.Tenants {
		if err := tn.Validate(); err != nil {
			t.Errorf("tenant %s: %v", tn.ID, err)
		}
		if tn.State == "CA" {
			ca++
		}
		if !slices.Contains(stateZones[tn.State], tn.TimeZone) {
			t.Errorf("tenant %s in %s has time zone %s", tn.ID, tn.State, tn.TimeZone)
		}
		if n := len(tn.Approvers); n < 1 || n > 3 {
			t.Errorf("tenant %s has %d approvers", tn.ID, n)
		}
		for _, c := range tn.Approvers {
			if c.Name == "" || c.Email == "" || !strings.HasSuffix(c.Email, ".example") {
				t.Errorf("tenant %s: approver %+v needs a name and an address under .example", tn.ID, c)
			}
		}
		if len(tn.Retention) == 0 {
			t.Errorf("tenant %s has no retention rules", tn.ID)
		}
		for _, r := range tn.Retention {
			if !r.Category.Valid() || r.Period == "" || r.LegalBasis == "" {
				t.Errorf("tenant %s: retention rule %+v incomplete", tn.ID, r)
			}
		}
		if !tn.Government {
			t.Errorf("tenant %s is not a government Customer", tn.ID)
		}
		// The calendar is computed for any year: this year's Independence
		// Day and next year's Christmas are holidays without being listed.
		cal := tn.Calendar()
		if hs := cal.Holidays(ds.Now.Year()); !slices.ContainsFunc(hs, func(h model.Holiday) bool { return h.Name == "Independence Day" }) {
			t.Errorf("tenant %s: no Independence Day in %d: %v", tn.ID, ds.Now.Year(), hs)
		}
		if hs := cal.Holidays(ds.Now.Year() + 1); !slices.ContainsFunc(hs, func(h model.Holiday) bool { return h.Name == "Christmas Day" }) {
			t.Errorf("tenant %s: no Christmas Day in %d: %v", tn.ID, ds.Now.Year()+1, hs)
		}
		for _, h := range tn.Holds {
			if h.ID == "" || h.Reference == "" || h.Reason == "" || len(h.Categories) == 0 || h.Since.After(ds.Now) {
				t.Errorf("tenant %s: hold %+v incomplete", tn.ID, h)
			}
			if h.SubjectID != "" {
				s, ok := subjects[h.SubjectID]
				if !ok || s.TenantID != tn.ID {
					t.Errorf("tenant %s: hold %s names subject %s of another tenant or none", tn.ID, h.ID, h.SubjectID)
				}
				if strings.Contains(strings.ToLower(h.Reference), "subpoena") {
					subpoena = true
				}
			}
		}
	}
	if ca < 4 {
		t.Errorf("%d California tenants, want at least 4", ca)
	}
	if !subpoena {
		t.Error("no subpoena holding one subject's data")
	}
}

func checkOperators(t testing.TB, ds *demo.Dataset, o Options) {
	t.Helper()
	roles := map[model.Role]int{}
	scoped := map[model.Role]bool{}
	fps := map[string]bool{}
	handles := map[string]bool{}
	for _, op := range ds.Operators {
		if handles[op.Handle] {
			t.Errorf("operator %s twice", op.Handle)
		}
		handles[op.Handle] = true
		if _, err := model.ParseRole(string(op.Role)); err != nil {
			t.Errorf("operator %s: %v", op.Handle, err)
		}
		if !op.Disabled {
			roles[op.Role]++
		}
		if len(op.Tenants) > 0 {
			scoped[op.Role] = true
			for _, id := range op.Tenants {
				if !slices.ContainsFunc(ds.Tenants, func(tn model.Tenant) bool { return tn.ID == id }) {
					t.Errorf("operator %s scoped to unknown tenant %s", op.Handle, id)
				}
			}
		}
		if len(op.Keys) != len(op.KeyFingerprints) {
			t.Errorf("operator %s: %d keys, %d fingerprints", op.Handle, len(op.Keys), len(op.KeyFingerprints))
			continue
		}
		for i, line := range op.Keys {
			pub, comment, _, _, err := ssh.ParseAuthorizedKey([]byte(line))
			if err != nil {
				t.Errorf("operator %s: key %q: %v", op.Handle, line, err)
				continue
			}
			if pub.Type() != ssh.KeyAlgoED25519 || ssh.FingerprintSHA256(pub) != op.KeyFingerprints[i] {
				t.Errorf("operator %s: key type %s, fingerprint %s, stored %s", op.Handle, pub.Type(), ssh.FingerprintSHA256(pub), op.KeyFingerprints[i])
			}
			if !strings.Contains(comment, demo.DemoKeyComment) {
				t.Errorf("operator %s: demo key without the demo comment", op.Handle)
			}
			if fps[op.KeyFingerprints[i]] {
				t.Errorf("operator %s: fingerprint shared with another operator", op.Handle)
			}
			fps[op.KeyFingerprints[i]] = true
		}
	}
	if roles[model.RoleSupport] < 2 || roles[model.RoleLead] < 2 || roles[model.RoleEngineer] < 2 || roles[model.RoleAdmin] < 1 {
		t.Errorf("operators per role: %v", roles)
	}
	if !scoped[model.RoleSupport] || !scoped[model.RoleLead] {
		t.Errorf("want a support and a lead operator scoped to some tenants; scoped roles: %v", scoped)
	}
	if o.LocalUser != "" {
		h, err := demo.LocalHandle(o.LocalUser)
		if err != nil {
			t.Errorf("local user: %v", err)
		}
		i := slices.IndexFunc(ds.Operators, func(op model.Operator) bool { return op.Handle == h })
		if i < 0 || ds.Operators[i].Role != model.RoleAdmin || len(ds.Operators[i].Tenants) != 0 || ds.Operators[i].Disabled {
			t.Errorf("local user %q is not an unscoped, enabled admin", o.LocalUser)
		}
	}
}

func checkSubjects(t testing.TB, ds *demo.Dataset, o Options, tenants map[string]model.Tenant) {
	t.Helper()
	want := o.Subjects
	if want == 0 {
		want = demo.DefaultSubjects
	}
	if len(ds.Subjects) != want {
		t.Errorf("%d subjects, want %d", len(ds.Subjects), want)
	}
	status := map[model.AccountStatus]int{}
	children, home := 0, 0
	var names []string
	for _, s := range ds.Subjects {
		tn, ok := tenants[s.TenantID]
		if !ok {
			t.Errorf("subject %s: unknown tenant %s", s.ID, s.TenantID)
			continue
		}
		status[s.Status]++
		if s.IsChild(ds.Now) {
			children++
		}
		if s.ResidencyState == tn.State {
			home++
		}
		for _, e := range s.Emails {
			if e != strings.ToLower(e) || !strings.Contains(e, "@") {
				t.Errorf("subject %s: e-mail %q is not a lower-case address", s.ID, e)
			}
		}
		for _, p := range s.Phones {
			if p == "" || strings.TrimFunc(p, unicode.IsDigit) != "" {
				t.Errorf("subject %s: phone %q is not digits only", s.ID, p)
			}
		}
		if s.BirthDate != "" {
			if _, err := time.Parse(time.DateOnly, s.BirthDate); err != nil {
				t.Errorf("subject %s: birth date %q", s.ID, s.BirthDate)
			}
		}
		if s.Version < 1 || s.CreatedAt.After(ds.Now) {
			t.Errorf("subject %s: version %d, created %v", s.ID, s.Version, s.CreatedAt)
		}
		names = append(names, s.Name)
	}
	for _, st := range []model.AccountStatus{model.AccountActive, model.AccountClosed, model.AccountMasked} {
		if status[st] == 0 {
			t.Errorf("no %s subjects", st)
		}
	}
	if children == 0 {
		t.Error("no subjects under 14")
	}
	if home*10 < len(ds.Subjects)*8 {
		t.Errorf("only %d of %d subjects live in their tenant's state", home, len(ds.Subjects))
	}
	for _, want := range []string{"José Núñez", "Zoë Ångström", "王小明", "佐藤花子", "김민준", "محمد العلي", "דוד כהן", "Sunny 🌞 Day"} {
		if !slices.Contains(names, want) {
			t.Errorf("no subject named %q", want)
		}
	}
	scripts := map[string]func(rune) bool{
		"Han": is(unicode.Han), "Hangul": is(unicode.Hangul), "Hiragana": is(unicode.Hiragana), "Arabic": is(unicode.Arabic),
		"Hebrew": is(unicode.Hebrew), "Cyrillic": is(unicode.Cyrillic), "Devanagari": is(unicode.Devanagari),
		"accented Latin": func(r rune) bool { return r > 0x7f && unicode.Is(unicode.Latin, r) },
		"emoji":          func(r rune) bool { return r >= 0x1F300 && r <= 0x1FAFF },
		"full-width":     func(r rune) bool { return r >= 0xFF01 && r <= 0xFF5E },
		"combining mark": is(unicode.Mn),
	}
	for name, f := range scripts {
		if !slices.ContainsFunc(names, func(n string) bool { return strings.IndexFunc(n, f) >= 0 }) {
			t.Errorf("no subject name in %s", name)
		}
	}
	if !slices.ContainsFunc(names, func(n string) bool { return len([]rune(n)) > 55 }) {
		t.Error("no long subject names")
	}
}

func is(tab *unicode.RangeTable) func(rune) bool {
	return func(r rune) bool { return unicode.Is(tab, r) }
}

// checkRecords returns, per subject, the collections holding its records.
func checkRecords(t testing.TB, ds *demo.Dataset, tenants map[string]model.Tenant, subjects map[string]model.Subject) map[string]map[string]bool {
	t.Helper()
	if len(ds.DataMap) != len(demo.Collections()) {
		t.Errorf("data map has %d collections, want %d", len(ds.DataMap), len(demo.Collections()))
	}
	recordsOf := map[string]map[string]bool{}
	for _, m := range ds.DataMap {
		if err := m.Validate(); err != nil {
			t.Errorf("data map: %v", err)
		}
		if m.DateField == "" || m.Product == "" {
			t.Errorf("data map %s: no date field or product", m.Collection)
		}
		mapped := map[string]bool{}
		for _, f := range m.Fields {
			mapped[f.Field] = true
			if f.Kind == "" {
				t.Errorf("data map %s.%s: no field kind", m.Collection, f.Field)
			}
		}
		nonPI := demo.NonPIFields(m.Collection)
		seen := map[string]bool{}
		ids := map[string]bool{}
		docs := ds.Records[m.Collection]
		if len(docs) == 0 {
			t.Errorf("collection %s is empty", m.Collection)
		}
		for _, doc := range docs {
			var id, tenant, subject string
			hasDate := false
			for _, e := range doc {
				switch e.Key {
				case demo.FieldID:
					id, _ = e.Value.(string)
				case demo.FieldTenantID:
					tenant, _ = e.Value.(string)
				case m.SubjectField:
					subject, _ = e.Value.(string)
				case m.DateField:
					switch v := e.Value.(type) {
					case time.Time:
						hasDate = !v.IsZero() && !v.After(ds.Now)
					case bson.DateTime:
						hasDate = !v.Time().After(ds.Now)
					}
				default:
					switch {
					case mapped[e.Key]:
						seen[e.Key] = true
					case slices.Contains(nonPI, e.Key):
					default:
						t.Errorf("%s %s: field %q is neither in the data map nor a declared non-PI field", m.Collection, id, e.Key)
					}
				}
			}
			if id == "" || ids[id] {
				t.Errorf("%s: document without a unique string _id: %q", m.Collection, id)
			}
			ids[id] = true
			s, ok := subjects[subject]
			if _, tok := tenants[tenant]; !tok || !ok || s.TenantID != tenant {
				t.Errorf("%s %s: subject %q / tenant %q do not match a subject of that tenant", m.Collection, id, subject, tenant)
			}
			if !hasDate {
				t.Errorf("%s %s: no collection date in the past", m.Collection, id)
			}
			if recordsOf[subject] == nil {
				recordsOf[subject] = map[string]bool{}
			}
			recordsOf[subject][m.Collection] = true
		}
		for _, f := range m.Fields {
			if !seen[f.Field] {
				t.Errorf("data map %s.%s is never present in the data", m.Collection, f.Field)
			}
		}
	}
	for c := range ds.Records {
		if !slices.Contains(demo.Collections(), c) {
			t.Errorf("records in %s, which has no data map entry", c)
		}
	}
	wide := 0
	for _, s := range ds.Subjects {
		n := len(recordsOf[s.ID])
		if n == 0 && s.Status != model.AccountMasked {
			t.Errorf("subject %s has no records", s.ID)
		}
		if n >= 4 {
			wide++
		}
	}
	if wide < 10 {
		t.Errorf("only %d subjects have records in 4 or more collections", wide)
	}
	return recordsOf
}

var idPattern = regexp.MustCompile(`^R-(\d{4})-\d{5}$`)

func checkRequests(t testing.TB, ds *demo.Dataset, o Options, tenants map[string]model.Tenant, subjects map[string]model.Subject, recordsOf map[string]map[string]bool) {
	t.Helper()
	now := ds.Now
	want := o.Requests
	if want == 0 {
		want = demo.DefaultRequests
	}
	if len(ds.Requests) != want {
		t.Errorf("%d requests, want %d", len(ds.Requests), want)
	}
	ops := map[string]model.Operator{}
	for _, op := range ds.Operators {
		ops[op.Handle] = op
	}
	bySubject := map[string][]model.Request{}
	ids := map[string]bool{}
	for _, r := range ds.Requests {
		ids[r.ID] = true
		if r.SubjectID != "" {
			bySubject[r.SubjectID] = append(bySubject[r.SubjectID], r)
		}
	}
	hostile := map[string]bool{}
	for _, s := range ds.Subjects {
		for _, h := range demo.HostileStrings() {
			if strings.Contains(s.Name, h) || strings.Contains(s.Address, h) {
				hostile[s.ID] = true
			}
		}
	}
	statuses := map[model.Status]int{}
	types := map[model.RequestType]int{}
	channels := map[model.Channel]int{}
	var overdue, dueThisWeek, extended, extendedOpen, agent, overLimit, child, exempt, repetitive, unacked, hostileReqs, unlinked int
	seenIDs, refs := map[string]bool{}, map[string]bool{}
	for _, r := range ds.Requests {
		tn, ok := tenants[r.TenantID]
		if !ok {
			t.Errorf("%s: unknown tenant %s", r.ID, r.TenantID)
			continue
		}
		if m := idPattern.FindStringSubmatch(r.ID); m == nil || m[1] != fmt.Sprint(now.Year()) || seenIDs[r.ID] {
			t.Errorf("request id %q is not a unique R-%d-NNNNN", r.ID, now.Year())
		}
		seenIDs[r.ID] = true
		if r.ExternalRef != "" {
			if refs[r.ExternalRef] {
				t.Errorf("%s: external ref %q used twice", r.ID, r.ExternalRef)
			}
			refs[r.ExternalRef] = true
		}
		statuses[r.Status]++
		types[r.Type]++
		channels[r.Channel]++
		if r.ReceivedAt.After(now) || r.ReceivedAt.Before(now.AddDate(0, 0, -121)) {
			t.Errorf("%s: received %v, want within 120 days before %v", r.ID, r.ReceivedAt, now)
		}
		var s model.Subject
		if r.SubjectID != "" {
			s, ok = subjects[r.SubjectID]
			if !ok || s.TenantID != r.TenantID {
				t.Errorf("%s: subject %s unknown or of another tenant", r.ID, r.SubjectID)
			}
			if hostile[r.SubjectID] {
				hostileReqs++
			}
		} else {
			unlinked++
		}
		checkHistory(t, r, ops, now)

		d := model.ComputeDeadlines(r, tn)
		if !r.DueAt.Equal(d.Next) && !r.DueAt.Equal(d.Next.Truncate(time.Millisecond)) {
			t.Errorf("%s: due_at %v, deadlines say %v (%s)", r.ID, r.DueAt, d.Next, d.NextKind)
		}
		if r.Status.Open() {
			if model.Overdue(now, d.Next) {
				overdue++
			} else if left := model.DaysLeft(now, d.Next, tn.Location()); left >= 0 && left <= 7 {
				dueThisWeek++
			}
			if !d.AckDone && model.Overdue(now, d.Ack) {
				unacked++
			}
		}
		if r.Extension != nil {
			extended++
			if r.Status.Open() {
				extendedOpen++
			}
			if r.Extension.At.After(d.Legal45) || r.Extension.Reason == "" || r.Extension.NoticeSent.Before(r.Extension.At) {
				t.Errorf("%s: extension %+v made after the first 45 days (%v) or without reason and notice", r.ID, r.Extension, d.Legal45)
			}
		}
		// Flags, recomputed.
		if (r.Agent != nil) != r.HasFlag(model.FlagAgent) {
			t.Errorf("%s: agent %v but agent flag %v", r.ID, r.Agent != nil, r.HasFlag(model.FlagAgent))
		}
		if r.Agent != nil {
			agent++
			if r.Agent.PermissionEvidence == "" || r.Agent.Name == "" {
				t.Errorf("%s: agent without name or permission evidence", r.ID)
			}
		}
		lim := model.CheckKnowLimit(r, bySubject[r.SubjectID])
		if lim.Over != r.HasFlag(model.FlagOverLimit) {
			t.Errorf("%s: over the limit %v but flag %v (%s)", r.ID, lim.Over, r.HasFlag(model.FlagOverLimit), lim.Reason())
		}
		if lim.Over {
			overLimit++
		}
		if r.Type == model.TypeChildDeletion {
			child++
			if r.SubjectID == "" || !s.IsChild(r.ReceivedAt) {
				t.Errorf("%s: child-data deletion for subject %s who was not under 14 on receipt", r.ID, r.SubjectID)
			}
		}
		if (r.Type == model.TypeChildDeletion) != r.HasFlag(model.FlagChild) {
			t.Errorf("%s: type %s but child flag %v", r.ID, r.Type, r.HasFlag(model.FlagChild))
		}
		for _, f := range r.Flags {
			if f.Reason == "" {
				t.Errorf("%s: flag %s without a reason", r.ID, f.Kind)
			}
			switch f.Kind {
			case model.FlagExempt:
				exempt++
				if r.Type != model.TypeDeletion {
					t.Errorf("%s: exempt flag on a %s request", r.ID, r.Type)
				}
			case model.FlagRepetitive:
				repetitive++
				m := regexp.MustCompile(`R-\d{4}-\d{5}`).FindString(f.Reason)
				if !ids[m] || m == r.ID {
					t.Errorf("%s: repetitive flag names no other request: %q", r.ID, f.Reason)
				}
			}
		}
		if r.Type == model.TypeOptOut && r.SubjectID != "" && !recordsOf[r.SubjectID][demo.CollAlertSubscriptions] && s.Status != model.AccountMasked {
			// Opt-outs are for subscribers; a few (hostile input) may not be.
			if !hostile[r.SubjectID] {
				t.Errorf("%s: opt-out from a subject with no alert subscription", r.ID)
			}
		}
	}
	for _, st := range model.Statuses() {
		if statuses[st] == 0 {
			t.Errorf("no request is %s", st)
		}
	}
	for _, ty := range model.RequestTypes() {
		if types[ty] == 0 {
			t.Errorf("no %s request", ty)
		}
	}
	for _, ch := range model.Channels() {
		if channels[ch] == 0 {
			t.Errorf("no request came by %s", ch)
		}
	}
	for name, n := range map[string]int{"overdue": overdue, "due this week": dueThisWeek, "extended": extended, "extended and open": extendedOpen,
		"agent": agent, "over the limit": overLimit, "child-data deletion": child, "exempt": exempt, "repetitive": repetitive,
		"unacknowledged past the acknowledgement deadline": unacked, "referencing a hostile subject": hostileReqs, "without a subject": unlinked} {
		if n == 0 {
			t.Errorf("no request is %s", name)
		}
	}
}

// checkHistory replays the request's events through the lifecycle table.
func checkHistory(t testing.TB, r model.Request, ops map[string]model.Operator, now time.Time) {
	t.Helper()
	if len(r.History) == 0 || r.History[0].Action != model.ActLog || r.History[0].To != model.StatusReceived {
		t.Errorf("%s: history does not start with log", r.ID)
		return
	}
	if r.Version != int64(len(r.History)) || r.Version < 1 {
		t.Errorf("%s: version %d for %d events", r.ID, r.Version, len(r.History))
	}
	status := model.StatusReceived
	prev := r.ReceivedAt
	counts := map[model.Action]int{}
	approvedBy := ""
	for i, ev := range r.History {
		counts[ev.Action]++
		if ev.ID != fmt.Sprintf("%s-E%02d", r.ID, i+1) {
			t.Errorf("%s: event %d has id %q", r.ID, i, ev.ID)
		}
		if ev.At.Before(prev) || ev.At.After(now) {
			t.Errorf("%s: event %d (%s) at %v out of order or in the future", r.ID, i, ev.Action, ev.At)
		}
		prev = ev.At
		if ev.Actor == "custodian" {
			if ev.Role != model.RoleSystem {
				t.Errorf("%s: custodian acting as %s", r.ID, ev.Role)
			}
		} else {
			op, ok := ops[ev.Actor]
			switch {
			case !ok:
				t.Errorf("%s: event by unknown operator %q", r.ID, ev.Actor)
			case op.Role != ev.Role:
				t.Errorf("%s: %s recorded as %s but is %s", r.ID, ev.Actor, ev.Role, op.Role)
			case !op.InScope(r.TenantID):
				t.Errorf("%s: %s acted outside their tenants", r.ID, ev.Actor)
			}
		}
		if i == 0 {
			continue
		}
		if ev.From != status {
			t.Errorf("%s: event %d (%s) from %s, but the request was %s", r.ID, i, ev.Action, ev.From, status)
		}
		next, err := model.Next(status, ev.Action, ev.Role)
		if err != nil {
			t.Errorf("%s: event %d: %v", r.ID, i, err)
			return
		}
		if next != ev.To {
			t.Errorf("%s: event %d (%s) says %s→%s, the lifecycle says %s", r.ID, i, ev.Action, status, ev.To, next)
		}
		switch ev.Action {
		case model.ActApprove:
			approvedBy = ev.Actor
		case model.ActStartFulfilment:
			if ev.Actor == approvedBy {
				t.Errorf("%s: %s signed off fulfilment of an approval they recorded", r.ID, ev.Actor)
			}
		}
		status = next
	}
	if status != r.Status {
		t.Errorf("%s: history ends %s, status is %s", r.ID, status, r.Status)
	}
	last := r.History[len(r.History)-1]
	if r.UpdatedBy != last.Actor || !r.UpdatedAt.Equal(last.At) {
		t.Errorf("%s: updated by %s at %v, last event by %s at %v", r.ID, r.UpdatedBy, r.UpdatedAt, last.Actor, last.At)
	}
	if (r.AcknowledgedAt != nil) != (counts[model.ActAcknowledge] > 0) {
		t.Errorf("%s: acknowledged_at %v with %d acknowledge events", r.ID, r.AcknowledgedAt, counts[model.ActAcknowledge])
	}
	if (r.Verification != nil) != (counts[model.ActVerify]+counts[model.ActDenyUnverifiable] > 0) {
		t.Errorf("%s: verification %v after %d verify events", r.ID, r.Verification != nil, counts[model.ActVerify])
	}
	if v := r.Verification; v != nil && counts[model.ActVerify] > 0 {
		if v.Level == model.LevelNone || len(v.DataPoints) < 2 || v.By == "" || (v.Level == model.LevelHigh && (!v.SignedDecl || len(v.DataPoints) < 3)) {
			t.Errorf("%s: verification %+v falls short of its level", r.ID, v)
		}
		if v.AgentChecked != (r.Agent != nil) {
			t.Errorf("%s: agent verified %v with agent %v", r.ID, v.AgentChecked, r.Agent != nil)
		}
	}
	decided := counts[model.ActApprove] + counts[model.ActDeny]
	if (r.Decision != nil) != (decided > 0) {
		t.Errorf("%s: decision %v after %d approve/deny events", r.ID, r.Decision != nil, decided)
	}
	if dd := r.Decision; dd != nil {
		want := model.DecisionApproved
		if counts[model.ActDeny] > 0 {
			want = model.DecisionDenied
		}
		if dd.Outcome != want || dd.Approver == "" || dd.Evidence == "" || dd.RecordedBy == "" || dd.DecidedAt.After(dd.RecordedAt) {
			t.Errorf("%s: decision %+v", r.ID, dd)
		}
		if ops[dd.RecordedBy].Role != model.RoleLead {
			t.Errorf("%s: decision recorded by %s, not a lead", r.ID, dd.RecordedBy)
		}
	}
	if (r.Extension != nil) != (counts[model.ActExtend] == 1) || counts[model.ActExtend] > 1 {
		t.Errorf("%s: extension %v with %d extend events", r.ID, r.Extension != nil, counts[model.ActExtend])
	}
	switch r.Status {
	case model.StatusCompleted:
		if r.RespondedAt == nil || r.Outcome == "" {
			t.Errorf("%s: completed without response date or outcome", r.ID)
		}
	case model.StatusDenied:
		if r.RespondedAt == nil || r.DenialReason == "" {
			t.Errorf("%s: denied without response date or reason", r.ID)
		}
	case model.StatusFailed:
		if r.FailureReason == "" {
			t.Errorf("%s: failed without a failure reason", r.ID)
		}
	case model.StatusNeedsInfo:
		if r.InfoRequested == "" {
			t.Errorf("%s: needs info without saying what", r.ID)
		}
	}
	if r.Status.Open() && r.RespondedAt != nil {
		t.Errorf("%s: open but responded", r.ID)
	}
	if len(r.Notes) != counts[model.ActNote] {
		t.Errorf("%s: %d notes, %d note events", r.ID, len(r.Notes), counts[model.ActNote])
	}
}

// checkHostile wants every hostile string somewhere in the data.
func checkHostile(t testing.TB, ds *demo.Dataset) {
	t.Helper()
	var all []string
	for _, s := range ds.Subjects {
		all = append(all, s.Name, s.Address)
	}
	for _, docs := range ds.Records {
		for _, d := range docs {
			all = appendStrings(all, d)
		}
	}
	for _, r := range ds.Requests {
		all = append(all, r.Requester.Name, r.Requester.Email)
		for _, n := range r.Notes {
			all = append(all, n.Text)
		}
		for _, v := range r.Corrections {
			all = append(all, v)
		}
		if r.Agent != nil {
			all = append(all, r.Agent.Organization)
		}
	}
	for _, h := range demo.HostileStrings() {
		if !slices.ContainsFunc(all, func(s string) bool { return strings.Contains(s, h) }) {
			t.Errorf("hostile string %q appears nowhere", h)
		}
	}
	if !slices.ContainsFunc(demo.HostileStrings(), func(h string) bool { return len(h) >= 5000 }) {
		t.Error("no 5000-character hostile value")
	}
}

func appendStrings(out []string, v any) []string {
	switch v := v.(type) {
	case string:
		return append(out, v)
	case []string:
		return append(out, v...)
	case bson.D:
		for _, e := range v {
			out = appendStrings(out, e.Value)
		}
	case bson.A:
		for _, e := range v {
			out = appendStrings(out, e)
		}
	case []any:
		for _, e := range v {
			out = appendStrings(out, e)
		}
	}
	return out
}
