package console

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/custodian-dev/custodian/db"
	"github.com/custodian-dev/custodian/db/demo"
	"github.com/custodian-dev/custodian/keymap"
	"github.com/custodian-dev/custodian/model"
)

// lookupApp is the console as handle, against the seeded store, with a
// short reveal so the test sees it hide again.
func lookupApp(t *testing.T, store *db.Store, handle string) *App {
	t.Helper()
	op, err := store.Operator(context.Background(), handle)
	if err != nil {
		t.Fatal(err)
	}
	return New(Config{
		Backend:   store,
		Actor:     model.Actor{Operator: op, Origin: "test"},
		Keys:      keymap.Default(),
		Clock:     model.FixedClock{T: e2eNow()},
		NoColor:   true,
		RevealFor: 400 * time.Millisecond,
	})
}

func (a *App) lookup() *lookupPane {
	for _, p := range a.panes {
		if lp, ok := p.(*lookupPane); ok {
			return lp
		}
	}
	panic("no lookup pane")
}

// isLookupActive reports whether the Lookup pane is the one shown.
func (a *App) isLookupActive() bool { return a.panes[a.active] == Pane(a.lookup()) }

func (a *App) subject() *subjectPane {
	if len(a.stack) == 0 {
		return nil
	}
	s, _ := a.stack[len(a.stack)-1].(*subjectPane)
	return s
}

// openLookup switches to the Lookup pane and waits for its directory.
func openLookup(h *harness) {
	h.t.Helper()
	h.loaded()
	for range len(h.panesOf()) {
		if h.activeTitle() == "Lookup" {
			break
		}
		h.press("tab")
	}
	h.waitFor("the directory", func(a *App) bool {
		lp := a.lookup()
		return a.isLookupActive() && lp.started && !lp.building && lp.dir.Len() > 0
	})
}

// searchFor clears the box, types q and waits for its result.
func searchFor(h *harness, q string) []string {
	h.t.Helper()
	h.press("ctrl+u")
	h.typ(q)
	var ids []string
	h.waitFor("results for "+q, func(a *App) bool {
		lp := a.lookup()
		if lp.res.Query != q || lp.searching.busy() {
			return false
		}
		ids = ids[:0]
		for _, hit := range lp.hits() {
			ids = append(ids, hit.ID)
		}
		return true
	})
	return ids
}

func firstHit(h *harness) (hit struct {
	id, name, field string
	exact, typo     bool
}) {
	h.waitFor("first hit", func(a *App) bool {
		hs := a.lookup().hits()
		if len(hs) == 0 {
			return false
		}
		hit.id, hit.name, hit.field, hit.exact, hit.typo = hs[0].ID, hs[0].Name, hs[0].Field.String(), hs[0].Exact, hs[0].Typo
		return true
	})
	return hit
}

// subjectWithPhone finds a featured subject with a phone and an email.
func subjectWithPhone(t *testing.T, store *db.Store, actor model.Actor) model.Subject {
	t.Helper()
	for i := 1; i <= 14; i++ {
		s, err := store.Subject(context.Background(), actor, fmt.Sprintf("S-%06d", i))
		if err == nil && len(s.Phones) > 0 && len(s.Emails) > 0 {
			return s
		}
	}
	t.Fatal("no featured subject has a phone and an email")
	return model.Subject{}
}

