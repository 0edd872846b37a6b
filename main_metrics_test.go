package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/custodian-dev/custodian/db/demo"
	"github.com/custodian-dev/custodian/model"
	"github.com/custodian-dev/custodian/ui/records"
)

// recount is this test's own count of one request type in one year, from
// the §7101 export alone.
type recount struct {
	Received, Whole, Part, Withdrawn, Open, Responded, Extensions int
	Denied                                                        map[string]int
	Days                                                          []int
	ResponseMet, ResponseOf                                       int
}

// The metrics report of the demo data matches a recomputation from the
// auditors' export (11 CCR §7102 figures from the §7101 records): every
// count per type, the months, the days to respond (median, mean and the
// histogram) and the response deadline, recomputed here with simple code
// from `audit export`, against `report metrics --json`.
func TestCLIReportMetricsMatchesExport(t *testing.T) {
	t.Setenv("CUSTODIAN_MONGO_URI", "")
	dir := filepath.Join(t.TempDir(), "data")
	if code, _, stderr := runCLI(t, "seed", "--data-dir", dir, "--subjects", "60", "--requests", "160"); code != 0 {
		t.Fatalf("seed: %s", stderr)
	}
	code, out, stderr := runCLI(t, "audit", "export", "--data-dir", dir, "--operator", "lee", "--since", "2000-01-01", "--until", "2100-12-31")
	if code != 0 {
		t.Fatalf("export: exit %d: %s", code, stderr)
	}
	// The tenants' zones, from the demo's own definitions: a year and a
	// day are the tenant's.
	ds, err := demo.Generate(demo.Options{Subjects: demo.MinSubjects, Requests: 1})
	if err != nil {
		t.Fatal(err)
	}
	zones := map[string]*time.Location{}
	for _, tn := range ds.Tenants {
		loc, err := time.LoadLocation(tn.TimeZone)
		if err != nil {
			t.Fatal(err)
		}
		zones[tn.ID] = loc
	}
	day := func(t time.Time, loc *time.Location) time.Time {
		y, m, d := t.In(loc).Date()
		return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	}

	counts := map[int]map[string]*recount{} // year → type → counts
	months := map[int]map[string][12]int{}
	bases := map[string]bool{}
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var rec records.Record
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatalf("not a JSON line: %q: %v", sc.Text(), err)
		}
		loc := zones[rec.TenantID]
		if loc == nil {
			t.Fatalf("record of unknown tenant %q", rec.TenantID)
		}
		y := rec.Received.In(loc).Year()
		if counts[y] == nil {
			counts[y], months[y] = map[string]*recount{}, map[string][12]int{}
		}
		for _, typ := range []string{rec.Type, "all"} {
			c := counts[y][typ]
			if c == nil {
				c = &recount{Denied: map[string]int{}}
				counts[y][typ] = c
			}
			c.Received++
			switch rec.Status {
			case "completed":
				if len(rec.Withheld) > 0 {
					c.Part++
				} else {
					c.Whole++
				}
			case "denied":
				c.Denied[rec.DenialBasis]++
				bases[rec.DenialBasis] = true
			case "withdrawn":
				c.Withdrawn++
			default:
				c.Open++
			}
			if rec.Extended != nil {
				c.Extensions++
			}
			if rec.Responded != nil && (rec.Status == "completed" || rec.Status == "denied") {
				c.Responded++
				d := int(day(*rec.Responded, loc).Sub(day(rec.Received, loc)).Hours() / 24)
				c.Days = append(c.Days, d)
				limit := 45
				if rec.Extended != nil {
					limit = 90
				}
				c.ResponseOf++
				if d <= limit {
					c.ResponseMet++
				}
			}
		}
		ms := months[y][rec.Type]
		ms[rec.Received.In(loc).Month()-1]++
		months[y][rec.Type] = ms
	}
	if len(counts) == 0 {
		t.Fatal("the export holds no records")
	}
	// The demo denies on every basis; a recount that never saw one would
	// compare nothing.
	for _, b := range model.DenialBases() {
		if !bases[string(b)] {
			t.Errorf("the demo export has no denial on basis %q", b)
		}
	}

	for y, byType := range counts {
		code, out, stderr := runCLI(t, "report", "metrics", "--data-dir", dir, "--operator", "lee", "--year", fmt.Sprint(y), "--json")
		if code != 0 {
			t.Fatalf("report metrics %d: exit %d: %s", y, code, stderr)
		}
		var m model.Metrics
		if err := json.Unmarshal([]byte(out), &m); err != nil {
			t.Fatalf("report metrics %d --json: %v\n%s", y, err, out)
		}
		all := append(slices.Clone(m.Types), m.Total)
		histogram := make([]int, 19)
		for _, tm := range all {
			want := byType[string(tm.Type)]
			if want == nil {
				want = &recount{Denied: map[string]int{}}
			}
			if tm.Type == "all" {
				for _, d := range want.Days {
					histogram[min(d/5, 18)]++
				}
			}
			sorted := slices.Clone(want.Days)
			slices.Sort(sorted)
			median, mean := 0.0, 0.0
			if n := len(sorted); n > 0 {
				sum := 0
				for _, d := range sorted {
					sum += d
				}
				mean = float64(int(float64(sum)/float64(n)*10+0.5)) / 10
				median = float64(sorted[(n-1)/2]+sorted[n/2]) / 2
			}
			denied := map[string]int{}
			for b, n := range tm.Denied {
				if n > 0 {
					denied[string(b)] = n
				}
			}
			got := []any{tm.Received, tm.CompliedWhole, tm.CompliedPart, denied, tm.Withdrawn, tm.Open, tm.Responded,
				tm.Extensions, tm.MedianDays, tm.MeanDays, tm.OnTime[model.OnTimeResponse]}
			exp := []any{want.Received, want.Whole, want.Part, want.Denied, want.Withdrawn, want.Open, want.Responded,
				want.Extensions, median, mean, model.Rate{Met: want.ResponseMet, Of: want.ResponseOf}}
			if !reflect.DeepEqual(got, exp) {
				t.Errorf("%d %s: report says\n  %v\nthe export says\n  %v\n(received, whole, part, denied, withdrawn, open, responded, extensions, median, mean, response on time)",
					y, tm.Type, got, exp)
			}
			if tm.Type == "all" {
				continue
			}
			for i, mc := range m.Months {
				if w := months[y][string(tm.Type)][i]; mc.ByType[tm.Type] != w {
					t.Errorf("%d %s %s: report %d, export %d", y, tm.Type, mc.Month, mc.ByType[tm.Type], w)
				}
			}
		}
		for i, b := range m.Days {
			if b.Count != histogram[i] {
				t.Errorf("%d days %d–%d: report %d, export %d", y, b.From, b.To, b.Count, histogram[i])
			}
		}
	}
}

