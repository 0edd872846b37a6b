package db_test

import (
	"errors"
	"testing"

	"github.com/custodian-dev/custodian/db"
)

func TestLookupSubjects(t *testing.T) {
	f := newFixture(t)
	for q, want := range map[string]int{
		"Alma@Example.org":   1,
		"(555) 123-0001":     1,
		"+1 555 123 0001":    1, // stored without the country code, found with it
		"1-555-123-0001 x7":  1, // the extension is not part of the stored number
		"555-123-0003":       0,
		"nobody@example.org": 0,
	} {
		got, err := f.s.LookupSubjects(f.ctx, f.support, q)
		if err != nil || len(got) != want {
			t.Errorf("%q: %d subjects, want %d (%v)", q, len(got), want, err)
		}
	}
	if got, err := f.s.LookupSubjects(f.ctx, f.scopedA, "bo@example.org"); err != nil || len(got) != 0 {
		t.Fatalf("scoped lookup found another tenant's subject: %v %v", got, err)
	}
	for _, q := range []string{"Alma", "555-001", "555-123-0001 call after 5"} {
		if _, err := f.s.LookupSubjects(f.ctx, f.support, q); !errors.Is(err, db.ErrInvalid) {
			t.Fatalf("lookup %q: %v, want ErrInvalid", q, err)
		}
	}
	if s, err := f.s.Subject(f.ctx, f.support, "sa1"); err != nil || s.Name != "Alma A" {
		t.Fatalf("subject: %v %v", s, err)
	}
	if _, err := f.s.Subject(f.ctx, f.support, "nope"); !errors.Is(err, db.ErrNotFound) {
		t.Fatalf("missing subject: %v", err)
	}
}
