package lookup

import "testing"

// A parent writes in for their child from their own address: the child's
// subject is found by the guardian's email, phone or name, labelled with
// the relation, and ranks like the subject's own value would (an exact
// email typed in full is exact). The subject's own values still win their
// own name.
func TestSearchOtherContacts(t *testing.T) {
	d := NewDirectory()
	d.Put(append(demoRecords(),
		Record{ID: "S-000101", TenantID: "oakridge-ca", AccountID: "ACC-OAK-10101", Name: "Lucía Pérez", Status: "active", Version: 1,
			Others: []Other{{Relation: "guardian", Name: "Marta Pérez", Email: "marta.p77@mail.example", Phone: "4155550142"}}},
	))
	for _, tc := range []struct {
		name, q, first, label string
		exact                 bool
	}{
		{"guardian email in full", "Marta.P77@mail.example", "S-000101", "guardian email", true},
		{"guardian email begun", "marta.p", "S-000101", "guardian email", false},
		{"guardian phone typed", "(415) 555-0142", "S-000101", "guardian phone", true},
		{"guardian name", "marta perez", "S-000101", "guardian name", false},
		{"the child's own name", "lucia", "S-000101", "name", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := search(t, d, tc.q)
			if len(res.Hits) == 0 || res.Hits[0].ID != tc.first {
				t.Fatalf("%q: got %v, want %s first", tc.q, ids(res.Hits), tc.first)
			}
			h := res.Hits[0]
			if h.Label() != tc.label || h.Exact != tc.exact {
				t.Fatalf("%q: label %q exact %v, want %q %v (%+v)", tc.q, h.Label(), h.Exact, tc.label, tc.exact, h)
			}
		})
	}
	// Replacing the subject without the guardian (a deletion cleared it)
	// makes the guardian's email find nothing.
	d.Put([]Record{{ID: "S-000101", TenantID: "oakridge-ca", Name: "Lucía Pérez", Status: "masked", Version: 2}})
	if res := search(t, d, "marta.p77@mail.example"); len(res.Hits) != 0 {
		t.Fatalf("a cleared guardian still finds %v", ids(res.Hits))
	}
}