func TestLookupE2E(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds an embedded database")
	}
	store, lee := seededStore(t)
	withPhone := subjectWithPhone(t, store, lee)

	t.Run("search", func(t *testing.T) {
		h := start(t, lookupApp(t, store, "lee"), 100, 30)
		openLookup(h)

		searchFor(h, "jose nunex")
		if hit := firstHit(h); hit.name != "José Núñez" || !hit.typo || hit.field != "name" {
			t.Fatalf("partial name with a typo: first hit %+v", hit)
		}
		screen := ansi.Strip(h.screen())
		if !strings.Contains(screen, "≈") || !strings.Contains(screen, "José Núñe") {
			t.Fatalf("typo match not shown as one, or matched characters masked:\n%s", screen)
		}

		p := withPhone.Phones[0]
		for _, typed := range []string{
			fmt.Sprintf("(%s) %s-%s", p[:3], p[3:6], p[6:]),
			fmt.Sprintf("+1 %s.%s.%s", p[:3], p[3:6], p[6:]),
		} {
			searchFor(h, typed)
			if hit := firstHit(h); hit.id != withPhone.ID || !hit.exact || hit.field != "phone" {
				t.Fatalf("phone %q: first hit %+v, want %s", typed, hit, withPhone.ID)
			}
		}
		// Typing part of a number shows only that part of any phone.
		searchFor(h, p[6:])
		screen = ansi.Strip(h.screen())
		if strings.Contains(screen, p[:6]) || !strings.Contains(screen, "•••") {
			t.Fatalf("the list shows more of a phone than was typed:\n%s", screen)
		}

		searchFor(h, strings.ToUpper(withPhone.Emails[0]))
		if hit := firstHit(h); hit.id != withPhone.ID || !hit.exact || hit.field != "email" {
			t.Fatalf("upper-case email: first hit %+v, want %s", hit, withPhone.ID)
		}

		ids := searchFor(h, "小明")
		if hit := firstHit(h); hit.name != "王小明" || !strings.Contains(strings.Join(ids, ","), "S-000003") {
			t.Fatalf("CJK name: first hit %+v, all %v", hit, ids)
		}
		screen = h.screen()
		checkFits(t, screen, 100, 30)
		if !strings.Contains(ansi.Strip(screen), "王小明") {
			t.Fatalf("CJK name not shown with its typed characters:\n%s", ansi.Strip(screen))
		}

		// A request id jumps to its subject.
		r, err := store.Request(context.Background(), lee, "R-2026-00001")
		if err != nil {
			t.Fatal(err)
		}
		searchFor(h, "r-2026-00001")
		screen = h.waitFor("the request's subject", func(a *App) bool {
			hs := a.lookup().hits()
			return len(hs) > 0 && hs[0].ID == r.SubjectID && hs[0].Exact
		})
		// It says it was found by the request's id, not by a subject id.
		if s := ansi.Strip(screen); !strings.Contains(s, "exact request id at the top") || !strings.Contains(s, "= request R-2026-00001") {
			t.Errorf("the request-id hit is not labelled as one:\n%s", s)
		}
	})

	t.Run("hostile", func(t *testing.T) {
		h := start(t, lookupApp(t, store, "lee"), 80, 24)
		openLookup(h)
		for _, q := range []string{"mallory", "eve red", "wipe", "clip"} {
			if ids := searchFor(h, q); len(ids) == 0 {
				t.Fatalf("%q found no hostile subject", q)
			}
			screen := h.screen()
			assertSafe(t, screen)
			checkFits(t, screen, 80, 24)
		}
		// Hostile subjects' details; their hostile record values are
		// masked, so reveal one and look at it on screen.
		searchFor(h, "mallory")
		var n int
		h.waitFor("hits", func(a *App) bool { n = len(a.lookup().hits()); return true })
		revealed := false
		for i := 0; i < n && !revealed; i++ {
			h.press("enter")
			h.waitFor("subject", func(a *App) bool { s := a.subject(); return s != nil && s.sub != nil && !s.loading })
			screen := h.screen()
			assertSafe(t, screen)
			checkFits(t, screen, 80, 24)
			idx := -1
			h.waitFor("items", func(a *App) bool {
				for j, it := range a.subject().items {
					hostileUA := it.label == "user_agent" && strings.HasSuffix(it.ref.RecordID, "-1") // the generator puts it in the first visit
					if hostileUA || it.label == "statement" {
						idx = j
						return true
					}
				}
				return true
			})
			if idx >= 0 {
				for range idx {
					h.press("down")
				}
				h.waitFor("cursor", func(a *App) bool { return a.subject().cur == idx })
				h.press("R")
				h.waitFor("prompt", func(a *App) bool { return a.subject().asking })
				h.typ("checking a hostile value")
				h.press("enter")
				var value string
				screen = h.waitFor("revealed", func(a *App) bool {
					if r := a.subject().revealed; r != nil {
						value = r.value
						return true
					}
					return false
				})
				if !slices.Contains(demo.HostileStrings(), value) {
					t.Fatalf("revealed %q, not one of the hostile strings", value)
				}
				assertSafe(t, screen)
				checkFits(t, screen, 80, 24)
				revealed = true
			}
			h.press("esc")
			h.waitFor("back", func(a *App) bool { return len(a.stack) == 0 })
			h.press("esc", "down", "/")
		}
		if !revealed {
			t.Fatal("no hostile subject had a hostile record to reveal")
		}
	})

	t.Run("records", func(t *testing.T) {
		h := start(t, lookupApp(t, store, "lee"), 100, 30)
		openLookup(h)
		searchFor(h, "S-000033")
		h.press("enter")
		h.waitFor("the subject", func(a *App) bool { s := a.subject(); return s != nil && s.sub != nil && !s.loading })
		colls := map[string]bool{}
		var raw []string
		h.waitFor("records", func(a *App) bool {
			for _, r := range a.subject().recs {
				colls[r.Collection] = true
				raw = append(raw, r.RecordID)
			}
			return true
		})
		if len(colls) < 4 {
			t.Fatalf("records from %d collections, want at least 4", len(colls))
		}
		// Read the stored values and make sure none reaches the screen.
		var secrets []string
		for _, c := range []string{"job_applications", "hr_records"} {
			var doc bson.M
			if err := store.Conn().DB.Collection(c).FindOne(context.Background(), bson.D{{Key: "subject_id", Value: "S-000033"}}).Decode(&doc); err != nil {
				t.Fatal(err)
			}
			secrets = append(secrets, doc["ssn"].(string))
		}
		sub, _ := store.Subject(context.Background(), lee, "S-000033")
		secrets = append(secrets, sub.Emails...)
		var all strings.Builder
		for range 12 {
			screen := ansi.Strip(h.screen())
			all.WriteString(screen)
			h.press("pgdown")
		}
		text := all.String()
		for c := range colls {
			if !strings.Contains(text, c) {
				t.Errorf("collection %s not shown", c)
			}
		}
		for _, s := range secrets {
			if strings.Contains(text, s) {
				t.Errorf("unmasked value %q on screen", s)
			}
		}
		for _, want := range []string{"•••-••-", "legal hold H-OAK-1", "kept "} {
			if !strings.Contains(text, want) {
				t.Errorf("subject detail lacks %q", want)
			}
		}
	})

	t.Run("support reveal refused", func(t *testing.T) {
		h := start(t, lookupApp(t, store, "sam"), 100, 30)
		openLookup(h)
		searchFor(h, "S-000033")
		h.press("enter")
		h.waitFor("the subject", func(a *App) bool { s := a.subject(); return s != nil && s.sub != nil && !s.loading })
		h.press("R")
		screen := h.waitFor("the refusal", func(a *App) bool { return a.statusErr && strings.Contains(a.status, "not revealed") })
		if !strings.Contains(ansi.Strip(screen), "cannot reveal personal data") {
			t.Fatalf("refusal does not say why:\n%s", ansi.Strip(screen))
		}
		if s := h.waitFor("no prompt", func(a *App) bool { return !a.subject().asking && a.subject().revealed == nil }); strings.Contains(s, "reason:") {
			t.Fatal("support was asked for a reason")
		}
		ev := lastEvent(t, store, lee)
		if ev.Action != db.ActionReveal || ev.Outcome != model.OutcomeRefused || ev.Actor != "sam" || ev.Target != "subject:S-000033" {
			t.Fatalf("refusal not audited: %+v", ev.AuditEvent)
		}
	})

	t.Run("log a request for the subject", func(t *testing.T) {
		h := start(t, lookupApp(t, store, "sam"), 100, 30)
		openLookup(h)
		searchFor(h, "S-000033")
		h.press("enter")
		var subj model.Subject
		h.waitFor("the subject", func(a *App) bool {
			s := a.subject()
			if s != nil && s.sub != nil && !s.loading {
				subj = *s.sub
				return true
			}
			return false
		})
		h.press("n")
		screen := ansi.Strip(h.waitFor("log form", formOpen("Log a new request")))
		if !strings.Contains(screen, "about subject S-000033") {
			t.Fatalf("the form does not say whom the request is about:\n%s", screen)
		}
		var form *newRequestPane
		h.waitFor("form fields", func(a *App) bool { form, _ = a.stack[len(a.stack)-1].(*newRequestPane); return form != nil })
		h.waitFor("no subject questions, one tenant", func(a *App) bool {
			f := form.form
			return f.field("subject") == nil && f.field("sname") == nil && len(f.field("tenant").options) == 1 && f.value("tenant") == subj.TenantID
		})
		h.choose("type", string(model.TypeAccess))
		h.fill("name", "Someone Asking")
		h.press("ctrl+s")
		var got model.Request
		h.waitFor("logged", func(a *App) bool {
			if form.result != nil {
				got = form.result.req
			}
			return form.result != nil
		})
		stored, err := store.Request(context.Background(), lee, got.ID)
		if err != nil {
			t.Fatal(err)
		}
		if stored.SubjectID != subj.ID || stored.TenantID != subj.TenantID || stored.Requester.Name != "Someone Asking" {
			t.Fatalf("logged %s for subject %q in %q by %q; want subject %s in %s", stored.ID, stored.SubjectID, stored.TenantID, stored.Requester.Name, subj.ID, subj.TenantID)
		}
	})

	t.Run("lead reveal", func(t *testing.T) {
		h := start(t, lookupApp(t, store, "lee"), 100, 30)
		openLookup(h)
		searchFor(h, "S-000033")
		h.press("enter")
		h.waitFor("the subject", func(a *App) bool { s := a.subject(); return s != nil && s.sub != nil && !s.loading })
		var idx int
		var ref model.FieldRef
		h.waitFor("an ssn", func(a *App) bool {
			for i, it := range a.subject().items {
				if it.label == "ssn" {
					idx, ref = i, it.ref
					return true
				}
			}
			return false
		})
		var doc bson.M
		if err := store.Conn().DB.Collection(ref.Collection).FindOne(context.Background(), bson.D{{Key: "_id", Value: ref.RecordID}}).Decode(&doc); err != nil {
			t.Fatal(err)
		}
		ssn := doc["ssn"].(string)
		for range idx {
			h.press("down")
		}
		h.waitFor("cursor on the ssn", func(a *App) bool { return a.subject().cur == idx })
		before := lastEvent(t, store, lee).Seq

		h.press("R")
		h.waitFor("the reason prompt", func(a *App) bool { return a.subject().asking })
		h.press("enter")
		h.waitFor("a reason demanded", func(a *App) bool {
			return a.statusErr && strings.Contains(a.status, "needs a reason") && a.subject().asking
		})
		if got := lastEvent(t, store, lee).Seq; got != before {
			t.Fatal("an empty reason reached the audit record")
		}
		// One character states nothing: asked again, nothing audited.
		h.typ("x")
		h.press("enter")
		h.waitFor("a real reason demanded", func(a *App) bool {
			return a.statusErr && strings.Contains(a.status, "at least 10") && a.subject().asking
		})
		if got := lastEvent(t, store, lee).Seq; got != before {
			t.Fatal("a one-character reason reached the audit record")
		}
		h.press("backspace")
		h.typ("subpoena H-OAK-1 response")
		h.press("enter")
		screen := h.waitFor("the value", func(a *App) bool { return a.subject().revealed != nil })
		screen = h.waitFor("the value on screen", func(a *App) bool { return strings.Contains(ansi.Strip(a.View().Content), ssn) })
		assertSafe(t, screen)
		h.waitFor("the value hidden again", func(a *App) bool {
			return a.subject().revealed == nil && !strings.Contains(ansi.Strip(a.View().Content), ssn)
		})
		ev := lastEvent(t, store, lee)
		if ev.Action != db.ActionReveal || ev.Outcome != model.OutcomeOK || ev.Actor != "lee" || ev.Reason != "subpoena H-OAK-1 response" ||
			!strings.Contains(ev.Detail, ref.RecordID+" ssn") || strings.Contains(ev.Detail+ev.Reason, ssn) {
			t.Fatalf("reveal audit: %+v", ev.AuditEvent)
		}
	})

	t.Run("fresh", func(t *testing.T) {
		h := start(t, lookupApp(t, store, "lee"), 100, 30)
		openLookup(h)
		if ids := searchFor(h, "zebulon"); len(ids) != 0 {
			t.Fatalf("found %v before the change", ids)
		}
		// Another console renames a subject (subject writes set updated_at).
		if _, err := store.Conn().DB.Collection("subjects").UpdateOne(context.Background(), bson.D{{Key: "_id", Value: "S-000010"}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "name", Value: "Zebulon Quartz"}, {Key: "updated_at", Value: e2eNow().Add(time.Second)}, {Key: "version", Value: 2}}}}); err != nil {
			t.Fatal(err)
		}
		h.press("ctrl+r")
		h.waitFor("the poll", func(a *App) bool { v, _ := a.lookup().dir.Version("S-000010"); return v == 2 })
		searchFor(h, "zebulon")
		if hit := firstHit(h); hit.id != "S-000010" {
			t.Fatalf("renamed subject: %+v", hit)
		}
	})
}

func lastEvent(t *testing.T, store *db.Store, actor model.Actor) db.AuditRecord {
	t.Helper()
	page, err := store.AuditPage(context.Background(), actor, 0, 1)
	if err != nil || len(page) != 1 {
		t.Fatalf("audit page: %v", err)
	}
	return page[0]
}
