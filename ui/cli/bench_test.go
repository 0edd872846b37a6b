package cli_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/custodian-dev/custodian/db"
	"github.com/custodian-dev/custodian/db/dbtest"
	"github.com/custodian-dev/custodian/model"
	"github.com/custodian-dev/custodian/ui/cli"
)

// importFile is n lines over the demo tenants: a third name their subject
// by email (same_as_requester), a third give a subject's phone as typed and
// are linked by it, a third are people with no account.
func importFile(b *testing.B, ctx context.Context, conn *db.Conn, n int) string {
	b.Helper()
	cur, err := conn.DB.Collection("subjects").Find(ctx, bson.D{})
	if err != nil {
		b.Fatal(err)
	}
	var subs []model.Subject
	if err := cur.All(ctx, &subs); err != nil {
		b.Fatal(err)
	}
	var withEmail, withPhone []model.Subject
	for _, s := range subs {
		if s.Status != model.AccountActive {
			continue
		}
		if len(s.Emails) > 0 {
			withEmail = append(withEmail, s)
		}
		if len(s.Phones) > 0 {
			withPhone = append(withPhone, s)
		}
	}
	types := []string{"access", "deletion", "opt_out"}
	var sb strings.Builder
	for i := range n {
		line := map[string]any{"external_ref": fmt.Sprintf("bench-%06d", i), "type": types[i%3], "channel": "web", "received": "2026-11-02"}
		switch i % 3 {
		case 0:
			s := withEmail[i%len(withEmail)]
			line["tenant"], line["same_as_requester"] = s.TenantID, true
			line["requester"] = map[string]string{"name": s.Name, "email": strings.ToUpper(s.Emails[0])}
		case 1:
			s := withPhone[i%len(withPhone)]
			p := s.Phones[0]
			line["tenant"] = s.TenantID
			line["requester"] = map[string]string{"name": "Caller", "phone": "(" + p[:3] + ") " + p[3:6] + "-" + p[6:]}
		default:
			line["tenant"] = "oakridge-ca"
			line["requester"] = map[string]string{"name": fmt.Sprintf("New Person %d", i), "email": fmt.Sprintf("new%d@example.org", i)}
		}
		raw, _ := json.Marshal(line)
		sb.Write(raw)
		sb.WriteByte('\n')
	}
	return sb.String()
}

// seededImport is a store on the embedded database holding the default demo
// dataset (12 tenants, 3,000 subjects, 400 requests), a support operator,
// and an import file of n lines for it.
func seededImport(b *testing.B, n int) (context.Context, *db.Store, model.Actor, string) {
	b.Helper()
	ctx := context.Background()
	conn := dbtest.New(b)
	clock := model.FixedClock{T: now}
	store, err := db.NewStore(conn, db.StoreOptions{Clock: clock})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := db.Seed(ctx, store, db.SeedOptions{Clock: clock}); err != nil {
		b.Fatal(err)
	}
	op, err := store.Operator(ctx, "sam")
	if err != nil {
		b.Fatal(err)
	}
	return ctx, store, model.Actor{Operator: op, Origin: "import"}, importFile(b, ctx, conn, n)
}

// BenchmarkImport1000 imports 1,000 new lines into the demo dataset
// ("new": a fresh database each run), and imports an already imported
// file again ("again": every line already present, nothing written).
func BenchmarkImport1000(b *testing.B) {
	const n = 1000
	opts := cli.ImportOptions{Clock: model.FixedClock{T: now}, SkipInvalid: true}
	check := func(b *testing.B, rep cli.ImportReport, err error, wantImported int) {
		b.Helper()
		if err != nil || len(rep.Failed) > 0 || rep.Imported+rep.Present+len(rep.Invalid) != n || rep.Imported < wantImported {
			b.Fatalf("%+v %v", rep, err)
		}
	}
	b.Run("new", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			ctx, store, actor, file := seededImport(b, n)
			b.StartTimer()
			rep, err := cli.Import(ctx, store, actor, strings.NewReader(file), opts)
			b.StopTimer()
			check(b, rep, err, n*9/10)
			b.StartTimer()
		}
		b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "lines/s")
	})
	b.Run("again", func(b *testing.B) {
		ctx, store, actor, file := seededImport(b, n)
		rep, err := cli.Import(ctx, store, actor, strings.NewReader(file), opts)
		check(b, rep, err, n*9/10)
		for b.Loop() {
			rep, err := cli.Import(ctx, store, actor, strings.NewReader(file), opts)
			check(b, rep, err, 0)
			if rep.Imported != 0 {
				b.Fatalf("re-import wrote %d requests", rep.Imported)
			}
		}
		b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "lines/s")
	})
}
