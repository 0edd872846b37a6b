package console

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/custodian-dev/custodian/keymap"
	"github.com/custodian-dev/custodian/model"
)

// countingBackend counts full directory reads (changedSince zero).
type countingBackend struct {
	Backend
	full *atomic.Int32
}

func (b countingBackend) SubjectDirectory(ctx context.Context, actor model.Actor, tenantID string, since time.Time, batch func([]model.Subject) error, progress func(int, int)) error {
	if since.IsZero() {
		b.full.Add(1)
	}
	return b.Backend.SubjectDirectory(ctx, actor, tenantID, since, batch, progress)
}

// Two sessions of operators with different scopes share one directory,
// read from the database once: each finds only its own tenants' subjects,
// an exact id of the other's included, and a subject renamed after the
// build is found, by its tenant's session only, after the shared poll.
func TestSharedLookupScopesAndPoll(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds an embedded database")
	}
	store, _ := seededStore(t)
	ctx := context.Background()
	var subs []model.Subject
	cur, err := store.Conn().DB.Collection("subjects").Find(ctx, bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	if err := cur.All(ctx, &subs); err != nil {
		t.Fatal(err)
	}
	first := map[string]model.Subject{} // tenant -> one of its subjects
	var tenants []string
	for _, s := range subs {
		if _, ok := first[s.TenantID]; !ok {
			first[s.TenantID] = s
			tenants = append(tenants, s.TenantID)
		}
	}
	if len(tenants) < 2 {
		t.Fatal("the demo needs two tenants with subjects")
	}
	ta, tb := tenants[0], tenants[1]
	for _, op := range []model.Operator{
		{Handle: "ana", Name: "Ana", Role: model.RoleSupport, Tenants: []string{ta}},
		{Handle: "bo", Name: "Bo", Role: model.RoleSupport, Tenants: []string{tb}},
	} {
		if err := store.PutOperator(ctx, model.SystemActor("test"), op); err != nil {
			t.Fatal(err)
		}
	}
	var full atomic.Int32
	backend := countingBackend{Backend: store, full: &full}
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	shared := NewSharedLookup(runCtx, backend, model.SystemActor("lookup"), model.FixedClock{T: e2eNow()}, time.Hour, 0)
	session := func(handle string) *harness {
		op, err := store.Operator(ctx, handle)
		if err != nil {
			t.Fatal(err)
		}
		h := start(t, New(Config{Backend: backend, Actor: model.Actor{Operator: op, Origin: "test"}, Keys: keymap.Default(),
			Clock: model.FixedClock{T: e2eNow()}, NoColor: true, SharedLookup: shared}), 100, 30)
		h.loaded()
		for range len(h.panesOf()) {
			if h.activeTitle() == "Lookup" {
				break
			}
			h.press("tab")
		}
		h.waitFor("the shared directory", func(a *App) bool {
			lp := a.lookup()
			return a.isLookupActive() && lp.started && !lp.building
		})
		return h
	}
	ha, hb := session("ana"), session("bo")
	if n := full.Load(); n != 1 {
		t.Fatalf("two sessions read every subject %d times, want once", n)
	}
	tenantsOf := func(h *harness, q string) map[string]int {
		t.Helper()
		searchFor(h, q)
		out := map[string]int{}
		h.waitFor("the hits of "+q, func(a *App) bool {
			clear(out)
			for _, hit := range a.lookup().hits() {
				out[hit.TenantID]++
			}
			return true
		})
		return out
	}
	for _, c := range []struct {
		h    *harness
		mine string
	}{{ha, ta}, {hb, tb}} {
		got := tenantsOf(c.h, "a")
		if len(got) != 1 || got[c.mine] == 0 {
			t.Fatalf("a session scoped to %s finds subjects of %v", c.mine, got)
		}
	}
	if got := tenantsOf(ha, first[tb].ID); len(got) != 0 {
		t.Fatalf("%s's session found %s's subject %s by its id: %v", ta, tb, first[tb].ID, got)
	}
	if got := tenantsOf(hb, first[tb].ID); got[tb] == 0 {
		t.Fatalf("%s's own subject %s not found by its id", tb, first[tb].ID)
	}

	// Another console renames a subject of ta after the build.
	if _, err := store.Conn().DB.Collection("subjects").UpdateOne(ctx, bson.D{{Key: "_id", Value: first[ta].ID}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "name", Value: "Zebulon Quartz"}, {Key: "updated_at", Value: e2eNow().Add(time.Second)},
			{Key: "version", Value: first[ta].Version + 1}}}}); err != nil {
		t.Fatal(err)
	}
	if got := tenantsOf(ha, "zebulon"); len(got) != 0 {
		t.Fatalf("found before the poll: %v", got)
	}
	if changed, err := shared.Poll(ctx); err != nil || changed == 0 {
		t.Fatalf("poll: %d changed, %v", changed, err)
	}
	if got := tenantsOf(ha, "zebulon"); got[ta] != 1 {
		t.Fatalf("renamed subject after the poll: %v", got)
	}
	if got := tenantsOf(hb, "zebulon"); len(got) != 0 {
		t.Fatalf("%s's session found %s's renamed subject: %v", tb, ta, got)
	}
	if n := full.Load(); n != 1 {
		t.Fatalf("every subject was read %d times, want once (the poll reads changes only)", n)
	}
}
