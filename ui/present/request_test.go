package present

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/custodian-dev/custodian/model"
)

// sampleRequest is a rectification request logged by an agent, with
// control characters in the texts a requester or an import can set.
func sampleRequest() model.Request {
	received := time.Date(2026, 11, 2, 6, 30, 0, 0, time.UTC) // still Nov 1 in Los Angeles
	return model.Request{
		ID: "R-1\x1b[31m", TenantID: "T1", Type: model.TypeRectification, Channel: model.ChannelEmail,
		Status: model.StatusVerifying, ReceivedAt: received, ResidencyState: "CA", ResidencyFrom: model.ResidencyStated,
		Requester: model.Person{Name: "Jane Q Doe", Email: "jane.doe@example.com", Phone: "+1 415 555 0134"},
		Agent: &model.Agent{Person: model.Person{Name: "Alan Agent", Email: "alan@agency.example"},
			Organization: "Agency\tInc\x07", PermissionEvidence: "letter\r\nref 7"},
		Corrections: map[string]string{"email": "jane.new@example.com"},
		Notes:       []model.Note{{By: "ops", At: received, Text: "first line\nsecond\x1b]8;;x\x07 line"}},
		History:     []model.Event{{ID: "e1", At: received, Actor: "ops", Action: "log", To: model.StatusReceived, Reason: "via\x1b[2J import"}},
		LoggedBy:    "ops",
	}
}

func laTenant(t *testing.T) model.Tenant {
	mustZone(t, "America/Los_Angeles")
	return model.Tenant{ID: "T1", Name: "Acme\x1b[1m", TimeZone: "America/Los_Angeles"}
}

func TestRequestOfMasksPersonalInformation(t *testing.T) {
	v := RequestOf(sampleRequest(), laTenant(t))
	shown := []struct {
		what, got, raw string
	}{
		{"requester name", v.Requester.Name, "Jane Q Doe"},
		{"requester email", v.Requester.Email, "jane.doe@example.com"},
		{"requester phone", v.Requester.Phone, "+1 415 555 0134"},
		{"agent name", v.Agent.Name, "Alan Agent"},
		{"agent email", v.Agent.Email, "alan@agency.example"},
		{"correction", v.Corrections["email"], "jane.new@example.com"},
	}
	for _, s := range shown {
		if s.got == "" || s.got == s.raw {
			t.Errorf("%s shows %q: want it masked", s.what, s.got)
		}
		if want := model.Mask(kindOf(s.what), s.raw); s.got != want {
			t.Errorf("%s shows %q, want %q", s.what, s.got, want)
		}
	}
	if got := slices.Collect(maps.Keys(v.Corrections)); !slices.Equal(got, []string{"email"}) {
		t.Errorf("corrections name %v, want the field names as stored", got)
	}
}

func kindOf(what string) model.FieldKind {
	switch {
	case strings.HasSuffix(what, "name"):
		return model.KindName
	case strings.HasSuffix(what, "phone"):
		return model.KindPhone
	}
	return model.KindEmail
}

func TestRequestOfCleansControlCharacters(t *testing.T) {
	v := RequestOf(sampleRequest(), laTenant(t))
	texts := []struct{ what, got, want string }{
		{"id", v.ID, "R-1"},
		{"tenant name", v.TenantName, "Acme"},
		{"agent organization", v.Agent.Organization, "Agency Inc"},
		{"agent permission", v.Agent.PermissionEvidence, "letter ref 7"},
		{"note on one line", v.Notes[0].Text, "first line second line"},
		{"note as written", v.Notes[0].Body, "first line\nsecond line"},
		{"history reason", v.History[0].Reason, "via import"},
	}
	for _, x := range texts {
		if x.got != x.want {
			t.Errorf("%s: %q, want %q", x.what, x.got, x.want)
		}
	}
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	// JSON escapes a control character as \u00XX (or \t, \r, \n) — none may remain.
	for _, esc := range []string{`\u001b`, `\u0007`, `\t`, `\r`} {
		if strings.Contains(string(raw), esc) {
			t.Errorf("JSON still holds %s: %s", esc, raw)
		}
	}
}

