package present

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/custodian-dev/custodian/model"
)

// Each health figure is marked when on-call must act: a claim a crash
// left, a failure, a verification never run or failed.
func TestHealthLinesAttention(t *testing.T) {
	now := time.Date(2026, 12, 4, 17, 0, 0, 0, time.UTC)
	fresh, stale := now.Add(-10*time.Second), now.Add(-3*time.Hour)
	base := model.Health{At: now, Kind: "embedded FerretDB (SQLite)", Version: "FerretDB v1.24.2", RoundTrip: 400 * time.Microsecond,
		Verify: &model.VerifyRecord{At: now.Add(-time.Hour), OK: true, Events: 12, Line: "ok 12 events"}}
	attention := func(h model.Health) map[string]bool {
		out := map[string]bool{}
		for _, l := range HealthLines(h) {
			if l.Attention {
				out[l.Label] = true
			}
		}
		return out
	}
	for _, c := range []struct {
		name string
		edit func(*model.Health)
		want []string
	}{
		{"all well", func(*model.Health) {}, nil},
		{"a write in flight", func(h *model.Health) { h.ClaimsPending, h.OldestClaim = 1, &fresh }, nil},
		{"a claim a crash left", func(h *model.Health) { h.ClaimsPending, h.OldestClaim = 2, &stale }, []string{"claims pending"}},
		{"a failure", func(h *model.Health) { h.Failed = []model.Failure{{ID: "R-1", At: stale, Reason: "boom"}} }, []string{"failed requests"}},
		{"never verified", func(h *model.Health) { h.Verify = nil }, []string{"last audit verify"}},
		{"verify failed", func(h *model.Health) { h.Verify = &model.VerifyRecord{At: stale, Line: "FAILED at seq 3"} }, []string{"last audit verify"}},
	} {
		h := base
		c.edit(&h)
		got := attention(h)
		if len(got) != len(c.want) {
			t.Errorf("%s: marked %v, want %v", c.name, got, c.want)
		}
		for _, w := range c.want {
			if !got[w] {
				t.Errorf("%s: %q not marked (marked %v)", c.name, w, got)
			}
		}
	}
	var b bytes.Buffer
	h := base
	h.ClaimsPending, h.OldestClaim = 2, &stale
	if err := WriteHealth(&b, h, false); err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"! claims pending", "2, oldest 2026-12-04 14:00 UTC (3h 0m ago)", "round trip", "0.4 ms"} {
		if !strings.Contains(b.String(), w) {
			t.Errorf("text report lacks %q:\n%s", w, b.String())
		}
	}
}

func TestWriteFailuresEmptyAndJSON(t *testing.T) {
	var b bytes.Buffer
	if err := WriteFailures(&b, nil, time.Now(), true); err != nil || strings.TrimSpace(b.String()) != "[]" {
		t.Errorf("empty JSON list = %q, %v; want []", b.String(), err)
	}
	b.Reset()
	if err := WriteFailures(&b, nil, time.Now(), false); err != nil || !strings.Contains(b.String(), "no failed requests") {
		t.Errorf("empty text list = %q, %v", b.String(), err)
	}
}
