package db_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/custodian-dev/custodian/db"
	"github.com/custodian-dev/custodian/model"
)

// An entry reaches the chain when its write lands or is drained, not when it
// happened, so event dates are not in seq order. A since: filter bounded by
// the day marks must still return exactly what the in-memory rule returns,
// before and after the marks cover the chain.
func TestAuditSinceBoundedByDayMarks(t *testing.T) {
	f := newFixture(t)
	day := func(d int) time.Time { return time.Date(2026, 3, d, 12, 0, 0, 0, time.UTC) }
	// Days 1..10 in order, with a day-9 entry appended early (a clock
	// ahead) and a day-2 entry appended last (a claim drained at the
	// next start).
	order := []int{1, 2, 9, 3, 4, 5, 6, 7, 8, 9, 10, 2}
	for i, d := range order {
		ev := model.AuditEvent{ID: fmt.Sprintf("day-%d-%d", d, i), At: day(d), Actor: "sam", Role: model.RoleSupport,
			Origin: "test", Action: "note", Target: fmt.Sprintf("request:R-%d", i), Outcome: model.OutcomeOK}
		if _, err := f.s.AppendAudit(f.ctx, ev); err != nil {
			t.Fatal(err)
		}
	}
	all := f.allAudit()
	slices.Reverse(all)

	check := func(t *testing.T, wantBounded bool) {
		t.Helper()
		for d := 1; d <= 11; d++ {
			flt := model.AuditFilter{Since: day(d).Add(-time.Hour)}
			var want []int64
			lowest := int64(-1)
			for _, r := range all {
				if flt.Matches(r.AuditEvent) {
					want = append(want, r.Seq)
					if lowest < 0 || r.Seq < lowest {
						lowest = r.Seq
					}
				}
			}
			got := seqs(walk(t, f, f.admin, flt, 3))
			if !slices.Equal(got, want) && !(len(got) == 0 && len(want) == 0) {
				t.Fatalf("since day %d: got %v, want %v", d, got, want)
			}
			floor, err := db.AuditSeqFloor(f.ctx, f.s, flt.Since)
			if err != nil {
				t.Fatal(err)
			}
			if !wantBounded {
				if floor != 0 {
					t.Fatalf("since day %d: floor %d while the marks do not cover the chain", d, floor)
				}
				continue
			}
			if lowest >= 0 && floor > lowest {
				t.Fatalf("since day %d: floor %d is above matching entry %d", d, floor, lowest)
			}
			if d == 8 && floor <= 3 {
				// Days 8..10 were appended from the 9th append on, bar the
				// early day-9 entry (the 3rd): the floor skips days 1..7.
				t.Fatalf("since day 8: floor %d does not bound the walk", floor)
			}
		}
	}
	t.Run("marked as appended", func(t *testing.T) { check(t, true) })

	// A chain from before the marks: no bound until migrate marks it.
	meta := f.conn.DB.Collection("meta")
	if _, err := meta.DeleteMany(f.ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$regex", Value: "^audit[-_]day"}}}}); err != nil {
		t.Fatal(err)
	}
	if n, err := meta.CountDocuments(f.ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$regex", Value: "^audit[-_]day"}}}}); err != nil || n != 0 {
		t.Fatalf("marks left: %d %v", n, err)
	}
	restarted, err := db.NewStore(f.conn, db.StoreOptions{Clock: f.clock})
	if err != nil {
		t.Fatal(err)
	}
	f.s = restarted
	t.Run("unmarked chain", func(t *testing.T) { check(t, false) })
	if _, err := db.Migrate(f.ctx, f.conn.DB, true); err != nil {
		t.Fatal(err)
	}
	t.Run("after migrate", func(t *testing.T) { check(t, true) })
}