func TestRequestOfDeadlinesInTheTenantsZone(t *testing.T) {
	tenant := laTenant(t)
	open := RequestOf(sampleRequest(), tenant)
	if open.TimeZone != "America/Los_Angeles" {
		t.Errorf("time zone %q, want the tenant's", open.TimeZone)
	}
	d := open.Deadlines
	if d.Acknowledgement.IsZero() || d.LegalResponse.IsZero() || d.Response.IsZero() || d.Next == nil || d.NextKind == "" {
		t.Errorf("open request's deadlines are missing: %+v", d)
	}
	if len(open.ClosedDeadlines) != 0 {
		t.Errorf("open request judged as closed: %+v", open.ClosedDeadlines)
	}
	// The request arrived on Nov 1 local time: its due days count from
	// the tenant's calendar, not UTC's Nov 2.
	if got := Date(open.ReceivedAt, tenant.Location()); got != "2026-11-01" {
		t.Errorf("received on %s in the tenant's zone, want 2026-11-01", got)
	}
	if got, want := d.LegalResponse, model.ComputeDeadlinesIn(sampleRequest(), tenant, tenant.Location()).Legal; !got.Equal(want) {
		t.Errorf("legal response due %v, want %v", got, want)
	}

	r := sampleRequest()
	closedOn := time.Date(2026, 11, 20, 18, 0, 0, 0, time.UTC)
	r.Status, r.ClosedOn, r.RespondedAt = model.StatusCompleted, &closedOn, &closedOn
	closed := RequestOf(r, tenant)
	if closed.Deadlines.Next != nil {
		t.Errorf("closed request still counts down to %v", closed.Deadlines.Next)
	}
	if len(closed.ClosedDeadlines) == 0 {
		t.Fatal("closed request has no judged deadlines")
	}
	for _, c := range closed.ClosedDeadlines {
		want := c.Due.In(tenant.Location()).Format(time.DateOnly)
		if !strings.Contains(c.Line, "due "+want) {
			t.Errorf("%s line %q: want its due day %s in the tenant's calendar", c.Kind, c.Line, want)
		}
	}
}

// TestRequestJSONFieldNames pins the field names `custodian requests show
// --json` prints: scripts read them, so a rename is a breaking change.
func TestRequestJSONFieldNames(t *testing.T) {
	r := sampleRequest()
	r.Verification = &model.Verification{Method: "email link"}
	r.Decision = &model.Decision{Outcome: model.DecisionApproved}
	r.Fee = &model.Fee{Reason: "manifestly unfounded"}
	r.Extension = &model.Extension{Reason: "complex"}
	r.Flags = []model.Flag{{Kind: "dup", Reason: "same email"}}
	v := RequestOf(r, laTenant(t))
	v.Subject = "J*** D** (account active)"
	v.Limit = LimitOf(model.LimitResult{Applies: true})
	v.Fulfilment = &Fulfilment{Plan: "P1"}
	v.Export = &model.AccessExport{}
	v.ExportDir = "/srv/exports"
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]json.RawMessage
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatal(err)
	}
	want := []string{"access_scope", "agent", "assigned_to", "channel", "closed_deadlines", "corrections", "deadlines", "decision",
		"denial_reason", "export", "extension", "external_ref", "failure_reason", "fee", "flags", "fulfilment", "history", "id",
		"info_requested", "know_limit", "logged_by", "notes", "outcome", "prior_decisions", "received_at", "requester",
		"required_verification", "residency_from", "residency_state", "responded_at", "status", "subject", "subject_id",
		"tenant_id", "tenant_name", "time_zone", "type", "verification", "version", "withheld"}
	for _, k := range slices.Sorted(maps.Keys(got)) {
		if !slices.Contains(want, k) {
			t.Errorf("unexpected field %q in the JSON", k)
		}
	}
	// Fields left empty here are omitempty; the rest must all be present.
	for _, k := range []string{"agent", "channel", "corrections", "deadlines", "decision", "export", "extension", "fee", "flags",
		"fulfilment", "history", "id", "know_limit", "logged_by", "notes", "received_at", "requester", "required_verification",
		"residency_from", "residency_state", "status", "subject", "tenant_id", "tenant_name", "time_zone", "type", "verification", "version"} {
		if _, ok := got[k]; !ok {
			t.Errorf("field %q missing from the JSON", k)
		}
	}
	nested := []struct {
		field string
		keys  []string
	}{
		{"requester", []string{"email", "name", "phone"}},
		{"agent", []string{"email", "name", "organization", "permission_evidence"}},
		{"deadlines", []string{"acknowledged", "acknowledgement", "custodian", "extended", "legal_45", "legal_response", "next", "next_kind", "response", "response_kind"}},
		{"know_limit", []string{"earlier", "over", "reason"}},
		{"fulfilment", []string{"built_at", "built_by", "digest", "plan", "steps", "steps_done"}},
	}
	for _, n := range nested {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(got[n.field], &m); err != nil {
			t.Fatalf("%s: %v", n.field, err)
		}
		if keys := slices.Sorted(maps.Keys(m)); !slices.Equal(keys, n.keys) {
			t.Errorf("%s has fields %v, want %v", n.field, keys, n.keys)
		}
	}
	var notes []map[string]json.RawMessage
	if err := json.Unmarshal(got["notes"], &notes); err != nil {
		t.Fatal(err)
	}
	if keys := slices.Sorted(maps.Keys(notes[0])); !slices.Equal(keys, []string{"at", "by", "text"}) {
		t.Errorf("a note has fields %v, want at, by, text", keys)
	}
}
