package console

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/custodian-dev/custodian/model"
	"github.com/custodian-dev/custodian/ui/lookup"
)

type lookupHit = lookup.Hit

// A parent writes in for their child from their own address: typing the
// guardian's email in the Lookup finds the child, says it matched the
// guardian's email (shown as typed: the operator knows it), and enter
// opens the child's subject.
func TestLookupGuardianEmailE2E(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds an embedded database")
	}
	store, lee := seededStore(t)
	var child model.Subject
	err := store.SubjectDirectory(context.Background(), lee, "", time.Time{}, func(b []model.Subject) error {
		for _, s := range b {
			for _, c := range s.OtherContacts {
				if child.ID == "" && c.Relation == "guardian" && c.Email != "" {
					child = s
				}
			}
		}
		return nil
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if child.ID == "" {
		t.Fatal("no seeded subject has a guardian's email: the test needs one")
	}
	email := child.OtherContacts[0].Email

	h := start(t, lookupApp(t, store, "lee"), 100, 30)
	openLookup(h)
	searchFor(h, strings.ToUpper(email))
	var first lookupHit
	hit := h.waitFor("the child", func(a *App) bool {
		hs := a.lookup().hits()
		if len(hs) > 0 {
			first = hs[0]
		}
		return len(hs) > 0 && hs[0].ID == child.ID
	})
	if !first.Exact || first.Label() != "guardian email" {
		t.Fatalf("first hit %+v, want an exact guardian email", first)
	}
	screen := ansi.Strip(hit)
	// The typed address is shown (the column may cut its domain).
	local, _, _ := strings.Cut(email, "@")
	if !strings.Contains(screen, "= guardian email "+local+"@") || !strings.Contains(screen, "exact guardian email at the top") {
		t.Fatalf("the hit is not labelled by its relation:\n%s", screen)
	}
	checkFits(t, hit, 100, 30)

	h.press("enter")
	h.waitFor("the child's subject", func(a *App) bool {
		s := a.subject()
		return s != nil && s.sub != nil && !s.loading && s.sub.ID == child.ID
	})
}
