package model

import (
	"testing"
	"time"
)

func TestFormatPhone(t *testing.T) {
	cases := []struct{ in, want string }{
		{"4155550132", "(415) 555-0132"},
		{"+1 415.555.0132", "(415) 555-0132"},
		{"415-555-0132 x12", "(415) 555-0132 ext. 12"},
		{"+44 20 7946 0958", "+442079460958"},
		{"not a phone", "not a phone"},
	}
	for _, c := range cases {
		if got := FormatPhone(c.in); got != c.want {
			t.Errorf("FormatPhone(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestLocalStamp(t *testing.T) {
	la, err := time.LoadLocation("America/Los_Angeles")
	if err != nil {
		t.Skip("no tz database:", err)
	}
	cases := []struct {
		at   time.Time
		want string
	}{
		{time.Date(2026, 3, 10, 17, 30, 0, 0, time.UTC), "2026-03-10 10:30 PDT"},
		{time.Date(2026, 1, 2, 7, 0, 0, 0, time.UTC), "2026-01-01 23:00 PST"},
		{time.Time{}, ""},
	}
	for _, c := range cases {
		if got := LocalStamp(c.at, la); got != c.want {
			t.Errorf("LocalStamp(%v) = %q, want %q", c.at, got, c.want)
		}
	}
}