// Support may not read the metrics: refused, with nothing on stdout; an
// unknown tenant and two output formats are bad input.
func TestCLIReportMetricsRefusesSupport(t *testing.T) {
	t.Setenv("CUSTODIAN_MONGO_URI", "")
	dir := filepath.Join(t.TempDir(), "data")
	if code, _, stderr := runCLI(t, "seed", "--data-dir", dir, "--subjects", "60", "--requests", "5"); code != 0 {
		t.Fatalf("seed: %s", stderr)
	}
	code, out, stderr := runCLI(t, "report", "metrics", "--data-dir", dir, "--operator", "sam", "--year", "2026")
	if code == 0 || out != "" || !strings.Contains(stderr, "need a privacy lead or an admin") {
		t.Fatalf("support: exit %d, stdout %q, stderr %q", code, out, stderr)
	}
	code, out, stderr = runCLI(t, "report", "metrics", "--data-dir", dir, "--operator", "lee", "--tenant", "nowhere")
	if code != exitBadInput || out != "" || !strings.Contains(stderr, `no tenant "nowhere"`) {
		t.Fatalf("unknown tenant: exit %d, stdout %q, stderr %q", code, out, stderr)
	}
	code, out, stderr = runCLI(t, "report", "metrics", "--data-dir", dir, "--json", "--csv")
	if code != exitBadInput || out != "" || !strings.Contains(stderr, "choose one of --json and --csv") {
		t.Fatalf("--json --csv: exit %d, stdout %q, stderr %q", code, out, stderr)
	}
}
