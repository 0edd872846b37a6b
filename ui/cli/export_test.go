package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/custodian-dev/custodian/db/demo"
	"github.com/custodian-dev/custodian/model"
	"github.com/custodian-dev/custodian/ui/records"
)

// fakeSource serves requests from memory and records what was audited.
type fakeSource struct {
	reqs    []model.Request
	failAt  int // fail the walk after this many requests (0: never)
	audited []string
	tenants []string
}

func (f *fakeSource) RequestRecords(ctx context.Context, _ model.Actor, flt model.RecordFilter, fn func(model.Request) error) error {
	for i, r := range f.reqs {
		if f.failAt > 0 && i == f.failAt {
			return errors.New("connection lost")
		}
		if r.ReceivedAt.Before(flt.Since) || !r.ReceivedAt.Before(flt.Until) || flt.TenantID != "" && r.TenantID != flt.TenantID {
			continue
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	return ctx.Err()
}

func (f *fakeSource) RecordExport(_ context.Context, _ model.Actor, _ model.RecordFilter, n int, dest string) error {
	f.audited = append(f.audited, dest)
	return nil
}

func (f *fakeSource) Tenant(_ context.Context, _ model.Actor, id string) (model.Tenant, error) {
	for _, t := range f.tenants {
		if t == id {
			return model.Tenant{ID: id}, nil
		}
	}
	return model.Tenant{}, errors.New("not found")
}

func hostileSource() *fakeSource {
	f := &fakeSource{tenants: []string{"oak"}}
	at := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	for i, h := range demo.HostileStrings() {
		resp := at.Add(48 * time.Hour)
		f.reqs = append(f.reqs, model.Request{
			ID: "R-" + string(rune('a'+i)), TenantID: "oak", Type: model.TypeDeletion, Channel: model.ChannelWeb,
			Status: model.StatusDenied, ReceivedAt: at.Add(time.Duration(i) * time.Hour), RespondedAt: &resp,
			Outcome: "denied", DenialReason: h,
			Decision: &model.Decision{Outcome: model.DecisionDenied, Reason: h},
		})
	}
	return f
}

// assertTerminalSafe fails if printing b could make a terminal do anything
// but show text: no control bytes but the line ends, no C1, DEL, bidi or
// invisible format runes, valid UTF-8.
func assertTerminalSafe(t *testing.T, b []byte) {
	t.Helper()
	if !utf8.Valid(b) {
		t.Fatal("export is not valid UTF-8")
	}
	for i, r := range string(b) {
		if r != '\n' && model.UnsafeRune(r) {
			t.Fatalf("unsafe rune U+%04X at byte %d: %q", r, i, b[max(0, i-20):min(len(b), i+20)])
		}
	}
}

func TestExportOfHostileTextIsSafeAndExact(t *testing.T) {
	src := hostileSource()
	var out bytes.Buffer
	f := model.RecordFilter{Since: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Until: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)}
	n, err := records.ExportToWriter(context.Background(), src, model.Actor{}, f, &out, "stdout")
	if err != nil || n != len(src.reqs) {
		t.Fatalf("exported %d of %d: %v", n, len(src.reqs), err)
	}
	assertTerminalSafe(t, out.Bytes())
	sc := bufio.NewScanner(&out)
	sc.Buffer(nil, 1<<20)
	i := 0
	for sc.Scan() {
		var rec records.Record
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatalf("line %d is not JSON: %v", i+1, err)
		}
		// The auditor gets what was stored, byte for byte (valid UTF-8 in).
		if want := src.reqs[i].DenialReason; rec.DenialReason != want || rec.CustomerDenialReason != want {
			t.Errorf("line %d: denial reason %q, want %q", i+1, rec.DenialReason, want)
		}
		if rec.Responded == nil || rec.Outcome != "denied" || rec.Type != "deletion" || rec.Channel != "web" || rec.TenantID != "oak" {
			t.Errorf("line %d lacks the record's fields: %+v", i+1, rec)
		}
		i++
	}
	if i != len(src.reqs) {
		t.Fatalf("%d lines, want %d", i, len(src.reqs))
	}
	if len(src.audited) != 1 || src.audited[0] != "stdout" {
		t.Errorf("export audited as %v, want once to stdout", src.audited)
	}
}

