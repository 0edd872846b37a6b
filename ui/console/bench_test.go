package console

import (
	"fmt"
	"strings"
	"testing"

	"github.com/custodian-dev/custodian/keymap"
	"github.com/custodian-dev/custodian/model"
)

// benchPane is a queue pane holding n in-memory rows, sized like a big
// terminal, with the cursor in the middle of the list.
func benchPane(tb testing.TB, n int) *queuePane {
	tb.Helper()
	f := fixture(1000)
	// UTC tenants: building a million rows should not spend its time
	// reading the zoneinfo database.
	tenant := &model.Tenant{ID: "bench", Name: "Bench"}
	base := make([]row, len(f.reqs))
	for i, r := range f.reqs {
		s := f.subjects[r.SubjectID]
		base[i] = newRow(r, tenant, &s, testNow())
	}
	rows := make([]row, n)
	for i := range rows {
		rows[i] = base[i%len(base)]
		id := fmt.Sprintf("R-%07d", i)
		rows[i].key, rows[i].id = id, id
		rows[i].setCell(colID, id)
	}
	ctx := &Context{Theme: NewTheme(true, false), Keys: keymap.Default(), Clock: model.FixedClock{T: testNow()},
		QueueCap: n, PageSize: 500}
	p := newQueuePane(ctx)
	p.SetSize(200, 47)
	p.setRows(rows)
	p.move(n / 2)
	return p
}

func queueSizes() []int { return []int{1_000, 100_000, 1_000_000} }

// BenchmarkQueueView shows that drawing the queue costs the same whatever
// the number of rows: only the visible ones are rendered.
func BenchmarkQueueView(b *testing.B) {
	for _, n := range queueSizes() {
		b.Run(fmt.Sprintf("rows=%d", n), func(b *testing.B) {
			p := benchPane(b, n)
			if v := p.View(); strings.Count(v, "\n") != 46 {
				b.Fatalf("view has %d lines", strings.Count(v, "\n")+1)
			}
			b.ReportAllocs()
			for b.Loop() {
				_ = p.View()
			}
		})
	}
}

// BenchmarkQueueFilter is one keystroke of the live filter over every row:
// linear, unlike drawing, so it is measured rather than assumed.
func BenchmarkQueueFilter(b *testing.B) {
	for _, n := range queueSizes() {
		b.Run(fmt.Sprintf("rows=%d", n), func(b *testing.B) {
			p := benchPane(b, n)
			b.ReportAllocs()
			for b.Loop() {
				p.setQuery("awaiting")
				p.setQuery("")
			}
		})
	}
}
