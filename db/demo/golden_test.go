package demo_test

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/custodian-dev/custodian/db/demo"
	"github.com/custodian-dev/custodian/model"
)

var update = flag.Bool("update", false, "rewrite testdata/demo/summary.golden")

// goldenPath is in the repository's top-level testdata: tests may read it,
// only go:embed could not.
var goldenPath = filepath.Join("..", "..", "testdata", "demo", "summary.golden")

// summary describes the dataset in a form that diffs well: a change to the
// generator shows up in review as changed counts, not only a changed digest.
func summary(ds *demo.Dataset) string {
	var b strings.Builder
	p := func(format string, a ...any) { fmt.Fprintf(&b, format+"\n", a...) }
	counts := func(keys []string, count map[string]int) string {
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = fmt.Sprintf("%s=%d", k, count[k])
		}
		return strings.Join(parts, " ")
	}
	p("# The default demo dataset for a fixed clock. Regenerate with:")
	p("#   go test ./db/demo/ -run Golden -update")
	p("now %s", ds.Now.Format("2006-01-02T15:04:05Z07:00"))
	p("digest %s", ds.Digest())

	states := map[string]int{}
	var tids []string
	for _, t := range ds.Tenants {
		states[t.State]++
		tids = append(tids, t.ID)
	}
	var sk []string
	for s := range states {
		sk = append(sk, s)
	}
	slices.Sort(sk)
	p("tenants %d: %s", len(ds.Tenants), counts(sk, states))
	roles := map[string]int{}
	for _, o := range ds.Operators {
		roles[string(o.Role)]++
	}
	p("operators %d: %s", len(ds.Operators), counts([]string{"support", "lead", "engineer", "admin"}, roles))

	st := map[string]int{}
	perTenant := map[string]int{}
	children := 0
	for _, s := range ds.Subjects {
		st[string(s.Status)]++
		perTenant[s.TenantID]++
		if s.IsChild(ds.Now) {
			children++
		}
	}
	p("subjects %d: %s under14=%d", len(ds.Subjects), counts([]string{"active", "closed", "masked"}, st), children)
	p("subjects per tenant: %s", counts(tids, perTenant))
	rc := map[string]int{}
	for c, docs := range ds.Records {
		rc[c] = len(docs)
	}
	p("records %d: %s", ds.RecordCount(), counts(demo.Collections(), rc))

	byStatus, byType, byChannel, flags, open := map[string]int{}, map[string]int{}, map[string]int{}, map[string]int{}, map[string]int{}
	tenants := map[string]model.Tenant{}
	for _, t := range ds.Tenants {
		tenants[t.ID] = t
	}
	for _, r := range ds.Requests {
		byStatus[string(r.Status)]++
		byType[string(r.Type)]++
		byChannel[string(r.Channel)]++
		for _, f := range r.Flags {
			flags[string(f.Kind)]++
		}
		if !r.Status.Open() {
			continue
		}
		t := tenants[r.TenantID]
		d := model.ComputeDeadlines(r, t)
		switch left := model.DaysLeft(ds.Now, d.Next, t.Location()); {
		case model.Overdue(ds.Now, d.Next):
			open["overdue"]++
		case left <= 7:
			open["due_this_week"]++
		default:
			open["later"]++
		}
		if d.Extended {
			open["extended"]++
		}
	}
	var statuses, types, channels []string
	for _, s := range model.Statuses() {
		statuses = append(statuses, string(s))
	}
	for _, s := range model.RequestTypes() {
		types = append(types, string(s))
	}
	for _, s := range model.Channels() {
		channels = append(channels, string(s))
	}
	p("requests %d", len(ds.Requests))
	p("  status: %s", counts(statuses, byStatus))
	p("  type: %s", counts(types, byType))
	p("  channel: %s", counts(channels, byChannel))
	p("  flags: %s", counts([]string{"agent", "child", "exempt", "over_limit", "repetitive"}, flags))
	p("  open: %s", counts([]string{"overdue", "due_this_week", "later", "extended"}, open))
	return b.String()
}

func TestGolden(t *testing.T) {
	got := summary(gen(t, demo.Options{LocalUser: "tester", Clock: clock}))
	if *update {
		if err := os.WriteFile(goldenPath, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(goldenPath)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("the demo dataset changed; if that was intended, run go test ./db/demo/ -run Golden -update\n--- got\n%s\n--- want\n%s", got, want)
	}
}
