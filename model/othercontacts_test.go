package model

import (
	"reflect"
	"testing"
)

// The data map is the one source of which fields are other people's
// (FieldMap.ThirdParty; the policy: data about other people in a record,
// a guardian, is not the requester's): a guardian's points are gathered,
// the subject's own copies and free text are not.
func TestOtherContactsOf(t *testing.T) {
	cm := CollectionMap{Collection: "rec", SubjectField: "subject_id", Fields: []FieldMap{
		{Field: "participant_name", Kind: KindName, SubjectPoint: PointName},
		{Field: "guardian_name", Kind: KindName, ThirdParty: "guardian"},
		{Field: "guardian_email", Kind: KindEmail, ThirdParty: "guardian"},
		{Field: "guardian_phone", Kind: KindPhone, ThirdParty: "guardian"},
		{Field: "emergency_contact", Kind: KindText, ThirdParty: "emergency contact"},
	}}
	tests := []struct {
		name string
		doc  map[string]string
		want []OtherContact
	}{
		{"guardian", map[string]string{"participant_name": "Ana Ruiz", "guardian_name": "Maria Ruiz", "guardian_email": " Maria.Ruiz@Example.org ", "guardian_phone": "(415) 555-0132", "emergency_contact": "Jo (aunt) 415 555 0199"},
			[]OtherContact{{Relation: "guardian", Name: "Maria Ruiz", Email: "maria.ruiz@example.org", Phone: "4155550132"}}},
		{"email only", map[string]string{"guardian_email": "p@example.org"}, []OtherContact{{Relation: "guardian", Email: "p@example.org"}}},
		{"nobody else", map[string]string{"participant_name": "Ana Ruiz", "emergency_contact": "Jo (aunt) 415 555 0199"}, nil},
		{"blank values", map[string]string{"guardian_name": "  "}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := OtherContactsOf(cm, func(f string) (string, bool) { v, ok := tt.doc[f]; return v, ok })
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
		})
	}
	g := OtherContact{Relation: "guardian", Email: "p@example.org"}
	if got := MergeOtherContacts([]OtherContact{g}, []OtherContact{g, {Relation: "guardian", Name: "P"}}); len(got) != 2 {
		t.Fatalf("merge kept duplicates or lost one: %+v", got)
	}
}

// A deletion erases the records' guardian fields (the data map's erasure),
// so the masked subject must not keep the copy that made it findable.
func TestApplySubjectMaskClearsOtherContacts(t *testing.T) {
	s := Subject{ID: "S-1", Name: "Ana", OtherContacts: []OtherContact{{Relation: "guardian", Email: "p@example.org"}}}
	if got := ApplySubject(s, PlanDoc{Op: DocMask}, nil, func(v string) string { return v }); got.OtherContacts != nil || got.Status != AccountMasked {
		t.Fatalf("masked subject keeps %+v (status %s)", got.OtherContacts, got.Status)
	}
	if got := ApplySubject(s, PlanDoc{}, nil, func(v string) string { return v }); len(got.OtherContacts) != 1 {
		t.Fatalf("a plan that does not mask dropped the contacts: %+v", got.OtherContacts)
	}
}