func TestExportRecordOfOpenRequestHasNullResponse(t *testing.T) {
	line, err := records.MarshalLine(records.RecordOf(model.Request{ID: "R-1", TenantID: "oak", Type: model.TypeAccess, Channel: model.ChannelMail,
		Status: model.StatusVerifying, ReceivedAt: time.Date(2026, 2, 3, 4, 5, 6, 0, time.FixedZone("PST", -8*3600))}))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"request_id":"R-1","tenant_id":"oak","received":"2026-02-03T12:05:06Z","type":"access","channel":"mail","status":"verifying",` +
		`"acknowledged":null,"responded":null,"outcome":"","denial_reason":"","customer_decision":"","customer_denial_reason":"","extended":null,"extension_reason":"","withheld":[]}` + "\n"
	if string(line) != want {
		t.Fatalf("got  %s\nwant %s", line, want)
	}
}

func TestExportToFileIsAllOrNothing(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "records.jsonl")
	if err := os.WriteFile(path, []byte("earlier export\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	f := model.RecordFilter{Since: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Until: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)}

	failing := hostileSource()
	failing.failAt = 5
	if _, err := records.ExportToFile(context.Background(), failing, model.Actor{}, f, path); err == nil {
		t.Fatal("a failed walk reported success")
	}
	if b, _ := os.ReadFile(path); string(b) != "earlier export\n" {
		t.Fatalf("a failed export changed the earlier file: %q", b)
	}
	if len(failing.audited) != 0 {
		t.Errorf("a failed export was audited: %v", failing.audited)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := records.ExportToFile(ctx, hostileSource(), model.Actor{}, f, path); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled export: %v", err)
	}

	ok := hostileSource()
	n, err := records.ExportToFile(context.Background(), ok, model.Actor{}, f, path)
	if err != nil || n != len(ok.reqs) {
		t.Fatalf("export: %d, %v", n, err)
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("export file mode %v, %v; want 0600", st.Mode(), err)
	}
	b, _ := os.ReadFile(path)
	if got := strings.Count(string(b), "\n"); got != n {
		t.Fatalf("file has %d lines, want %d", got, n)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("temporary files left behind: %v", entries)
	}
}

func TestParseExportFlags(t *testing.T) {
	dir := t.TempDir()
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	cases := []struct {
		name    string
		fl      ExportFlags
		want    ExportPlan
		wantErr string
	}{
		{"days, until included", ExportFlags{Since: "2026-01-01", Until: "2026-06-30"},
			ExportPlan{Filter: model.RecordFilter{Since: day(2026, 1, 1), Until: day(2026, 7, 1)}}, ""},
		{"one day", ExportFlags{Since: "2026-03-04", Until: "2026-03-04", Tenant: " oak "},
			ExportPlan{Filter: model.RecordFilter{Since: day(2026, 3, 4), Until: day(2026, 3, 5), TenantID: "oak"}}, ""},
		{"RFC 3339 in a zone", ExportFlags{Since: "2026-03-04T09:00:00-08:00", Until: "2026-03-04T18:00:00Z", Out: filepath.Join(dir, "x.jsonl")},
			ExportPlan{Filter: model.RecordFilter{Since: time.Date(2026, 3, 4, 17, 0, 0, 0, time.UTC), Until: time.Date(2026, 3, 4, 18, 0, 0, 0, time.UTC)}, Out: filepath.Join(dir, "x.jsonl")}, ""},
		{"dash is stdout", ExportFlags{Since: "2026-01-01", Until: "2026-01-02", Out: "-"},
			ExportPlan{Filter: model.RecordFilter{Since: day(2026, 1, 1), Until: day(2026, 1, 3)}}, ""},
		{"missing since", ExportFlags{Until: "2026-01-01"}, ExportPlan{}, "--since and --until are both required"},
		{"bad date", ExportFlags{Since: "2026-13-01", Until: "2026-12-01"}, ExportPlan{}, `--since: "2026-13-01" is not a date`},
		{"hostile date", ExportFlags{Since: "2026-01-01", Until: "x\x1b[2Jy"}, ExportPlan{}, `--until: "xy" is not a date`},
		{"reversed", ExportFlags{Since: "2026-02-01", Until: "2026-01-01"}, ExportPlan{}, "--since 2026-02-01 is after --until 2026-01-01"},
		{"no such directory", ExportFlags{Since: "2026-01-01", Until: "2026-01-02", Out: filepath.Join(dir, "nope", "x.jsonl")}, ExportPlan{}, "does not exist"},
		{"a directory", ExportFlags{Since: "2026-01-01", Until: "2026-01-02", Out: dir}, ExportPlan{}, "is a directory"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := ParseExportFlags(c.fl)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) || !IsInputError(err) {
					t.Fatalf("got %v, want an input error saying %q", err, c.wantErr)
				}
				return
			}
			if err != nil || !got.Filter.Since.Equal(c.want.Filter.Since) || !got.Filter.Until.Equal(c.want.Filter.Until) ||
				got.Filter.TenantID != c.want.Filter.TenantID || got.Out != c.want.Out {
				t.Fatalf("got %+v, %v; want %+v", got, err, c.want)
			}
		})
	}
}

func TestRunExportChecksTheTenant(t *testing.T) {
	src := hostileSource()
	f := model.RecordFilter{Since: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Until: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), TenantID: "elm"}
	var out bytes.Buffer
	if _, _, err := RunExport(context.Background(), src, model.Actor{}, ExportPlan{Filter: f}, &out); !IsInputError(err) || out.Len() != 0 {
		t.Fatalf("unknown tenant: %v, wrote %d bytes", err, out.Len())
	}
}
