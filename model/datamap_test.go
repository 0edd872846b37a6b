package model

import (
	"strings"
	"testing"
)

func validMap() CollectionMap {
	return CollectionMap{
		Collection:   "permits.applications",
		Product:      "Permits",
		SubjectField: "applicant_id",
		DateField:    "submitted_at",
		Fields: []FieldMap{
			{Field: "name", Category: CatIdentifying, Kind: KindName, Erasure: EraseFixed, Fixed: "[removed]"},
			{Field: "email", Category: CatIdentifying, Kind: KindEmail, Erasure: EraseNull},
			{Field: "ssn", Category: CatApplicant, Kind: KindSSN, Erasure: EraseHash},
			{Field: "permit_no", Category: CatContact, Kind: KindText, Erasure: EraseKeep},
			{Field: "video", Category: CatImage, Kind: KindText, Erasure: EraseDeleteDoc},
		},
	}
}

func TestCollectionMapValidate(t *testing.T) {
	if err := validMap().Validate(); err != nil {
		t.Fatalf("valid map: %v", err)
	}
	cases := []struct {
		name   string
		change func(*CollectionMap)
		want   []string // all must appear in the message
	}{
		{"no collection", func(c *CollectionMap) { c.Collection = "" }, []string{"without a collection name"}},
		{"no subject field", func(c *CollectionMap) { c.SubjectField = "" }, []string{"permits.applications", "subject_field"}},
		{"unnamed field", func(c *CollectionMap) { c.Fields[2].Field = "" }, []string{"permits.applications", "no name"}},
		{"field listed twice", func(c *CollectionMap) { c.Fields[3].Field = "email" }, []string{"permits.applications.email", "twice"}},
		{"unknown category", func(c *CollectionMap) { c.Fields[2].Category = "medical" }, []string{"permits.applications.ssn", `"medical"`, "category"}},
		{"empty category", func(c *CollectionMap) { c.Fields[1].Category = "" }, []string{"permits.applications.email", "category"}},
		{"unknown erasure", func(c *CollectionMap) { c.Fields[4].Erasure = "shred" }, []string{"permits.applications.video", `"shred"`, "erasure"}},
		{"empty erasure", func(c *CollectionMap) { c.Fields[1].Erasure = "" }, []string{"permits.applications.email", "erasure"}},
		{"fixed without replacement", func(c *CollectionMap) { c.Fields[0].Fixed = "" }, []string{"permits.applications.name", "replacement"}},
		{"unknown class", func(c *CollectionMap) { c.Fields[2].Class = "secret" }, []string{"permits.applications.ssn", `"secret"`, "class"}},
		{"another person's copy of the subject's point", func(c *CollectionMap) {
			c.Fields[1].ThirdParty, c.Fields[1].SubjectPoint = "guardian", PointEmail
		}, []string{"permits.applications.email", "guardian", "another person"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := validMap()
			c.change(&m)
			err := m.Validate()
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%q does not mention %q", err, w)
				}
			}
		})
	}
	// The first problem is reported, naming its own field.
	m := validMap()
	m.Fields[1].Erasure = "shred"
	m.Fields[3].Category = "bogus"
	if err := m.Validate(); err == nil || !strings.Contains(err.Error(), ".email:") {
		t.Errorf("first problem: %v", err)
	}
	// A map with no PI fields is still a valid (empty) map.
	if err := (CollectionMap{Collection: "c", SubjectField: "s"}).Validate(); err != nil {
		t.Errorf("empty field list: %v", err)
	}
}

func TestCategories(t *testing.T) {
	sensitive := map[Category]bool{CatSensitive: true, CatFinancial: true, CatApplicant: true, CatEmployee: true}
	all := []Category{CatIdentifying, CatContact, CatWebVisitor, CatSensitive, CatFinancial, CatApplicant, CatEmployee, CatImage, CatMobile}
	if len(Categories()) != len(all) {
		t.Fatalf("%d categories, want %d", len(Categories()), len(all))
	}
	for i, c := range all {
		info, ok := c.Info()
		if !ok || !c.Valid() || Categories()[i].Category != c {
			t.Errorf("%s: Info ok %v, Valid %v, position %d", c, ok, c.Valid(), i)
		}
		if (info.Sensitivity == Sensitive) != sensitive[c] {
			t.Errorf("%s: sensitivity %v", c, info.Sensitivity)
		}
		if info.Label == "" || info.Examples == "" {
			t.Errorf("%s: no label or examples", c)
		}
	}
	for _, c := range []Category{"", "Identifying", "medical"} {
		if c.Valid() {
			t.Errorf("%q is valid", c)
		}
	}
}

func TestValidateDataMapAndChanges(t *testing.T) {
	permits := CollectionMap{Collection: "permits", SubjectField: "subject_id", Fields: []FieldMap{
		{Field: "email", Category: CatIdentifying, Kind: KindEmail, Erasure: EraseNull},
	}}
	if err := ValidateDataMap([]CollectionMap{permits}); err != nil {
		t.Fatal(err)
	}
	badKind := permits
	badKind.Fields = []FieldMap{{Field: "email", Category: CatIdentifying, Kind: "mail", Erasure: EraseNull}}
	if err := ValidateDataMap([]CollectionMap{badKind}); err == nil || !strings.Contains(err.Error(), `permits.email: unknown kind "mail"`) {
		t.Errorf("unknown kind: %v", err)
	}
	if err := ValidateDataMap([]CollectionMap{permits, permits}); err == nil || !strings.Contains(err.Error(), "permits: the collection is mapped twice") {
		t.Errorf("twice: %v", err)
	}

	changed := permits
	changed.Fields = []FieldMap{{Field: "email", Category: CatIdentifying, Kind: KindEmail, Erasure: EraseHash}}
	sameButEmpty := permits
	sameButEmpty.Sources = []string{} // stored maps read back with empty lists: no change
	other := CollectionMap{Collection: "licences", SubjectField: "holder"}
	for _, c := range []struct {
		was, now []CollectionMap
		want     string
	}{
		{[]CollectionMap{permits}, []CollectionMap{sameButEmpty}, ""},
		{[]CollectionMap{permits}, []CollectionMap{changed}, "~permits"},
		{[]CollectionMap{permits}, []CollectionMap{permits, other}, "+licences"},
		{[]CollectionMap{permits, other}, []CollectionMap{other}, "-permits"},
	} {
		if got := strings.Join(DataMapChanges(c.was, c.now), ","); got != c.want {
			t.Errorf("DataMapChanges = %q, want %q", got, c.want)
		}
	}
}
