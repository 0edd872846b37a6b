package db_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/custodian-dev/custodian/db"
	"github.com/custodian-dev/custodian/model"
)

func streamIDs(t *testing.T, f *fixture, who model.Actor, tenant string) ([]string, [][2]int, error) {
	t.Helper()
	var ids []string
	var prog [][2]int
	err := f.s.SubjectDirectory(f.ctx, who, tenant, time.Time{}, func(b []model.Subject) error {
		for _, s := range b {
			ids = append(ids, s.ID)
		}
		return nil
	}, func(done, total int) { prog = append(prog, [2]int{done, total}) })
	slices.Sort(ids)
	return ids, prog, err
}

func TestSubjectDirectory(t *testing.T) {
	f := newFixture(t)
	ids, prog, err := streamIDs(t, f, f.support, "")
	if err != nil || !slices.Equal(ids, []string{"sa1", "sb1"}) {
		t.Fatalf("all tenants: %v %v", ids, err)
	}
	// The embedded database streams without a total (counting is a scan);
	// any other server counts first.
	total := 2
	if f.conn.Embedded {
		total = -1
	}
	if last := prog[len(prog)-1]; last != [2]int{2, total} || prog[0] != [2]int{0, total} {
		t.Fatalf("progress %v", prog)
	}
	if ids, _, err := streamIDs(t, f, f.support, "tb"); err != nil || !slices.Equal(ids, []string{"sb1"}) {
		t.Fatalf("one tenant: %v %v", ids, err)
	}
	if ids, _, err := streamIDs(t, f, f.scopedA, ""); err != nil || !slices.Equal(ids, []string{"sa1"}) {
		t.Fatalf("scoped operator saw %v %v", ids, err)
	}
	if _, _, err := streamIDs(t, f, f.scopedA, "tb"); !errors.Is(err, db.ErrNotFound) {
		t.Fatalf("another tenant's directory: %v", err)
	}
	if ev := f.lastAudit(); ev.Outcome != model.OutcomeRefused || ev.Actor != "sia" {
		t.Fatalf("out-of-scope directory not audited: %+v", ev.AuditEvent)
	}
}

// TestSubjectDirectoryChangedSince is the freshness poll: only subjects
// written since the mark come back.
func TestSubjectDirectoryChangedSince(t *testing.T) {
	f := newFixture(t)
	mark := f.clock.Now().UTC().Truncate(time.Millisecond)
	if _, err := f.conn.DB.Collection("subjects").UpdateOne(f.ctx, bson.D{{Key: "_id", Value: "sb1"}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "name", Value: "Bo Renamed"}, {Key: "updated_at", Value: mark.Add(time.Second)}, {Key: "version", Value: 2}}}}); err != nil {
		t.Fatal(err)
	}
	var got []model.Subject
	err := f.s.SubjectDirectory(f.ctx, f.support, "", mark, func(b []model.Subject) error {
		got = append(got, b...)
		return nil
	}, nil)
	if err != nil || len(got) != 1 || got[0].ID != "sb1" || got[0].Name != "Bo Renamed" || got[0].Version != 2 {
		t.Fatalf("changed since: %+v %v", got, err)
	}
}

func TestSubjectDirectoryStops(t *testing.T) {
	f := newFixture(t)
	stop := errors.New("enough")
	if err := f.s.SubjectDirectory(f.ctx, f.support, "", time.Time{}, func([]model.Subject) error { return stop }, nil); !errors.Is(err, stop) {
		t.Fatalf("batch error: %v", err)
	}
	ctx, cancel := context.WithCancel(f.ctx)
	cancel()
	if err := f.s.SubjectDirectory(ctx, f.support, "", time.Time{}, func([]model.Subject) error { return nil }, nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
}

func TestOpenRequestCounts(t *testing.T) {
	f := newFixture(t)
	f.create("R-1", "ta")
	f.create("R-2", "ta")
	f.create("R-3", "tb")
	got, err := f.s.OpenRequestCounts(f.ctx, f.support, "")
	if err != nil || got["sa1"] != 2 || got["sb1"] != 1 {
		t.Fatalf("counts %v %v", got, err)
	}
	if got, err := f.s.OpenRequestCounts(f.ctx, f.scopedA, ""); err != nil || got["sb1"] != 0 || got["sa1"] != 2 {
		t.Fatalf("scoped counts %v %v", got, err)
	}
	if _, err := f.s.OpenRequestCounts(f.ctx, f.scopedA, "tb"); !errors.Is(err, db.ErrNotFound) {
		t.Fatalf("another tenant's counts: %v", err)
	}
}
