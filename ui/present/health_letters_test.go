package present

import (
	"strings"
	"testing"
	"time"

	"github.com/custodian-dev/custodian/model"
)

// TestHealthLinesLetters: a delivery that gave up and a message stuck
// sending are marked for on-call, with the count and the age of the oldest;
// an outbox with neither is a quiet line.
func TestHealthLinesLetters(t *testing.T) {
	now := time.Date(2026, 12, 4, 17, 0, 0, 0, time.UTC)
	old := now.Add(-3 * time.Hour)
	line := func(h model.Health) HealthLine {
		for _, l := range HealthLines(h) {
			if l.Label == "letters" {
				return l
			}
		}
		t.Fatal("no letters line")
		return HealthLine{}
	}
	quiet := line(model.Health{At: now})
	if quiet.Attention || quiet.Value != "none failed, none stuck sending" {
		t.Errorf("quiet outbox: %+v", quiet)
	}
	l := line(model.Health{At: now, Letters: model.LetterHealth{Failed: 2, OldestFailed: &old, Stuck: 1}})
	if !l.Attention {
		t.Error("failed letters are not marked")
	}
	for _, want := range []string{"failed 2", "oldest queued 2026-12-04 14:00", "(3h 0m ago)", "stuck sending 1"} {
		if !strings.Contains(l.Value, want) {
			t.Errorf("%q lacks %q", l.Value, want)
		}
	}
}
