package demo_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/custodian-dev/custodian/db/demo"
	"github.com/custodian-dev/custodian/db/demo/demotest"
	"github.com/custodian-dev/custodian/model"
)

var clock = model.FixedClock{T: time.Date(2026, 3, 10, 17, 30, 0, 0, time.UTC)}

func gen(t testing.TB, o demo.Options) *demo.Dataset {
	t.Helper()
	ds, err := demo.Generate(o)
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

func TestGenerateDefault(t *testing.T) {
	ds := gen(t, demo.Options{LocalUser: "tester", Clock: clock})
	demotest.Check(t, ds, demotest.Options{LocalUser: "tester"})
	t.Logf("%d tenants, %d subjects, %d records, %d requests, %d operators", len(ds.Tenants), len(ds.Subjects), ds.RecordCount(), len(ds.Requests), len(ds.Operators))
}

// The dataset is relative to the clock: any day of the year must give a
// coherent one (year ends, DST changes, leap days, holidays).
func TestGenerateAnyDay(t *testing.T) {
	for _, at := range []string{"2026-01-02T08:00:00Z", "2026-03-08T10:30:00Z", "2026-07-03T23:59:59Z", "2026-11-27T06:00:00Z",
		"2026-12-31T23:00:00Z", "2027-05-19T12:00:00Z", "2028-02-29T15:00:00Z"} {
		now, err := time.Parse(time.RFC3339, at)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(at[:10], func(t *testing.T) {
			o := demo.Options{Subjects: 600, Requests: 250, Clock: model.FixedClock{T: now}}
			demotest.Check(t, gen(t, o), demotest.Options{Subjects: 600, Requests: 250})
		})
	}
}

func TestGenerateDeterministic(t *testing.T) {
	a := gen(t, demo.Options{LocalUser: "tester", Clock: clock}).Digest()
	b := gen(t, demo.Options{LocalUser: "tester", Clock: clock}).Digest()
	if a != b {
		t.Fatalf("two runs with the same clock differ: %s vs %s", a, b)
	}
	later := gen(t, demo.Options{LocalUser: "tester", Clock: model.FixedClock{T: clock.T.Add(24 * time.Hour)}}).Digest()
	if later == a {
		t.Error("a different clock gave the same data: dates are not relative to it")
	}
	other := gen(t, demo.Options{LocalUser: "someone", Clock: clock}).Digest()
	if other == a {
		t.Error("the local user is not in the data")
	}
}

// Each subject has its own random stream: a smaller dataset is a prefix of a
// larger one, so a bug report about S-000042 means the same person at any size.
func TestSubjectsStableAcrossSizes(t *testing.T) {
	small := gen(t, demo.Options{Subjects: 100, Requests: 10, Clock: clock})
	big := gen(t, demo.Options{Subjects: 3000, Requests: 10, Clock: clock})
	for i, s := range small.Subjects {
		if b := big.Subjects[i]; b.ID != s.ID || b.Name != s.Name || b.Address != s.Address || b.BirthDate != s.BirthDate {
			t.Fatalf("subject %d differs: %+v vs %+v", i, s, b)
		}
	}
}

func TestGenerateOptions(t *testing.T) {
	for _, o := range []demo.Options{{Subjects: 10}, {Subjects: -1}, {Requests: -5}, {Subjects: demo.MaxSubjects + 1}, {Requests: demo.MaxRequests + 1}} {
		if _, err := demo.Generate(o); err == nil {
			t.Errorf("Generate(%+v) accepted", o)
		}
	}
	ds := gen(t, demo.Options{Subjects: demo.MinSubjects, Requests: 7, Clock: clock})
	if len(ds.Subjects) != demo.MinSubjects || len(ds.Requests) != 7 {
		t.Errorf("got %d subjects, %d requests", len(ds.Subjects), len(ds.Requests))
	}
}

func TestHostileStringsAreACopy(t *testing.T) {
	h := demo.HostileStrings()
	h[0] = "changed"
	if demo.HostileStrings()[0] == "changed" {
		t.Error("HostileStrings exposes its backing array")
	}
	for _, s := range h[1:] {
		if strings.Contains(s, "\u200d") || len(s) >= 5000 {
			continue // hostile to layout (width), not to the terminal
		}
		if model.CleanLine(s) == s {
			t.Errorf("%q is not hostile: CleanLine leaves it unchanged", s)
		}
	}
}

func TestLocalUserCollision(t *testing.T) {
	ds := gen(t, demo.Options{Subjects: 100, Requests: 50, LocalUser: "ada", Clock: clock})
	n := 0
	for _, op := range ds.Operators {
		if op.Handle == "ada" {
			n++
			if len(op.Keys) != 0 {
				t.Error("the local user got a derivable demo key")
			}
		}
	}
	if n != 1 {
		t.Errorf("ada appears %d times", n)
	}
}

func BenchmarkGenerate(b *testing.B) {
	for b.Loop() {
		gen(b, demo.Options{LocalUser: "tester", Clock: clock})
	}
}

// recorder collects what Check reports instead of failing the test.
type recorder struct {
	testing.TB
	errs []string
}

func (r *recorder) Helper()                   {}
func (r *recorder) Error(args ...any)         { r.errs = append(r.errs, fmt.Sprint(args...)) }
func (r *recorder) Errorf(f string, a ...any) { r.errs = append(r.errs, fmt.Sprintf(f, a...)) }

// Check must catch what it claims to check.
func TestCheckCatchesBreakage(t *testing.T) {
	o := demo.Options{Subjects: 600, Requests: 250, Clock: clock}
	mutations := map[string]func(ds *demo.Dataset){
		"over-limit flag dropped": func(ds *demo.Dataset) {
			for i, r := range ds.Requests {
				if r.HasFlag(model.FlagOverLimit) {
					ds.Requests[i].Flags = nil
					return
				}
			}
		},
		"due date off by a day": func(ds *demo.Dataset) { ds.Requests[7].DueAt = ds.Requests[7].DueAt.Add(24 * time.Hour) },
		"unmapped PI field": func(ds *demo.Dataset) {
			docs := ds.Records[demo.CollPayments]
			docs[0] = append(docs[0], bson.E{Key: "card_number", Value: "4111111111111111"})
		},
		"approval by support": func(ds *demo.Dataset) {
			for i, r := range ds.Requests {
				for k, ev := range r.History {
					if ev.Action == model.ActApprove {
						ds.Requests[i].History[k].Role = model.RoleSupport
						return
					}
				}
			}
		},
		"hostile string lost": func(ds *demo.Dataset) {
			for i, s := range ds.Subjects {
				if strings.Contains(s.Name, "\x1b]52;") {
					ds.Subjects[i].Name = "Harmless"
				}
			}
			for i := range ds.Requests {
				ds.Requests[i].Requester.Name, ds.Requests[i].Notes = "x", nil
			}
		},
		"phone with punctuation": func(ds *demo.Dataset) { ds.Subjects[20].Phones = []string{"(916) 555-0100"} },
		"invalid data map":       func(ds *demo.Dataset) { ds.DataMap[0].Fields[0].Category = "secret" },
	}
	for name, mutate := range mutations {
		t.Run(name, func(t *testing.T) {
			ds := gen(t, o)
			mutate(ds)
			rec := &recorder{TB: t}
			demotest.Check(rec, ds, demotest.Options{Subjects: 600, Requests: 250})
			if len(rec.errs) == 0 {
				t.Error("Check found nothing wrong")
			}
		})
	}
}

func TestLocalHandle(t *testing.T) {
	for in, want := range map[string]string{"ada": "ada", "Ada.Lovelace": "ada.lovelace", `CORP\J_Smith`: "j_smith", " root ": "root"} {
		if got, err := demo.LocalHandle(in); err != nil || got != want {
			t.Errorf("LocalHandle(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "john smith", "-x", "émile", strings.Repeat("a", 65), "a\x1b[31m"} {
		if got, err := demo.LocalHandle(in); err == nil {
			t.Errorf("LocalHandle(%q) = %q, want an error", in, got)
		}
	}
	ds := gen(t, demo.Options{Subjects: 100, Requests: 10, LocalUser: `CORP\Ada.Lovelace`, Clock: clock})
	if !slices.ContainsFunc(ds.Operators, func(o model.Operator) bool { return o.Handle == "ada.lovelace" && o.Role == model.RoleAdmin }) {
		t.Error("the local user is not an admin under its normalised handle")
	}
	if _, err := demo.Generate(demo.Options{LocalUser: "john smith"}); err == nil {
		t.Error("Generate accepted a local user that is not a valid handle")
	}
}
