package console

import (
	"reflect"
	"strings"
	"testing"

	"github.com/custodian-dev/custodian/model"
)

// TestTenantLineSyntaxRoundTrips: what the tenant form shows of approvers
// and retention rules reads back as the same values, separators and
// backslashes inside a text included (a legal basis citing "law; schedule").
func TestTenantLineSyntaxRoundTrips(t *testing.T) {
	tests := []struct {
		name string
		cs   []model.Contact
		rs   []model.RetentionRule
	}{
		{"plain", []model.Contact{{Name: "Dana", Title: "Clerk", Email: "d@x.example"}},
			[]model.RetentionRule{{Category: "employee", Period: "6 years", LegalBasis: "GS-PER-03"}}},
		{"separators inside", []model.Contact{{Name: "A | B", Phone: "1; 2", Address: `C:\dir\;`}},
			[]model.RetentionRule{{Category: "image", Period: "permanent", LegalBasis: "open-meetings law; schedule GS-ADM-40 | b"},
				{Category: "financial", Period: `5 years \ after`, LegalBasis: `\|\;`}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := parseApprovers(approversText(tt.cs)); !reflect.DeepEqual(got, tt.cs) {
				t.Errorf("approvers %q read back as %+v, want %+v", approversText(tt.cs), got, tt.cs)
			}
			if got := parseRetention(retentionText(tt.rs), nil); !reflect.DeepEqual(got, tt.rs) {
				t.Errorf("retention %q read back as %+v, want %+v", retentionText(tt.rs), got, tt.rs)
			}
		})
	}
}

// TestTenantFormCleansStoredText: a stored name carrying an escape
// sequence reaches the edit form's input cleaned, and the diff shows the
// difference before anything is saved.
func TestTenantFormCleansStoredText(t *testing.T) {
	old := model.Tenant{ID: "evil-ca", Name: "City\x1b[2J of Evil", State: "CA", TimeZone: "America/Los_Angeles", Version: 1}
	p := newTenantForm(newContext(testConfig(fixture(1))), -1, false, old)
	if got := p.form.field("name").input.Value(); got != model.CleanLine(old.Name) || strings.ContainsRune(got, '\x1b') {
		t.Fatalf("name input = %q, want it cleaned", got)
	}
	diff := strings.Join(p.form.confirm(p.form), "\n")
	if !strings.Contains(diff, "+ name = "+model.CleanLine(old.Name)) || strings.ContainsRune(diff, '\x1b') {
		t.Fatalf("confirmation = %q; want the cleaned name shown as the change, with no escape", diff)
	}
}
