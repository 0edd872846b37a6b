package console

import (
	"testing"
	"time"
)

// TestUrgencyUntil checks that a level holds right up to urgencyUntil and
// changes exactly there, which is what lets the queue skip recounting.
func TestUrgencyUntil(t *testing.T) {
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skip(err)
	}
	due := time.Date(2025, 3, 31, 23, 59, 59, int(time.Second-time.Millisecond), loc) // week spans the DST change
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, loc)
	for _, want := range []urgencyLevel{notUrgent, dueSoon, overdue} {
		_, level := urgency(now, due, loc)
		if level != want {
			t.Fatalf("at %v: level %d, want %d", now, level, want)
		}
		until := urgencyUntil(due, loc, level)
		if level == overdue {
			if !until.IsZero() {
				t.Fatalf("overdue changes at %v", until)
			}
			break
		}
		if _, l := urgency(until.Add(-time.Nanosecond), due, loc); l != level {
			t.Fatalf("level %d ends before %v", level, until)
		}
		if until.Truncate(time.Minute) != until {
			t.Errorf("level %d changes off a minute boundary: %v", level, until)
		}
		now = until
	}
}
